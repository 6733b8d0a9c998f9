// How an account is named for people (popup and options): by court, the way courts call
// themselves ("TRF4 · PR012345", "também JFPR, JFSC, JFRS"; "TJRS · RS123", "1º e 2º grau"),
// from the `accounts` answer's display fields (`title`, `systems_short`, docs/protocol.md); the
// user's label, when set, comes first.
import type { Rejection } from '../shared/messages';

export interface AccountInfo {
  authenticator: string;
  user: string;
  label: string | null;
  systems: string[];
  /** Display names (contract 4); absent from an older host: fall back to the ids. */
  title?: string;
  systems_short?: string[];
  /** Replaced keys kept until a login with the new one is accepted (contract 6). */
  replaced?: { at_ms: number }[];
  /** Issue 10: the court refused a code of this account (null: no record in force). */
  rejection?: Rejection | null;
  /** Issue 10: a key replaced by a new enrollment is kept (`restore` swaps them back). */
  replaced_kept?: boolean;
  /** When the kept key was replaced, Unix seconds. */
  replaced_at?: number;
}

export interface AccountName {
  /** "TRF4 · PR012345", or the label when the user set one. */
  heading: string;
  /** The court and user when a label is the heading; else the other courts of the same key. */
  detail: string;
  /** "TRF4 · PR012345": for accessible names ("Copiar o código de TRF4 · PR012345"). */
  short: string;
}

export function courtTitle(acc: AccountInfo): string {
  return acc.title?.trim() || acc.authenticator.toUpperCase();
}

/** "1º e 2º grau" when every system is a degree of the titled court; else the other courts
 * ("JFPR, JFSC, JFRS"), prefixed by `also` ("também $1"); "" for a court of one system. */
export function courtScope(acc: AccountInfo, also: (list: string) => string): string {
  const title = courtTitle(acc);
  const shorts = acc.systems_short && acc.systems_short.length === acc.systems.length ? acc.systems_short : acc.systems.map((s) => s.toUpperCase());
  const rest = shorts.filter((s) => s !== title);
  if (rest.length === 0) return '';
  const degrees = rest.map((s) => (s.startsWith(`${title} `) ? s.slice(title.length + 1) : null));
  if (degrees.every((d) => d !== null)) {
    const ds = degrees as string[];
    const unit = ds.every((d) => / grau$/.test(d)) ? ' grau' : '';
    const parts = unit ? ds.map((d) => d.slice(0, -unit.length)) : ds;
    return parts.length === 1 ? `${parts[0]}${unit}` : `${parts.slice(0, -1).join(', ')} e ${parts[parts.length - 1]}${unit}`;
  }
  return also(rest.join(', '));
}

export function accountName(acc: AccountInfo, also: (list: string) => string): AccountName {
  const short = `${courtTitle(acc)} · ${acc.user}`;
  const scope = courtScope(acc, also);
  const label = acc.label?.trim();
  if (label) return { heading: label, detail: scope ? `${short} · ${scope}` : short, short: `${label} (${short})` };
  return { heading: short, detail: scope, short };
}

/** Lower case without accents, for the search box ("jfpr" finds "JFPR", "escritorio" finds "Escritório"). */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

export function matchesSearch(acc: AccountInfo, query: string): boolean {
  const q = fold(query.trim());
  if (!q) return true;
  const hay = fold([acc.user, acc.label ?? '', courtTitle(acc), ...(acc.systems_short ?? []), ...acc.systems].join(' '));
  return q.split(/\s+/).every((w) => hay.includes(w));
}

/** Registry prefixes per authenticator (from the `systems` answer), to find the current tab's
 * court. Ordering only: the background decides what a page may get. */
export interface SystemPrefixes {
  authenticator: string;
  app: string;
  login?: string[];
}

export function authenticatorOfUrl(url: string | undefined, systems: SystemPrefixes[]): string | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:') return null;
  const here = `${u.origin}${u.pathname}`;
  for (const s of systems) {
    for (const p of [s.app, ...(s.login ?? [])]) {
      if (here.startsWith(p) || `${here}/` === p) return s.authenticator;
    }
  }
  return null;
}

/** The current tab's court first, then by court title and user. */
export function orderAccounts<T extends AccountInfo>(accounts: T[], current: string | null): T[] {
  return [...accounts].sort((a, b) => {
    const ca = a.authenticator === current ? 0 : 1;
    const cb = b.authenticator === current ? 0 : 1;
    if (ca !== cb) return ca - cb;
    return courtTitle(a).localeCompare(courtTitle(b), 'pt-BR') || a.user.localeCompare(b.user, 'pt-BR');
  });
}
