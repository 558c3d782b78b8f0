import { describe, expect, it } from 'vitest';
import { SharedResults } from './shared-results.ts';

describe('shared results, kept by count (Pareto fronts)', () => {
  it('finds one front per key once, shared by reads at once and after, keeps the latest few and no failure', async () => {
    const cache = new SharedResults<string[]>({ max: 2 });
    let found = 0;
    const find = (ids: string[]) => () => (found++, Promise.resolve(ids));
    const [a, b] = await Promise.all([cache.get('e1@5', find(['t1'])), cache.get('e1@5', find(['other']))]);
    expect([a, b, found]).toEqual([['t1'], ['t1'], 1]);
    expect(await cache.get('e1@5', find(['other']))).toEqual(['t1']);
    expect(await cache.get('e1@6', find(['t2']))).toEqual(['t2']);
    // A failure is said to its readers and found again by the next.
    await expect(cache.get('e2@1', () => Promise.reject(new Error('took too long')))).rejects.toThrow('took too long');
    expect(await cache.get('e2@1', find(['t3']))).toEqual(['t3']);
    // Two kept: the oldest, e1@5, was forgotten.
    found = 0;
    await cache.get('e1@5', find(['t1 again']));
    expect(found).toBe(1);
  });
});

describe('shared results, kept by count and room (export texts)', () => {
  it('builds one text per key once, shared by reads at once and after; keeps no failure; forgets the least recent past its bounds', async () => {
    const texts = new SharedResults<string>({ max: 3, maxSize: 10, size: (text) => text.length });
    let built = 0;
    const build = (text: string) => () => (built++, Promise.resolve(text));
    const [a, b] = await Promise.all([texts.get('e1@5', build('abc')), texts.get('e1@5', build('other'))]);
    expect([a, b, built]).toEqual(['abc', 'abc', 1]);
    expect(await texts.get('e1@5', build('other'))).toBe('abc');
    // A failure is said to its readers and built again by the next.
    await expect(texts.get('e2@1', () => Promise.reject(new Error('deleted')))).rejects.toThrow('deleted');
    expect(await texts.get('e2@1', build('de'))).toBe('de');
    // 3 + 2 + 6 characters are more than 10: the least recently read, e1@5, is forgotten.
    expect(await texts.get('e3@1', build('ghijkl'))).toBe('ghijkl');
    built = 0;
    expect(await texts.get('e2@1', build('again'))).toBe('de');
    expect(built).toBe(0);
    expect(await texts.get('e1@5', build('rebuilt'))).toBe('rebuilt');
    expect(built).toBe(1);
    // A text longer than all the room is shared while it is built, and not kept.
    const long = 'x'.repeat(11);
    const [first, second] = await Promise.all([texts.get('big', build(long)), texts.get('big', build('no'))]);
    expect([first, second]).toEqual([long, long]);
    // ... and the others stay.
    built = 0;
    expect(await texts.get('e2@1', build('again'))).toBe('de');
    expect(built).toBe(0);
    expect(await texts.get('big', build('short'))).toBe('short');
  });
});
