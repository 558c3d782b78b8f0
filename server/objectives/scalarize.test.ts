import { describe, expect, it } from 'vitest';
import { scalarize } from './scalarize.ts';

describe('scalarize', () => {
  it('is the value itself for one objective without constraints (a plain experiment is unchanged)', () => {
    expect(scalarize([{ vector: [3], violation: 0 }, { vector: [-1], violation: 0 }], 7)).toEqual([3, -1]);
  });

  it('ranks infeasible trials after every feasible one, the further out the worse', () => {
    const scores = scalarize(
      [
        { vector: [1], violation: 0 },
        { vector: [5], violation: 0 },
        { vector: [0], violation: 0.5 }, // better value, but outside the constraints
        { vector: [0], violation: 2 },
      ],
      7,
    );
    expect(scores[0]).toBe(1);
    expect(scores[1]).toBe(5);
    expect(scores[2]).toBeGreaterThan(5);
    expect(scores[3]).toBeGreaterThan(scores[2]!);
  });

  it('scalarises several objectives by a seeded direction: dominated trials never beat those dominating them', () => {
    const trials = [
      { vector: [0, 10], violation: 0 },
      { vector: [10, 0], violation: 0 },
      { vector: [5, 5], violation: 0 },
      { vector: [6, 6], violation: 0 }, // dominated by [5, 5]
    ];
    for (let seed = 0; seed < 50; seed++) {
      const scores = scalarize(trials, seed);
      expect(scores[3]).toBeGreaterThan(scores[2]!);
      expect(scalarize(trials, seed)).toEqual(scores); // pure
    }
    // Different seeds favour different ends of the front.
    const favourites = new Set(Array.from({ length: 50 }, (_, seed) => {
      const scores = scalarize(trials, seed);
      return scores.indexOf(Math.min(...scores));
    }));
    expect(favourites.has(0) && favourites.has(1)).toBe(true);
  });

  it('with several objectives, adds to a trial outside the constraints its violation times the spread of the feasible numbers', () => {
    const trials = [
      { vector: [0, 10], violation: 0 },
      { vector: [10, 0], violation: 0 },
      { vector: [5, 5], violation: 0 },
      { vector: [5, 5], violation: 0.5 }, // the third again, half a limit outside
      { vector: [0, 0], violation: 2 }, // best in both objectives (scaled to 0, 0: its own number is 0), far outside
    ];
    for (let seed = 0; seed < 20; seed++) {
      const scores = scalarize(trials, seed);
      const spread = Math.max(...scores.slice(0, 3)) - Math.min(...scores.slice(0, 3));
      expect(scores[3]).toBeCloseTo(scores[2]! + 0.5 * spread, 12);
      expect(scores[4]).toBeCloseTo(2 * spread, 12);
      expect(scores[3]).toBeGreaterThan(scores[2]!); // never better than the same objectives inside
    }
  });

  it('with several objectives and none feasible, spreads by all trials: the same objectives further out are worse', () => {
    // Scaled: [0, 1] and [1, 0], the third the same as the first; spread = |1.05 w2 - 1.05 w1|.
    const trials = [
      { vector: [0, 10], violation: 1 },
      { vector: [10, 0], violation: 1 },
      { vector: [0, 10], violation: 3 },
    ];
    for (let seed = 0; seed < 20; seed++) {
      const scores = scalarize(trials, seed);
      const spread = Math.abs(scores[0]! - scores[1]!); // both get the same penalty
      expect(scores[2]! - scores[0]!).toBeCloseTo(2 * Math.max(spread, 1e-9), 12);
    }
  });
});

describe('pruned trials', () => {
  it('rank after every trial that finished, those that got further first, then by their last value', () => {
    const scores = scalarize(
      [
        { vector: [0.5], violation: 0 },
        { vector: [0.1], violation: 0, prunedStep: 3 }, // an early value, lower than any final one
        { vector: [0.9], violation: 0 },
        { vector: [0.2], violation: 0, prunedStep: 9 },
        { vector: [0.3], violation: 0, prunedStep: 9 },
      ],
      1,
    );
    expect(scores[0]).toBe(0.5);
    expect(scores[2]).toBe(0.9);
    expect(scores[3]).toBeGreaterThan(0.9);
    expect(scores[4]).toBeGreaterThan(scores[3]!);
    expect(scores[1]).toBeGreaterThan(scores[4]!);
  });

  it('keep their values while no trial has finished', () => {
    expect(scalarize([{ vector: [0.4], violation: 0, prunedStep: 1 }, { vector: [0.2], violation: 0, prunedStep: 2 }], 1)).toEqual([0.4, 0.2]);
  });
});
