// Real Firefox ESR driven through geckodriver with plain HTTP WebDriver (no client library).
// The extension is installed as a temporary add-on; the simulator's host names are reached through
// its HTTP/CONNECT proxy (Firefox cannot remap ports); HOME is set on geckodriver so the host
// manifest under $HOME/.mozilla/native-messaging-hosts is found.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { GECKO_ID } from './host.mjs';

export const FIXED_UUID = '3b0e4d1e-6c1a-4f6b-9a51-e2e0a2f00001';

export function geckodriverPath() {
  for (const p of [process.env.GECKODRIVER, '/root/.cargo/bin/geckodriver', `${process.env.CARGO_HOME ?? ''}/bin/geckodriver`, '/usr/bin/geckodriver', '/usr/local/bin/geckodriver']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

export async function launchFirefox({ sim, extensionDir, profileDir, log = () => {} }) {
  const port = await freePort();
  mkdirSync(profileDir, { recursive: true });
  // --allow-system-access: the chrome context, used only to open the extension's own page
  const gd = spawn(geckodriverPath(), ['--port', String(port), '--host', '127.0.0.1', '--log', 'error', '--allow-system-access'], {
    env: { ...process.env, MOZ_HEADLESS: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  gd.stdout.on('data', (d) => { if (process.env.E2E_VERBOSE) log(`geckodriver: ${d}`); });
  gd.stderr.on('data', (d) => { if (process.env.E2E_VERBOSE) log(`geckodriver: ${d}`); });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(`${base}/status`); if (r.ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const prefs = {
    ...sim.firefoxProxyPrefs(),
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIXED_UUID }),
    'xpinstall.signatures.required': false,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'app.update.enabled': false,
    'extensions.autoDisableScopes': 0,
    'browser.aboutwelcome.enabled': false,
  };
  const caps = {
    capabilities: {
      alwaysMatch: {
        browserName: 'firefox', acceptInsecureCerts: true, pageLoadStrategy: 'normal',
        'moz:firefoxOptions': { binary: process.env.FIREFOX_BIN || '/usr/bin/firefox-esr', args: ['-headless', '-profile', profileDir], prefs },
      },
    },
  };
  const d = new FirefoxDriver(base, gd, log);
  try {
    await d.start(caps, extensionDir);
  } catch (e) {
    await d.close();
    throw e;
  }
  return d;
}

async function start(d, caps, extensionDir, log) {
  const s = await d.cmd('POST', '/session', caps);
  d.session = s.sessionId;
  await d.cmd('POST', `/session/${d.session}/timeouts`, { script: 30000, pageLoad: 30000, implicit: 0 });
  const addon = await d.cmd('POST', `/session/${d.session}/moz/addon/install`, { path: extensionDir, temporary: true });
  log(`firefox: add-on ${addon} installed (moz-extension://${FIXED_UUID}/)`);
  d.extensionId = addon;
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

class FirefoxDriver {
  constructor(base, proc, log) {
    this.name = 'firefox';
    this.base = base;
    this.proc = proc;
    this.log = log;
    this.inFrame = false;
  }
  async cmd(method, path, body) {
    const r = await fetch(this.base + path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(`WebDriver ${method} ${path}: ${j.value?.error}: ${j.value?.message}`);
      e.wd = j.value?.error;
      throw e;
    }
    return j.value;
  }
  s(p) { return `/session/${this.session}${p}`; }
  start(caps, extensionDir) { return start(this, caps, extensionDir, this.log); }
  async top() { if (this.inFrame) { await this.cmd('POST', this.s('/frame'), { id: null }); this.inFrame = false; } }
  async goto(url) { await this.top(); await this.cmd('POST', this.s('/url'), { url }); }
  async url() { return this.cmd('GET', this.s('/url')); }
  /** Runs `fn(...args)` in the page (or current frame); fn may return a promise. */
  async eval(fn, ...args) {
    const script = `const __f = (${fn.toString()}); const __a = arguments[0]; const __done = arguments[arguments.length - 1];
      Promise.resolve().then(() => __f(__a)).then((v) => __done({ ok: true, v: v === undefined ? null : v }), (e) => __done({ ok: false, e: String(e) }));`;
    const r = await this.cmd('POST', this.s('/execute/async'), { script, args: [args[0] ?? null] });
    if (!r.ok) throw new Error(`page script failed: ${r.e}`);
    return r.v;
  }
  async find(sel) {
    for (let i = 0; i < 50; i++) {
      try {
        const el = await this.cmd('POST', this.s('/element'), { using: 'css selector', value: sel });
        return el[ELEMENT] ?? Object.values(el)[0];
      } catch (e) {
        if (e.wd !== 'no such element') throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`no element ${sel}`);
  }
  async type(sel, text) {
    const id = await this.find(sel);
    await this.cmd('POST', this.s(`/element/${id}/value`), { text });
  }
  async click(sel) {
    const id = await this.find(sel);
    await this.cmd('POST', this.s(`/element/${id}/click`), {});
  }
  async frame(sel) {
    await this.top();
    const id = await this.find(sel);
    await this.cmd('POST', this.s('/frame'), { id: { [ELEMENT]: id } });
    this.inFrame = true;
    return this;
  }
  /**
   * Runs fn(arg) in one of the extension's own pages. WebDriver may not navigate a web tab to
   * moz-extension://, so the page is opened in a new tab from the chrome context (needs
   * -remote-allow-system-access), used, and closed.
   */
  async inExtensionPage(fn, arg, page = 'options.html') {
    return this.withExtensionPage(page, () => this.eval(fn, arg));
  }
  /** Runs `trigger()`, which makes the extension open a window of its own whose URL contains
   * `part` (the unlock window a court page's notice opens), and gives `use` this driver switched
   * to it (and a function telling whether it closed); switches back after. */
  async withOpenedWindow(part, trigger, use) {
    await this.top();
    const orig = await this.cmd('GET', this.s('/window'));
    const before = new Set(await this.cmd('GET', this.s('/window/handles')));
    await trigger();
    let handle;
    for (let i = 0; i < 150 && !handle; i++) {
      handle = (await this.cmd('GET', this.s('/window/handles'))).find((h) => !before.has(h));
      if (!handle) await new Promise((r) => setTimeout(r, 100));
    }
    if (!handle) throw new Error(`no window containing ${part} opened`);
    await this.cmd('POST', this.s('/window'), { handle });
    const closed = async () => !(await this.cmd('GET', this.s('/window/handles'))).includes(handle);
    try {
      for (let i = 0; i < 50; i++) {
        const ready = await this.eval((p) => location.href.includes(p) && document.readyState === 'complete', part).catch(() => false);
        if (ready) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return await use(this, closed);
    } finally {
      await this.cmd('POST', this.s('/window'), { handle: orig }).catch(() => {});
    }
  }
  /** Opens one of the extension's pages in a new tab, gives `use` this driver switched to it
   * (eval/type/click), closes the tab and switches back after. */
  async withExtensionPage(page, use) {
    const url = `moz-extension://${FIXED_UUID}/${page}`;
    await this.top();
    const orig = await this.cmd('GET', this.s('/window'));
    const before = new Set(await this.cmd('GET', this.s('/window/handles')));
    await this.cmd('POST', this.s('/moz/context'), { context: 'chrome' });
    try {
      await this.cmd('POST', this.s('/execute/sync'), {
        script: `const w = Services.wm.getMostRecentWindow('navigator:browser');
          const tab = w.gBrowser.addTab(arguments[0], { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });
          w.gBrowser.selectedTab = tab; return true;`,
        args: [url],
      });
    } finally {
      await this.cmd('POST', this.s('/moz/context'), { context: 'content' });
    }
    let handle;
    for (let i = 0; i < 50 && !handle; i++) {
      handle = (await this.cmd('GET', this.s('/window/handles'))).find((h) => !before.has(h));
      if (!handle) await new Promise((r) => setTimeout(r, 100));
    }
    if (!handle) throw new Error(`could not open ${url}`);
    await this.cmd('POST', this.s('/window'), { handle });
    try {
      for (let i = 0; i < 50; i++) {
        const ready = await this.eval(() => document.readyState === 'complete' && !!(globalThis.browser ?? globalThis.chrome)?.storage).catch(() => false);
        if (ready) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return await use(this);
    } finally {
      await this.cmd('DELETE', this.s('/window')).catch(() => {});
      await this.cmd('POST', this.s('/window'), { handle: orig });
    }
  }
  /** Opens `url` in a new tab (WebDriver New Window), gives `use` this driver switched to it,
   * closes it and switches back after. */
  async withTab(url, use) {
    await this.top();
    const orig = await this.cmd('GET', this.s('/window'));
    const { handle } = await this.cmd('POST', this.s('/window/new'), { type: 'tab' });
    await this.cmd('POST', this.s('/window'), { handle });
    try {
      await this.goto(url);
      return await use(this);
    } finally {
      await this.cmd('DELETE', this.s('/window')).catch(() => {});
      await this.cmd('POST', this.s('/window'), { handle: orig });
    }
  }
  async setLocalStorage(obj) {
    return this.inExtensionPage((o) => (globalThis.browser ?? globalThis.chrome).storage.local.set(o), obj);
  }
  async getLocalStorage(key) {
    return this.inExtensionPage((k) => (globalThis.browser ?? globalThis.chrome).storage.local.get(k), key);
  }
  async screenshot(path) {
    const b64 = await this.cmd('GET', this.s('/screenshot'));
    (await import('node:fs')).writeFileSync(path, Buffer.from(b64, 'base64'));
  }
  async close() {
    try { if (this.session) await this.cmd('DELETE', this.s('')); } catch {}
    this.proc.kill('SIGTERM');
    await new Promise((r) => { if (this.proc.exitCode != null) r(); else { this.proc.once('exit', r); setTimeout(r, 3000); } });
  }
}
