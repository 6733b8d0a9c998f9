// Where a content script's request comes from, as the browser reports it. The page's own idea of
// its URL is never used: only the sender's URL, only from a tab's top frame.

type Sender = chrome.runtime.MessageSender;

export function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** The top-frame page URL of a content script's sender, as the browser reports it, or an error code. */
export function pageUrlOf(sender: Sender, extensionId: string): { url: string; tabId: number } | { error: string } {
  if (sender.id !== extensionId) return { error: 'extension_error' };
  if (!sender.tab || typeof sender.tab.id !== 'number' || sender.frameId !== 0) return { error: 'not_top_frame' };
  const url = sender.url ?? sender.tab.url;
  if (!url) return { error: 'page_changed' };
  // If the browser also tells us the tab's URL, both must be the same origin (no navigation race).
  if (sender.tab.url && originOf(sender.tab.url) !== originOf(url)) return { error: 'page_changed' };
  return { url, tabId: sender.tab.id };
}
