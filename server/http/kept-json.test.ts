import { describe, expect, it } from 'vitest';
import { keepJson, stringifyKeeping } from './kept-json.ts';

describe('stringifyKeeping', () => {
  it('gives the text JSON.stringify gives, kept arrays spliced in wherever they appear', () => {
    const numbers = [1, 2.5, -0, 1e-300, null];
    const names = ['a', 'é', '"quoted"', '\u0000', '</script>', '\ud83d\ude00'];
    keepJson(numbers);
    keepJson(names);
    const value = {
      data: { table: { numbers, names, again: numbers, nested: [{ name: 'x', values: names }], plain: [1, 2, 3] }, empty: [] },
      extensions: { note: 'kept-json' },
    };
    const expected = JSON.stringify(value);
    expect(stringifyKeeping(value)).toBe(expected);
    // Once more: from the texts made the first time.
    expect(stringifyKeeping(value)).toBe(expected);
  });

  it('is not fooled by user text that looks like its placeholder', () => {
    const hostile = ['\u0000kept-json-\u0000', '"\\u0000kept-json-', '\u0000kept-json-00000000-0000-0000-0000-000000000000\u0000'];
    const kept = [1, 2];
    keepJson(kept);
    const value = { hostile, kept, after: hostile.join('') };
    expect(stringifyKeeping(value)).toBe(JSON.stringify(value));
    expect(JSON.parse(stringifyKeeping(value))).toEqual(value);
  });

  it('stringifies values without kept arrays as usual, toJSON included', () => {
    const value = { at: new Date(0), list: [1, { a: undefined, b: () => 1 }], n: Number.NaN };
    expect(stringifyKeeping(value)).toBe(JSON.stringify(value));
  });
});
