import { describe, expect, it } from 'vitest';
import { fitPoints, MAX_FIT_POINTS } from '../pruners/learning-curve.ts';
import { appendReports, curvePoints, MAX_KEPT_POINTS, needsPrediction, newRunningCurve, runningForOptimizer, type RunningCurve } from './running-curves.ts';

const steps = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ step: from + i, value: 1 / (from + i + 1) }));

/** The largest gap between consecutive steps of `points`, sorted. */
function largestGap(points: readonly { step: number }[]): number {
  const sorted = points.map((p) => p.step).sort((a, b) => a - b);
  return Math.max(...sorted.slice(1).map((s, i) => s - sorted[i]!));
}

describe('appendReports', () => {
  it('keeps a long curve evenly spread over all its steps, however it is read', () => {
    for (const chunk of [1, 7, 50, 10_000]) {
      const curve = newRunningCurve();
      for (let from = 0; from < 10_000; from += chunk) appendReports(curve, steps(from, Math.min(10_000, from + chunk)));
      const points = curvePoints(curve);
      expect(points.length).toBeLessThanOrEqual(MAX_KEPT_POINTS + 1);
      expect(points.length).toBeGreaterThan(MAX_FIT_POINTS);
      expect(Math.min(...points.map((p) => p.step))).toBe(0);
      expect(curve.through).toBe(9_999);
      expect(points.at(-1)).toEqual({ step: 9_999, value: 1 / 10_000 });
      // As evenly as a fit thins the whole curve: no gap more than twice the fit's.
      expect(largestGap(points)).toBeLessThanOrEqual(2 * largestGap(fitPoints(steps(0, 10_000))));
    }
  });

  it('keeps every point of a short curve, in any order', () => {
    const curve = newRunningCurve();
    appendReports(curve, [{ step: 3, value: 1 }, { step: 0, value: 4 }]);
    appendReports(curve, [{ step: 5, value: 0.5 }]);
    expect(curvePoints(curve).map((p) => p.step)).toEqual([3, 0, 5]);
    expect(curve.through).toBe(5);
  });
});

describe('needsPrediction', () => {
  const curve = (through: number, predicted?: { through: number; finalStep: number }): RunningCurve => ({
    ...newRunningCurve(),
    through,
    ...(predicted ? { prediction: { ...predicted, value: null } } : {}),
  });

  it('extrapolates a running curve again for another final step, or once it has grown by a tenth', () => {
    expect(needsPrediction(curve(4), 50)).toBe(true);
    expect(needsPrediction(curve(4, { through: 4, finalStep: 50 }), 50)).toBe(false);
    expect(needsPrediction(curve(5, { through: 4, finalStep: 50 }), 50)).toBe(true);
    expect(needsPrediction(curve(4, { through: 4, finalStep: 40 }), 50)).toBe(true);
    expect(needsPrediction(curve(109, { through: 100, finalStep: 500 }), 500)).toBe(false);
    expect(needsPrediction(curve(110, { through: 100, finalStep: 500 }), 500)).toBe(true);
  });
});

describe('runningForOptimizer', () => {
  it('hands every running trial over, oldest first, with a prediction only where one was made for this final step', () => {
    const running = new Map([
      [3, { x: 0.3 }],
      [5, { x: 0.5 }],
      [8, { x: 0.8 }],
    ]);
    const predicted = (finalStep: number, value: number) => ({ ...newRunningCurve(), through: 9, prediction: { finalStep, through: 9, value: { value, sd: 0.1 } } });
    const curves = new Map<number, RunningCurve>([
      [5, predicted(50, 0.2)],
      [8, predicted(40, 0.1)],
    ]);
    const rows = [5, 8].map((number) => ({ id: `t${number}`, number, lastStep: 9 }));
    expect(runningForOptimizer(running, curves, rows, 50)).toEqual([{ params: { x: 0.3 } }, { params: { x: 0.5 }, loss: 0.2, lossSd: 0.1 }, { params: { x: 0.8 } }]);
    expect(runningForOptimizer(running, curves, [], 50).every((t) => !('loss' in t))).toBe(true);
  });
});
