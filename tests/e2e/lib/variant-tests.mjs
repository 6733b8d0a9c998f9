// Issue 10: one scenario per simulator variant (lib/variants.mjs), run inside browserSuite (same
// browser profile, simulator and seeded keys as the other scenarios). The assertions follow the
// public facts (shared/docs/eproc.md section 5) and the contract's testing hooks on <html>:
// data-eproc-a2f-state (filled, rejected, withheld, ...) and data-eproc-a2f-submitted.
//
// Where the code source matters (rejections, court clocks) the scenarios run in both modes; the
// page-only variants (two-page, Latin-1, duplicate ids, key as a link, Cloudflare, Alterar
// Cadastro) run in native mode only, in both browsers. Waits are short: the product's rejection
// rule does not depend on wall time inside its 30-minute window, so "about a minute of waiting and
// reloads" is a few reloads, a second tab and (Chromium) a restarted browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as totp from './totp.mjs';
import { clickAction } from './dom.mjs';
import { CLOCK_SKEW_MS, CADASTRO_FIELDS } from './variants.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The accounts the variant scenarios use: [authenticator in the simulator, user, `add` target]. */
export const VARIANT_SEEDS = [
  ['trf6-1g', 'T6REJ', 'trf6-1g'], ['tjsp', 'SPREJ', 'tjsp-1g'],
  ['tjmg-1g', 'MGAHEAD', 'tjmg-1g'], ['tjmg-2g', 'MGBEHIND', 'tjmg-2g'], ['tjms-1g', 'MSABSURD', 'tjms-1g'],
  ['jfes', 'ES2PAGE', 'jfes'], ['tjpr-1g', 'PRLATIN', 'tjpr-1g'], ['tjse-1g', 'SEDUP', 'tjse-1g'],
];

/**
 * `s`: the suite's helpers: tag, BM, browser, opt, d(), sim(), state, U(name), seed, waitFor, hooks,
 * fieldValue, expectAccepted, forbidden, hostRequests, shot, deepText, recordLatency, keycloakLogin,
 * relaunch(), unlockStore(driver).
 */
export function variantScenarios(s) {
  const { tag, BM, browser, opt, d, sim, U, seed, waitFor, hooks, fieldValue, expectAccepted, forbidden, hostRequests, shot, deepText } = s;
  const native = !BM;
  const submitted = (dd) => dd.eval(() => document.documentElement.getAttribute('data-eproc-a2f-submitted'));
  const pageTiming = (dd) => dd.eval(() => ({ fieldAt: window.__eprocFieldAt ?? null, filledAt: window.__eprocFilledAt ?? null }));
  const codes = (auth, user) => sim().stats(auth, user).code;

  // The court's rejection seen by the product: state `rejected` (or `withheld`), or, when it fills
  // once more (count 1: no auto-submit), its notice saying so; either way the pt-BR notice names
  // what to check (the computer's clock, a key replaced by a new enrollment, the account).
  // Returns null when seen, or the failure (the caller still checks the submission counts, then fails).
  async function expectRejectionNotice(t, label) {
    const seen = new Set();
    const lines = async () => (await deepText(d())).split('\n').map((l) => l.trim()).filter((l) => /recus/i.test(l) && /relógio/i.test(l) && /chave/i.test(l) && !l.includes('{'));
    let notice = [];
    const got = await waitFor(async () => {
      const h = await hooks(d());
      if (h.state) seen.add(h.state);
      if (seen.has('rejected') || seen.has('withheld')) return true;
      notice = await lines();
      return notice.length > 0;
    }, { timeout: 8000, interval: 30, what: `state rejected or the rejection notice (${label})` })
      .catch(async (e) => { await shot(t, `reject-${label}`); return `${e.message}; states seen ${[...seen]}; page text: ${JSON.stringify((await deepText(d())).slice(-300))}`; });
    if (typeof got === 'string') { t.diagnostic(`${label}: NOT SHOWN: ${got}`); return got; }
    await sleep(1000);
    const h = await hooks(d());
    seen.add(h.state);
    if (!notice.length) notice = await lines();
    // (seen in the merged build: on Keycloak the refill's "Aguardando o próximo código" notice can
    // replace the rejection notice while it waits for the next step)
    t.diagnostic(`${label}: states seen on the rejection page ${[...seen].join(' -> ')}; submitted=${await submitted(d())}; rejection notice still shown: ${notice.length ? JSON.stringify(notice[0].slice(0, 300)) : 'no'}`);
    if (!['rejected', 'withheld', 'waiting', 'filled'].includes(h.state)) return `unexpected state ${h.state}`;
    return null;
  }

  async function setAutoSubmit(on) {
    await d().setLocalStorage({ settings: { mode: BM ? 'browser' : 'auto', autoSubmit: on } });
  }

  // eproc's own login on any driver (the main tab or a second one)
  async function eprocLoginOn(dd, url, user) {
    await dd.goto(url);
    await dd.type('#txtUsuario', user);
    await dd.type('#pwdSenha', 'senha-de-teste');
    await dd.click('#sbmEntrar');
  }

  async function waitSixDigits(dd, sel, t, label, timeout = 40000) {
    return waitFor(async () => { const v = await fieldValue(dd, sel); return /^\d{6}$/.test(v ?? '') ? v : null; }, { timeout, what: `${sel} filled (${label})` })
      .catch(async (e) => { await shot(t, label); throw new Error(`${e.message}; state ${JSON.stringify(await hooks(dd).catch(() => null))}`); });
  }

  function noteLatency(t, label, timing, hook) {
    const own = timing?.fieldAt != null && timing?.filledAt != null ? Math.round(timing.filledAt - timing.fieldAt) : null;
    s.recordLatency(t, label, hook, own == null ? null : { appeared: timing.fieldAt, filled: timing.filledAt });
    return own;
  }

  // ---------------------------------------------------------------- rejecting courts (both modes)
  // Auto-submit on; the court refuses every code. One automatic submission, then the notice; no
  // further automatic submission on reloads, in a second tab, after a browser restart (Chromium).
  async function noMoreSubmissions(t, { auth, user, login, label }) {
    for (let i = 0; i < 2; i++) {
      await login(d());
      await sleep(3000);
      assert.equal(codes(auth, user), 1, `${label}: reload ${i + 1}: no new automatic submission`);
    }
    await d().withTab('about:blank', async (tab) => {
      await login(tab);
      await sleep(3000);
      const h = await hooks(tab).catch(() => null);
      t.diagnostic(`${label}: second tab state ${JSON.stringify(h)}`);
    });
    assert.equal(codes(auth, user), 1, `${label}: a second tab does not submit again`);
    if (browser === 'chromium') {
      await s.relaunch();
      if (BM) await s.unlockStore(d());
      await login(d());
      await sleep(3000);
      const h = await hooks(d()).catch(() => null);
      t.diagnostic(`${label}: after a browser restart, state ${JSON.stringify(h)}`);
      assert.equal(codes(auth, user), 1, `${label}: a restarted browser does not submit again`);
    }
  }

  test(`[${tag}] rejecting court (eproc, TRF6): one automatic submission, the notice, no retry on reloads, a second tab${browser === 'chromium' ? ' or a restart' : ''}`, { ...opt, timeout: 150000 }, async (t) => {
    const user = U('T6REJ');
    seed('trf6-1g', user);
    const url = 'https://eproc1g.trf6.jus.br/eproc/index.php';
    const since = sim().lastSeq();
    await setAutoSubmit(true);
    try {
      await eprocLoginOn(d(), url, user);
      await waitFor(() => codes('trf6-1g', user) >= 1, { timeout: 40000, what: 'the automatic submission' })
        .catch(async (e) => { await shot(t, 'reject-eproc'); throw new Error(`${e.message}; state ${JSON.stringify(await hooks(d()).catch(() => null))}`); });
      // the court's answer: the code screen again with "Código autenticador inválido."
      await waitFor(() => d().eval(() => /inválido/.test(document.querySelector('#divInfraMensagens')?.textContent ?? '')), { what: 'the rejection page' });
      const noticeMissing = await expectRejectionNotice(t, 'eproc');
      await sleep(1000);
      assert.equal(codes('trf6-1g', user), 1, 'one automatic submission for this rejection');
      await noMoreSubmissions(t, { auth: 'trf6-1g', user, label: 'eproc', login: (dd) => eprocLoginOn(dd, url, user) });
      const ev = sim().events(since).filter((e) => e.type === 'otp' && e.user === user);
      t.diagnostic(`court saw: ${JSON.stringify(ev.map((e) => ({ reason: e.reason, nearOffset: e.nearOffset })))}`);
      assert.deepEqual(forbidden(since), []);
      assert.equal(noticeMissing, null, 'the rejection is shown on the court\'s page (state rejected or its notice)');
    } finally {
      await setAutoSubmit(false);
    }
  });

  test(`[${tag}] rejecting court (Keycloak realm sso.tjsp.jus.br): one automatic submission, the notice, no retry, no lock-out`, { ...opt, timeout: 150000 }, async (t) => {
    const user = U('SPREJ');
    seed('tjsp', user, { target: 'tjsp-1g' });
    const since = sim().lastSeq();
    const login = async (dd) => {
      await dd.goto('https://eproc1g.tjsp.jus.br/');
      await waitFor(() => dd.eval(() => !!document.querySelector('#kc-form-login')), { what: '#kc-form-login' });
      await dd.type('#username', user);
      await dd.type('#password', 'senha-de-teste');
      await dd.click('#kc-login');
    };
    await setAutoSubmit(true);
    try {
      await login(d());
      await waitFor(() => codes('tjsp', user) >= 1, { timeout: 40000, what: 'the automatic submission' })
        .catch(async (e) => { await shot(t, 'reject-kc'); throw new Error(`${e.message}; state ${JSON.stringify(await hooks(d()).catch(() => null))}`); });
      await waitFor(() => d().eval(() => !!document.querySelector('#input-error-otp-code')), { what: 'the OTP page with #input-error-otp-code' });
      assert.equal(await d().eval(() => document.querySelector('#otp').getAttribute('aria-invalid')), 'true');
      const noticeMissing = await expectRejectionNotice(t, 'keycloak');
      await sleep(1000);
      assert.equal(codes('tjsp', user), 1, 'one automatic submission for this rejection');
      await noMoreSubmissions(t, { auth: 'tjsp', user, label: 'keycloak', login });
      assert.deepEqual(sim().events(since).filter((e) => e.type === 'lockout'), [], 'never two failures under 1 s apart (Keycloak\'s quick-login lock-out)');
      assert.equal(noticeMissing, null, 'the rejection is shown on the court\'s page (state rejected or its notice)');
    } finally {
      await setAutoSubmit(false);
    }
  });

  // ---------------------------------------------------------------- court clocks (both modes)
  for (const [label, auth, host, skew] of [['150 s ahead', 'tjmg-1g', 'eproc1g.tjmg.jus.br', CLOCK_SKEW_MS], ['150 s behind', 'tjmg-2g', 'eproc2g.tjmg.jus.br', -CLOCK_SKEW_MS]]) {
    test(`[${tag}] court clock ${label} (${host}, Date header): the code valid at the court's time, accepted`, opt, async (t) => {
      const name = skew > 0 ? 'MGAHEAD' : 'MGBEHIND';
      const user = U(name);
      const key = seed(auth, user, { target: auth });
      const since = sim().lastSeq();
      // a page or two of the court first, as a user arriving there: its Date headers are the samples
      await d().goto(`https://${host}/eproc/`);
      await eprocLoginOn(d(), `https://${host}/eproc/index.php`, user);
      const value = await waitSixDigits(d(), '#txtAcessoCodigo', t, `clock ${label}`);
      const courtStep = totp.stepAt(Date.now() + skew);
      const off = [0, 1, -1].find((o) => totp.totpAtStep(key, courtStep + o) === value);
      const compOff = [0, 1, -1].find((o) => totp.totpAtStep(key, totp.stepAt() + o) === value);
      t.diagnostic(`filled ${value}: court-step offset ${off ?? 'none'}, computer-step offset ${compOff ?? 'none'}`);
      noteLatency(t, `clock ${label}`, await pageTiming(d()), await hooks(d()));
      assert.notEqual(off, undefined, 'the code is the court\'s current (or next) step');
      await d().click('#btnValidar');
      const ev = await expectAccepted(user, since, `clock ${label}`);
      await waitFor(async () => (await d().url()).includes('controlador.php'), { what: 'the panel' });
      assert.equal(ev.step, courtStep + (off ?? 0));
    });
  }

  test(`[${tag}] absurd court clock (eproc1g.tjms.jus.br says 2001): no correction, a notice`, opt, async (t) => {
    const user = U('MSABSURD');
    const key = seed('tjms-1g', user, { target: 'tjms-1g' });
    const since = sim().lastSeq();
    await d().goto('https://eproc1g.tjms.jus.br/eproc/');
    await eprocLoginOn(d(), 'https://eproc1g.tjms.jus.br/eproc/index.php', user);
    const value = await waitSixDigits(d(), '#txtAcessoCodigo', t, 'absurd clock');
    const off = [0, 1].find((o) => totp.totpAtStep(key, totp.stepAt() + o) === value);
    assert.notEqual(off, undefined, 'the code is the computer\'s time (no correction)');
    const notice = (await deepText(d())).split('\n').map((l) => l.trim()).filter((l) => /relógio/i.test(l) && !l.includes('{'));
    t.diagnostic(`notice: ${JSON.stringify(notice.slice(0, 2))}`);
    assert.ok(notice.length > 0, 'a notice about the court\'s clock');
    await d().click('#btnValidar');
    await expectAccepted(user, since, 'absurd clock');
    await waitFor(async () => (await d().url()).includes('controlador.php'), { what: 'the panel' });
  });

  if (!native) return;

  // ---------------------------------------------------------------- page variants (native mode)
  test(`[${tag}] two-page login with a captcha and a profile choice (JFES): the code page filled from the code asked at Entrar; captcha and profile untouched`, { ...opt, timeout: 90000 }, async (t) => {
    const user = U('ES2PAGE');
    const key = seed('jfes', user);
    const since = sim().lastSeq();
    // Entrar with >= 17 s left in the step: the code asked then is still fresh (>= 5 s left) on the
    // code page, so the product has no reason to wait at all there (the old build lost it with the
    // navigation, asked again, and waited for the next step: up to 30 s)
    await waitFor(() => totp.msLeftInStep() > 17000, { timeout: 35000, interval: 50, what: 'room in the step' });
    const t0 = Date.now();
    await d().goto('https://eproc.jfes.jus.br/eproc/index.php');
    await d().type('#txtUsuario', user);
    await d().type('#pwdSenha', 'senha-de-teste');
    await d().click('#sbmEntrar');
    await waitFor(() => d().eval(() => !!document.querySelector('#txtInfraCaptcha')), { what: 'the captcha page' });
    await sleep(1500);
    assert.equal(await fieldValue(d(), '#txtInfraCaptcha'), '', 'nothing typed into the captcha');
    assert.equal(await d().eval(() => (window.__simCaptchaEvents ?? []).length), 0, 'no event on the captcha field');
    await d().type('#txtInfraCaptcha', 'k7Wq2');
    assert.equal(await fieldValue(d(), '#txtInfraCaptcha'), 'k7Wq2', 'the captcha holds what the user typed');
    const tCaptcha = Date.now();
    await d().click('#sbmInfraCaptcha');
    await waitFor(() => d().eval(() => !!document.querySelector('#frmValidar #txtAcessoCodigo')), { what: 'the code page' });
    const value = await waitSixDigits(d(), '#txtAcessoCodigo', t, 'two-page');
    const timing = await pageTiming(d());
    const own = noteLatency(t, 'jfes two-page code page (parse -> filled)', timing, await hooks(d()));
    const reqs = hostRequests(t0).filter((r) => r.type === 'code' && r.user === user);
    t.diagnostic(`code page parse -> filled ${own} ms; host code requests: ${reqs.map((r) => `${r.t < tCaptcha ? 'before' : 'after'} the captcha`).join(', ')}`);
    assert.ok(own != null && own < 2000, `no wait on the code page: the held code is used (${own} ms)`);
    assert.ok(reqs.length >= 1 && reqs[0].t < tCaptcha, 'the code was asked at the password submit (before the captcha was sent)');
    assert.equal(reqs.length, 1, 'one code request: the one made at Entrar, held across the captcha page');
    assert.notEqual([0, 1].find((o) => totp.totpAtStep(key, totp.stepAt() + o) === value), undefined);
    assert.equal(sim().stats('jfes', user).captcha, 1, 'the captcha was sent once, by the user');
    await d().click('#btnValidar');
    await expectAccepted(user, since, 'two-page');
    await waitFor(() => d().eval(() => !!document.querySelector('#lblSelecionePerfil')), { what: 'the profile choice' });
    await sleep(2000);
    assert.equal(sim().stats('jfes', user).profile, 0, 'no profile picked for the user');
    assert.deepEqual(forbidden(since), []);
  });

  test(`[${tag}] ISO-8859-1 pages (TJPR): filled and accepted`, opt, async (t) => {
    const user = U('PRLATIN');
    const key = seed('tjpr-1g', user);
    const since = sim().lastSeq();
    await eprocLoginOn(d(), 'https://eproc1g.tjpr.jus.br/index.php', user);
    assert.match(await d().eval(() => document.characterSet), /ISO-8859-1|windows-1252/i);
    assert.equal(await d().eval(() => document.querySelector('label[for=txtUsuario]').textContent), 'Usuário', 'the page decodes as Latin-1');
    const value = await waitSixDigits(d(), '#txtAcessoCodigo', t, 'latin1');
    noteLatency(t, 'tjpr latin-1', await pageTiming(d()), await hooks(d()));
    assert.notEqual([0, 1].find((o) => totp.totpAtStep(key, totp.stepAt() + o) === value), undefined);
    await d().click('#btnValidar');
    await expectAccepted(user, since, 'latin1');
    await waitFor(async () => (await d().url()).includes('controlador.php'), { what: 'the panel' });
  });

  test(`[${tag}] duplicate ids, hidden first copy of #txtAcessoCodigo (TJSE): the visible field filled`, opt, async (t) => {
    const user = U('SEDUP');
    const key = seed('tjse-1g', user);
    const since = sim().lastSeq();
    await eprocLoginOn(d(), 'https://eproc1g.tjse.jus.br/eproc/index.php', user);
    await waitFor(() => d().eval(() => document.querySelectorAll('#txtAcessoCodigo').length === 2), { what: 'both copies of the code field' });
    const value = await waitFor(async () => { const v = await d().eval(() => document.querySelectorAll('#txtAcessoCodigo')[1].value); return /^\d{6}$/.test(v) ? v : null; }, { timeout: 40000, what: 'the visible copy filled' })
      .catch(async (e) => { await shot(t, 'dup-ids'); throw new Error(`${e.message}; hidden copy: ${JSON.stringify(await d().eval(() => document.querySelectorAll('#txtAcessoCodigo')[0].value))}; state ${JSON.stringify(await hooks(d()))}`); });
    assert.equal(await d().eval(() => document.querySelectorAll('#txtAcessoCodigo')[0].value), '', 'the hidden copy left alone');
    noteLatency(t, 'tjse duplicate ids', await pageTiming(d()), await hooks(d()));
    assert.notEqual([0, 1].find((o) => totp.totpAtStep(key, totp.stepAt() + o) === value), undefined);
    await d().eval(() => document.querySelectorAll('#btnValidar')[1].click());
    await expectAccepted(user, since, 'duplicate ids');
    await waitFor(async () => (await d().url()).includes('controlador.php'), { what: 'the panel' });
    assert.deepEqual(forbidden(since), [], 'the hidden Validar not clicked');
  });

  test(`[${tag}] enrollment with the key as a clickable link (STM): offered, the key captured`, opt, async (t) => {
    const user = U('STMLINK');
    const since = sim().lastSeq();
    await d().goto('https://eproc1g.stm.jus.br/eproc_1g_prod/index.php');
    await d().type('#txtUsuario', user);
    await d().type('#pwdSenha', 'senha-de-teste');
    await d().click('#lnkAutenticacaoDoisFatores');
    await waitFor(() => d().eval(() => !!document.querySelector('#sbmProsseguir')), { what: 'Prosseguir' });
    await d().click('#sbmProsseguir');
    await waitFor(() => d().eval(() => /clique no código alfanumérico/.test(document.body.textContent)), { what: 'the enrollment page' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-offered', { timeout: 8000, what: 'enroll-offered' })
      .catch(async (e) => { await shot(t, 'enroll-link'); throw new Error(`${e.message}; state ${JSON.stringify(await hooks(d()))}`); });
    await waitFor(() => clickAction(d(), 'enroll-save'), { timeout: 5000, what: 'the save button' });
    await waitFor(async () => (await hooks(d())).state === 'enroll-saved', { timeout: 10000, what: 'enroll-saved' });
    const shown = (await d().eval(() => document.querySelector('a.text-monospace').textContent)).replace(/\s/g, '');
    const code = await waitFor(async () => { const v = await fieldValue(d(), '#txtCodigoA2F'); return /^\d{6}$/.test(v) ? v : null; }, { what: 'the confirmation code' });
    assert.notEqual([0, 1, -1].find((o) => totp.totpAtStep(shown, totp.stepAt() + o) === code), undefined, 'the saved key is the link\'s');
    await d().type('#txtEmail', 'advogado@example.com');
    await d().click('#sbmEnviar');
    const en = await waitFor(() => sim().events(since).find((e) => e.type === 'enroll'), { what: 'the enrollment submission' });
    assert.equal(en.ok, true, JSON.stringify(en));
  });

  test(`[${tag}] Cloudflare interstitial and the "Alterar Cadastro" page (TRF2): nothing typed, nothing clicked`, opt, async (t) => {
    const t0 = Date.now();
    const since = sim().lastSeq();
    await d().goto('https://eproc.trf2.jus.br/eproc/index.php?sim=cloudflare');
    await waitFor(() => d().eval(() => /Confirme que é humano/.test(document.body.textContent)), { what: 'the Cloudflare page' });
    await sleep(2500);
    assert.equal(await d().eval(() => document.querySelector('#cf-chl-checkbox').checked), false, 'the challenge left alone');
    t.diagnostic(`cloudflare: state ${JSON.stringify(await hooks(d()))}`);
    assert.equal((await hooks(d())).state, null, 'no extension state on the challenge');
    await d().goto('https://eproc.trf2.jus.br/eproc/controlador.php?acao=pessoa_alterar&hash=5f1c0e9b8a');
    await waitFor(() => d().eval(() => !!document.querySelector('#frmPessoaAlterar')), { what: 'Alterar Cadastro' });
    await sleep(2500);
    const values = await d().eval(() => [...document.querySelectorAll('#frmPessoaAlterar input')].map((i) => [i.id, i.value]));
    assert.deepEqual(values, CADASTRO_FIELDS.map(([id, , v]) => [id, v]), 'no field changed');
    assert.deepEqual(await d().eval(() => window.__simCadastroEvents ?? []), [], 'no event on the fields');
    t.diagnostic(`alterar cadastro: state ${JSON.stringify(await hooks(d()))}`);
    assert.deepEqual(forbidden(since), []);
    assert.deepEqual(hostRequests(t0).filter((r) => r.type === 'code' || r.type === 'enroll'), [], 'no code or enroll request');
  });
}
