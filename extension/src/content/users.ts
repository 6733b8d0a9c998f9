// User names: what the login step shows or had typed (eproc `#txtUsuario`, Keycloak `#username`,
// `#kc-attempted-username`), kept for this tab (sessionStorage of the court's origin, so it
// survives a two-page login) and in the background (per tab, for other origins of the flow).
import { pickUser } from '../shared/choose';
import { send } from './channel';
import { userOnPage } from './detect';

const SESSION_USER = 'eproc-a2f:user';

export function sessionUser(): string | null {
  try {
    return sessionStorage.getItem(SESSION_USER);
  } catch {
    return null;
  }
}

let rememberTimer: ReturnType<typeof setTimeout> | undefined;
export function rememberUser(user: string, now = false): void {
  const u = user.trim();
  if (u === '' || u.length > 256) return;
  try {
    sessionStorage.setItem(SESSION_USER, u);
  } catch {
    /* storage disabled */
  }
  clearTimeout(rememberTimer);
  const go = () => void send({ kind: 'remember-user', user: u });
  if (now) go();
  else rememberTimer = setTimeout(go, 400);
}

/** Remembers what is typed in the login step's user name field. Listeners on the document: they
 * work from document_start, before the form is parsed. */
export function watchUserNames(): void {
  const isUserField = (el: EventTarget | null): el is HTMLInputElement =>
    !!el && (el as Element).tagName === 'INPUT' && ['txtUsuario', 'username'].includes((el as Element).id);
  const onInput = (ev: Event) => {
    if (isUserField(ev.target)) rememberUser(ev.target.value);
  };
  document.addEventListener('input', onInput, true);
  document.addEventListener('change', onInput, true);
  // A login click or submit: take the field's value as it is now (autofilled values fire no event).
  const snapshot = () => {
    const { typed } = userOnPage(document);
    if (typed) rememberUser(typed, true);
  };
  document.addEventListener('submit', snapshot, true);
  document.addEventListener('click', (ev) => {
    const t = ev.target as Element | null;
    if (t && t.closest?.('#sbmEntrar, #kc-login, #lnkAutenticacaoDoisFatores, a, button, input[type="submit"]')) snapshot();
  }, true);
}

/** The user shown on the page (Keycloak's attempted user, a typed user name, this tab's session). */
export function directUser(): string | null {
  const { attempted, typed } = userOnPage(document);
  return pickUser({ attempted, typed, session: sessionUser() });
}

/** The user for a code request: the page's, else the one the background remembers for this tab. */
export async function currentUser(): Promise<string | null> {
  const direct = directUser();
  if (direct) return direct;
  const r = await send<{ ok: boolean; user?: string | null }>({ kind: 'recall-user' });
  return pickUser({ remembered: r.ok ? r.user ?? null : null });
}
