// What the popup says about the court (issue 10): an account whose code the court refused
// ("Código recusado pelo tribunal às HH:MM", what to check, "Já entrei / liberar"), and the court
// clock of the current tab ("O relógio deste computador está N s adiantado/atrasado em relação ao
// TRF4"; a notice when the court's `Date` is absurd). Pure text builders plus the two renderers.
import { h } from '../shared/dom';
import { t } from '../shared/i18n';
import { type ClockReply, type Rejection, rejectionActive } from '../shared/messages';

/** HH:MM in the UI's language. */
export function hhmm(ms: number): string {
  const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Date(ms).toLocaleTimeString(t('uiLang'), opts);
  } catch {
    return new Date(ms).toLocaleTimeString('pt-BR', opts);
  }
}

/** The texts of an account's rejection state, or null when none applies at `now`. */
export function rejectionTexts(r: Rejection | null | undefined, now: number): { title: string; lines: string[]; withheld: boolean } | null {
  if (!rejectionActive(r, now)) return null;
  const withheld = r.fill === false;
  const lines = withheld ? [t('uiRejectedWithheld', [String(r.count), hhmm(r.until_ms)]), t('uiRejectedCheck')] : [t('uiRejectedCheck')];
  return { title: t('uiRejectedAt', [hhmm(r.at_ms)]), lines, withheld };
}

/** The block under an account in the popup (null: no rejection in force). `release` sends
 * `login-reset` and resolves with whether it worked. */
export function rejectionBlock(r: Rejection | null | undefined, now: number, name: string, release: () => Promise<boolean>): HTMLElement | null {
  const texts = rejectionTexts(r, now);
  if (!texts || !r) return null;
  const button = h('button', { type: 'button', class: 'b small', 'data-action': 'login-reset', 'aria-label': t('uiRejectedReleaseOf', [name]), text: t('uiRejectedRelease') });
  const box = h('div', {
    class: `rejection${texts.withheld ? ' withheld' : ''}`, role: 'status', 'data-role': 'rejection',
    'data-count': String(r.count), 'data-fill': String(r.fill),
  }, h('strong', { text: texts.title }), ...texts.lines.map((l) => h('p', { text: l })), button);
  button.addEventListener('click', async () => {
    button.disabled = true;
    if (!(await release())) button.disabled = false;
  });
  return box;
}

/** "25 min", "7 h", "9 dias": a large clock difference, roughly. */
export function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return t('uiMinutes', [String(min)]);
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return t('uiHours', [String(hours)]);
  return t('uiDays', [String(Math.round(ms / 86_400_000))]);
}

/** The clock sentence for a court (null: nothing worth saying). Offset = court − computer: a
 * court ahead means this computer is behind. */
export function clockText(reply: ClockReply | null | undefined, court: string): { state: 'corrected' | 'absurd'; text: string } | null {
  const c = reply?.clock;
  if (!c) return null;
  if (c.state === 'absurd') {
    return { state: 'absurd', text: t('uiClockAbsurd', [court, duration(Math.abs(reply!.estimateMs ?? 0))]) };
  }
  if (c.state !== 'corrected' || !Number.isFinite(c.offsetMs) || c.offsetMs === 0) return null;
  // The estimate (the midpoint) says how far off; the offset applied is its safe lower bound.
  const off = typeof reply?.estimateMs === 'number' && Number.isFinite(reply.estimateMs) ? reply.estimateMs : c.offsetMs;
  const s = String(Math.round(Math.abs(off) / 1000));
  return { state: 'corrected', text: off > 0 ? t('uiClockBehind', [s, court]) : t('uiClockAhead', [s, court]) };
}

/** Renders the clock notice of the current tab into `box` (popup #notices). */
export function renderClock(box: HTMLElement, reply: ClockReply | null | undefined, court: string): void {
  box.querySelector('[data-role=clock]')?.remove();
  const c = clockText(reply, court);
  if (c) {
    box.append(h('p', {
      class: `clock ${c.state}`, 'data-role': 'clock', 'data-clock-state': c.state,
      'data-offset-ms': String(reply?.clock.offsetMs ?? 0), role: c.state === 'absurd' ? 'alert' : 'status', text: c.text,
    }));
  }
  box.hidden = box.childElementCount === 0;
}
