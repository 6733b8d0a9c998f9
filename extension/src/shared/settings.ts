// Settings: the user's choices (storage.local) and the organisation's policy (storage.managed).
// A managed value wins; `false` and `0` are real values, not "unset". Pure functions, tested.

export type Mode = 'native' | 'browser' | 'auto';

export interface RegistrySystem {
  id: string;
  court: string;
  name: string;
  degree?: string | null;
  app: string;
  login_style: 'eproc' | 'keycloak' | 'jusbr';
  login?: string[];
  two_factor: string;
  authenticator: string;
}

/** What the user can set in the options page. */
export interface UserSettings {
  mode: Mode;
  autoSubmit: boolean;
}

/** Policy keys (schema.json). Each is absent when the organisation did not set it. */
export interface ManagedSettings {
  mode?: Mode;
  allowBrowserStorage?: boolean;
  autoSubmit?: boolean;
  disableExport?: boolean;
  extraSystems?: RegistrySystem[];
  lockAfterMinutes?: number;
}

export interface EffectiveSettings {
  mode: Mode;
  autoSubmit: boolean;
  allowBrowserStorage: boolean;
  disableExport: boolean;
  extraSystems: RegistrySystem[];
  lockAfterMinutes: number | null;
  /** Names of the keys fixed by the organisation (shown disabled in the options page). */
  managedKeys: (keyof ManagedSettings)[];
}

export const DEFAULT_USER_SETTINGS: UserSettings = { mode: 'auto', autoSubmit: false };

const MODES: readonly Mode[] = ['native', 'browser', 'auto'];

function isMode(v: unknown): v is Mode {
  return typeof v === 'string' && (MODES as readonly string[]).includes(v);
}

/** Booleans as policies deliver them: true/false, and (Firefox, no schema check) 0/1 and "true"/"false". */
function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}

function isSystem(v: unknown): v is RegistrySystem {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.id === 'string' && typeof s.app === 'string' && typeof s.authenticator === 'string' &&
    typeof s.court === 'string' && typeof s.name === 'string' && typeof s.login_style === 'string' &&
    (s.login === undefined || (Array.isArray(s.login) && s.login.every((x) => typeof x === 'string')))
  );
}

/** Validates raw managed storage (Firefox does not validate against the schema). */
export function parseManaged(raw: unknown): ManagedSettings {
  const out: ManagedSettings = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  if (isMode(r.mode)) out.mode = r.mode;
  const abs = asBool(r.allowBrowserStorage);
  if (abs !== undefined) out.allowBrowserStorage = abs;
  const as = asBool(r.autoSubmit);
  if (as !== undefined) out.autoSubmit = as;
  const de = asBool(r.disableExport);
  if (de !== undefined) out.disableExport = de;
  let extra = r.extraSystems;
  if (typeof extra === 'string') {
    try {
      extra = JSON.parse(extra);
    } catch {
      extra = undefined;
    }
  }
  if (Array.isArray(extra)) out.extraSystems = extra.filter(isSystem);
  const lam = typeof r.lockAfterMinutes === 'string' ? Number(r.lockAfterMinutes) : r.lockAfterMinutes;
  if (typeof lam === 'number' && Number.isInteger(lam) && lam >= 0) out.lockAfterMinutes = lam;
  return out;
}

export function parseUser(raw: unknown): UserSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    mode: isMode(r.mode) ? r.mode : DEFAULT_USER_SETTINGS.mode,
    autoSubmit: typeof r.autoSubmit === 'boolean' ? r.autoSubmit : DEFAULT_USER_SETTINGS.autoSubmit,
  };
}

export function effectiveSettings(user: UserSettings, managed: ManagedSettings): EffectiveSettings {
  const managedKeys = (Object.keys(managed) as (keyof ManagedSettings)[]).filter((k) => managed[k] !== undefined);
  let mode = managed.mode ?? user.mode;
  const allowBrowserStorage = managed.allowBrowserStorage ?? true;
  if (!allowBrowserStorage && mode === 'browser') mode = 'native';
  return {
    mode,
    autoSubmit: managed.autoSubmit ?? user.autoSubmit,
    allowBrowserStorage,
    disableExport: managed.disableExport ?? false,
    extraSystems: managed.extraSystems ?? [],
    lockAfterMinutes: managed.lockAfterMinutes ?? null,
    managedKeys,
  };
}
