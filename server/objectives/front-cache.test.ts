import { describe, expect, it } from 'vitest';
import { FrontCache } from './front-cache.ts';

describe('FrontCache', () => {
  it('finds one front per key once, shared by reads at once and after, keeps the latest few and no failure', async () => {
    const cache = new FrontCache(2);
    let found = 0;
    const find = (ids: string[]) => () => (found++, Promise.resolve(ids));
    const [a, b] = await Promise.all([cache.ids('e1@5', find(['t1'])), cache.ids('e1@5', find(['other']))]);
    expect([a, b, found]).toEqual([['t1'], ['t1'], 1]);
    expect(await cache.ids('e1@5', find(['other']))).toEqual(['t1']);
    expect(await cache.ids('e1@6', find(['t2']))).toEqual(['t2']);
    // A failure is said to its readers and found again by the next.
    await expect(cache.ids('e2@1', () => Promise.reject(new Error('took too long')))).rejects.toThrow('took too long');
    expect(await cache.ids('e2@1', find(['t3']))).toEqual(['t3']);
    // Two kept: the oldest, e1@5, was forgotten.
    found = 0;
    await cache.ids('e1@5', find(['t1 again']));
    expect(found).toBe(1);
  });
});
