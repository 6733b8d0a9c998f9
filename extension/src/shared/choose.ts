// Which account to ask a code for. Pure: the content script gathers the candidates.

export interface UserCandidates {
  /** The user name field on this page (`#txtUsuario` on eproc's own form, `#username`). */
  typed?: string | null;
  /** What Keycloak shows on the OTP step (`#kc-attempted-username`). */
  attempted?: string | null;
  /** Remembered in this tab's sessionStorage (same origin, typed on the login step). */
  session?: string | null;
  /** Remembered by the background for this tab and origin. */
  remembered?: string | null;
}

const clean = (s: string | null | undefined): string | null => {
  if (typeof s !== 'string') return null;
  const t = s.replace(/\s+/g, ' ').trim();
  return t === '' || t.length > 256 ? null : t;
};

/** The user name to send with `code`, or null (the source then answers or asks to choose). */
export function pickUser(c: UserCandidates): string | null {
  return clean(c.attempted) ?? clean(c.typed) ?? clean(c.session) ?? clean(c.remembered);
}

export interface AccountChoice {
  user: string;
  label?: string | null;
}

/** The chooser's entries from a `choose_account` / `unknown_account` answer, de-duplicated. */
export function choiceList(error: Record<string, unknown>): AccountChoice[] {
  const raw = Array.isArray(error.accounts) ? error.accounts : [];
  const seen = new Set<string>();
  const out: AccountChoice[] = [];
  for (const a of raw) {
    if (!a || typeof a !== 'object') continue;
    const user = (a as { user?: unknown }).user;
    const label = (a as { label?: unknown }).label;
    if (typeof user !== 'string' || user === '' || seen.has(user)) continue;
    seen.add(user);
    out.push({ user, label: typeof label === 'string' && label !== '' ? label : null });
  }
  return out;
}
