import { describe, expect, it } from 'vitest';
import { gridPointsOf, isGridProblem, MAX_GRID_POINTS, type GridPoints } from './grid-points.ts';
import { gridPointsTaken } from './grid-search.ts';
import { Permutation } from './permutation.ts';
import { resolveOptimizer } from './registry.ts';
import { parseSearchSpace, type Params, type SearchSpace } from './space.ts';
import { UnsupportedSpaceError } from './errors.ts';
import type { SuggestResult } from './types.ts';

function gridOf(spec: Record<string, unknown>): GridPoints {
  const grid = gridPointsOf(parseSearchSpace(spec));
  if (isGridProblem(grid)) throw new Error(grid.message);
  return grid;
}

const key = (params: Params) => JSON.stringify(params);

describe('Permutation', () => {
  it('is a bijection of [0, n) for every n up to 300, and for a prime and a power of two past it', () => {
    for (const n of [...Array.from({ length: 301 }, (_, i) => i), 10_007, 4096, 4097]) {
      const order = new Permutation(n, 12345);
      const seen = new Set<number>();
      for (let p = 0; p < n; p++) seen.add(order.at(p));
      expect(seen.size).toBe(n);
      expect([...seen].every((v) => Number.isInteger(v) && v >= 0 && v < n)).toBe(true);
    }
  });

  it('depends on its seed only: the same seed, the same order; another seed, another order', () => {
    const order = (seed: number) => Array.from({ length: 50 }, (_, p) => new Permutation(50, seed).at(p));
    expect(order(7)).toEqual(order(7));
    expect(order(8)).not.toEqual(order(7));
    // Not the identity, nor a rotation of it.
    const shuffled = order(7);
    expect(shuffled.filter((v, p) => v === p).length).toBeLessThan(10);
  });

  it('stays a bijection just past a power of two where floating-point log2 rounds down (2^50 + 1)', () => {
    const order = new Permutation(2 ** 50 + 1, 0);
    const firsts = new Set(Array.from({ length: 64 }, (_, p) => order.at(p)));
    const lasts = new Set(Array.from({ length: 64 }, (_, p) => order.at(2 ** 50 + 1 - 64 + p)));
    expect(firsts.size + lasts.size).toBe(128);
    expect([...firsts, ...lasts].filter((v) => firsts.has(v) && lasts.has(v))).toEqual([]);
  });

  it('refuses sizes and positions out of range', () => {
    expect(() => new Permutation(-1, 0)).toThrow(RangeError);
    expect(() => new Permutation(1.5, 0)).toThrow(RangeError);
    expect(() => new Permutation(2 ** 53, 0)).toThrow(RangeError);
    expect(() => new Permutation(10, 0).at(10)).toThrow(RangeError);
    expect(() => new Permutation(10, 0).at(-1)).toThrow(RangeError);
  });

  it('reaches a position far into a billion values in bounded steps', () => {
    const order = new Permutation(MAX_GRID_POINTS, 99);
    const values = new Set<number>();
    for (let p = MAX_GRID_POINTS - 1000; p < MAX_GRID_POINTS; p++) values.add(order.at(p));
    expect(values.size).toBe(1000);
    expect(Math.max(...values)).toBeLessThan(MAX_GRID_POINTS);
  });
});

describe('grid points', () => {
  it('counts every combination: 3 step values x 2 choices x 4 integers x a constant = 24', () => {
    const grid = gridOf({ lr: { min: 0.1, max: 0.3, step: 0.1 }, opt: ['adam', 'sgd'], depth: { min: 1, max: 7, step: 2 }, epochs: 10 });
    expect(grid.size).toBe(24);
    const points = Array.from({ length: 24 }, (_, i) => grid.pointAt(i));
    expect(new Set(points.map(key)).size).toBe(24);
    expect(new Set(points.map((p) => p.lr))).toEqual(new Set([0.1, 0.2, 0.3]));
    expect(new Set(points.map((p) => p.depth))).toEqual(new Set([1, 3, 5, 7]));
    expect(points.every((p) => p.epochs === 10)).toBe(true);
  });

  it('multiplies a choice\'s sub-parameters into its own share only: (3 + 1) x 2 = 8 points, each with only its active parameters', () => {
    const grid = gridOf({ model: { choices: { forest: { trees: { min: 100, max: 300, step: 100 } }, linear: {} } }, scale: [true, false] });
    expect(grid.size).toBe(8);
    const points = Array.from({ length: 8 }, (_, i) => grid.pointAt(i));
    expect(points.filter((p) => p.model === 'forest').map((p) => p.trees).sort()).toEqual([100, 100, 200, 200, 300, 300]);
    expect(points.filter((p) => p.model === 'linear').every((p) => !('model.trees' in p) && !('trees' in p) && Object.keys(p).length === 2)).toBe(true);
    expect(new Set(points.map(key)).size).toBe(8);
  });

  it('reads the points of nested choices both ways: every index round-trips', () => {
    const space = parseSearchSpace({
      model: {
        choices: {
          svm: { C: { min: 1, max: 3, step: 1 }, kernel: { choices: { rbf: { gamma: [0.1, 1] }, poly: { degree: { min: 2, max: 4, step: 1 } } } } },
          tree: { depth: { min: 1, max: 2, step: 1 } },
        },
      },
      lr: { min: 0.001, max: 0.1, step: 0.033, distribution: 'log_uniform' },
    });
    const grid = gridPointsOf(space) as GridPoints;
    // svm: 3 x (2 + 3) = 15; tree: 2; lr: 0.001, 0.034, 0.067, 0.1.
    expect(grid.size).toBe((15 + 2) * 4);
    for (let i = 0; i < grid.size; i++) expect(grid.indexOf(grid.pointAt(i))).toBe(i);
  });

  it('tells a point off the grid: a value between steps, outside the range, a missing parameter or an unknown choice', () => {
    const grid = gridOf({ lr: { min: 0.1, max: 0.3, step: 0.1 }, opt: ['adam', 'sgd'] });
    expect(grid.indexOf({ lr: 0.2, opt: 'sgd' })).not.toBeNull();
    // Within a billionth of a step counts (a value typed by hand, 0.1 + 0.2).
    expect(grid.indexOf({ lr: 0.1 + 0.2, opt: 'sgd' })).toBe(grid.indexOf({ lr: 0.3, opt: 'sgd' }));
    expect(grid.indexOf({ lr: 0.15, opt: 'sgd' })).toBeNull();
    expect(grid.indexOf({ lr: 0.4, opt: 'sgd' })).toBeNull();
    expect(grid.indexOf({ lr: 0.2 })).toBeNull();
    expect(grid.indexOf({ lr: 0.2, opt: 'rmsprop' })).toBeNull();
    expect(grid.indexOf({ lr: '0.2', opt: 'sgd' })).toBeNull();
  });

  it('takes a normal prior\'s step values within its plausible range, as the other optimizers do', () => {
    const grid = gridOf({ init: { distribution: 'normal', mu: 0, sigma: 1, step: 1 } });
    expect(Array.from({ length: grid.size }, (_, i) => grid.pointAt(i).init).sort((a, b) => Number(a) - Number(b))).toEqual([-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
  });

  it('names the numeric parameter without a step, and refuses more than a billion points', () => {
    const stepless = gridPointsOf(parseSearchSpace({ a: ['x', 'y'], model: { choices: { svm: { C: { min: 1, max: 10 } } } } }));
    expect(stepless).toEqual({ parameter: 'C', message: expect.stringContaining('needs a step') });
    const huge = gridPointsOf(parseSearchSpace({ a: { min: 0, max: 1e5, step: 1 }, b: { min: 0, max: 1e5, step: 1 } }));
    expect(huge).toEqual({ parameter: null, message: expect.stringContaining('at most 1,000,000,000 points, but this space has about 1e+10') });
    // A billion exactly is a grid.
    expect(gridOf({ a: { min: 1, max: 1e5, step: 1 }, b: { min: 1, max: 1e4, step: 1 } }).size).toBe(1e9);
  });
});

describe('grid search', () => {
  const grid = resolveOptimizer('grid');
  const space: SearchSpace = parseSearchSpace({ x: { min: 0, max: 9, step: 1 }, y: { min: 0, max: 9, step: 1 }, kind: ['a', 'b'] });

  /** Runs the grid as workers would, `batch` at a time, finishing each batch before the next; returns every suggestion. */
  function runAll(batch: number, seed = 3): { all: Params[]; last: SuggestResult } {
    const all: Params[] = [];
    let state: unknown;
    let last: SuggestResult;
    for (;;) {
      last = grid.suggest({ space, completed: all.map((params) => ({ params, loss: 0 })), running: [], seed: all.length, count: batch, state });
      state = last.state;
      all.push(...last.suggestions);
      if (last.exhausted) return { all, last };
    }
  }

  it('visits every one of 200 points exactly once, then says it is exhausted', () => {
    for (const batch of [1, 7, 32]) {
      const { all, last } = runAll(batch);
      expect(all).toHaveLength(200);
      expect(new Set(all.map(key)).size).toBe(200);
      expect(last.exhausted).toBe(true);
      expect(gridPointsTaken(last.state)).toBe(200);
    }
    const done = runAll(5).all;
    const again = grid.suggest({ space, completed: done.map((params) => ({ params, loss: 1 })), running: [], seed: 1, count: 3 });
    expect(again).toMatchObject({ suggestions: [], exhausted: true });
  });

  it('keeps its order across calls by the seed in its state, whatever seed each call gets', () => {
    const first = grid.suggest({ space, completed: [], running: [], seed: 11, count: 10 });
    const next = grid.suggest({ space, completed: [], running: first.suggestions.slice(0, 4).map((params) => ({ params })), seed: 999, count: 6, state: first.state });
    expect(next.suggestions).toEqual(first.suggestions.slice(4));
  });

  it('never hands out a point a running, finished, failed or pruned trial holds, nor one twice in a batch', () => {
    const first = grid.suggest({ space, completed: [], running: [], seed: 1, count: 150 }).suggestions;
    const completed = first.slice(0, 100).map((params, i) => ({ params, loss: i % 3 === 0 ? Number.POSITIVE_INFINITY : i }));
    const running = first.slice(100).map((params) => ({ params }));
    const rest = grid.suggest({ space, completed, running, seed: 2, count: 80 });
    expect(rest.suggestions).toHaveLength(50);
    expect(rest.exhausted).toBe(true);
    expect(new Set([...first, ...rest.suggestions].map(key)).size).toBe(200);
  });

  it('counts a point enqueued by hand as visited, and ignores a trial off the grid', () => {
    const byHand = { kind: 'b', x: 4, y: 4 };
    const offGrid = { kind: 'a', x: 4.5, y: 4 };
    const { suggestions, state } = grid.suggest({ space, completed: [{ params: byHand, loss: 1 }, { params: offGrid, loss: 1 }], running: [], seed: 1, count: 300 });
    expect(suggestions).toHaveLength(199);
    expect(suggestions.map(key)).not.toContain(key(byHand));
    expect(gridPointsTaken(state)).toBe(200);
  });

  it('spreads the first points of a shuffled grid over the space rather than along one edge', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { suggestions } = grid.suggest({ space, completed: [], running: [], seed, count: 10 });
      expect(new Set(suggestions.map((p) => p.x)).size).toBeGreaterThanOrEqual(3);
      expect(new Set(suggestions.map((p) => p.y)).size).toBeGreaterThanOrEqual(3);
    }
  });

  it('suggests from a grid of a billion points after thousands of trials, without listing the grid', () => {
    const big = parseSearchSpace({ a: { min: 1, max: 1e5, step: 1 }, b: { min: 1, max: 1e4, step: 1 } });
    const first = grid.suggest({ space: big, completed: [], running: [], seed: 5, count: 32 });
    const completed = Array.from({ length: 5000 }, (_, i) => ({ params: { a: (i % 1e5) + 1, b: Math.floor(i / 1e5) + 1 }, loss: i }));
    const next = grid.suggest({ space: big, completed: [...first.suggestions.map((params) => ({ params, loss: 0 })), ...completed], running: [], seed: 6, count: 32, state: first.state });
    expect(next.suggestions).toHaveLength(32);
    expect(gridPointsTaken(next.state)).toBe(new Set([...first.suggestions, ...completed.map((t) => t.params), ...next.suggestions].map(key)).size);
  });

  it('declines a space with a continuous parameter (the server refuses it before)', () => {
    expect(() => grid.suggest({ space: parseSearchSpace({ x: { min: 0, max: 1 } }), completed: [], running: [], seed: 0 })).toThrow(UnsupportedSpaceError);
  });

  it('reads how many points were taken only from its own state', () => {
    expect(gridPointsTaken({ scramble: 1, taken: 5 })).toBe(5);
    expect(gridPointsTaken({ scramble: 1 })).toBeNull();
    expect(gridPointsTaken({ taken: -1 })).toBeNull();
    expect(gridPointsTaken(null)).toBeNull();
    expect(gridPointsTaken({ algorithm: 'gp', state: { taken: 3 } })).toBeNull();
  });
});
