// Systems an administrator adds by policy (`extraSystems`) get the content script too: the
// manifest's static patterns cover the built-in registry only, so the extra prefixes are registered
// at run time (scripting.registerContentScripts), once their host permission is granted (optional
// `https://*/*`; the options page asks). Same pattern rule as the build (shared/patterns.js).
import { ext } from '../shared/api';
import { matchPatterns } from '../shared/patterns.js';
import type { RegistrySystem } from '../shared/settings';

const SCRIPT_ID = 'eproc-a2f-extra-systems';
const MAIN_SCRIPT_ID = 'eproc-a2f-extra-systems-main';

/** Valid match patterns of the extra systems that the manifest does not already cover. */
export function extraPatterns(systems: RegistrySystem[], builtin: readonly string[]): string[] {
  const ok: RegistrySystem[] = [];
  for (const s of systems) {
    try {
      matchPatterns([s]);
      ok.push(s);
    } catch {
      /* an invalid prefix: skipped (the code source refuses it as well) */
    }
  }
  const have = new Set(builtin);
  return matchPatterns(ok).filter((p) => !have.has(p));
}

function manifestPatterns(): string[] {
  const m = ext.runtime.getManifest() as chrome.runtime.ManifestV3;
  return m.content_scripts?.[0]?.matches ?? [];
}

/** What the options page shows: patterns needed, and whether they are granted. */
export async function extraStatus(systems: RegistrySystem[]): Promise<{ patterns: string[]; granted: boolean }> {
  const patterns = extraPatterns(systems, manifestPatterns());
  if (patterns.length === 0 || !ext.permissions) return { patterns, granted: true };
  try {
    return { patterns, granted: await ext.permissions.contains({ origins: patterns }) };
  } catch {
    return { patterns, granted: false };
  }
}

/** (Re-)registers the content script for the extra systems; removes it when there are none. */
export async function syncExtraSystems(systems: RegistrySystem[]): Promise<void> {
  const scripting = ext.scripting;
  if (!scripting?.registerContentScripts) return;
  try {
    const existing = await scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID, MAIN_SCRIPT_ID] });
    if (existing.length) await scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  } catch {
    /* nothing registered */
  }
  const { patterns, granted } = await extraStatus(systems);
  if (patterns.length === 0 || !granted) return;
  try {
    await scripting.registerContentScripts([
      // As the manifest's (issue 10): at document_start, with the MAIN-world script beside it.
      { id: SCRIPT_ID, matches: patterns, js: ['content.js'], runAt: 'document_start', allFrames: false, persistAcrossSessions: false },
      { id: MAIN_SCRIPT_ID, matches: patterns, js: ['content-main.js'], runAt: 'document_start', allFrames: false, persistAcrossSessions: false, world: 'MAIN' },
    ]);
  } catch {
    /* the browser refused (e.g. permission revoked meanwhile) */
  }
}
