// The code itself: digits only in the DOM (copying or selecting it gives "454375"), the spacing
// between the groups is CSS; and the countdown ring, which turns to the warning colour in the
// last seconds of the code.

/** Groups of a code for display: 6 → 3+3, 7 → 3+4, 8 → 4+4. */
export function codeGroups(code: string): string[] {
  if (code.length < 6) return [code];
  const first = Math.floor(code.length / 2);
  return [code.slice(0, first), code.slice(first)];
}

export function fillCode(el: HTMLElement, code: string): void {
  while (el.firstChild) el.firstChild.remove();
  for (const g of codeGroups(code)) {
    const span = document.createElement('span');
    span.className = 'g';
    span.textContent = g;
    el.append(span);
  }
}

/** Seconds at which the code counts as about to expire (and the next one is shown). */
export const ENDING_S = 5;

const SVG = 'http://www.w3.org/2000/svg';
const R = 11;
const CIRC = 2 * Math.PI * R;

export interface Ring {
  el: HTMLElement;
  set(left: number, period: number): void;
}

/** A ring that empties as the code's time runs out, with the seconds in its middle. */
export function ring(): Ring {
  const el = document.createElement('span');
  el.className = 'ring';
  el.setAttribute('aria-hidden', 'true');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 28 28');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '28');
  const track = document.createElementNS(SVG, 'circle');
  const arc = document.createElementNS(SVG, 'circle');
  for (const c of [track, arc]) {
    c.setAttribute('cx', '14');
    c.setAttribute('cy', '14');
    c.setAttribute('r', String(R));
  }
  track.setAttribute('class', 'track');
  arc.setAttribute('class', 'arc');
  arc.setAttribute('stroke-dasharray', CIRC.toFixed(2));
  arc.setAttribute('transform', 'rotate(-90 14 14)');
  svg.append(track, arc);
  const secs = document.createElement('span');
  secs.className = 'secs';
  el.append(svg, secs);
  return {
    el,
    set(left: number, period: number) {
      const frac = period > 0 ? Math.max(0, Math.min(1, left / period)) : 0;
      arc.setAttribute('stroke-dashoffset', (CIRC * (1 - frac)).toFixed(2));
      secs.textContent = left > 0 ? String(left) : '';
      el.classList.toggle('ending', left <= ENDING_S);
    },
  };
}
