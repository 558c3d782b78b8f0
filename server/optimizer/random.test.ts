import { describe, expect, it } from 'vitest';
import { createRandomOptimizer } from './random.ts';
import { parseSearchSpace } from './space.ts';

function draws(spec: unknown, count = 2000, seed = 7): number[] {
  const space = parseSearchSpace({ x: spec });
  const { suggestions } = createRandomOptimizer().suggest({ space, completed: [], running: [], seed, count });
  return suggestions.map((params) => Number(params.x));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((sum, x) => sum + x, 0) / xs.length;
}

function sd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / (xs.length - 1));
}

describe('random optimizer: distributions', () => {
  it('draws normal(0, 1) with mean ~0 and sd ~1', () => {
    const xs = draws({ distribution: 'normal', mu: 0, sigma: 1 });
    expect(Math.abs(mean(xs))).toBeLessThan(0.1);
    expect(Math.abs(sd(xs) - 1)).toBeLessThan(0.06);
  });

  it('draws log_normal with ln(x) ~ normal(mu, sigma)', () => {
    const logs = draws({ distribution: 'log_normal', mu: -2, sigma: 0.5 }).map(Math.log);
    expect(Math.abs(mean(logs) + 2)).toBeLessThan(0.05);
    expect(Math.abs(sd(logs) - 0.5)).toBeLessThan(0.03);
  });

  it('draws log_uniform with ln(x) uniform: each decade gets about a quarter', () => {
    const xs = draws({ min: 1e-4, max: 1, distribution: 'log_uniform' });
    const decades = [0, 0, 0, 0];
    for (const x of xs) {
      const decade = Math.min(3, Math.floor(Math.log10(x) + 4));
      decades[decade] = (decades[decade] ?? 0) + 1;
    }
    for (const n of decades) expect(Math.abs(n / xs.length - 0.25)).toBeLessThan(0.04);
    expect(Math.abs(mean(xs.map(Math.log10)) + 2)).toBeLessThan(0.08);
  });

  it('draws uniform with mean and spread of U(a, b)', () => {
    const xs = draws({ min: -1, max: 3 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...xs)).toBeLessThanOrEqual(3);
    expect(Math.abs(mean(xs) - 1)).toBeLessThan(0.1);
    expect(Math.abs(sd(xs) - 4 / Math.sqrt(12))).toBeLessThan(0.06);
  });

  it('puts stepped values on the grid, every grid value about equally often', () => {
    const xs = draws({ min: 0, max: 1, step: 0.25 });
    const counts = new Map<number, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    for (const n of counts.values()) expect(Math.abs(n / xs.length - 0.2)).toBeLessThan(0.04);
  });

  it('draws integers from an int parameter, covering the range', () => {
    const xs = draws({ min: 1, max: 6, step: 1 });
    expect(xs.every(Number.isInteger)).toBe(true);
    expect(new Set(xs)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('draws categorical choices about equally often', () => {
    const space = parseSearchSpace({ c: ['a', 'b', 'c', 'd'] });
    const { suggestions } = createRandomOptimizer().suggest({ space, completed: [], running: [], seed: 3, count: 2000 });
    for (const choice of ['a', 'b', 'c', 'd']) {
      const share = suggestions.filter((params) => params.c === choice).length / suggestions.length;
      expect(Math.abs(share - 0.25)).toBeLessThan(0.04);
    }
  });

  it('keeps truncated normal draws inside the bounds', () => {
    const xs = draws({ distribution: 'normal', mu: 0, sigma: 1, min: 0.5, max: 3 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...xs)).toBeLessThanOrEqual(3);
  });
});
