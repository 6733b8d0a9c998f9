// Real Chromium (Debian binary) driven by playwright-core, with the unpacked extension loaded and
// the simulator's host names mapped to its ports by --host-resolver-rules.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launchChromium({ sim, extensionDir, userDataDir, log = () => {}, headed = false }) {
  mkdirSync(userDataDir, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      ...(headed ? [] : ['--headless=new']), '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-component-update',
      '--disable-sync', '--disable-background-networking',
      `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`,
      `--host-resolver-rules=${sim.hostResolverRules()}`, '--ignore-certificate-errors',
    ],
    viewport: { width: 1100, height: 900 },
  });
  let worker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
  if (!worker) {
    worker = await context.waitForEvent('serviceworker', { timeout: 15000 }).catch(async (e) => {
      await context.close().catch(() => {});
      throw new Error(`the extension's service worker did not start within 15 s (${e.message}); Chromium says: ${extensionLoadErrors(extensionDir)}`);
    });
  }
  const extensionId = new URL(worker.url()).host;
  log(`chromium: extension ${extensionId} (${worker.url()})`);
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => { if (process.env.E2E_VERBOSE) log(`page console: ${m.text()}`); });
  const d = new ChromiumDriver(context, page, worker, extensionId);
  d.userDataDir = userDataDir;
  return d;
}

class Frameish {
  constructor(target) { this.t = target; }
  eval(fn, arg) { return this.t.evaluate(fn, arg ?? null); }
  async type(sel, text) { await this.t.locator(sel).first().pressSequentially(text, { delay: 5 }); }
  async click(sel) { await this.t.locator(sel).first().click({ timeout: 15000 }); }
}

export class ChromiumDriver extends Frameish {
  constructor(context, page, worker, extensionId) {
    super(page);
    this.name = 'chromium';
    this.context = context;
    this.page = page;
    this.worker = worker;
    this.extensionId = extensionId;
  }
  async goto(url) {
    // a navigation the page itself started just before (a form post's redirect) may interrupt this
    // one: wait for it to settle and go again
    try {
      await this.page.goto(url, { waitUntil: 'domcontentloaded' });
    } catch (e) {
      if (!/interrupted by another navigation/.test(e.message)) throw e;
      await this.page.waitForLoadState('domcontentloaded').catch(() => {});
      await this.page.goto(url, { waitUntil: 'domcontentloaded' });
    }
  }
  url() { return this.page.url(); }
  /** The first iframe of the page (the cross-origin test). */
  async frame(sel) {
    const handle = await this.page.waitForSelector(sel);
    const f = await handle.contentFrame();
    await f.waitForLoadState('domcontentloaded');
    return new Frameish(f);
  }
  async extensionEval(fn, arg) {
    // the worker may have been stopped: ask the context for the current one
    const w = this.context.serviceWorkers().find((x) => x.url().startsWith(`chrome-extension://${this.extensionId}/`)) ?? this.worker;
    return w.evaluate(fn, arg);
  }
  async setLocalStorage(obj) {
    return this.extensionEval((o) => chrome.storage.local.set(o), obj);
  }
  async getLocalStorage(key) {
    return this.extensionEval((k) => chrome.storage.local.get(k), key);
  }
  /** Runs fn(arg) in one of the extension's own pages, opened in a new tab and closed after. */
  async inExtensionPage(fn, arg, page = 'options.html') {
    return this.withExtensionPage(page, (p) => p.eval(fn, arg));
  }
  /** Opens one of the extension's pages (options.html, popup.html) in a new tab, gives `use` a
   * driver of it (eval/type/click), closes the tab after. */
  async withExtensionPage(page, use) {
    const p = await this.context.newPage();
    try {
      await p.goto(`chrome-extension://${this.extensionId}/${page}`);
      await p.waitForLoadState('load');
      return await use(new Frameish(p));
    } finally {
      await p.close().catch(() => {});
    }
  }
  /** Runs `trigger()`, which makes the extension open a window of its own whose URL contains
   * `part` (the unlock window a court page's notice opens), and gives `use` a driver of it. */
  async withOpenedWindow(part, trigger, use) {
    const opened = this.context.waitForEvent('page', { predicate: (pg) => pg.url().includes(part), timeout: 15000 });
    await trigger();
    const p = await opened;
    await p.waitForLoadState('load');
    try {
      return await use(new Frameish(p), () => p.isClosed());
    } finally {
      if (!p.isClosed()) await p.close().catch(() => {});
    }
  }
  /** Opens `url` in a second tab of the same browser, gives `use` a driver of it (goto, eval,
   * type, click, url), closes it after (issue 10: a second tab must not start a retry loop). */
  async withTab(url, use) {
    const p = await this.context.newPage();
    try {
      await p.goto(url, { waitUntil: 'domcontentloaded' });
      const t = new Frameish(p);
      t.goto = (u) => p.goto(u, { waitUntil: 'domcontentloaded' });
      t.url = () => p.url();
      return await use(t);
    } finally {
      await p.close().catch(() => {});
    }
  }
  /** Opens an extension page in a new tab and leaves it open (the migration kill tests). */
  async openExtensionTab(page) {
    const p = await this.context.newPage();
    await p.goto(`chrome-extension://${this.extensionId}/${page}`);
    await p.waitForLoadState('load');
    return new Frameish(p);
  }
  /** The browser's main process (its command line names this profile and has no --type=). */
  mainPid() { return chromiumMainPid(this.userDataDir); }
  /** SIGKILL of the browser's main process, as a crash or a power cut would end it. */
  async kill() {
    const pid = this.mainPid();
    if (!pid) throw new Error(`no Chromium main process found for ${this.userDataDir}`);
    const closed = new Promise((r) => this.context.once('close', r));
    process.kill(pid, 'SIGKILL');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10000))]);
    for (let i = 0; i < 100 && chromiumMainPid(this.userDataDir); i++) await new Promise((r) => setTimeout(r, 100));
    return pid;
  }
  async screenshot(path) { await this.page.screenshot({ path }); }
  async openExtensionPage(path) { await this.page.goto(`chrome-extension://${this.extensionId}/${path}`); }
  async close() { await this.context.close().catch(() => {}); }
}

/** Loads the extension once in a bare headless Chromium and returns its load errors (diagnosis). */
export function extensionLoadErrors(extensionDir) {
  const udd = mkdtempSync(join(tmpdir(), 'e2e-diag-'));
  const r = spawnSync(process.env.CHROMIUM_BIN || '/usr/bin/chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    `--user-data-dir=${udd}`, '--enable-logging=stderr', `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`, 'about:blank'],
  { encoding: 'utf8', timeout: 6000, killSignal: 'SIGKILL' });
  rmSync(udd, { recursive: true, force: true });
  const lines = `${r.stderr ?? ''}`.split('\n').filter((l) => /extension|manifest|locale/i.test(l) && !/dbus/i.test(l));
  return lines.slice(0, 5).join(' | ') || '(no load error logged)';
}

/** The pid of the Chromium main process using `userDataDir`, or null. Chromium rewrites the main
 * process's title (its argv is lost), but its children (zygote, renderers, utilities) keep
 * `--type=... --user-data-dir=DIR` in theirs: the main process is their ancestor without --type=. */
export function chromiumMainPid(userDataDir) {
  const read = (pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, st, ppid] = /\) (\S) (\d+)/.exec(stat);
      return { cmd, zombie: st === 'Z', ppid: Number(ppid) };
    } catch {
      return null;
    }
  };
  const flag = `--user-data-dir=${userDataDir} `;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const p = read(e);
    if (!p || p.zombie || !`${p.cmd} `.includes(flag)) continue;
    let pid = Number(e);
    let cur = p;
    for (let hops = 0; hops < 4 && cur && cur.cmd.includes('--type='); hops++) {
      pid = cur.ppid;
      cur = read(pid);
    }
    if (cur && !cur.zombie && !cur.cmd.includes('--type=') && /chromium|chrome/.test(cur.cmd)) return pid;
  }
  return null;
}
