// The browser-mode code source: the WASM builds of the Rust core over the encrypted store. One
// request at a time (a queue), so that two tabs asking at once never hand out the same step or
// lose a write.
//
// Two modules answer. The login module (wasm/login: no JSON or URL parser, 39 KB gzip) answers
// what every login page asks, `hello` and `code` for the page, with the core's own functions
// (`resolve_page`, `choose_account`, the fresh-code rule); this file only assembles its results
// into the protocol answer. Everything else (enrollment, popup, options, a refused page, malformed
// requests) goes to the full module (`handle`, the very handler of the native host), loaded on
// first use. wasm/tests/login.test.mjs checks that both give the same answers.

import type { CodeSource, ProtocolAnswer, ProtocolRequest } from '../sources/types';
import { type BrowserModeErrorCode, StoreError, messageFor } from './errors';
import { EncryptedStore, type StorageAreaLike, EMPTY_VAULT } from './store';
import type { CoreApi, LoginApi, LoginCode } from './wasm';
import { migrateToNative, type MigrationReport, readJournal, type MigrationJournal } from './migrate';

export interface BrowserSourceDeps {
  /** The login module: `hello` and the page's `code`. */
  login: LoginApi;
  /** The full core module, or (`loadCore`) how to load it on the first request that needs it. */
  core?: CoreApi;
  loadCore?: () => Promise<CoreApi>;
  local: StorageAreaLike;
  session?: StorageAreaLike | null;
  now?: () => number;
  /** Language of protocol messages; default pt-BR like the native host ("en" in some tests). */
  lang?: () => string;
  iterations?: number;
  allowWeakKdf?: boolean;
  lockAfterMinutes?: number | null;
}

export interface ImportReport {
  /** Accounts added to the store. */
  added: number;
  /** Accounts already there with the same key. */
  unchanged: number;
  /** Accounts stored here with a different key: kept as they were, the file's key not imported. */
  conflicts: { authenticator: string; user: string }[];
}

interface VaultAccount {
  authenticator: string;
  user: string;
  label?: string | null;
  algorithm?: string;
  digits?: number;
  period?: number;
  created?: number;
  last_step?: number | null;
  secret: string;
  /** Issue 10 (core vault format): the court's refusals, a kept replaced key. */
  rejection?: { count: number; at_ms: number; step?: number } | null;
  replaced_at?: number | null;
  replaced?: unknown;
}

interface VaultFile {
  format: string;
  v: number;
  accounts: VaultAccount[];
}

// `label` writes the vault; `import_preview` compares a file with the stored keys and
// `import_apply` stores them (issue 11, options page): all need the vault, like the others.
// `export` (Google Authenticator transfer codes, options page, on request) reads every key.
// `login_result` (the court's answer to a code: rejection records) and `restore` (a replaced key
// kept by `enroll replace`) are issue 10's: both read and write accounts in the vault.
const STORE_KINDS = new Set(['accounts', 'code', 'enroll', 'remove', 'label', 'import_preview', 'import_apply', 'export', 'login_result', 'restore']);

/** The fields of a vault account the login path knows. An account with any other field (a
 * rejection record, a kept replaced key, whatever the core's vault format adds) is answered by
 * the full module, which applies the core's rules to it (rejection policy, `code_withheld`). */
const LOGIN_PATH_FIELDS: ReadonlySet<string> = new Set(['authenticator', 'user', 'label', 'algorithm', 'digits', 'period', 'created', 'last_step', 'secret',
  // A kept replaced key changes nothing in a page's code; a rejection record is read below.
  'replaced_at', 'replaced', 'rejection']);
const emptyField = (v: unknown): boolean =>
  v === null || v === undefined || v === false || (Array.isArray(v) && v.length === 0);
/** The protocol's bound on `clock_offset_ms` (docs/protocol.md): beyond it the full module answers
 * `invalid_request`. */
const MAX_CLOCK_OFFSET_MS = 600_000;

/** Bounds of `parse_request` (core/src/protocol.rs) the login path must respect to answer alike. */
const MAX_URL_LEN = 8 * 1024;
const MAX_USER_LEN = 256;
/** Largest `last_step` a vault may hold (wasm/src/lib.rs MAX_STEP). */
const MAX_STEP = 2 ** 40;
const utf8 = new TextEncoder();

interface PageCodeRequest {
  id: number;
  type: 'code';
  url: string;
  user?: string | null;
  peek?: boolean;
  clock_offset_ms?: number;
}

/** A `code` request for a page that the login module answers exactly as `handle` would; anything
 * else (an `authenticator` target, wrong field types, over-long fields, non-ASCII URLs) goes to
 * the full module, which gives the exact error. */
function isPageCodeRequest(req: Record<string, unknown>): req is Record<string, unknown> & PageCodeRequest {
  const { url, user, peek, authenticator, clock_offset_ms: offset } = req;
  return req.type === 'code'
    && typeof url === 'string' && url.length <= MAX_URL_LEN && /^[\x20-\x7e]*$/.test(url)
    && (user === undefined || user === null || (typeof user === 'string' && utf8.encode(user).length <= MAX_USER_LEN))
    && (peek === undefined || typeof peek === 'boolean')
    && (offset === undefined || (Number.isSafeInteger(offset) && Math.abs(offset as number) <= MAX_CLOCK_OFFSET_MS))
    && authenticator === undefined;
}

/** One account of the store, as `claimed` keys it (user names compare without case or spaces). */
function accountKey(a: { authenticator: string; user: string }): string {
  return `${a.authenticator}\n${String(a.user).trim().toLowerCase()}`;
}

export function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Parses a vault JSON after the core has checked it. */
export function parseVault(json: string): VaultFile {
  return JSON.parse(json) as VaultFile;
}

export class BrowserSource implements CodeSource {
  readonly kind = 'browser' as const;
  readonly store: EncryptedStore;
  readonly login: LoginApi;
  private core: CoreApi | null;
  private readonly loadCore: (() => Promise<CoreApi>) | null;
  /** The organisation's `extraSystems` (JSON) in force: applied to the full module when it loads. */
  private extraJson = '';
  private readonly local: StorageAreaLike;
  private readonly now: () => number;
  private readonly lang: () => string;
  private nextId = 1;
  /** Shared by every instance of this JS context: a source replaced after a settings change must
   * not run beside the one it replaces. */
  private static queue: Promise<unknown> = Promise.resolve();
  /** Work that must finish before the next queued operation, but after the answer: the step
   * record of a page code (set during an operation, taken when it ends). */
  private static tail: Promise<unknown> | null = null;
  /** Steps this worker handed out, per storage area and account: a step whose record is still
   * being written, or failed to be written, is never handed out again while the worker lives. */
  private static claimedByArea = new WeakMap<object, Map<string, number>>();
  private exportDisabled = false;
  /** Tests only: stores and imported files with fewer PBKDF2 iterations. */
  private readonly allowWeakKdf: boolean;

  constructor(deps: BrowserSourceDeps) {
    this.login = deps.login;
    this.core = deps.core ?? null;
    this.loadCore = deps.loadCore ?? null;
    if (!this.core && !this.loadCore) throw new Error('browser mode needs the core module or a way to load it');
    this.local = deps.local;
    this.now = deps.now ?? (() => Date.now());
    this.lang = deps.lang ?? (() => 'pt-BR');
    this.allowWeakKdf = deps.allowWeakKdf === true;
    this.store = new EncryptedStore({
      local: deps.local,
      session: deps.session ?? null,
      now: this.now,
      iterations: deps.iterations,
      allowWeakKdf: deps.allowWeakKdf,
      lockAfterMinutes: deps.lockAfterMinutes,
    });
  }

  /** Runs `fn` after every operation queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = BrowserSource.queue.then(fn, fn);
    const takeTail = () => {
      const t = BrowserSource.tail;
      BrowserSource.tail = null;
      return t;
    };
    BrowserSource.queue = run.then(takeTail, takeTail).catch(() => undefined);
    return run;
  }

  // ------------------------------------------------------------------ policy (optional extras the extension uses)

  /** The full core module, loaded on first use (with the `extraSystems` in force). */
  private async full(): Promise<CoreApi> {
    if (!this.core) {
      const core = await this.loadCore!();
      if (this.extraJson) core.set_extra_systems(this.extraJson);
      this.core = core;
    }
    return this.core;
  }

  /** The organisation's `extraSystems`, as the native host reads them from policy. Applied in
   * request order (queued), to both modules: the full module validates them and gives the login
   * module their canonical form. Refused systems leave both registries as they were. */
  setExtraSystems(systems: unknown[] | null | undefined): Promise<void> {
    const json = systems && systems.length ? JSON.stringify(systems) : '';
    return this.serial(async () => {
      if (json === this.extraJson) return; // already in force (the source is re-opened on every settings change)
      if (!json) {
        this.extraJson = '';
        this.login.set_extra_systems([], [], [], [], []);
        this.core?.set_extra_systems('');
        return;
      }
      const core = await this.full();
      const err = core.set_extra_systems(json);
      if (err) {
        console.warn('eproc-a2f: extraSystems refused by the core:', err);
        return;
      }
      this.extraJson = json;
      const canon = JSON.parse(core.canonical_extra_systems(json)) as {
        ok: boolean;
        systems?: { id: string; name: string; app: string; login: string[]; authenticator: string }[];
      };
      const list = canon.systems ?? [];
      const loginErr = this.login.set_extra_systems(list.map((x) => x.id), list.map((x) => x.name), list.map((x) => x.app),
        list.map((x) => x.login.join(' ')), list.map((x) => x.authenticator));
      if (loginErr) console.warn('eproc-a2f: extraSystems refused by the login module:', loginErr);
    });
  }

  setLockAfterMinutes(minutes: number | null | undefined): void {
    this.store.setLockAfterMinutes(minutes);
  }

  setPolicy(p: { extraSystems?: unknown[]; lockAfterMinutes?: number | null; disableExport?: boolean }): void {
    if (p.extraSystems !== undefined) void this.setExtraSystems(p.extraSystems);
    if (p.lockAfterMinutes !== undefined) this.setLockAfterMinutes(p.lockAfterMinutes);
    this.exportDisabled = p.disableExport === true;
  }

  // ------------------------------------------------------------------ protocol

  private errorAnswer(id: unknown, code: BrowserModeErrorCode, detail = ''): ProtocolAnswer {
    return { id, ok: false, error: { code, message: messageFor(code, this.lang()), ...(detail ? { detail } : {}) } };
  }

  /** One call of the full module; returns the answer and the new vault JSON (null: unchanged). */
  private async call(req: Record<string, unknown>, vaultJson: string): Promise<{ answer: ProtocolAnswer | null; vault: string | null; error?: string }> {
    return this.callWith(await this.full(), req, vaultJson);
  }

  private callWith(core: CoreApi, req: Record<string, unknown>, vaultJson: string): { answer: ProtocolAnswer | null; vault: string | null; error?: string } {
    const out = JSON.parse(core.handle(JSON.stringify(req), vaultJson, this.now(), this.lang())) as {
      answer: ProtocolAnswer | null;
      vault: string | null;
      vault_error?: string;
    };
    return { answer: out.answer, vault: out.vault, error: out.vault_error };
  }

  request(req: ProtocolRequest): Promise<ProtocolAnswer> {
    const id = this.nextId++;
    return this.serial(() => this.serve({ ...req, id }));
  }

  private async serve(req: Record<string, unknown> & { id: number }): Promise<ProtocolAnswer> {
    const type = req.type;
    if (type === 'hello') {
      // What core::service answers to `hello`, with this store's state.
      return {
        id: req.id, ok: true, protocol: this.login.protocol_version(), version: this.login.version(),
        registry: this.login.registry_version(), mode: 'browser', store: await this.storeStatus(),
      };
    }
    if (isPageCodeRequest(req)) return this.servePageCode(req);
    if (!STORE_KINDS.has(String(type))) {
      // systems and malformed requests never need the keys.
      const { answer } = await this.call(req, EMPTY_VAULT);
      if (answer && answer.ok && type === 'hello') {
        (answer as Record<string, unknown>).store = await this.storeStatus();
      }
      return answer ?? this.errorAnswer(req.id, 'store_corrupt');
    }
    const read = await this.readVault(req.id);
    return 'answer' in read ? read.answer : this.serveFull(req, read.json);
  }

  /** The store's vault JSON, or the answer that says why it cannot be read (locked, not set up,
   * damaged). */
  private async readVault(id: unknown): Promise<{ json: string } | { answer: ProtocolAnswer }> {
    try {
      return { json: await this.store.read() };
    } catch (e) {
      if (e instanceof StoreError) return { answer: this.errorAnswer(id, e.code, e.detail) };
      throw e;
    }
  }

  /** Answers with the full module over the store's vault, and stores what it changed. */
  private async serveFull(req: Record<string, unknown> & { id: number }, vaultJson: string): Promise<ProtocolAnswer> {
    const { answer, vault, error } = await this.call(req, vaultJson);
    if (!answer) return this.errorAnswer(req.id, 'store_corrupt', error ?? 'the vault cannot be read');
    if (vault !== null) {
      try {
        await this.store.write(vault);
      } catch (e) {
        // The code must not be used: its step was not recorded.
        if (e instanceof StoreError) return this.errorAnswer(req.id, e.code, e.detail);
        throw e;
      }
    }
    await this.store.touch();
    return answer;
  }

  /** `code` for a page, with the login module: resolve the page (split by the browser's URL
   * parser), choose the account, compute the code, record its step. Any case the login module
   * does not answer exactly goes to the full module with the same vault. */
  private async servePageCode(req: PageCodeRequest): Promise<ProtocolAnswer> {
    // Only a URL in the browser's own serialization (what `sender.url` always is): then the
    // browser's parser and the core's (`parse_web_url`, with its refusals of `%` and punycode in
    // hosts) see the same host and path. Anything else goes to the full module.
    let page: URL | null = null;
    try {
      page = new URL(req.url);
      if (page.href !== req.url) page = null;
    } catch {
      page = null;
    }
    const read = await this.readVault(req.id);
    if ('answer' in read) return read.answer;
    const vaultJson = read.json;
    const full = () => this.serveFull(req as unknown as Record<string, unknown> & { id: number }, vaultJson);
    let vault: VaultFile;
    try {
      vault = parseVault(vaultJson.trim() === '' || vaultJson.trim() === 'null' ? EMPTY_VAULT : vaultJson);
    } catch {
      return full();
    }
    if (!page || vault?.format !== 'eproc-a2f-vault' || vault.v !== 1 || !Array.isArray(vault.accounts)) return full();
    const accounts = vault.accounts;
    let claimed = BrowserSource.claimedByArea.get(this.local);
    if (!claimed) BrowserSource.claimedByArea.set(this.local, (claimed = new Map()));
    for (const a of accounts) {
      const mine = claimed.get(accountKey(a));
      if (mine !== undefined && (typeof a.last_step !== 'number' || a.last_step < mine)) a.last_step = mine;
    }
    const choice = this.login.choose(page.protocol.replace(/:$/, ''), page.username !== '' || page.password !== '',
      page.hostname, page.port, page.pathname, page.search.replace(/^\?/, ''),
      accounts.map((a) => String(a.authenticator)), accounts.map((a) => String(a.user)), req.user ?? undefined, this.lang());
    const { kind, index, message } = choice;
    const candidates = Array.from(choice.candidates);
    const authenticator = choice.authenticator ?? null;
    const system = choice.system ?? null;
    choice.free();
    if (kind === 'no_account' || kind === 'choose_account' || kind === 'unknown_account') {
      const error: Record<string, unknown> = { code: kind, message, authenticator };
      if (kind !== 'no_account') error.accounts = candidates.map((i) => ({ user: accounts[i]!.user, label: accounts[i]!.label ?? null }));
      await this.store.touch();
      return { id: req.id, ok: false, error } as ProtocolAnswer;
    }
    const acc = kind === 'one' ? accounts[index] : undefined;
    const last = acc?.last_step ?? null;
    if (!acc || (last !== null && !(Number.isInteger(last) && last >= 0 && last <= MAX_STEP))) return full();
    // Fields the login path does not know: the core's rules, in the full module.
    if (Object.entries(acc).some(([k, v]) => !LOGIN_PATH_FIELDS.has(k) && !emptyField(v))) return full();
    const peek = req.peek === true;
    // The court refused this account's codes (issue 10): the core's policy through the login
    // module; a code withheld (or a build without the policy) is the full module's answer.
    let rejection: Record<string, unknown> | null = null;
    if (!emptyField(acc.rejection)) {
      const rec = acc.rejection as { count?: unknown; at_ms?: unknown };
      if (typeof this.login.rejection_state !== 'function' || typeof rec.count !== 'number' || typeof rec.at_ms !== 'number') return full();
      const st = this.login.rejection_state(rec.count, rec.at_ms, this.now());
      const r = { applies: st.applies, count: st.count, at_ms: st.at_ms, until_ms: st.until_ms, auto_submit: st.auto_submit, fill: st.fill };
      st.free();
      if (r.applies) {
        if (!r.fill && !peek) return full();
        rejection = { count: r.count, at_ms: r.at_ms, until_ms: r.until_ms, auto_submit: r.auto_submit, fill: r.fill };
      }
    }
    const digits = acc.digits ?? 6;
    const period = acc.period ?? 30;
    // Codes at the court's time (issue 10): the background's estimate from the court's `Date`.
    const offset = typeof req.clock_offset_ms === 'number' ? req.clock_offset_ms : 0;
    let c: LoginCode;
    try {
      c = offset !== 0 && typeof this.login.court_code === 'function'
        ? this.login.court_code(String(acc.secret), acc.algorithm ?? 'SHA1', digits, period, this.now(), offset, last, peek)
        : this.login.code(String(acc.secret), acc.algorithm ?? 'SHA1', digits, period, this.now() + offset, last, peek);
    } catch {
      return full(); // a damaged account: the full module says store_corrupt, writing nothing
    }
    const answer = {
      id: req.id, ok: true, code: c.code, authenticator: acc.authenticator, system, user: acc.user,
      label: acc.label ?? null, valid_for_s: c.valid_for_s, wait_ms: c.wait_ms, step: c.step, digits, period,
      warnings: [] as string[],
      // As core::service answers (issue 10): the offset used, and the account's rejection.
      clock_offset_ms: offset,
      rejection,
    };
    c.free();
    if (peek) {
      await this.store.touch();
      return answer as unknown as ProtocolAnswer;
    }
    // Answer first, record the step right after: the code is in the field ~3 ms sooner. The next
    // operation waits for the write (the queue's tail), and this worker never hands the step out
    // again even if the write fails (`claimed`). What a failed or interrupted write can cost is
    // what the host's `step_not_recorded` costs: a later fill in the same 30 s step may reuse the
    // code after a browser restart, and eproc refuses it once. Keys are never written here.
    acc.last_step = answer.step;
    claimed.set(accountKey(acc), answer.step);
    BrowserSource.tail = this.store.write(JSON.stringify(vault)).then(
      () => this.store.touch(),
      (e) => console.warn('eproc-a2f: the step record was not written:', e instanceof StoreError ? e.code : String(e)),
    );
    return answer as unknown as ProtocolAnswer;
  }

  /** The authenticator of a page URL (the login module's `resolve_page`, no account needed), for
   * the background's per-tab records; null off the registry. */
  authenticatorOf(url: string): string | null {
    let page: URL;
    try {
      page = new URL(url);
    } catch {
      return null;
    }
    const choice = this.login.choose(page.protocol.replace(/:$/, ''), page.username !== '' || page.password !== '',
      page.hostname, page.port, page.pathname, page.search.replace(/^\?/, ''), [], [], undefined, 'pt-BR');
    const a = choice.kind === 'unknown_site' || choice.kind === 'invalid_request' ? null : (choice.authenticator ?? null);
    choice.free();
    return a;
  }

  private async storeStatus(): Promise<{ state: string; backend: string; detail?: string }> {
    try {
      const s = await this.store.state();
      return { state: s === 'unlocked' ? 'ok' : s === 'locked' ? 'locked' : 'not_set_up', backend: 'browser' };
    } catch (e) {
      return { state: 'error', backend: 'browser', detail: e instanceof StoreError ? e.code : String(e) };
    }
  }

  close(): void {
    /* the key stays unlocked for the other contexts of this session (storage.session) */
  }

  // ------------------------------------------------------------------ store management

  isSetUp(): Promise<boolean> {
    return this.serial(() => this.store.isSetUp());
  }

  isLocked(): Promise<boolean> {
    return this.serial(() => this.store.isLocked());
  }

  /** 'not_set_up' | 'locked' | 'unlocked'; store_corrupt is thrown. */
  state(): Promise<'not_set_up' | 'locked' | 'unlocked'> {
    return this.serial(() => this.store.state());
  }

  setup(passphrase: string): Promise<void> {
    return this.serial(() => this.store.setup(passphrase));
  }

  unlock(passphrase: string): Promise<void> {
    return this.serial(() => this.store.unlock(passphrase));
  }

  lock(): Promise<void> {
    return this.serial(() => this.store.lock());
  }

  /** After store_corrupt: moves the damaged data aside (kept under `bm.quarantine.<time>`), so that
   * setup or import can start over. Refused on a healthy store. Returns the quarantine key. */
  resetCorrupt(): Promise<string> {
    return this.serial(() => this.store.quarantine());
  }

  exportEncrypted(): Promise<string> {
    return this.serial(async () => {
      if (this.exportDisabled) throw new StoreError('export_disabled');
      return this.store.exportEncrypted();
    });
  }

  /** Imports an export file. A store that is not set up takes the file as it is (its passphrase);
   * an unlocked store merges it: new accounts added, same keys skipped, and an account stored here
   * with a different key is kept as it is (reported in `conflicts`). */
  importEncrypted(text: string, passphrase: string): Promise<ImportReport> {
    return this.serial(async () => {
      const opened = await EncryptedStore.openExport(text, passphrase, { allowWeakKdf: this.allowWeakKdf });
      const core = await this.full();
      const checked = JSON.parse(core.normalize_vault(opened.json)) as { ok: boolean; count?: number; vault?: string; detail?: string };
      if (!checked.ok || !checked.vault) throw new StoreError('import_invalid', checked.detail ?? 'the vault inside the file is invalid');
      if (!(await this.store.isSetUp())) {
        await this.store.adopt(opened);
        return { added: checked.count ?? 0, unchanged: 0, conflicts: [] };
      }
      opened.raw.fill(0);
      const current = parseVault(await this.store.read());
      const incoming = parseVault(checked.vault);
      const report: ImportReport = { added: 0, unchanged: 0, conflicts: [] };
      for (const acc of incoming.accounts) {
        const here = current.accounts.find((a) => a.authenticator === acc.authenticator && sameUser(a.user, acc.user));
        if (!here) {
          current.accounts.push(acc);
          report.added++;
        } else if (here.secret === acc.secret) {
          report.unchanged++;
        } else {
          report.conflicts.push({ authenticator: acc.authenticator, user: here.user });
        }
      }
      if (report.added > 0) {
        const merged = JSON.parse(core.normalize_vault(JSON.stringify(current))) as { ok: boolean; vault?: string; detail?: string };
        if (!merged.ok || !merged.vault) throw new StoreError('import_invalid', merged.detail ?? 'merge failed');
        await this.store.write(merged.vault);
      }
      return report;
    });
  }

  // ------------------------------------------------------------------ migration

  /** Moves every key to the native host, each verified there before it is deleted here. */
  migrateToNative(native: CodeSource): Promise<MigrationReport> {
    return this.serial(async () => migrateToNative(await this.migrationContext(), native));
  }

  /** The journal of a migration that has not finished (to offer resuming it), or null. */
  pendingMigration(): Promise<MigrationJournal | null> {
    return this.serial(async () => {
      const j = await readJournal(this.local);
      return j && !j.finished ? j : null;
    });
  }

  private async migrationContext() {
    const core = await this.full();
    return {
      core,
      local: this.local,
      now: this.now,
      readVault: () => this.store.read(),
      writeVault: (json: string) => this.store.write(json),
      call: (req: Record<string, unknown>, vault: string) => this.callWith(core, req, vault),
    };
  }
}
