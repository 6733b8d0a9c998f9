// content-main.js: runs in the page's own JavaScript world (MAIN) at document_start, top frame.
// Its one job: eproc may answer a wrong code with `alert("Código autenticador inválido.")`, which
// the isolated content script cannot see. This wraps window.alert/confirm; when the text is the
// court's rejection of a code, it posts that text (and nothing else) to the content script
// (window.postMessage to this origin, with a private marker; channel.ts validates it). The
// dialog itself is shown unchanged. No extension API exists in this world.
import { MAIN_WORLD_MARK, isRejectionText } from './reject-text';

(() => {
  if (window.top !== window) return;
  const w = window as unknown as Record<string | symbol, unknown>;
  const once = Symbol.for('eproc-a2f.main-world');
  if (w[once]) return;
  Object.defineProperty(w, once, { value: true });
  const post = (dialog: string, message: unknown): void => {
    try {
      const text = String(message ?? '').slice(0, 500);
      if (!isRejectionText(text)) return;
      window.postMessage({ [MAIN_WORLD_MARK]: 1, kind: 'dialog', dialog, text }, location.origin);
    } catch {
      /* never break the page's dialog */
    }
  };
  for (const name of ['alert', 'confirm'] as const) {
    const original = window[name] as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') continue;
    const hooked = {
      [name](this: unknown, ...args: unknown[]): unknown {
        post(name, args[0]);
        return Reflect.apply(original, this, args);
      },
    }[name]!;
    Object.defineProperty(window, name, { value: hooked, writable: true, configurable: true, enumerable: true });
  }
})();
