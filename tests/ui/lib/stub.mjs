// A scripted background for the extension's own pages. Installed as a Playwright init script in
// the real chrome-extension:// page (real chrome.i18n, real CSS, real fonts): only
// runtime.sendMessage (the background), tabs.query (the current tab), the clipboard and
// window.close are replaced, so that what a scenario shows is fixed and the time is fixed too
// (page.clock). This is a mock of the background by design: the e2e suites (tests/e2e) drive the
// real one; these tests are about how the pages look and behave for people.

/** Runs in the page before its scripts. `sc` is a scenario (see scenarios.mjs). */
export function pageStub(sc) {
  const state = JSON.parse(JSON.stringify(sc));
  window.__sent = [];
  window.__copied = [];
  window.__closed = 0;
  const err = (code) => ({ ok: false, error: { code, message: '' } });
  const codeOf = (acc) => {
    // A fixed code per account (deterministic screenshots), and its "next" one.
    let h = 7;
    for (const ch of `${acc.authenticator}/${acc.user}`) h = (h * 31 + ch.charCodeAt(0)) % 1000003;
    const c = String(h % 1000000).padStart(6, '0');
    const n = String((h * 7 + 13) % 1000000).padStart(6, '0');
    return { c, n };
  };
  const reply = (msg) => {
    switch (msg.kind) {
      case 'status':
        return { mode: state.mode, source: state.source, hello: state.hello };
      case 'accounts':
        return state.accountsError ? err(state.accountsError) : { ok: true, accounts: state.accounts };
      case 'systems':
        return { ok: true, registry: 'test', systems: state.systems };
      case 'peek': {
        const acc = state.accounts.find((a) => a.authenticator === msg.authenticator && a.user === msg.user);
        if (!acc) return err('unknown_account');
        const { c, n } = codeOf(acc);
        const valid = state.validFor?.[`${acc.authenticator}/${acc.user}`] ?? 21;
        return { ok: true, code: c, next_code: n, valid_for_s: valid, period: 30, step: 1, authenticator: acc.authenticator, user: acc.user };
      }
      case 'label': {
        const acc = state.accounts.find((a) => a.authenticator === msg.authenticator && a.user === msg.user);
        if (!acc) return err('unknown_account');
        acc.label = msg.label.trim() || null;
        return { ok: true, authenticator: acc.authenticator, user: acc.user, label: acc.label };
      }
      case 'remove': {
        const i = state.accounts.findIndex((a) => a.authenticator === msg.authenticator && a.user === msg.user);
        if (i < 0) return err('unknown_account');
        state.accounts.splice(i, 1);
        return { ok: true, removed: true };
      }
      case 'get-settings':
        return state.settings;
      case 'browser-mode':
        if (msg.command?.op === 'state') return { ok: true, state: state.bmState ?? 'not_set_up' };
        if (msg.command?.op === 'pending-migration') return { ok: true, journal: null };
        return err('wrong_passphrase');
      case 'import':
        return state.importReply?.[msg.request?.type] ?? err('unknown_type');
      case 'clock':
        return state.clock ?? { host: msg.host ?? null, clock: { offsetMs: 0, state: 'none' }, estimateMs: null, samples: 0 };
      case 'login-reset': {
        const acc = state.accounts.find((a) => a.authenticator === msg.authenticator && a.user === msg.user);
        if (!acc) return err('unknown_account');
        acc.rejection = null;
        return { ok: true, rejection: null };
      }
      case 'restore': {
        const acc = state.accounts.find((a) => a.authenticator === msg.authenticator && a.user === msg.user);
        if (!acc?.replaced_kept) return err('nothing_to_restore');
        acc.replaced_kept = false;
        return { ok: true, restored: true };
      }
      default:
        return { ok: true };
    }
  };
  const fakeSend = async (msg) => {
    window.__sent.push(msg);
    return JSON.parse(JSON.stringify(reply(msg)));
  };
  // Chrome now also has `browser` (the extension's pages use it when present): both get the stub.
  for (const api of new Set([globalThis.browser, globalThis.chrome].filter((x) => x && x.runtime))) {
    Object.defineProperty(api.runtime, 'sendMessage', { value: fakeSend, configurable: true, writable: true });
    Object.defineProperty(api.runtime, 'openOptionsPage', { value: async () => {}, configurable: true, writable: true });
    Object.defineProperty(api, 'tabs', { value: { query: async () => (state.tabUrl ? [{ id: 1, url: state.tabUrl }] : [{ id: 1 }]), create: async () => ({}) }, configurable: true });
  }
  Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t) => { window.__copied.push(t); } }, configurable: true });
  window.close = () => { window.__closed++; };
}
