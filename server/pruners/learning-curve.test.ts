import { describe, expect, it } from 'vitest';
import { extrapolate, MAX_FIT_POINTS, MIN_CURVE_POINTS, type CurvePoint } from './learning-curve.ts';

const curve = (f: (t: number) => number, steps: readonly number[]): CurvePoint[] => steps.map((step) => ({ step, value: f(step) }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('learning-curve extrapolation', () => {
  it('recovers an exponential curve and predicts its value at the final step', () => {
    // 0.5 + 2·e^(-0.3·t) at steps 1..10; at step 50: 0.5 + 2·e^(-15) = 0.5000006.
    const predicted = extrapolate(curve((t) => 0.5 + 2 * Math.exp(-0.3 * t), range(1, 10)), 50)!;
    expect(predicted).toBeCloseTo(0.5 + 2 * Math.exp(-15), 4);
  });

  it('recovers a power-law curve, slower to flatten than any exponential', () => {
    // 0.2 + (t + 1)^-1 at steps 0..9; at step 99: 0.2 + 1/100 = 0.21.
    const predicted = extrapolate(curve((t) => 0.2 + 1 / (t + 1), range(0, 9)), 99)!;
    expect(predicted).toBeCloseTo(0.21, 3);
  });

  it('predicts a flat curve stays where it is', () => {
    expect(extrapolate(curve(() => 1.25, range(1, 8)), 50)).toBeCloseTo(1.25, 12);
  });

  it('follows a rising (overfitting) curve up', () => {
    // 1 - 0.5·e^(-0.2·t), rising towards 1: at step 40, 1 - 0.5·e^(-8) = 0.99983.
    const predicted = extrapolate(curve((t) => 1 - 0.5 * Math.exp(-0.2 * t), range(1, 12)), 40)!;
    expect(predicted).toBeCloseTo(1 - 0.5 * Math.exp(-8), 4);
  });

  it('ranks crossing curves by where they end, not where they are', () => {
    // A fast starter levelling off at 0.8 leads a slow one heading for 0.3 at step 5 (1.10 against 1.61).
    const fast = curve((t) => 0.8 + 1.7 * Math.exp(-t / 2), range(1, 5));
    const slow = curve((t) => 0.3 + 2.2 * Math.exp(-t / 12), range(1, 5));
    expect(fast[4]!.value).toBeLessThan(slow[4]!.value);
    expect(extrapolate(fast, 50)!).toBeCloseTo(0.8, 2);
    expect(extrapolate(slow, 50)!).toBeCloseTo(0.3 + 2.2 * Math.exp(-50 / 12), 2);
  });

  it(`fits a long curve from ${MAX_FIT_POINTS} evenly spaced points of it`, () => {
    // 0.1 + e^(-t/200) at steps 0..999; at step 5000: 0.1 + e^(-25).
    expect(extrapolate(curve((t) => 0.1 + Math.exp(-t / 200), range(0, 999)), 5000)).toBeCloseTo(0.1, 4);
  });

  it('reads points in any order', () => {
    const points = curve((t) => 0.5 + 2 * Math.exp(-0.3 * t), range(1, 10));
    expect(extrapolate([...points].reverse(), 50)!).toBeCloseTo(extrapolate(points, 50)!, 12);
  });

  it(`needs ${MIN_CURVE_POINTS} points and a final step past the last one`, () => {
    const f = (t: number) => 1 / (t + 1);
    expect(extrapolate(curve(f, range(1, MIN_CURVE_POINTS - 1)), 50)).toBeNull();
    expect(extrapolate(curve(f, range(1, MIN_CURVE_POINTS)), 50)).not.toBeNull();
    expect(extrapolate(curve(f, range(1, 10)), 10)).toBeNull();
    expect(extrapolate([...curve(f, range(1, 4)), { step: 5, value: Number.NaN }], 50)).toBeNull();
  });
});
