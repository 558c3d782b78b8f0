import { describe, expect, it } from 'vitest';
import { bestSoFarCurve, MAX_CURVE_POINTS, type CurveTrial } from './compare-curve.ts';

const done = (number: number, value: unknown): CurveTrial => ({ number, state: 'COMPLETED', value });

describe('bestSoFarCurve', () => {
  it('keeps the improvements and ends at the last completed trial (minimised)', () => {
    const curve = bestSoFarCurve([done(1, 5), done(2, 7), done(3, 3), done(4, 3), done(5, 4), done(6, 1), done(7, 2)], 'minimize');
    expect(curve.numbers).toEqual([1, 3, 6, 7]);
    expect(curve.values).toEqual([5, 3, 1, 1]);
    expect(curve).toMatchObject({ valued: 7, improvements: 3, thinned: false, best: { number: 6, value: 1 } });
  });

  it('follows the highest value of a maximised objective; a tie keeps the first trial', () => {
    const curve = bestSoFarCurve([done(1, 0.5), done(2, 0.9), done(3, 0.7), done(4, 0.9), done(5, 0.95)], 'maximize');
    expect(curve.numbers).toEqual([1, 2, 5]);
    expect(curve.values).toEqual([0.5, 0.9, 0.95]);
    expect(curve.best).toEqual({ number: 5, value: 0.95 });
  });

  it('ignores running, failed and pruned trials and non-finite values', () => {
    const curve = bestSoFarCurve(
      [
        { number: 1, state: 'FAILED', value: null },
        done(2, 4),
        { number: 3, state: 'RUNNING', value: null },
        { number: 4, state: 'PRUNED', value: 0.1 },
        done(5, Number.NaN),
        done(6, 'low'),
        done(7, 2),
        { number: 8, state: 'FAILED', value: 1 },
        done(9, 3),
        { number: 10, state: 'RUNNING', value: null },
      ],
      'minimize',
    );
    expect(curve.numbers).toEqual([2, 7, 9]);
    expect(curve.values).toEqual([4, 2, 2]);
    expect(curve.valued).toBe(3);
  });

  it('is empty before any completed trial', () => {
    const curve = bestSoFarCurve([{ number: 1, state: 'RUNNING', value: null }], 'minimize');
    expect(curve).toEqual({ numbers: [], values: [], valued: 0, improvements: 0, thinned: false, best: null });
  });

  it('thins the improvements to the cap, keeping each bucket’s first and last (hand-computed, cap 5)', () => {
    // 10 trials, each an improvement: 2 buckets over numbers 1..10 (1-5 and 6-10), first and last of each.
    const trials = Array.from({ length: 10 }, (_, i) => done(i + 1, 100 - i));
    const curve = bestSoFarCurve(trials, 'minimize', 5);
    expect(curve.numbers).toEqual([1, 5, 6, 10]);
    expect(curve.values).toEqual([100, 96, 95, 91]);
    expect(curve).toMatchObject({ thinned: true, improvements: 10, best: { number: 10, value: 91 } });
  });

  it('keeps the end point after thinning when the last trials did not improve', () => {
    const trials = [...Array.from({ length: 6 }, (_, i) => done(i + 1, 10 - i)), done(7, 9), done(8, 9)];
    // Buckets over 1..8: [1-4] and [5-8]; improvements 1..6, then the end at 8 with the best (5).
    const curve = bestSoFarCurve(trials, 'minimize', 5);
    expect(curve.numbers).toEqual([1, 4, 5, 6, 8]);
    expect(curve.values).toEqual([10, 7, 6, 5, 5]);
  });

  it('bounds a 100,000-trial monotone-decreasing run to the cap, each kept point exact', () => {
    const n = 100_000;
    const trials = Array.from({ length: n }, (_, i) => done(i + 1, 1 / (i + 1)));
    const curve = bestSoFarCurve(trials, 'minimize');
    expect(curve.improvements).toBe(n);
    expect(curve.thinned).toBe(true);
    expect(curve.numbers.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(curve.numbers.length).toBeGreaterThan(MAX_CURVE_POINTS - 10);
    expect(curve.numbers[0]).toBe(1);
    expect(curve.values[0]).toBe(1);
    expect(curve.numbers.at(-1)).toBe(n);
    expect(curve.values.at(-1)).toBe(1 / n);
    for (let i = 0; i < curve.numbers.length; i++) {
      expect(curve.values[i]).toBe(1 / curve.numbers[i]!); // exact where kept
      if (i > 0) {
        expect(curve.numbers[i]! - curve.numbers[i - 1]!).toBeGreaterThan(0);
        expect(curve.numbers[i]! - curve.numbers[i - 1]!).toBeLessThanOrEqual(Math.ceil(n / 999) + 1); // at most a bucket apart
      }
    }
  });

  it('bounds a maximised 100,000-trial run the same way', () => {
    const n = 100_000;
    const curve = bestSoFarCurve(
      Array.from({ length: n }, (_, i) => done(i + 1, i)),
      'maximize',
    );
    expect(curve.numbers.length).toBeLessThanOrEqual(MAX_CURVE_POINTS);
    expect(curve.best).toEqual({ number: n, value: n - 1 });
    expect(curve.values.every((value, i) => i === 0 || value > curve.values[i - 1]!)).toBe(true);
  });

  it('refuses a cap below 3', () => {
    expect(() => bestSoFarCurve([], 'minimize', 2)).toThrow('cap must be an integer of at least 3, but got 2');
  });
});
