import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillInput, fillSplit } from '../src/content/fill';
import { dom } from './helpers';

test('fillInput types with the events page scripts listen to, through the native setter', () => {
  const doc = dom('<input id="c" maxlength="6">');
  const input = doc.getElementById('c') as HTMLInputElement;
  const seen: string[] = [];
  for (const type of ['focus', 'keydown', 'keypress', 'input', 'keyup', 'change', 'blur']) {
    input.addEventListener(type, (e) => seen.push(type === 'input' ? `input:${(e as InputEvent).data}` : type === 'keydown' ? `keydown:${(e as KeyboardEvent).key}` : type));
  }
  // A framework that shadows `value` on the instance (React's tracker does this): the prototype
  // setter must still be used so the page sees the change.
  let shadowSets = 0;
  const proto = Object.getPrototypeOf(input);
  const desc = Object.getOwnPropertyDescriptor(proto, 'value')!;
  Object.defineProperty(input, 'value', {
    configurable: true,
    get() { return desc.get!.call(this); },
    set(v) { shadowSets++; desc.set!.call(this, v); },
  });
  fillInput(input, '123456');
  assert.equal(input.value, '123456');
  assert.equal(shadowSets, 0);
  assert.equal(seen.filter((s) => s.startsWith('keydown')).length, 6);
  assert.deepEqual(seen.slice(-5), ['keydown:6', 'keypress', 'input:6', 'keyup', 'change']);
  assert.equal(seen[seen.length - 1], 'change');
  assert.ok(seen.indexOf('keydown:1') < seen.indexOf('input:1'));
  assert.ok(seen.indexOf('input:1') < seen.indexOf('keyup'));
  assert.ok(!seen.includes('blur'));
});

test('fillSplit puts one digit per box', () => {
  const doc = dom('<div>' + '<input maxlength="1">'.repeat(6) + '</div>');
  const boxes = [...doc.querySelectorAll('input')] as HTMLInputElement[];
  fillSplit(boxes, '987654');
  assert.deepEqual(boxes.map((b) => b.value), ['9', '8', '7', '6', '5', '4']);
});
