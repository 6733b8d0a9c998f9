// Which authenticator a page belongs to, from the registry's `systems` list (app and login
// prefixes, matched on path-segment boundaries). Only to key what the background holds per tab
// (held codes, handed codes); what a page may get is always decided by the code source itself.

export interface SystemPrefixes {
  authenticator: string;
  app: string;
  login?: string[];
}

/** Whether `url` (https only) is under the registry prefix `prefix`. */
export function underPrefix(url: URL, prefix: string): boolean {
  let p: URL;
  try {
    p = new URL(prefix);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || p.protocol !== 'https:' || url.host !== p.host || url.username || url.password) return false;
  const path = url.pathname;
  const base = p.pathname;
  if (base === '/' || path === base) return true;
  const dir = base.endsWith('/') ? base : `${base}/`;
  return path.startsWith(dir) || `${path}/` === dir;
}

export function authenticatorOfUrl(url: string, systems: readonly SystemPrefixes[]): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  for (const s of systems) {
    if (!s || typeof s.authenticator !== 'string') continue;
    for (const p of [s.app, ...(Array.isArray(s.login) ? s.login : [])]) {
      if (typeof p === 'string' && underPrefix(u, p)) return s.authenticator;
    }
  }
  return null;
}
