// Filling inputs so page scripts notice (KeePassXC-style): focus, then for each character
// keydown / keypress / value via the native setter / input / keyup, then change. The native
// setter bypasses frameworks that shadow `value` (React and friends track the last value).

function nativeSetValue(input: HTMLInputElement, value: string): void {
  const win = input.ownerDocument.defaultView;
  const proto = (win as (Window & typeof globalThis) | null)?.HTMLInputElement?.prototype ?? Object.getPrototypeOf(input);
  const desc = Object.getOwnPropertyDescriptor(proto, 'value');
  if (desc?.set) desc.set.call(input, value);
  else input.value = value;
}

function keyInit(ch: string): KeyboardEventInit {
  const digit = /^[0-9]$/.test(ch);
  return {
    key: ch,
    code: digit ? `Digit${ch}` : '',
    keyCode: ch.charCodeAt(0),
    which: ch.charCodeAt(0),
    charCode: ch.charCodeAt(0),
    bubbles: true,
    cancelable: true,
    composed: true,
  } as KeyboardEventInit;
}

function makeEvents(input: HTMLInputElement) {
  const win = (input.ownerDocument.defaultView ?? window) as Window & typeof globalThis;
  return {
    key: (type: string, ch: string) => input.dispatchEvent(new win.KeyboardEvent(type, keyInit(ch))),
    input: (data: string | null) =>
      input.dispatchEvent(new win.InputEvent('input', { bubbles: true, cancelable: false, composed: true, data, inputType: 'insertText' })),
    plain: (type: string, bubbles = true) => input.dispatchEvent(new win.Event(type, { bubbles, cancelable: false })),
    focus: (type: 'focus' | 'focusin' | 'blur' | 'focusout') =>
      input.dispatchEvent(new win.FocusEvent(type, { bubbles: type === 'focusin' || type === 'focusout', composed: true })),
  };
}

function focus(input: HTMLInputElement): void {
  const ev = makeEvents(input);
  input.focus({ preventScroll: false });
  // A background tab or headless page may not be focused: make sure listeners still hear it.
  if (input.ownerDocument.activeElement !== input || !input.ownerDocument.hasFocus()) {
    ev.focus('focus');
    ev.focus('focusin');
  }
}

function blur(input: HTMLInputElement): void {
  const ev = makeEvents(input);
  const wasActive = input.ownerDocument.activeElement === input;
  input.blur();
  if (!wasActive || !input.ownerDocument.hasFocus()) {
    ev.focus('blur');
    ev.focus('focusout');
  }
}

/** Types `value` into one input character by character. */
export function fillInput(input: HTMLInputElement, value: string, opts: { blur?: boolean } = {}): void {
  const ev = makeEvents(input);
  focus(input);
  nativeSetValue(input, '');
  let current = '';
  for (const ch of value) {
    ev.key('keydown', ch);
    ev.key('keypress', ch);
    current += ch;
    nativeSetValue(input, current);
    ev.input(ch);
    ev.key('keyup', ch);
  }
  ev.plain('change');
  if (opts.blur) blur(input);
}

/** One character per box (split code inputs), moving focus like a person would. */
export function fillSplit(inputs: HTMLInputElement[], value: string): void {
  const chars = [...value];
  inputs.forEach((box, i) => {
    const ch = chars[i];
    if (ch === undefined) return;
    fillInput(box, ch, { blur: i < inputs.length - 1 });
  });
}
