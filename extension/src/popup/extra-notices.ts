// The one place the popup renders notices that other parts of the extension keep (rejected
// codes, a court clock far off: P-background's `notices.ts`, on its own branch). Until that
// module is merged this renders nothing; at merge time this body becomes
// `return (await import('./notices')).renderNotices(box)` (or its equivalent), nothing else.
export async function renderExtraNotices(box: HTMLElement): Promise<void> {
  box.hidden = box.childElementCount === 0;
}
