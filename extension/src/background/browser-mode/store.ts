// The encrypted key store of browser mode, in the extension's storage.local:
//
//   bm.meta       {format, v, kdf: {PBKDF2, SHA-256, iterations >= 600000, salt}, check, created}
//                 written once, at setup or at the first import; `check` tells a wrong passphrase
//                 apart from a damaged blob.
//   bm.current    "bm.vault.<generation>": the pointer to the vault blob in force
//   bm.vault.<n>  {iv, ct}: AES-256-GCM of the vault JSON (format of wasm/src/lib.rs)
//
// A write never touches the blob in force: the new blob goes under a new generation, then the
// pointer switches, then the old blob is removed. An interruption at any point leaves either the
// old or the new vault readable. The passphrase is never stored; the derived key lives in memory
// and in storage.session (in-memory, cleared when the browser closes, not readable by content
// scripts), never in storage.local. It is dropped after `lockAfterMinutes` idle minutes.

import {
  type Bytes, type EncryptedBlob, type KdfParams, PBKDF2_MIN_ITERATIONS, aesKey, decrypt, derive, encrypt, fromB64, newKdfParams,
  sameCheck, toB64, validBlob, validKdf,
} from './crypto';
import { StoreError } from './errors';

/** The subset of chrome.storage.StorageArea used here (promise style: Chrome MV3 and Firefox). */
export interface StorageAreaLike {
  get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export const K_META = 'bm.meta';
export const K_CURRENT = 'bm.current';
export const K_VAULT_PREFIX = 'bm.vault.';
export const K_SESSION = 'bm.session';
export const STORE_FORMAT = 'eproc-a2f-browser-store';
export const EXPORT_FORMAT = 'eproc-a2f-export';
export const MIN_PASSPHRASE_LENGTH = 8;
export const DEFAULT_LOCK_AFTER_MINUTES = 15;
/** The vault of a new store: no accounts (format of wasm/src/lib.rs). */
export const EMPTY_VAULT = '{"format":"eproc-a2f-vault","v":1,"accounts":[]}';

export interface Meta {
  format: typeof STORE_FORMAT;
  v: 1;
  kdf: KdfParams;
  check: string;
  created: number;
}

/** The exported file: the store's meta and its current blob, still encrypted. */
export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  v: 1;
  created: string;
  kdf: KdfParams;
  check: string;
  vault: EncryptedBlob;
}

export type StoreState = 'not_set_up' | 'locked' | 'unlocked';

export interface StoreOptions {
  local: StorageAreaLike;
  /** storage.session when the browser has it (Chrome 102+, Firefox 115+); null: memory only. */
  session?: StorageAreaLike | null;
  now?: () => number;
  /** PBKDF2 iterations for a new store. Never below 600,000 except in tests (`allowWeakKdf`). */
  iterations?: number;
  allowWeakKdf?: boolean;
  /** Idle minutes before the key is dropped; 0 = no idle lock (still locked when the browser closes). */
  lockAfterMinutes?: number | null;
}

interface UnlockedKey {
  aes: CryptoKey;
  raw: Bytes;
  check: string;
}

interface SessionRecord {
  key: string;
  check: string;
  lastUsed: number;
}

function isMeta(m: unknown): m is Meta {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  return o.format === STORE_FORMAT && o.v === 1 && validKdf(o.kdf) && typeof o.check === 'string' && o.check.length > 0;
}

function vaultKeyOf(current: unknown): string | null {
  return typeof current === 'string' && /^bm\.vault\.\d{1,15}$/.test(current) ? current : null;
}

function genOf(key: string): number {
  return Number(key.slice(K_VAULT_PREFIX.length));
}

/** The meta in a storage read of [bm.meta, bm.current]: null when never set up; store_corrupt when damaged. */
function metaIn(r: Record<string, unknown>): Meta | null {
  if (r[K_META] === undefined) {
    if (r[K_CURRENT] !== undefined) throw new StoreError('store_corrupt', 'the store description (bm.meta) is missing');
    return null;
  }
  if (!isMeta(r[K_META])) throw new StoreError('store_corrupt', 'the store description (bm.meta) is invalid');
  return r[K_META] as Meta;
}

/** A vault blob decrypted; store_corrupt when it does not decrypt. */
async function decryptVault(key: CryptoKey, vaultKey: string, blob: EncryptedBlob): Promise<string> {
  try {
    return await decrypt(key, blob);
  } catch {
    throw new StoreError('store_corrupt', `the vault blob ${vaultKey} does not decrypt (altered or damaged)`);
  }
}

async function storageWrite(op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (e) {
    throw new StoreError('storage_error', e instanceof Error ? e.message : String(e));
  }
}

export class EncryptedStore {
  private readonly local: StorageAreaLike;
  private readonly session: StorageAreaLike | null;
  private readonly now: () => number;
  private readonly iterations: number;
  private lockAfterMinutes: number;
  private key: UnlockedKey | null = null;
  private lastUsed = 0;
  private sessionWrittenAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The right passphrase met a blob that does not decrypt (the key is not kept then). */
  private unlockFoundCorrupt = false;
  /** The pointer at the last read: its blob is asked for in the same storage read next time. */
  private lastVaultKey: string | null = null;
  /** Removal of the blob the last write replaced (waited for before the store changes again). */
  private cleanup: Promise<void> = Promise.resolve();
  /** Whether this instance has removed blobs left by interrupted writes. */
  private swept = false;

  constructor(opts: StoreOptions) {
    this.local = opts.local;
    this.session = opts.session ?? null;
    this.now = opts.now ?? (() => Date.now());
    const it = opts.iterations ?? PBKDF2_MIN_ITERATIONS;
    this.iterations = opts.allowWeakKdf ? it : Math.max(it, PBKDF2_MIN_ITERATIONS);
    this.lockAfterMinutes = DEFAULT_LOCK_AFTER_MINUTES;
    this.setLockAfterMinutes(opts.lockAfterMinutes);
  }

  setLockAfterMinutes(minutes: number | null | undefined): void {
    this.lockAfterMinutes =
      typeof minutes === 'number' && Number.isFinite(minutes) && minutes >= 0 ? minutes : DEFAULT_LOCK_AFTER_MINUTES;
    this.schedule();
  }

  // ------------------------------------------------------------------ meta and state

  /** The meta, null when the store was never set up; store_corrupt when it cannot be read. */
  async readMeta(): Promise<Meta | null> {
    return metaIn(await this.local.get([K_META, K_CURRENT]));
  }

  /** Meta, unlocked key, pointer and blob, in one storage read when the pointer still names the
   * blob of the last read (the usual case; otherwise a second read for the blob). Nothing is
   * cached: every request sees storage as it is. Errors in the order of the checks: not set up or
   * damaged meta, locked, damaged pointer, damaged blob. */
  private async readState(): Promise<{ key: UnlockedKey; vaultKey: string; blob: EncryptedBlob }> {
    const guess = this.lastVaultKey;
    const r = await this.local.get(guess ? [K_META, K_CURRENT, guess] : [K_META, K_CURRENT]);
    const meta = metaIn(r);
    if (!meta) throw new StoreError('store_not_set_up');
    const key = await this.currentKey(meta);
    if (!key) throw new StoreError('store_locked');
    const { vaultKey, blob } = await this.blobIn(r, guess);
    this.lastVaultKey = vaultKey;
    return { key, vaultKey, blob };
  }

  /** The pointer in a storage read and the blob it names: from the same read when it is there
   * (`inRead`), else read now. store_corrupt when either is missing or invalid. */
  private async blobIn(r: Record<string, unknown>, inRead: string | null): Promise<{ vaultKey: string; blob: EncryptedBlob }> {
    const vaultKey = vaultKeyOf(r[K_CURRENT]);
    if (!vaultKey) throw new StoreError('store_corrupt', 'the vault pointer (bm.current) is missing or invalid');
    const blob = vaultKey === inRead ? r[vaultKey] : (await this.local.get(vaultKey))[vaultKey];
    if (!validBlob(blob)) throw new StoreError('store_corrupt', `the vault blob ${vaultKey} is missing or invalid`);
    return { vaultKey, blob };
  }

  async isSetUp(): Promise<boolean> {
    return (await this.readMeta()) !== null;
  }

  async state(): Promise<StoreState> {
    const meta = await this.readMeta();
    if (!meta) return 'not_set_up';
    return (await this.currentKey(meta)) ? 'unlocked' : 'locked';
  }

  async isLocked(): Promise<boolean> {
    return (await this.state()) !== 'unlocked';
  }

  private expired(lastUsed: number): boolean {
    return this.lockAfterMinutes > 0 && this.now() - lastUsed > this.lockAfterMinutes * 60_000;
  }

  /** The unlocked key for this meta, restoring it from storage.session after a worker restart. */
  private async currentKey(meta: Meta): Promise<UnlockedKey | null> {
    if (this.key && sameCheck(this.key.check, meta.check)) {
      if (this.expired(this.lastUsed)) {
        await this.lock();
        return null;
      }
      return this.key;
    }
    this.key = null;
    if (!this.session) return null;
    let rec: SessionRecord | undefined;
    try {
      rec = (await this.session.get(K_SESSION))[K_SESSION] as SessionRecord | undefined;
    } catch {
      return null;
    }
    if (!rec || typeof rec.key !== 'string' || typeof rec.check !== 'string' || typeof rec.lastUsed !== 'number') return null;
    if (!sameCheck(rec.check, meta.check) || this.expired(rec.lastUsed)) {
      await this.lock();
      return null;
    }
    try {
      const raw = fromB64(rec.key);
      this.key = { aes: await aesKey(raw), raw, check: rec.check };
    } catch {
      await this.lock();
      return null;
    }
    this.lastUsed = rec.lastUsed;
    this.sessionWrittenAt = rec.lastUsed;
    this.schedule();
    return this.key;
  }

  private async keep(raw: Bytes, check: string): Promise<void> {
    this.key = { aes: await aesKey(raw), raw, check };
    this.lastUsed = this.now();
    this.sessionWrittenAt = 0;
    await this.touch(true);
  }

  /** Records activity (a request served): pushes the idle lock back. */
  async touch(force = false): Promise<void> {
    if (!this.key) return;
    this.lastUsed = this.now();
    this.schedule();
    // storage.session is written at most every 30 s for activity; always on unlock.
    if (this.session && (force || this.lastUsed - this.sessionWrittenAt > 30_000)) {
      const rec: SessionRecord = { key: toB64(this.key.raw), check: this.key.check, lastUsed: this.lastUsed };
      try {
        await this.session.set({ [K_SESSION]: rec });
        this.sessionWrittenAt = this.lastUsed;
      } catch {
        /* memory only: the key is lost when the worker stops, the user unlocks again */
      }
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.key || this.lockAfterMinutes <= 0) return;
    const due = this.lastUsed + this.lockAfterMinutes * 60_000 - this.now();
    this.timer = setTimeout(() => {
      if (this.key && this.expired(this.lastUsed)) void this.lock();
      else this.schedule();
    }, Math.max(1_000, Math.min(due + 1_000, 2 ** 31 - 1)));
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Drops the key from memory and from storage.session. */
  async lock(): Promise<void> {
    this.key?.raw.fill(0);
    this.key = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.session) {
      try {
        await this.session.remove(K_SESSION);
      } catch {
        /* nothing to remove */
      }
    }
  }

  // ------------------------------------------------------------------ setup and unlock

  static checkPassphrase(passphrase: string): void {
    if (typeof passphrase !== 'string' || [...passphrase].length < MIN_PASSPHRASE_LENGTH) {
      throw new StoreError('weak_passphrase');
    }
  }

  /** Creates an empty store under a new passphrase and leaves it unlocked. */
  async setup(passphrase: string): Promise<void> {
    EncryptedStore.checkPassphrase(passphrase);
    if ((await this.readMeta()) !== null) throw new StoreError('store_exists');
    const kdf = newKdfParams(this.iterations);
    const d = await derive(passphrase, kdf);
    await this.create(kdf, d.check, d.raw, await encrypt(await aesKey(d.raw), EMPTY_VAULT));
  }

  /** Writes a new store (blob first, then the pointer and the meta) and keeps its key. */
  private async create(kdf: KdfParams, check: string, raw: Bytes, blob: EncryptedBlob): Promise<void> {
    await this.cleanup;
    const vaultKey = `${K_VAULT_PREFIX}1`;
    await storageWrite(() => this.local.set({ [vaultKey]: blob }));
    const meta: Meta = { format: STORE_FORMAT, v: 1, kdf, check, created: this.now() };
    await storageWrite(() => this.local.set({ [K_CURRENT]: vaultKey, [K_META]: meta }));
    await this.keep(raw, check);
  }

  /** Checks the passphrase and the current blob; keeps the key when both are good. */
  async unlock(passphrase: string): Promise<void> {
    if (typeof passphrase !== 'string') throw new StoreError('wrong_passphrase');
    const meta = await this.readMeta();
    if (!meta) throw new StoreError('store_not_set_up');
    const d = await derive(passphrase, meta.kdf);
    if (!sameCheck(d.check, meta.check)) {
      d.raw.fill(0);
      throw new StoreError('wrong_passphrase');
    }
    // The passphrase is right: a blob that does not decrypt is damaged.
    try {
      await this.readWith(await aesKey(d.raw));
    } catch (e) {
      if (e instanceof StoreError && e.code === 'store_corrupt') this.unlockFoundCorrupt = true;
      throw e;
    }
    this.unlockFoundCorrupt = false;
    await this.keep(d.raw, d.check);
  }

  // ------------------------------------------------------------------ vault read/write

  private async readBlob(): Promise<{ vaultKey: string; blob: EncryptedBlob }> {
    return this.blobIn(await this.local.get(K_CURRENT), null);
  }

  private async readWith(key: CryptoKey): Promise<{ vaultKey: string; json: string }> {
    const { vaultKey, blob } = await this.readBlob();
    return { vaultKey, json: await decryptVault(key, vaultKey, blob) };
  }

  /** The decrypted vault JSON. Throws store_not_set_up, store_locked or store_corrupt. */
  async read(): Promise<string> {
    const { key, vaultKey, blob } = await this.readState();
    return decryptVault(key.aes, vaultKey, blob);
  }

  /** Replaces the vault: new blob under a new generation, pointer switch, old blob removed. The
   * removal of the replaced blob is not waited for (the vault in force is already the new one); the
   * next change of the store waits for it. The first write of this instance also removes blobs left
   * by an interrupted write, before it returns. */
  async write(vaultJson: string): Promise<void> {
    await this.cleanup;
    const { key, vaultKey: oldKey } = await this.readState();
    const newKey = `${K_VAULT_PREFIX}${genOf(oldKey) + 1}`;
    const blob = await encrypt(key.aes, vaultJson);
    await storageWrite(() => this.local.set({ [newKey]: blob }));
    await storageWrite(() => this.local.set({ [K_CURRENT]: newKey }));
    this.lastVaultKey = newKey;
    if (!this.swept) {
      this.swept = await this.removeStaleBlobs(newKey);
    } else {
      this.cleanup = this.local.remove(oldKey).catch(() => {
        this.swept = false; // left behind: the next write sweeps
      });
    }
  }

  /** Removes vault blobs other than the current one (left by an interrupted write). */
  private async removeStaleBlobs(current: string): Promise<boolean> {
    try {
      const all = await this.local.get(null);
      const stale = Object.keys(all).filter((k) => k.startsWith(K_VAULT_PREFIX) && k !== current);
      if (stale.length) await this.local.remove(stale);
      return true;
    } catch {
      return false; /* left for the next write */
    }
  }

  /** Whether the stored data is damaged (store_corrupt), without needing the key when the damage
   * is in the meta or the pointer; with the key, also whether the blob decrypts. */
  async isCorrupt(): Promise<boolean> {
    try {
      const meta = await this.readMeta();
      if (!meta) return false;
      await this.readBlob();
      const key = await this.currentKey(meta);
      if (key) await this.readWith(key.aes);
      return false;
    } catch (e) {
      if (e instanceof StoreError && e.code === 'store_corrupt') return true;
      throw e;
    }
  }

  /** Moves damaged store data aside (under `bm.quarantine.<time>`, never deleted) so that the user
   * can set up again or import an exported file. Refused unless the store is damaged: the user must
   * have run into store_corrupt (unlock with the right passphrase or a damaged meta/pointer). */
  async quarantine(): Promise<string> {
    if (!(await this.isCorrupt()) && !this.unlockFoundCorrupt) throw new StoreError('store_exists', 'the store is not damaged');
    await this.cleanup;
    const all = await this.local.get(null);
    const keys = Object.keys(all).filter((k) => k === K_META || k === K_CURRENT || k.startsWith(K_VAULT_PREFIX));
    const aside = `bm.quarantine.${this.now()}`;
    const record: Record<string, unknown> = {};
    for (const k of keys) record[k] = all[k];
    await storageWrite(() => this.local.set({ [aside]: record }));
    await storageWrite(() => this.local.remove(keys));
    await this.lock();
    this.unlockFoundCorrupt = false;
    return aside;
  }

  // ------------------------------------------------------------------ export / import

  /** The encrypted store as a file the user keeps (same passphrase). Requires the store unlocked
   * so that the file is known to decrypt. */
  async exportEncrypted(): Promise<string> {
    const meta = await this.readMeta();
    if (!meta) throw new StoreError('store_not_set_up');
    const key = await this.currentKey(meta);
    if (!key) throw new StoreError('store_locked');
    const { blob } = await this.readBlob();
    try {
      await decrypt(key.aes, blob);
    } catch {
      throw new StoreError('store_corrupt', 'the vault blob does not decrypt');
    }
    const file: ExportFile = {
      format: EXPORT_FORMAT,
      v: 1,
      created: new Date(this.now()).toISOString(),
      kdf: meta.kdf,
      check: meta.check,
      vault: blob,
    };
    return JSON.stringify(file, null, 2) + '\n';
  }

  /** Opens an export file with its passphrase: the vault JSON inside, and its key material. A file
   * whose PBKDF2 iteration count is under today's minimum (600,000) is refused before any
   * derivation (`import_weak_kdf`): adopted as it is, it would make the store that weak. */
  static async openExport(text: string, passphrase: string, opts: { allowWeakKdf?: boolean } = {}): Promise<{ json: string; kdf: KdfParams; check: string; raw: Bytes; blob: EncryptedBlob }> {
    let file: ExportFile;
    try {
      file = JSON.parse(text) as ExportFile;
    } catch {
      throw new StoreError('import_invalid', 'not JSON');
    }
    if (!file || file.format !== EXPORT_FORMAT || file.v !== 1 || !validKdf(file.kdf) || typeof file.check !== 'string' || !validBlob(file.vault)) {
      throw new StoreError('import_invalid', 'not an eproc-a2f export file');
    }
    if (!opts.allowWeakKdf && file.kdf.iterations < PBKDF2_MIN_ITERATIONS) {
      throw new StoreError('import_weak_kdf', `PBKDF2 with ${file.kdf.iterations} iterations; at least ${PBKDF2_MIN_ITERATIONS} are required`);
    }
    const d = await derive(String(passphrase), file.kdf);
    if (!sameCheck(d.check, file.check)) throw new StoreError('wrong_passphrase');
    let json: string;
    try {
      json = await decrypt(await aesKey(d.raw), file.vault);
    } catch {
      throw new StoreError('import_invalid', 'the file was altered');
    }
    return { json, kdf: file.kdf, check: file.check, raw: d.raw, blob: file.vault };
  }

  /** A store that is not set up adopts an export file as it is (its passphrase), unlocked. */
  async adopt(opened: { kdf: KdfParams; check: string; raw: Bytes; blob: EncryptedBlob }): Promise<void> {
    if ((await this.readMeta()) !== null) throw new StoreError('store_exists');
    await this.create(opened.kdf, opened.check, opened.raw, opened.blob);
  }
}
