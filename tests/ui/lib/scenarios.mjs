// What the scripted background answers in each state the pages must show well: 0, 1 and 6
// accounts with the host connected, the host missing (first run in automatic mode), the browser
// store locked. Systems and display names come from core/registry.json, as the core gives them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const registry = JSON.parse(readFileSync(join(ROOT, 'core', 'registry.json'), 'utf8'));

/** The `systems` answer: each system with its `short` and its authenticator's `title`. */
export const SYSTEMS = registry.systems.map((s) => ({ ...s, title: registry.authenticators?.[s.authenticator]?.title ?? s.court }));

/** An `accounts` entry as the core writes it (docs/protocol.md). */
function account(authenticator, user, label = null) {
  const systems = SYSTEMS.filter((s) => s.authenticator === authenticator);
  if (systems.length === 0) throw new Error(`no authenticator ${authenticator}`);
  return {
    authenticator, user, label, systems: systems.map((s) => s.id), title: systems[0].title,
    systems_short: systems.map((s) => s.short), algorithm: 'SHA1', digits: 6, period: 30, created: 1764430000,
  };
}

export const SIX = [
  account('tjrs', 'RS123456', 'Escritório'),
  account('trf4', 'PR012345'),
  account('tjsc', 'SC054321'),
  account('trf2', 'RJ098765'),
  account('tjsp', '12345678900'),
  account('trf6-1g', 'MG111222'),
];
export const ONE = [account('tjrs', 'RS123456')];
/** 13:55 UTC on the fixed day of run.mjs (NOW = 14:00:09): the court refused a code then. */
const REJECTED_AT = Date.UTC(2026, 11, 3, 13, 55, 0);

const settings = (mode, extra = {}) => ({
  user: { mode, autoSubmit: false },
  managed: {},
  effective: { mode, autoSubmit: false, allowBrowserStorage: true, disableExport: false, extraSystems: [], lockAfterMinutes: null, managedKeys: [], ...extra },
  extra: { patterns: [], granted: true },
});

const native = (accounts, more = {}) => ({
  mode: 'auto', source: 'native',
  hello: { ok: true, protocol: 1, version: '0.1.0', registry: registry.version, mode: 'native', store: { state: 'ok', backend: 'secret-service', detail: null } },
  accounts, systems: SYSTEMS, settings: settings('auto'), bmState: 'not_set_up', ...more,
});

export const SCENARIOS = {
  /** Six accounts; the current tab is JFPR's eproc (TRF4 first); TJSC's code is in its last seconds. */
  six: native(SIX, { tabUrl: 'https://eproc.jfpr.jus.br/eprocV2/externo_controlador.php?acao=principal', validFor: { 'tjsc/SC054321': 3 } }),
  one: native(ONE),
  /** Browser mode, unlocked, six accounts; `export` answers two transfer codes. */
  bmUnlocked: {
    ...native(SIX),
    mode: 'browser', source: 'browser',
    hello: { ok: true, protocol: 1, version: '0.1.0', mode: 'browser', store: { state: 'ok', backend: 'browser', detail: null } },
    settings: settings('browser'), bmState: 'unlocked',
    importReply: { export: { ok: true, format: 'google-migration', accounts: 6, uris: ['otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC', 'otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6Ym9iQGdvb2dsZS5jb20aB0V4YW1wbGUwAg'] } },
  },
  /** The code source refuses the file: an encrypted Aegis vault without its password. */
  importBad: native(SIX, { importReply: { import_preview: { ok: false, error: { code: 'import_password_required', message: '' } } } }),
  /** An import preview with every status (docs/protocol.md import_preview), for the choices. */
  importMix: native(SIX, {
    importReply: {
      import_preview: {
        ok: true, format: 'otpauth', encrypted: false, batch: null, warnings: [],
        entries: [
          { index: 0, issuer: 'TRF4', label: 'TRF4:PR777', user: 'PR777', authenticator: 'trf4', system: 'trf4', title: 'TRF4', status: 'new', candidates: [] },
          { index: 1, issuer: 'TJSC', label: 'SC054321', user: 'SC054321', authenticator: 'tjsc', system: 'tjsc-1g', title: 'TJSC', status: 'conflict', candidates: [] },
          { index: 2, issuer: 'eproc', label: 'RS9', user: 'RS9', authenticator: null, system: null, title: null, status: 'ambiguous', reason: 'no_court',
            candidates: [{ authenticator: 'tjrs', system: 'tjrs-1g', title: 'TJRS' }, { authenticator: 'trf4', system: 'trf4', title: 'TRF4' }] },
          { index: 3, issuer: 'GitHub', label: 'maria', user: 'maria', status: 'unmatched', candidates: [] },
          { index: 4, issuer: 'TRF2', label: 'RJ1', user: 'RJ1', authenticator: 'trf2', system: 'trf2', status: 'hotp', candidates: [] },
        ],
      },
      import_apply: { ok: true, imported: [{ index: 0, authenticator: 'trf4', system: 'trf4', title: 'TRF4', user: 'PR777', outcome: 'created', code: '123456', valid_for_s: 20 }], skipped: [], batch: null, warnings: [] },
    },
  }),
  zero: native([]),
  /** Issue 10: the court refused codes: TRF4 once (filled once more, no auto-submit), TJSC twice
   * (withheld); the current tab is TJMG's eproc, whose clock runs 150 s ahead of this computer;
   * TJRS keeps a key replaced by a new enrollment (options). */
  rejected: native([
    { ...account('trf4', 'PR012345'), rejection: { count: 1, at_ms: REJECTED_AT, until_ms: REJECTED_AT + 1_800_000, auto_submit: false, fill: true } },
    { ...account('tjsc', 'SC054321'), rejection: { count: 2, at_ms: REJECTED_AT + 60_000, until_ms: REJECTED_AT + 1_860_000, auto_submit: false, fill: false } },
    { ...account('tjrs', 'RS123456', 'Escritório'), replaced_kept: true, replaced_at: Math.floor(REJECTED_AT / 1000) - 86_400 },
  ], {
    tabUrl: 'https://eproc1g.tjmg.jus.br/eproc/externo_controlador.php?acao=login',
    clock: { host: 'eproc1g.tjmg.jus.br', clock: { offsetMs: 150_000, state: 'corrected' }, estimateMs: 150_000, samples: 6 },
  }),
  /** Issue 10: a court whose `Date` is absurd (no correction; a notice). */
  clockAbsurd: native(ONE, {
    tabUrl: 'https://eproc1g.tjms.jus.br/eproc/externo_controlador.php?acao=login',
    clock: { host: 'eproc1g.tjms.jus.br', clock: { offsetMs: 0, state: 'absurd' }, estimateMs: -813_600_000, samples: 2 },
  }),
  /** No host installed, automatic mode: browser mode answers, not set up. */
  hostMissing: {
    mode: 'auto', source: 'browser',
    hello: { ok: true, protocol: 1, version: '0.1.0', mode: 'browser', store: { state: 'not_set_up', backend: 'browser', detail: null } },
    accounts: [], accountsError: 'store_not_set_up', systems: SYSTEMS, settings: settings('auto'), bmState: 'not_set_up',
  },
  /** Browser mode, store locked. */
  storeLocked: {
    mode: 'browser', source: 'browser',
    hello: { ok: true, protocol: 1, version: '0.1.0', mode: 'browser', store: { state: 'locked', backend: 'browser', detail: null } },
    accounts: [], accountsError: 'store_locked', systems: SYSTEMS, settings: settings('browser'), bmState: 'locked',
  },
  /** Native mode with the host not registered (the other host-missing path). */
  hostNotInstalled: {
    mode: 'native', source: null,
    hello: { ok: false, error: { code: 'host_not_installed', message: '' } },
    accounts: [], accountsError: 'host_not_installed', systems: [], settings: settings('native'), bmState: 'not_set_up',
  },
};
