import { describe, expect, it } from 'vitest';
import { createQuasiRandomOptimizer, ScrambledHalton } from './qmc.ts';
import { parseSearchSpace } from './space.ts';

describe('scrambled Halton sequence', () => {
  it('stays in [0, 1) and is the same for the same scramble seed', () => {
    const a = new ScrambledHalton(12, 42);
    const b = new ScrambledHalton(12, 42);
    for (let i = 0; i < 200; i++) {
      const point = a.point(i);
      expect(point).toEqual(b.point(i));
      for (const u of point) expect(u >= 0 && u < 1).toBe(true);
    }
    expect(new ScrambledHalton(12, 43).point(0)).not.toEqual(a.point(0));
  });

  it('fills space evenly: the first 64 points put one point in each of 64 slices of the first axis, and 8x8 cells of two axes hold about one each', () => {
    const halton = new ScrambledHalton(5, 7);
    const slices = new Set<number>();
    const cells = new Map<number, number>();
    for (let i = 0; i < 64; i++) {
      const [u, , , v] = halton.point(i) as [number, number, number, number];
      slices.add(Math.floor(u * 64));
      const cell = Math.floor(u * 8) * 8 + Math.floor(v * 8);
      cells.set(cell, (cells.get(cell) ?? 0) + 1);
    }
    expect(slices.size).toBe(64);
    // Uniform random points would leave about 23 of 64 cells empty.
    expect(cells.size).toBeGreaterThan(50);
  });
});

describe('quasi_random optimizer', () => {
  it('follows a normal prior and continues the sequence by trial count', () => {
    const space = parseSearchSpace({ x: { distribution: 'normal', mu: 3, sigma: 2 } });
    const optimizer = createQuasiRandomOptimizer();
    const { suggestions, state } = optimizer.suggest({ space, completed: [], running: [], seed: 1, count: 400 });
    const xs = suggestions.map((p) => Number(p.x));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(sd - 2)).toBeLessThan(0.1);
    const next = optimizer.suggest({ space, completed: [], running: suggestions.slice(0, 10).map((params) => ({ params })), seed: 99, state });
    expect(next.suggestions[0]).toEqual(suggestions[10]);
  });
});
