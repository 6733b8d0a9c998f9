// The eproc simulator: eproc's own login (late code field) and enrollment, Keycloak login + OTP and
// configure-OTP, served over HTTPS under the real host names of core/registry.json, with its own
// TOTP check (RFC 6238, HMAC-SHA1, 6 digits, 30 s) and a one-use-per-step rule.
//
// Ports (all on 127.0.0.1, ephemeral by default so several runs can coexist):
//  - https: the pages (Chromium reaches it through --host-resolver-rules)
//  - http:  the same pages over plain http (negative tests), and an HTTP proxy with CONNECT for
//           Firefox, which cannot remap ports (CONNECT host:443 -> https, host:80 -> http)
//  - control: JSON API /__sim/* to seed users and inspect what happened
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { makeCerts } from './certs.mjs';
import * as totp from './totp.mjs';
import * as P from './pages.mjs';
import * as V from './variants.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, '..', '..', '..');
export const LOOKALIKE_SUFFIX = '.evil.example';
export const FRAME_HOST = 'frame.evil.example';
const INSTITUTIONAL = /(\.|@)(jus\.br|gov\.br)$/i;

export function loadRegistry(path = join(REPO, 'core', 'registry.json')) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Host routing table built from the registry data. */
export function buildSites(registry) {
  const apps = new Map();   // host -> [{prefix, system}]
  const ssos = new Map();   // host -> {realmPath, authenticator, systems[]}
  for (const s of registry.systems) {
    const u = new URL(s.app);
    if (!apps.has(u.host)) apps.set(u.host, []);
    apps.get(u.host).push({ prefix: u.pathname, system: s });
    if (s.login_style === 'keycloak' && s.login.length) {
      for (const l of s.login) {
        const lu = new URL(l);
        if (!ssos.has(lu.host)) ssos.set(lu.host, { realmPath: lu.pathname, authenticator: s.authenticator, systems: [] });
        ssos.get(lu.host).systems.push(s);
      }
    }
  }
  return { apps, ssos };
}

export function allHostNames(sites) {
  const base = [...sites.apps.keys(), ...sites.ssos.keys()];
  return [...base, ...base.map((h) => h + LOOKALIKE_SUFFIX), FRAME_HOST];
}

function parseCookies(h = '') {
  const out = {};
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

async function readBody(req, limit = 1 << 20) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseForm(body, type = '') {
  if (type.includes('application/json')) {
    try { return JSON.parse(body || '{}'); } catch { return {}; }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

const rid = (n = 12) => randomBytes(n).toString('hex');

export async function startSimulator(opts = {}) {
  const registry = opts.registry ?? loadRegistry();
  const sites = buildSites(registry);
  const hostNames = allHostNames(sites);
  const workDir = opts.workDir ?? join(HERE, '..', '.work', `sim-${process.pid}-${Date.now()}`);
  const tls = makeCerts(join(workDir, 'certs'), [...hostNames, 'localhost', '127.0.0.1']);
  const log = opts.log ?? (() => {});

  const config = {
    codeFieldDelayMs: 400,      // eproc: the code field appears this long after the password
    window: [-1, 0],            // accepted steps relative to the server's current one
    clockOffsetMs: 0,           // server clock skew
  };
  const users = new Map();      // authenticator -> Map(user -> {key: Buffer|null, base32, lastStep, kind})
  const events = [];
  const sessions = new Map();   // sid -> {}
  const authCodes = new Map();  // oauth code -> {user, authenticator}

  const now = () => Date.now() + config.clockOffsetMs;
  // A court's own clock (variants with a skewed clock check codes at their time).
  const hostNow = (ctx) => now() + (ctx?.variant?.clockOffsetMs ?? 0);
  // Submissions per account and step (password, captcha, code, profile, enroll): GET /__sim/stats.
  const stats = new Map();
  const count = (auth, user, what) => {
    const k = `${auth}:${user}`;
    if (!stats.has(k)) stats.set(k, {});
    const o = stats.get(k);
    o[what] = (o[what] ?? 0) + 1;
  };
  const statsOf = (auth, user) => ({ password: 0, captcha: 0, code: 0, profile: 0, enroll: 0, ...(stats.get(`${auth}:${user}`) ?? {}) });
  const lastFailure = new Map(); // Keycloak quick-login check: auth:user -> ms of the last failed code
  const record = (ev) => {
    const e = { seq: events.length + 1, t: Date.now(), ...ev };
    events.push(e);
    log(`sim: ${JSON.stringify(e)}`);
    return e;
  };
  const realm = (auth) => {
    if (!users.has(auth)) users.set(auth, new Map());
    return users.get(auth);
  };
  const getUser = (auth, user) => {
    const r = realm(auth);
    if (!r.has(user)) r.set(user, { user, key: null, base32: null, lastStep: -Infinity, kind: null });
    return r.get(user);
  };
  function setKey(auth, user, { base32, raw }) {
    const u = getUser(auth, user);
    if (raw != null) {
      u.key = Buffer.from(raw, 'ascii');
      u.base32 = totp.base32Encode(u.key);
      u.kind = 'keycloak-raw';
    } else {
      u.key = totp.base32Decode(base32);
      u.base32 = totp.base32Encode(u.key);
      u.kind = 'base32';
    }
    return u;
  }

  /** Checks a submitted code for (auth, user); records the outcome. */
  function verify(auth, user, code, extra = {}, ctx = null) {
    const u = getUser(auth, user);
    const t = hostNow(ctx);
    const serverStep = totp.stepAt(t);
    count(auth, user, 'code');
    const base = { type: 'otp', authenticator: auth, user, code, serverStep, msLeft: totp.msLeftInStep(t), ...extra };
    if (ctx?.variant?.rejectAll) {
      // a court that refuses every code; still says which step the code was (diagnosis)
      let near = null;
      if (u.key) for (let d = -3; d <= 3; d++) if (totp.hotp(u.key, serverStep + d) === String(code ?? '').trim()) near = d;
      return record({ ...base, ok: false, reason: 'court-rejects', nearOffset: near });
    }
    if (!/^\d{6}$/.test(String(code ?? '').trim())) return record({ ...base, ok: false, reason: 'bad-format' });
    if (!u.key) return record({ ...base, ok: false, reason: 'no-key' });
    for (let d = config.window[0]; d <= config.window[1]; d++) {
      const step = serverStep + d;
      if (totp.hotp(u.key, step) === String(code).trim()) {
        if (step <= u.lastStep) return record({ ...base, ok: false, reason: 'reused', step });
        u.lastStep = step;
        return record({ ...base, ok: true, reason: 'accepted', step, offset: d });
      }
    }
    // Diagnose: a code of a future step (filled too early) or an older one.
    let near = null;
    for (let d = -3; d <= 3; d++) if (totp.hotp(u.key, serverStep + d) === String(code).trim()) near = d;
    return record({ ...base, ok: false, reason: 'invalid', nearOffset: near });
  }

  function session(req, res) {
    const c = parseCookies(req.headers.cookie);
    let sid = c.SIMSID;
    if (!sid || !sessions.has(sid)) {
      sid = rid();
      sessions.set(sid, {});
      res.setHeader('Set-Cookie', `SIMSID=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    }
    return sessions.get(sid);
  }

  const send = (res, status, body, headers = {}) => {
    if (res.__latin1 && !headers['Content-Type']) {
      // ISO-8859-1 pages, as eproc serves them: the header's charset and Latin-1 bytes
      res.writeHead(status, { 'Content-Type': 'text/html; charset=ISO-8859-1', 'Cache-Control': 'no-store', ...headers });
      return res.end(V.toLatin1(body));
    }
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  };
  const redirect = (res, location) => {
    res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
    res.end();
  };
  const json = (res, status, obj) => send(res, status, JSON.stringify(obj), { 'Content-Type': 'application/json' });

  const qr = (uri) => QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });

  // ---------------------------------------------------------------- request handler (pages)
  async function handle(req, res, scheme) {
    let url;
    try {
      url = new URL(req.url.startsWith('/') ? `${scheme}://${req.headers.host}${req.url}` : req.url);
    } catch {
      return send(res, 400, P.notFound('bad request'));
    }
    const host = url.hostname.toLowerCase();
    const lookalike = host.endsWith(LOOKALIKE_SUFFIX) && host !== FRAME_HOST;
    const baseHost = lookalike ? host.slice(0, -LOOKALIKE_SUFFIX.length) : host;
    const origin = `${scheme}://${host}`;
    const variant = lookalike || scheme !== 'https' ? {} : V.variantOf(host);
    const ctx = { url, host, baseHost, lookalike, scheme, origin, suffix: lookalike ? LOOKALIKE_SUFFIX : '', variant };
    // the court's clock as its HTTP Date header says it (1 s resolution, IMF-fixdate)
    const dateSkew = variant.clockOffsetMs ?? variant.dateOffsetMs ?? 0;
    if (dateSkew) res.setHeader('Date', new Date(Date.now() + config.clockOffsetMs + dateSkew).toUTCString());
    if (variant.latin1) res.__latin1 = true;

    if (url.pathname === '/__sim/beacon' && req.method === 'POST') {
      const body = parseForm(await readBody(req), 'application/json');
      record({ ...body, type: body.type === 'forbidden' ? 'forbidden' : 'beacon', host, page: req.headers.referer ?? null });
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'GET') record({ type: 'page', url: url.href, host });
    if (url.pathname === '/favicon.ico') return send(res, 404, '');

    if (host === FRAME_HOST) {
      const src = url.searchParams.get('src') ?? 'https://eproc.trf2.jus.br/eproc/index.php';
      return send(res, 200, P.framePage({ src }));
    }
    if (sites.ssos.has(baseHost)) return handleSso(req, res, ctx, sites.ssos.get(baseHost));
    const app = sites.apps.get(baseHost);
    if (app) {
      const entry = app.find((a) => url.pathname.startsWith(a.prefix))
        ?? (url.pathname === '/' || url.pathname === a0(app).prefix.replace(/\/$/, '') ? null : undefined);
      if (entry === null) return redirect(res, a0(app).prefix);
      // Off the registry's path (negative tests: e.g. /eproc-falso/index.php): the same login page.
      if (!entry && /\/(index|controlador_ajax|controlador)\.php$/.test(url.pathname) && a0(app).system.login_style === 'eproc') {
        return handleEprocApp(req, res, ctx, { prefix: url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1), system: a0(app).system });
      }
      if (!entry) return send(res, 404, P.notFound());
      if (entry.system.login_style === 'keycloak') return handleKeycloakApp(req, res, ctx, entry);
      return handleEprocApp(req, res, ctx, entry);
    }
    return send(res, 404, P.notFound(`host ${host} is not simulated`));
  }
  const a0 = (app) => app[0];

  // ---------------------------------------------------------------- eproc's own pages
  async function handleEprocApp(req, res, ctx, { prefix, system }) {
    const { url } = ctx;
    const rel = url.pathname.slice(prefix.length);
    const auth = system.authenticator;
    const sess = session(req, res);
    const sname = system.name;
    const v = ctx.variant;
    const login = (o = {}) => P.eprocLogin({ systemName: sname, twoPage: !!v.twoPage, dupIds: !!v.dupIds, ...o });
    if (rel === '' || rel === 'index.php') {
      if (req.method === 'GET' && v.cloudflareQuery && url.searchParams.get('sim') === 'cloudflare') {
        return send(res, 403, V.cloudflare({ host: ctx.host }), { 'cf-mitigated': 'challenge', Server: 'cloudflare' });
      }
      if (req.method === 'GET') return send(res, 200, login());
      const f = parseForm(await readBody(req), req.headers['content-type']);
      const user = String(f.txtUsuario ?? '').trim();
      const acao = f.acao ?? (f.txtAcessoCodigo != null ? 'validar_codigo' : '');
      if (acao === 'login' && v.twoPage) {
        // the password is a real form post; a captcha page may come first, then the code page
        if (!user || !f.pwdSenha) return send(res, 200, login({ user, error: 'Usuário ou senha inválidos.' }));
        count(auth, user, 'password');
        record({ type: 'password', host: ctx.host, authenticator: auth, user });
        sess.passwordUser = user;
        if (v.captcha) return send(res, 200, V.eprocCaptcha({ systemName: sname, user }));
        return send(res, 200, V.eprocCodePage({ systemName: sname, user }));
      }
      if (acao === 'captcha' && v.captcha) {
        const text = String(f.txtInfraCaptcha ?? '');
        count(auth, user, 'captcha');
        record({ type: 'captcha', host: ctx.host, authenticator: auth, user, text });
        if (!text.trim()) return send(res, 200, V.eprocCaptcha({ systemName: sname, user, error: 'Informe os caracteres da imagem.' }));
        return send(res, 200, V.eprocCodePage({ systemName: sname, user }));
      }
      if (acao === 'perfil' && v.twoPage) {
        count(auth, user, 'profile');
        record({ type: 'profile', host: ctx.host, authenticator: auth, user, profile: f.perfil ?? null });
        if (sess.codeUser !== user) return redirect(res, `${prefix}index.php`);
        sess.user = user;
        return redirect(res, `${prefix}controlador.php?acao=painel_adv_listar`);
      }
      if (acao === 'validar_codigo' || (f.txtAcessoCodigo != null && acao === '')) {
        const r = verify(auth, user, f.txtAcessoCodigo, { host: ctx.host, page: v.twoPage ? 'eproc-code-page' : 'eproc-login', fieldEvents: (f.hdnEventos || '').split(',').filter(Boolean) }, ctx);
        if (r.ok) {
          sess.authenticator = auth;
          record({ type: 'login', host: ctx.host, authenticator: auth, user, system: system.id });
          if (v.twoPage) {
            sess.codeUser = user;
            return send(res, 200, V.eprocProfile({ systemName: sname, user }));
          }
          sess.user = user;
          return redirect(res, `${prefix}controlador.php?acao=painel_adv_listar`);
        }
        // eproc's answer to a wrong code: its message box, the code screen again
        if (v.twoPage) return send(res, 200, V.eprocCodePage({ systemName: sname, user, infraMsg: V.REJECT_TEXT }));
        if (v.rejectAll) return send(res, 200, login({ user, showCode: true, infraMsg: V.REJECT_TEXT }));
        return send(res, 200, login({ user, error: 'Código autenticador inválido.' }));
      }
      if (acao === 'a2f_aviso') {
        if (!user) return send(res, 200, login({ error: 'Informe usuário e senha.' }));
        sess.enrollUser = user;
        return send(res, 200, P.eprocA2fWarning({ systemName: sname, user }));
      }
      if (acao === 'a2f_cadastro') {
        const u = user || sess.enrollUser;
        sess.enrollUser = u;
        sess.pendingKey = totp.newBase32Key(20);
        return send(res, 200, await enrollPage(sname, auth, u, sess.pendingKey, '', v));
      }
      if (acao === 'a2f_confirmar') {
        const u = sess.enrollUser ?? user;
        const email = String(f.txtEmail ?? '').trim();
        const code = String(f.txtCodigoA2F ?? '').trim();
        if (!sess.pendingKey) return send(res, 400, P.notFound('sem cadastro pendente'));
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || INSTITUTIONAL.test(email)) {
          record({ type: 'enroll', kind: 'eproc', host: ctx.host, authenticator: auth, user: u, ok: false, reason: 'email', email });
          return send(res, 200, await enrollPage(sname, auth, u, sess.pendingKey, 'Informe um e-mail pessoal válido (e-mails institucionais não são aceitos).', v));
        }
        const key = totp.base32Decode(sess.pendingKey);
        count(auth, u, 'enroll');
        const step = totp.stepAt(hostNow(ctx));
        let okStep = null;
        for (let d = config.window[0]; d <= config.window[1]; d++) if (totp.hotp(key, step + d) === code) okStep = step + d;
        if (okStep == null) {
          record({ type: 'enroll', kind: 'eproc', host: ctx.host, authenticator: auth, user: u, ok: false, reason: 'invalid', code });
          return send(res, 200, await enrollPage(sname, auth, u, sess.pendingKey, 'Código inválido.', v));
        }
        const rec = setKey(auth, u, { base32: sess.pendingKey });
        rec.lastStep = okStep;
        record({ type: 'enroll', kind: 'eproc', host: ctx.host, authenticator: auth, user: u, ok: true, email, step: okStep });
        delete sess.pendingKey;
        return send(res, 200, P.eprocEnrolled({ systemName: sname, email }));
      }
      return send(res, 200, login({ user }));
    }
    if (rel === 'controlador_ajax.php' && req.method === 'POST') {
      const f = parseForm(await readBody(req), req.headers['content-type']);
      const user = String(f.usuario ?? '').trim();
      if (!user || !f.senha) return json(res, 200, { ok: false, erro: 'Usuário ou senha inválidos.' });
      count(auth, user, 'password');
      record({ type: 'password', host: ctx.host, authenticator: auth, user });
      sess.passwordUser = user;
      return json(res, 200, { ok: true, delay: config.codeFieldDelayMs });
    }
    if (rel.startsWith('controlador.php') && v.alterarCadastro && url.searchParams.get('acao') === 'pessoa_alterar') {
      // the forced "Alterar Cadastro" page: never acted on by the product
      if (req.method === 'POST') record({ type: 'forbidden', what: 'Alterar Cadastro submitted', host: ctx.host });
      return send(res, 200, V.alterarCadastro({ systemName: sname }));
    }
    if (rel.startsWith('controlador.php')) {
      if (!sess.user) return redirect(res, `${prefix}index.php`);
      return send(res, 200, P.panel({ title: sname, user: sess.user, host: ctx.host }));
    }
    return send(res, 404, P.notFound());
  }

  async function enrollPage(systemName, auth, user, key, error = '', variant = {}) {
    const issuer = auth.toUpperCase();
    const uri = `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(user)}?secret=${key}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
    return (variant.keyAsLink ? V.eprocEnrollmentKeyLink : P.eprocEnrollment)({ systemName, user, qrDataUrl: await qr(uri), groupedKey: totp.groupBy4(key), error });
  }

  // ---------------------------------------------------------------- Keycloak apps (trf4, jfpr, tjrs ...)
  function handleKeycloakApp(req, res, ctx, { prefix, system }) {
    const { url } = ctx;
    const sess = session(req, res);
    const rel = url.pathname.slice(prefix.length);
    if (rel === 'sso_callback') {
      const c = authCodes.get(url.searchParams.get('code'));
      if (!c) return send(res, 400, P.notFound('código OAuth inválido'));
      authCodes.delete(url.searchParams.get('code'));
      sess.user = c.user;
      record({ type: 'login', host: ctx.host, authenticator: c.authenticator, user: c.user, system: system.id });
      return redirect(res, `${prefix}controlador.php?acao=painel_adv_listar`);
    }
    // The panel needs a session; any other address of the app starts a new SSO login (so tests
    // can log in again with the same browser).
    if (rel.startsWith('controlador.php')) {
      if (sess.user) return send(res, 200, P.panel({ title: system.name, user: sess.user, host: ctx.host }));
    }
    const login = new URL(system.login[0]);
    const ssoHost = login.host + ctx.suffix;
    const q = new URLSearchParams({
      client_id: 'eproc', eproc_client_id: ctx.host,
      redirect_uri: `${ctx.origin}${prefix}sso_callback`, response_type: 'code', scope: 'openid', state: rid(8),
    });
    if (url.searchParams.get('sim_theme')) q.set('sim_theme', url.searchParams.get('sim_theme'));
    return redirect(res, `${ctx.scheme}://${ssoHost}${login.pathname}protocol/openid-connect/auth?${q}`);
  }

  // ---------------------------------------------------------------- Keycloak realm pages
  async function handleSso(req, res, ctx, sso) {
    const { url } = ctx;
    const rp = sso.realmPath;
    if (!url.pathname.startsWith(rp)) return send(res, 404, P.notFound());
    const rel = url.pathname.slice(rp.length);
    const auth = sso.authenticator;
    const realmTitle = sso.systems[0].court === 'TRF4' ? 'eproc - TRF4 e Seções Judiciárias' : `eproc - ${sso.systems[0].court}`;
    const c = parseCookies(req.headers.cookie);
    const saveDevice = auth === 'tjrs';
    const actionUrl = (as, path = 'login-actions/authenticate', extra = {}) =>
      `${rp}${path}?${new URLSearchParams({ session_code: rid(6), execution: as.execution, client_id: 'eproc', tab_id: as.tabId, ...extra })}`;

    if (rel === 'protocol/openid-connect/auth' && req.method === 'GET') {
      const as = {
        id: rid(), tabId: rid(5), execution: rid(8),
        redirectUri: url.searchParams.get('redirect_uri'), state: url.searchParams.get('state'),
        client: url.searchParams.get('eproc_client_id'), stage: 'password',
        oldTheme: url.searchParams.get('sim_theme') === 'old',
        theme: url.searchParams.get('sim_theme'),
      };
      sessions.set(`kc:${as.id}`, as);
      return send(res, 200, P.kcLogin({ action: actionUrl(as), realmTitle }),
        { 'Set-Cookie': `AUTH_SESSION_ID=${as.id}; Path=${rp}; HttpOnly; SameSite=None; Secure` });
    }
    const as = sessions.get(`kc:${c.AUTH_SESSION_ID}`);
    if (!as) return send(res, 400, P.notFound('Sessão de autenticação expirada. Reinicie o login.'));

    const finish = (user) => {
      const code = rid();
      authCodes.set(code, { user, authenticator: auth });
      sessions.delete(`kc:${as.id}`);
      const target = new URL(as.redirectUri);
      target.searchParams.set('code', code);
      if (as.state) target.searchParams.set('state', as.state);
      return redirect(res, target.href);
    };

    if (rel === 'login-actions/authenticate' && req.method === 'POST') {
      const f = parseForm(await readBody(req), req.headers['content-type']);
      if (as.stage === 'password') {
        const user = String(f.username ?? '').trim();
        if (!user || !f.password) return send(res, 200, P.kcLogin({ action: actionUrl(as), realmTitle, error: 'Usuário ou senha inválidos.', username: user }));
        as.user = user;
        count(auth, user, 'password');
        record({ type: 'password', host: ctx.host, authenticator: auth, user, client: as.client });
        if (!getUser(auth, user).key) {
          as.stage = 'configure';
          return redirect(res, actionUrl(as, 'login-actions/required-action', { execution: 'CONFIGURE_TOTP' }));
        }
        as.stage = 'otp';
        return send(res, 200, P.kcOtp({ action: actionUrl(as), realmTitle, username: user, saveDevice, oldTheme: as.oldTheme, theme: as.theme }));
      }
      if (as.stage === 'otp') {
        if (f.saveDevice) record({ type: 'forbidden', what: 'saveDevice submitted', host: ctx.host, user: as.user });
        const r = verify(auth, as.user, f.otp, { host: ctx.host, page: 'keycloak-otp', client: as.client, fieldEvents: (f.simEventos || '').split(',').filter(Boolean) }, ctx);
        if (r.ok) return finish(as.user);
        // Keycloak's quick-login check (DefaultBruteForceProtector): two failures under 1 s apart
        // lock the account for 60 s (minimumQuickLoginWaitSeconds); the page looks the same.
        const k = `${auth}:${as.user}`;
        if (lastFailure.has(k) && Date.now() - lastFailure.get(k) < 1000) record({ type: 'lockout', host: ctx.host, authenticator: auth, user: as.user, seconds: 60 });
        lastFailure.set(k, Date.now());
        const error = ctx.variant.rejectAll ? V.REJECT_TEXT : 'Código de autenticação inválido.';
        return send(res, 200, P.kcOtp({ action: actionUrl(as), realmTitle, username: as.user, saveDevice, oldTheme: as.oldTheme, theme: as.theme, error }));
      }
    }
    if (rel === 'login-actions/required-action' && as.stage === 'configure') {
      if (!as.rawSecret) as.rawSecret = totp.newKeycloakRawSecret();
      const b32 = totp.base32Encode(Buffer.from(as.rawSecret, 'ascii'));
      const page = async (error = '') => {
        const manual = url.searchParams.get('mode') === 'manual';
        const base = new URLSearchParams(url.searchParams); base.delete('mode');
        const manualQ = new URLSearchParams(base); manualQ.set('mode', 'manual');
        const uri = `otpauth://totp/eproc:${encodeURIComponent(as.user)}?secret=${b32}&digits=6&algorithm=SHA1&issuer=eproc&period=30`;
        return P.kcConfigureTotp({
          action: `${rp}login-actions/required-action?${base}`, realmTitle, username: as.user, manual,
          manualHref: `${rp}login-actions/required-action?${manualQ}`, barcodeHref: `${rp}login-actions/required-action?${base}`,
          qrDataUrl: await qr(uri), rawSecret: as.rawSecret, groupedKey: totp.groupBy4(b32), error,
        });
      };
      if (req.method === 'GET') return send(res, 200, await page());
      const f = parseForm(await readBody(req), req.headers['content-type']);
      const code = String(f.totp ?? '').trim();
      if (f.totpSecret !== as.rawSecret) {
        record({ type: 'enroll', kind: 'keycloak', host: ctx.host, authenticator: auth, user: as.user, ok: false, reason: 'secret-mismatch' });
        return send(res, 200, await page('Segredo alterado.'));
      }
      const key = Buffer.from(as.rawSecret, 'ascii');
      const step = totp.stepAt(now());
      let okStep = null;
      for (let d = config.window[0]; d <= config.window[1]; d++) if (totp.hotp(key, step + d) === code) okStep = step + d;
      if (okStep == null) {
        record({ type: 'enroll', kind: 'keycloak', host: ctx.host, authenticator: auth, user: as.user, ok: false, reason: 'invalid', code });
        return send(res, 200, await page('Código de autenticação inválido.'));
      }
      const u = setKey(auth, as.user, { raw: as.rawSecret });
      u.lastStep = okStep;
      record({ type: 'enroll', kind: 'keycloak', host: ctx.host, authenticator: auth, user: as.user, ok: true, label: f.userLabel ?? '', step: okStep });
      return finish(as.user);
    }
    return send(res, 404, P.notFound());
  }

  // ---------------------------------------------------------------- control API
  async function control(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      if (url.pathname === '/__sim/state') {
        const since = Number(url.searchParams.get('since') ?? 0);
        return json(res, 200, {
          now: now(), step: totp.stepAt(now()), msLeft: totp.msLeftInStep(now()), config,
          ports: info.ports,
          users: [...users].flatMap(([auth, m]) => [...m.values()].map((u) => ({ authenticator: auth, user: u.user, hasKey: !!u.key, kind: u.kind, lastStep: Number.isFinite(u.lastStep) ? u.lastStep : null }))),
          events: events.filter((e) => e.seq > since),
        });
      }
      if (url.pathname === '/__sim/user' && req.method === 'POST') {
        const b = JSON.parse(await readBody(req) || '{}');
        if (!b.authenticator || !b.user) return json(res, 400, { error: 'authenticator and user required' });
        const key = b.secret ?? (b.noKey ? null : totp.newBase32Key(20));
        if (key) setKey(b.authenticator, b.user, { base32: key });
        else getUser(b.authenticator, b.user);
        return json(res, 200, { authenticator: b.authenticator, user: b.user, secret: key });
      }
      if (url.pathname === '/__sim/user' && req.method === 'GET') {
        const u = users.get(url.searchParams.get('authenticator'))?.get(url.searchParams.get('user'));
        if (!u) return json(res, 404, { error: 'no such user' });
        return json(res, 200, { user: u.user, secret: u.base32, kind: u.kind, code: u.key ? totp.hotp(u.key, totp.stepAt(now())) : null });
      }
      if (url.pathname === '/__sim/config' && req.method === 'POST') {
        Object.assign(config, JSON.parse(await readBody(req) || '{}'));
        return json(res, 200, config);
      }
      if (url.pathname === '/__sim/stats') {
        // submissions per account and step; ?authenticator=&user= for one account
        const a = url.searchParams.get('authenticator'), u = url.searchParams.get('user');
        if (a && u) return json(res, 200, statsOf(a, u));
        return json(res, 200, { accounts: Object.fromEntries([...stats.keys()].map((k) => [k, statsOf(...k.split(/:(.*)/s).slice(0, 2))])), variants: V.VARIANTS });
      }
      if (url.pathname === '/__sim/reset' && req.method === 'POST') {
        users.clear(); events.length = 0; sessions.clear(); authCodes.clear(); stats.clear(); lastFailure.clear();
        return json(res, 200, { ok: true });
      }
      if (url.pathname === '/__sim/hosts') return json(res, 200, { hosts: hostNames, lookalikeSuffix: LOOKALIKE_SUFFIX, frameHost: FRAME_HOST });
      return json(res, 404, { error: 'unknown' });
    } catch (e) {
      return json(res, 500, { error: String(e?.message ?? e) });
    }
  }

  const wrap = (scheme) => (req, res) => {
    handle(req, res, scheme).catch((e) => {
      log(`sim: error ${e?.stack ?? e}`);
      if (!res.headersSent) send(res, 500, P.notFound(String(e)));
      else res.end();
    });
  };

  const listen = (srv, port) => new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv.address().port));
  });

  const httpsServer = https.createServer({ key: tls.key, cert: tls.cert }, wrap('https'));
  const httpServer = http.createServer(wrap('http'));
  const controlServer = http.createServer((req, res) => control(req, res));
  const sockets = new Set();
  for (const s of [httpsServer, httpServer, controlServer]) s.on('connection', (sock) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); });
  const extra = [];

  const ports = {};
  ports.https = await listen(httpsServer, opts.httpsPort ?? 0);
  ports.http = await listen(httpServer, opts.httpPort ?? 0);
  ports.control = await listen(controlServer, opts.controlPort ?? 0);
  for (const [port, srv] of [[opts.alsoHttps, https.createServer({ key: tls.key, cert: tls.cert }, wrap('https'))], [opts.alsoHttp, http.createServer(wrap('http'))]]) {
    if (!port) continue;
    try { await listen(srv, port); extra.push(srv); srv.on('connection', (sock) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); }); } catch (e) { log(`sim: cannot listen on ${port}: ${e.message}`); }
  }

  // Firefox reaches the simulated hosts through this HTTP proxy (plain requests arrive with an
  // absolute URI and are served directly by httpServer; https goes through CONNECT).
  const known = new Set(hostNames);
  httpServer.on('connect', (req, clientSocket, head) => {
    const [h, p] = req.url.split(':');
    const target = p === '80' ? ports.http : ports.https;
    if (!known.has(h.toLowerCase())) {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(target, '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head?.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });

  const info = {
    ports, ca: tls.ca, caPath: tls.caPath, workDir, hostNames, sites, registry, config,
    controlUrl: `http://127.0.0.1:${ports.control}`,
    /** --host-resolver-rules for Chromium: host:443 and host:8443 -> https port, host:80 -> http port. */
    hostResolverRules() {
      const rules = [];
      for (const h of hostNames) rules.push(`MAP ${h}:443 127.0.0.1:${ports.https}`, `MAP ${h}:80 127.0.0.1:${ports.http}`, `MAP ${h}:8443 127.0.0.1:${ports.https}`);
      return rules.join(', ');
    },
    /** Firefox prefs: every request through the simulator's proxy. */
    firefoxProxyPrefs() {
      return {
        'network.proxy.type': 1, 'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': ports.http,
        'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': ports.http,
        'network.proxy.no_proxies_on': '', 'network.proxy.allow_hijacking_localhost': false,
      };
    },
    events: (since = 0) => events.filter((e) => e.seq > since),
    lastSeq: () => events.length,
    addUser(authenticator, user, secret) {
      const key = secret ?? totp.newBase32Key(20);
      setKey(authenticator, user, { base32: key });
      return key;
    },
    userKey: (authenticator, user) => users.get(authenticator)?.get(user)?.base32 ?? null,
    /** Submissions for one account: {password, captcha, code, profile, enroll}. */
    stats: statsOf,
    variants: V.VARIANTS,
    close() {
      for (const s of sockets) s.destroy();
      if (!opts.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
      return Promise.all([httpsServer, httpServer, controlServer, ...extra].map((s) => new Promise((r) => s.close(() => r()))));
    },
  };
  return info;
}
