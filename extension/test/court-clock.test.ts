// The court's clock from the `Date` headers of its answers (issue 10): each answer bounds the
// offset, the bounds of the last 8 are intersected (newest alone when they contradict), the
// midpoint is the estimate; under 3 s nothing, over 600 s absurd (no correction, a notice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CourtClock, MAX_SAMPLES, clockInfo, dateHeaderOf, estimate, hostOf, sampleOf } from '../src/background/court-clock';

const T0 = Date.UTC(2026, 11, 3, 14, 0, 0, 0);
/** The `Date` a court whose clock is `offset` ms off would send for a request handled at computer time `t`. */
const dateAt = (t: number, offset: number) => new Date(Math.floor((t + offset) / 1000) * 1000).toUTCString();

test('one answer bounds the offset by its Date and the request\'s send and receive times', () => {
  const s = sampleOf('Thu, 03 Dec 2026 14:02:30 GMT', T0 + 100, T0 + 300)!;
  const d = Date.UTC(2026, 11, 3, 14, 2, 30);
  assert.deepEqual(s, { lo: d - (T0 + 300), hi: d + 1000 - (T0 + 100), at: T0 + 300 });
  assert.equal(sampleOf('not a date', T0, T0 + 1), null);
  assert.equal(sampleOf(undefined, T0, T0 + 1), null);
  assert.equal(sampleOf('Thu, 03 Dec 2026 14:02:30 GMT', T0 + 5, T0), null, 'received before sent');
  assert.equal(sampleOf('Thu, 03 Dec 2026 14:02:30 GMT', T0, T0 + 120_000), null, 'too slow to tell');
});

for (const offset of [150_000, -150_000, 0, 2_400, 45_678]) {
  test(`samples from a court ${offset} ms off converge on it (within 1 s) and contain it`, () => {
    const samples = [];
    for (let i = 0; i < MAX_SAMPLES; i++) {
      const send = T0 + i * 1_337 + (i * 97) % 1000;
      const handled = send + 40 + (i * 13) % 60;
      const recv = handled + 30;
      samples.push(sampleOf(dateAt(handled, offset), send, recv)!);
    }
    const e = estimate(samples)!;
    assert.ok(e.lo <= offset && offset <= e.hi, `${offset} in [${e.lo}, ${e.hi}]`);
    assert.ok(Math.abs(e.estimateMs - offset) < 1000, `estimate ${e.estimateMs}`);
    assert.equal(e.samples, MAX_SAMPLES);
  });
}

test('contradicting samples (the computer clock was changed): the newest ones count', () => {
  const old = sampleOf(dateAt(T0, 150_000), T0 - 50, T0 + 50)!;
  const nowS = sampleOf(dateAt(T0 + 5_000, 0), T0 + 4_950, T0 + 5_050)!;
  const e = estimate([old, nowS])!;
  assert.equal(e.samples, 1);
  assert.ok(Math.abs(e.estimateMs) < 1000);
  assert.equal(estimate([]), null);
});

test('what an estimate means: none under 3 s, corrected, absurd over 600 s', () => {
  const at = (ms: number) => ({ lo: ms, hi: ms + 20, estimateMs: ms + 10, samples: 3 });
  assert.deepEqual(clockInfo(null), { offsetMs: 0, state: 'none' });
  assert.deepEqual(clockInfo(at(2_980)), { offsetMs: 0, state: 'none' });
  assert.deepEqual(clockInfo(at(-3_000)), { offsetMs: 0, state: 'none' });
  assert.deepEqual(clockInfo(at(150_000)), { offsetMs: 150_000, state: 'corrected' });
  assert.deepEqual(clockInfo(at(-150_000)), { offsetMs: -150_000, state: 'corrected' });
  assert.deepEqual(clockInfo(at(599_980)), { offsetMs: 599_980, state: 'corrected' });
  assert.deepEqual(clockInfo(at(600_000)), { offsetMs: 0, state: 'absurd' });
  // The offset applied is the lower bound: the court's time is never overestimated.
  assert.deepEqual(clockInfo({ lo: 149_400.2, hi: 150_500, estimateMs: 149_950, samples: 1 }), { offsetMs: 149_401, state: 'corrected' });
  assert.deepEqual(clockInfo(at(-86_400_000 * 365 * 20)), { offsetMs: 0, state: 'absurd' });
});

class FakeSession {
  data: Record<string, unknown> = {};
  async get(k: string) {
    return k in this.data ? { [k]: structuredClone(this.data[k]) } : {};
  }
  async set(items: Record<string, unknown>) {
    Object.assign(this.data, structuredClone(items));
  }
}

test('per host, from webRequest events; answers never seen leaving (cache) are ignored; kept across a restart', async () => {
  const area = new FakeSession();
  const c = new CourtClock(area);
  for (let i = 0; i < 12; i++) {
    const t = T0 + i * 2_111;
    c.onSend(`r${i}`, t);
    await c.onHeaders(`r${i}`, 'https://eproc1g.tjmg.jus.br/eproc/index.php', dateAt(t + 20, 150_000), t + 60);
  }
  await c.onHeaders('cached', 'https://eproc1g.tjmg.jus.br/eproc/x.css', dateAt(T0, -300_000), T0 + 10);
  const info = await c.infoFor('eproc1g.tjmg.jus.br');
  assert.equal(info.state, 'corrected');
  assert.ok(info.offsetMs <= 150_000 && info.offsetMs > 149_000, String(info.offsetMs));
  assert.equal((await c.estimateFor('eproc1g.tjmg.jus.br'))!.samples, MAX_SAMPLES, 'the last 8');
  assert.deepEqual(await c.infoFor('eproc.trf4.jus.br'), { offsetMs: 0, state: 'none' }, 'another host: nothing known');
  // An absurd Date.
  c.onSend('x', T0);
  await c.onHeaders('x', 'https://eproc1g.tjms.jus.br/eproc/', 'Mon, 01 Jan 2001 00:00:00 GMT', T0 + 50);
  assert.deepEqual(await c.infoFor('eproc1g.tjms.jus.br'), { offsetMs: 0, state: 'absurd' });
  // Saved (debounced) to storage.session: a restarted worker knows it.
  await new Promise((r) => setTimeout(r, 1_100));
  const again = new CourtClock(area);
  assert.equal((await again.infoFor('eproc1g.tjmg.jus.br')).state, 'corrected');
});

test('helpers: host of https URLs only; the Date header in any case', () => {
  assert.equal(hostOf('https://EPROC.trf4.jus.br/eproc/'), 'eproc.trf4.jus.br');
  assert.equal(hostOf('http://eproc.trf4.jus.br/'), null);
  assert.equal(hostOf('nonsense'), null);
  assert.equal(dateHeaderOf([{ name: 'content-type', value: 'x' }, { name: 'DATE', value: 'd' }]), 'd');
  assert.equal(dateHeaderOf(undefined), undefined);
});
