// Chooses the code source from the effective mode: managed `mode` wins over the user's option;
// `auto` = native when its `hello` works, else browser mode (unless the organisation forbids it).
import type { EffectiveSettings } from '../../shared/settings';
import { NativeSource, TransportError } from './native';
import type { CodeSource, ProtocolAnswer, ProtocolRequest } from './types';

export type OpenBrowser = (s: EffectiveSettings) => Promise<CodeSource>;

/** A protocol-shaped error answer for failures that produced no answer. */
export function errorAnswer(code: string, detail = ''): ProtocolAnswer {
  return { id: null, ok: false, error: { code, message: '', detail } };
}

/** How long an `auto` decision for browser mode (native host missing) is kept before retrying. */
const AUTO_RETRY_MS = 30_000;

export class SourceManager {
  private native: NativeSource | null = null;
  private browser: Promise<CodeSource> | null = null;
  private decided: { source: CodeSource; until: number } | null = null;

  constructor(
    private readonly settings: () => Promise<EffectiveSettings>,
    private readonly openBrowser: OpenBrowser,
    private readonly makeNative: () => NativeSource = () => new NativeSource(),
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The native source (for browser-mode migration), whatever the mode. */
  nativeSource(): NativeSource {
    return this.getNative();
  }

  private getNative(): NativeSource {
    return (this.native ??= this.makeNative());
  }

  private async getBrowser(s: EffectiveSettings): Promise<CodeSource> {
    return (this.browser ??= this.openBrowser(s));
  }

  /** Forget decisions (settings changed, or the user asked to retry). */
  invalidate(): void {
    this.decided = null;
    const b = this.browser;
    this.browser = null;
    b?.then((src) => src.close()).catch(() => {});
  }

  /** Sends a request to a source; transport failures become error answers. */
  static async ask(src: CodeSource, req: ProtocolRequest): Promise<ProtocolAnswer> {
    try {
      return await src.request(req);
    } catch (e) {
      if (e instanceof TransportError) return errorAnswer(e.code, e.message);
      return errorAnswer('extension_error', e instanceof Error ? e.message : String(e));
    }
  }

  /** The source for the current settings, or an error answer when none can be used. */
  async current(): Promise<CodeSource | ProtocolAnswer> {
    const s = await this.settings();
    if (s.mode === 'native') return this.getNative();
    if (s.mode === 'browser') {
      if (!s.allowBrowserStorage) return errorAnswer('browser_mode_forbidden');
      return this.getBrowser(s);
    }
    // auto
    const d = this.decided;
    if (d && this.now() < d.until) return d.source;
    const native = this.getNative();
    const hello = await SourceManager.ask(native, { type: 'hello' });
    if (hello.ok || !s.allowBrowserStorage || !isTransportCode(hello.error.code)) {
      this.decided = { source: native, until: Infinity };
      return native;
    }
    const browser = await this.getBrowser(s);
    const bh = await SourceManager.ask(browser, { type: 'hello' });
    if (!bh.ok && bh.error.code === 'browser_mode_unavailable') {
      // Browser mode is not usable either: keep the native source so its error (how to install
      // the host) is what people see. Retry soon.
      this.decided = { source: native, until: this.now() + 5_000 };
      return native;
    }
    this.decided = { source: browser, until: this.now() + AUTO_RETRY_MS };
    return browser;
  }

  /** Sends a request to the current source. */
  async request(req: ProtocolRequest): Promise<ProtocolAnswer> {
    const src = await this.current();
    if (!isSource(src)) return src;
    const a = await SourceManager.ask(src, req);
    if (!a.ok && src.kind === 'native' && isTransportCode(a.error.code)) {
      // In auto mode a dead host lets the next request decide again.
      if (this.decided?.source === src) this.decided = null;
    }
    return a;
  }
}

export function isSource(x: CodeSource | ProtocolAnswer): x is CodeSource {
  return typeof (x as CodeSource).request === 'function';
}

export function isTransportCode(code: string): boolean {
  return code === 'host_not_installed' || code === 'host_forbidden' || code === 'host_exited' || code === 'host_timeout';
}
