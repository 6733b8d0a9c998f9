// Moving the keys from browser mode to the native host (OS keyring) without loss.
//
// For each account: write it through the host (`enroll`, replace: false; `unchanged` counts as
// written), verify it there (`accounts` lists it with the same parameters, and a `code` peek equals
// the code the WASM core computes for the same step), and only then delete it from the browser
// store. A key therefore leaves the browser only once the host has proved it holds the same key:
// an interruption at any point (browser closed, host killed, storage full) leaves every key in at
// least one place. The journal (storage.local `bm.migration`, no secrets in it) records progress so
// that the UI can offer to resume; resuming simply runs the same steps again (they are idempotent).
// Once every account reached a final state the journal is deleted (it names the accounts in
// clear); the report returned to the page is the only record of the outcome.

import type { CodeSource, ProtocolAnswer } from '../sources/types';
import { StoreError } from './errors';
import { EMPTY_VAULT, type StorageAreaLike } from './store';
import type { CoreApi } from './wasm';

export const K_MIGRATION = 'bm.migration';

export type ItemState =
  | 'pending' // not handled yet
  | 'writing' // enroll sent to the host
  | 'written' // the host stored it (created/unchanged)
  | 'verified' // the host lists it and gives the same code
  | 'moved' // deleted from the browser: the host holds it alone
  | 'conflict' // the host has another key for this account: kept in the browser, nothing overwritten
  | 'mismatch' // the host's code differs: kept in the browser
  | 'failed' // this account could not be handled (detail): kept in the browser
  | 'gone'; // no longer in the browser store (removed by the user meanwhile)

const FINAL: ReadonlySet<ItemState> = new Set(['moved', 'conflict', 'mismatch', 'failed', 'gone']);

export interface JournalItem {
  authenticator: string;
  user: string;
  state: ItemState;
  detail?: string;
}

export interface MigrationJournal {
  format: 'eproc-a2f-migration';
  v: 1;
  started: number;
  updated: number;
  finished?: number;
  items: JournalItem[];
}

export interface MigrationReport {
  /** True when every account reached a final state (moved, conflict, mismatch, failed, gone). */
  finished: boolean;
  moved: { authenticator: string; user: string }[];
  conflicts: { authenticator: string; user: string }[];
  mismatches: { authenticator: string; user: string }[];
  failed: { authenticator: string; user: string; detail: string }[];
  journal: MigrationJournal;
}

export interface MigrationContext {
  core: CoreApi;
  local: StorageAreaLike;
  now: () => number;
  readVault(): Promise<string>;
  writeVault(json: string): Promise<void>;
  call(req: Record<string, unknown>, vault: string): { answer: ProtocolAnswer | null; vault: string | null; error?: string };
}

interface VaultAccount {
  authenticator: string;
  user: string;
  label?: string | null;
  algorithm: string;
  digits: number;
  period: number;
  secret: string;
}

/** Whether the vault account keeps a replaced key (the core's vault fields `replaced_at` /
 * `replaced`, issue 10). */
function keepsReplacedKey(acc: VaultAccount): boolean {
  const o = acc as unknown as Record<string, unknown>;
  return (o.replaced_at !== undefined && o.replaced_at !== null) || (o.replaced !== undefined && o.replaced !== null);
}

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export async function readJournal(local: StorageAreaLike): Promise<MigrationJournal | null> {
  const j = (await local.get(K_MIGRATION))[K_MIGRATION] as MigrationJournal | undefined;
  if (!j || j.format !== 'eproc-a2f-migration' || !Array.isArray(j.items)) return null;
  if (j.finished) {
    // Left by an older version, which kept finished journals: delete it now.
    await local.remove(K_MIGRATION).catch(() => {});
    return null;
  }
  return j;
}

/** Deletes the journal (a finished migration needs none; it names accounts in clear). */
export async function dropJournal(local: StorageAreaLike): Promise<void> {
  try {
    await local.remove(K_MIGRATION);
  } catch (e) {
    throw new StoreError('storage_error', e instanceof Error ? e.message : String(e));
  }
}

async function saveJournal(ctx: MigrationContext, j: MigrationJournal): Promise<void> {
  j.updated = ctx.now();
  try {
    await ctx.local.set({ [K_MIGRATION]: j });
  } catch (e) {
    throw new StoreError('storage_error', e instanceof Error ? e.message : String(e));
  }
}

function accountsOf(json: string): VaultAccount[] {
  return (JSON.parse(json) as { accounts: VaultAccount[] }).accounts;
}

/** A page URL for an authenticator: the app prefix of its first system (enroll takes a URL). */
function urlsByAuthenticator(ctx: MigrationContext): Map<string, string> {
  const { answer } = ctx.call({ id: 0, type: 'systems' }, EMPTY_VAULT);
  const map = new Map<string, string>();
  const systems = answer && answer.ok ? ((answer as Record<string, unknown>).systems as { app: string; authenticator: string }[]) : [];
  for (const s of systems ?? []) if (!map.has(s.authenticator)) map.set(s.authenticator, s.app);
  return map;
}

async function ask(native: CodeSource, req: Record<string, unknown>): Promise<ProtocolAnswer> {
  try {
    return await native.request(req as { type: 'enroll' });
  } catch (e) {
    throw new StoreError('migration_failed', `the native host did not answer: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Verifies that the host holds `acc` with the same key: listed with the same parameters, and its
 * current code (peek, uses up nothing) equals the WASM core's code for the same step. */
async function verify(ctx: MigrationContext, native: CodeSource, acc: VaultAccount): Promise<string | null> {
  const list = await ask(native, { type: 'accounts' });
  if (!list.ok) throw new StoreError('migration_failed', `accounts: ${list.error.code}`);
  const there = ((list as Record<string, unknown>).accounts as VaultAccount[] | undefined)?.find(
    (a) => a.authenticator === acc.authenticator && same(a.user, acc.user),
  );
  if (!there) return 'the host does not list the account';
  if (there.algorithm !== acc.algorithm || there.digits !== acc.digits || there.period !== acc.period) {
    return 'the host stored other code parameters';
  }
  const peek = await ask(native, { type: 'code', authenticator: acc.authenticator, user: acc.user, peek: true });
  if (!peek.ok) throw new StoreError('migration_failed', `code: ${peek.error.code}`);
  const step = Number((peek as Record<string, unknown>).step);
  if (!Number.isSafeInteger(step) || step < 0) return 'the host answered no step';
  const params = JSON.stringify({ algorithm: acc.algorithm, digits: acc.digits, period: acc.period });
  const mine = ctx.core.code_at(acc.secret, params, step * acc.period);
  return (peek as Record<string, unknown>).code === mine ? null : 'the host gives another code';
}

export async function migrateToNative(ctx: MigrationContext, native: CodeSource): Promise<MigrationReport> {
  if (native.kind !== 'native') throw new StoreError('migration_failed', 'the target is not the native host');
  // Locked or damaged stores stop here, before anything is written.
  let vault = await ctx.readVault();
  let journal = await readJournal(ctx.local);
  if (!journal || journal.finished) {
    journal = { format: 'eproc-a2f-migration', v: 1, started: ctx.now(), updated: ctx.now(), items: [] };
  }
  for (const acc of accountsOf(vault)) {
    const item = journal.items.find((i) => i.authenticator === acc.authenticator && same(i.user, acc.user));
    if (!item) journal.items.push({ authenticator: acc.authenticator, user: acc.user, state: 'pending' });
    else if (FINAL.has(item.state) && item.state !== 'moved') {
      // A resumed run retries what a previous run could not move; a `moved` account that is
      // still here (interrupted between the delete and the journal) is simply handled again.
      item.state = 'pending';
      delete item.detail;
    } else if (item.state === 'moved') item.state = 'verified';
  }
  await saveJournal(ctx, journal);
  const urls = urlsByAuthenticator(ctx);

  for (const item of journal.items) {
    if (FINAL.has(item.state)) continue;
    const acc = accountsOf(vault).find((a) => a.authenticator === item.authenticator && same(a.user, item.user));
    if (!acc) {
      // Deleted from the browser after verification (interrupted before the journal said so), or
      // removed by the user.
      item.state = item.state === 'verified' ? 'moved' : 'gone';
      await saveJournal(ctx, journal);
      continue;
    }
    if (keepsReplacedKey(acc)) {
      // A key replaced by a new enrollment is kept here until a login with the new one succeeds
      // (issue 10); the host has no way to receive the kept one, and moving the account would
      // lose it. It stays in the browser until then (log in once, or restore, and migrate again).
      item.state = 'failed';
      item.detail = 'a replaced key is kept for this account: log in with the new key (or restore the previous one) first';
      await saveJournal(ctx, journal);
      continue;
    }
    const url = urls.get(acc.authenticator);
    if (!url) {
      item.state = 'failed';
      item.detail = 'no system of this authenticator in the registry';
      await saveJournal(ctx, journal);
      continue;
    }

    item.state = 'writing';
    await saveJournal(ctx, journal);
    const enroll: Record<string, unknown> = {
      type: 'enroll', url, user: acc.user, secret: acc.secret,
      algorithm: acc.algorithm, digits: acc.digits, period: acc.period, replace: false,
    };
    if (acc.label) enroll.label = acc.label;
    const written = await ask(native, enroll);
    if (!written.ok) {
      if (written.error.code === 'key_exists') {
        item.state = 'conflict';
        item.detail = 'the host has another key for this account; both kept';
        await saveJournal(ctx, journal);
        continue;
      }
      if (written.error.code === 'invalid_key' || written.error.code === 'unknown_site') {
        item.state = 'failed';
        item.detail = `enroll: ${written.error.code}`;
        await saveJournal(ctx, journal);
        continue;
      }
      item.state = 'pending';
      await saveJournal(ctx, journal);
      throw new StoreError('migration_failed', `enroll: ${written.error.code}`);
    }
    item.state = 'written';
    await saveJournal(ctx, journal);

    const problem = await verify(ctx, native, acc);
    if (problem) {
      item.state = 'mismatch';
      item.detail = problem;
      await saveJournal(ctx, journal);
      continue;
    }
    item.state = 'verified';
    await saveJournal(ctx, journal);

    const removed = ctx.call({ id: 0, type: 'remove', authenticator: acc.authenticator, user: acc.user, confirm: true }, vault);
    if (!removed.answer || !removed.answer.ok || removed.vault === null) {
      throw new StoreError('migration_failed', `removing from the browser store failed: ${removed.error ?? 'remove refused'}`);
    }
    await ctx.writeVault(removed.vault);
    vault = removed.vault;
    item.state = 'moved';
    await saveJournal(ctx, journal);
  }

  const finished = journal.items.every((i) => FINAL.has(i.state));
  if (finished) {
    // Done: the journal (account names in clear) is deleted; the report is the record the user
    // sees. An unfinished journal stays, to resume.
    journal.finished = ctx.now();
    await dropJournal(ctx.local);
  }
  const pick = (s: ItemState) => journal!.items.filter((i) => i.state === s).map((i) => ({ authenticator: i.authenticator, user: i.user }));
  return {
    finished,
    moved: pick('moved'),
    conflicts: pick('conflict'),
    mismatches: pick('mismatch'),
    failed: journal.items.filter((i) => i.state === 'failed').map((i) => ({ authenticator: i.authenticator, user: i.user, detail: i.detail ?? '' })),
    journal,
  };
}
