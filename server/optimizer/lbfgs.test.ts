import { describe, expect, it } from 'vitest';
import { minimizeBox } from './lbfgs.ts';

describe('minimizeBox', () => {
  it('finds the minimum of the Rosenbrock function inside the box', () => {
    const f = (x: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      return {
        value: 100 * (b - a * a) ** 2 + (1 - a) ** 2,
        gradient: Float64Array.from([-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)]),
      };
    };
    const { x } = minimizeBox(f, Float64Array.from([-1.2, 1]), { lower: Float64Array.from([-2, -2]), upper: Float64Array.from([2, 2]), maxIterations: 200 });
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(1, 3);
  });

  it('stops on the boundary when the minimum lies outside the box', () => {
    const f = (x: Float64Array) => ({ value: (x[0]! - 5) ** 2, gradient: Float64Array.from([2 * (x[0]! - 5)]) });
    const { x } = minimizeBox(f, Float64Array.from([0]), { lower: Float64Array.from([-1]), upper: Float64Array.from([1]) });
    expect(x[0]).toBe(1);
  });
});
