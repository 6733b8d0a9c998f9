// The browser-mode code source: the WASM build of the Rust core (`handle`, the very handler of the
// native host) over the encrypted store. One request at a time (a queue), so that two tabs asking
// at once never hand out the same step or lose a write.

import type { CodeSource, ProtocolAnswer, ProtocolRequest } from '../sources/types';
import { type BrowserModeErrorCode, StoreError, messageFor } from './errors';
import { EncryptedStore, type StorageAreaLike, EMPTY_VAULT } from './store';
import type { CoreApi } from './wasm';
import { migrateToNative, type MigrationReport, readJournal, type MigrationJournal } from './migrate';

export interface BrowserSourceDeps {
  core: CoreApi;
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
}

interface VaultFile {
  format: string;
  v: number;
  accounts: VaultAccount[];
}

const STORE_KINDS = new Set(['accounts', 'code', 'enroll', 'remove']);

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
  readonly core: CoreApi;
  private readonly local: StorageAreaLike;
  private readonly now: () => number;
  private readonly lang: () => string;
  private nextId = 1;
  /** Shared by every instance of this JS context: a source replaced after a settings change must
   * not run beside the one it replaces. */
  private static queue: Promise<unknown> = Promise.resolve();
  private exportDisabled = false;

  constructor(deps: BrowserSourceDeps) {
    this.core = deps.core;
    this.local = deps.local;
    this.now = deps.now ?? (() => Date.now());
    this.lang = deps.lang ?? (() => 'pt-BR');
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
    BrowserSource.queue = run.catch(() => undefined);
    return run;
  }

  // ------------------------------------------------------------------ policy (optional extras the extension uses)

  /** The organisation's `extraSystems`, as the native host reads them from policy. */
  setExtraSystems(systems: unknown[] | null | undefined): void {
    const err = this.core.set_extra_systems(systems && systems.length ? JSON.stringify(systems) : '');
    if (err) console.warn('eproc-a2f: extraSystems refused by the core:', err);
  }

  setLockAfterMinutes(minutes: number | null | undefined): void {
    this.store.setLockAfterMinutes(minutes);
  }

  setPolicy(p: { extraSystems?: unknown[]; lockAfterMinutes?: number | null; disableExport?: boolean }): void {
    if (p.extraSystems !== undefined) this.setExtraSystems(p.extraSystems);
    if (p.lockAfterMinutes !== undefined) this.setLockAfterMinutes(p.lockAfterMinutes);
    this.exportDisabled = p.disableExport === true;
  }

  // ------------------------------------------------------------------ protocol

  private errorAnswer(id: unknown, code: BrowserModeErrorCode, detail = ''): ProtocolAnswer {
    return { id, ok: false, error: { code, message: messageFor(code, this.lang()), ...(detail ? { detail } : {}) } };
  }

  /** One core call; returns the answer and the new vault JSON (null: unchanged). */
  private call(req: Record<string, unknown>, vaultJson: string): { answer: ProtocolAnswer | null; vault: string | null; error?: string } {
    const out = JSON.parse(this.core.handle(JSON.stringify(req), vaultJson, this.now(), this.lang())) as {
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
    if (!STORE_KINDS.has(String(type))) {
      // hello, systems and malformed requests never need the keys.
      const { answer } = this.call(req, EMPTY_VAULT);
      if (answer && answer.ok && type === 'hello') {
        (answer as Record<string, unknown>).store = await this.storeStatus();
      }
      return answer ?? this.errorAnswer(req.id, 'store_corrupt');
    }
    let vaultJson: string;
    try {
      vaultJson = await this.store.read();
    } catch (e) {
      if (e instanceof StoreError) return this.errorAnswer(req.id, e.code, e.detail);
      throw e;
    }
    const { answer, vault, error } = this.call(req, vaultJson);
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
      const opened = await EncryptedStore.openExport(text, passphrase);
      const checked = JSON.parse(this.core.normalize_vault(opened.json)) as { ok: boolean; count?: number; vault?: string; detail?: string };
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
        const merged = JSON.parse(this.core.normalize_vault(JSON.stringify(current))) as { ok: boolean; vault?: string; detail?: string };
        if (!merged.ok || !merged.vault) throw new StoreError('import_invalid', merged.detail ?? 'merge failed');
        await this.store.write(merged.vault);
      }
      return report;
    });
  }

  // ------------------------------------------------------------------ migration

  /** Moves every key to the native host, each verified there before it is deleted here. */
  migrateToNative(native: CodeSource): Promise<MigrationReport> {
    return this.serial(() => migrateToNative(this.migrationContext(), native));
  }

  /** The journal of a migration that has not finished (to offer resuming it), or null. */
  pendingMigration(): Promise<MigrationJournal | null> {
    return this.serial(async () => {
      const j = await readJournal(this.local);
      return j && !j.finished ? j : null;
    });
  }

  private migrationContext() {
    return {
      core: this.core,
      local: this.local,
      now: this.now,
      readVault: () => this.store.read(),
      writeVault: (json: string) => this.store.write(json),
      call: (req: Record<string, unknown>, vault: string) => this.call(req, vault),
    };
  }
}
