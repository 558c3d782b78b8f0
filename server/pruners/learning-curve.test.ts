import { describe, expect, it } from 'vitest';
import { createRng } from '../optimizer/rng.ts';
import { extrapolate, MAX_FIT_POINTS, MAX_RANGE_EXTENSION, MIN_CURVE_POINTS, predictCurve, type CurvePoint } from './learning-curve.ts';

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

  it('is as uncertain as the distance it extrapolates: more from an early step than from a late one', () => {
    const f = (t: number) => 0.5 + 2 * Math.exp(-0.1 * t);
    const early = predictCurve(curve(f, range(1, 5)), 50)!;
    const late = predictCurve(curve(f, range(1, 30)), 50)!;
    expect(early.value).toBe(extrapolate(curve(f, range(1, 5)), 50));
    expect(early.sd).toBeCloseTo(f(5) - early.value, 12);
    expect(late.sd).toBeCloseTo(f(30) - late.value, 12);
    expect(late.sd).toBeLessThan(early.sd / 5);
    expect(predictCurve(curve(() => 1.25, range(1, 8)), 50)!.sd).toBeCloseTo(0, 12);
  });

  it('is at least as uncertain as the curve is noisy, even where the prediction lands on the last value', () => {
    // A flat curve at 1 with noise of sd 0.1 whose last value is exactly 1: the distance extrapolated is
    // about 0, but a final value measured with that noise is not known to better than about 0.1.
    const rng = createRng(17);
    const points = curve(() => 1 + 0.1 * (rng.uniform() * 2 - 1) * Math.sqrt(3), range(1, 19));
    points.push({ step: 20, value: 1 });
    const mean = points.reduce((s, p) => s + p.value, 0) / points.length;
    const noise = Math.sqrt(points.reduce((s, p) => s + (p.value - mean) ** 2, 0) / points.length);
    const predicted = predictCurve(points, 50)!;
    expect(Math.abs(predicted.value - 1)).toBeLessThan(0.05);
    expect(predicted.sd).toBeGreaterThan(0.6 * noise);
    expect(predicted.sd).toBeLessThan(1.2 * noise + Math.abs(predicted.value - 1));
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
  it('predicts a finite value, or none, from finite values however large or small', () => {
    // Each value finite, but their sums of squares overflow: the fit must not answer NaN.
    expect(extrapolate(curve((t) => (t % 2 ? -1 : 1) * 1.7e308, range(1, 6)), 100)).toSatisfy((v) => v === null || Number.isFinite(v));
    // The same curve at any scale predicts the same, scaled.
    const f = (t: number) => 0.5 + 2 * Math.exp(-0.3 * t);
    expect(extrapolate(curve((t) => 1e300 * f(t), range(1, 10)), 50)! / 1e300).toBeCloseTo(extrapolate(curve(f, range(1, 10)), 50)!, 6);
    expect(extrapolate(curve((t) => 1e-300 * f(t), range(1, 10)), 50)! / 1e-300).toBeCloseTo(extrapolate(curve(f, range(1, 10)), 50)!, 6);
    expect(extrapolate(curve(() => 0, range(1, 8)), 50)).toBe(0);
  });

  it('does not run a noisy short curve far past its own range', () => {
    // 0.3 + 2.2·e^(-t/12) at steps 1..10 with noise of ±0.1, judged for step 100 (true value 0.30): an
    // unbounded fit put about 1 in 100 of these near -6, winning every rung and misleading the optimizer.
    const rng = createRng(7);
    const predictions: number[] = [];
    for (let i = 0; i < 400; i++) {
      const points = curve((t) => 0.3 + 2.2 * Math.exp(-t / 12) + (rng.uniform() - 0.5) * 0.2, range(1, 10));
      const values = points.map((p) => p.value);
      const low = Math.min(...values);
      const high = Math.max(...values);
      const predicted = extrapolate(points, 100)!;
      expect(predicted).toBeGreaterThanOrEqual(low - MAX_RANGE_EXTENSION * (high - low) - 1e-9);
      expect(predicted).toBeLessThanOrEqual(high + MAX_RANGE_EXTENSION * (high - low) + 1e-9);
      predictions.push(predicted);
    }
    predictions.sort((a, b) => a - b);
    // Most of them still near the truth.
    expect(predictions[200]!).toBeGreaterThan(0);
    expect(predictions[200]!).toBeLessThan(0.7);
  });
});
