import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from './rng.ts';

describe('createRng', () => {
  it('repeats its stream for the same seed', () => {
    const a = createRng(123);
    const b = createRng(123);
    for (let i = 0; i < 100; i++) expect(a.uniform()).toBe(b.uniform());
  });

  it('gives unrelated first draws for neighbouring seeds', () => {
    const firsts = Array.from({ length: 1000 }, (_, seed) => createRng(seed).uniform());
    const mean = firsts.reduce((s, x) => s + x, 0) / firsts.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(new Set(firsts.map((x) => Math.floor(x * 10))).size).toBe(10);
  });

  it('accepts any safe integer and rejects the rest', () => {
    for (const seed of [0, -1, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(createRng(seed).uniform()).toBeGreaterThanOrEqual(0);
    }
    for (const seed of [0.5, Number.NaN, 2 ** 60]) expect(() => createRng(seed)).toThrow(RangeError);
  });
});

describe('deriveSeed', () => {
  it('is deterministic and sensitive to every part', () => {
    expect(deriveSeed(7, 1)).toBe(deriveSeed(7, 1));
    const seeds = new Set([deriveSeed(7), deriveSeed(7, 0), deriveSeed(7, 1), deriveSeed(8, 1), deriveSeed(7, 1, 0), deriveSeed(1, 7)]);
    expect(seeds.size).toBe(6);
    expect(Number.isSafeInteger(deriveSeed(7, 1))).toBe(true);
  });
});
