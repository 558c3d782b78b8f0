import { describe, expect, it } from 'vitest';
import { ExportTexts } from './export-texts.ts';

describe('ExportTexts', () => {
  it('builds one text per key once, shared by reads at once and after; keeps no failure; forgets the least recent past its bounds', async () => {
    const texts = new ExportTexts(10, 3);
    let built = 0;
    const build = (text: string) => () => (built++, Promise.resolve(text));
    const [a, b] = await Promise.all([texts.text('e1@5', build('abc')), texts.text('e1@5', build('other'))]);
    expect([a, b, built]).toEqual(['abc', 'abc', 1]);
    expect(await texts.text('e1@5', build('other'))).toBe('abc');
    // A failure is said to its readers and built again by the next.
    await expect(texts.text('e2@1', () => Promise.reject(new Error('deleted')))).rejects.toThrow('deleted');
    expect(await texts.text('e2@1', build('de'))).toBe('de');
    // 3 + 2 + 6 characters are more than 10: the least recently read, e1@5, is forgotten.
    expect(await texts.text('e3@1', build('ghijkl'))).toBe('ghijkl');
    built = 0;
    expect(await texts.text('e2@1', build('again'))).toBe('de');
    expect(built).toBe(0);
    expect(await texts.text('e1@5', build('rebuilt'))).toBe('rebuilt');
    expect(built).toBe(1);
    // A text longer than all the room is shared while it is built, and not kept.
    const long = 'x'.repeat(11);
    const [first, second] = await Promise.all([texts.text('big', build(long)), texts.text('big', build('no'))]);
    expect([first, second]).toEqual([long, long]);
    // ... and the others stay.
    built = 0;
    expect(await texts.text('e2@1', build('again'))).toBe('de');
    expect(built).toBe(0);
    expect(await texts.text('big', build('short'))).toBe('short');
  });
});
