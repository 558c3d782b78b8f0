import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from './normal.ts';

// Reference values from mpmath (ncdf at 50 digits; sqrt(2)*erfinv(2p-1) at 700 digits).
const cdfTable: readonly (readonly [number, number])[] = [
  [-37, 5.725571222524577e-300],
  [-30, 4.906713927148187e-198],
  [-20, 2.7536241186062337e-89],
  [-10, 7.619853024160525e-24],
  [-8, 6.220960574271784e-16],
  [-7, 1.279812543885835e-12],
  [-6, 9.86587645037698e-10],
  [-5, 2.866515718791939e-7],
  [-4, 3.1671241833119924e-5],
  [-3.5, 0.00023262907903552504],
  [-3, 0.0013498980316300946],
  [-2.99, 0.0013948872354922494],
  [-2.5, 0.006209665325776135],
  [-2, 0.02275013194817921],
  [-1.5, 0.06680720126885807],
  [-1, 0.15865525393145705],
  [-0.5, 0.3085375387259869],
  [-0.1, 0.460172162722971],
  [0, 0.5],
  [0.1, 0.539827837277029],
  [0.5, 0.6914624612740131],
  [1, 0.8413447460685429],
  [1.96, 0.9750021048517795],
  [2.5, 0.9937903346742238],
  [3, 0.9986501019683699],
  [4, 0.9999683287581669],
];

const quantileTable: readonly (readonly [number, number])[] = [
  [1e-300, -37.0470962993612],
  [1e-100, -21.273453560965326],
  [1e-20, -9.262340089798407],
  [1e-10, -6.361340902404057],
  [1e-5, -4.264890793922825],
  [0.001, -3.0902323061678136],
  [0.01, -2.326347874040841],
  [0.025, -1.9599639845400543],
  [0.05, -1.6448536269514726],
  [0.1, -1.2815515655446004],
  [0.3, -0.5244005127080408],
  [0.5, 0],
  [0.7, 0.5244005127080407],
  [0.9, 1.2815515655446006],
  [0.975, 1.9599639845400538],
  [0.99, 2.3263478740408408],
  [0.999, 3.090232306167813],
  [0.9999999999, 6.361340889697422],
];

function relativeError(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

describe('normalCdf', () => {
  it.each(cdfTable)('Φ(%d) matches mpmath to 2e-14 relative', (x, want) => {
    expect(relativeError(normalCdf(x), want)).toBeLessThan(2e-14);
  });

  it('is 0 and 1 at the infinities and NaN at NaN', () => {
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('is symmetric: Φ(-x) + Φ(x) = 1', () => {
    for (let x = 0; x < 8; x += 0.37) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 15);
  });
});

describe('normalQuantile', () => {
  it.each(quantileTable)('Φ⁻¹(%d) matches mpmath to 1e-15 relative', (p, want) => {
    expect(relativeError(normalQuantile(p), want)).toBeLessThan(1e-15);
  });

  it('inverts normalCdf across the range', () => {
    for (let x = -30; x <= 5; x += 0.173) {
      expect(relativeError(normalQuantile(normalCdf(x)), x)).toBeLessThan(1e-11);
    }
  });

  it('gives ±Infinity at 0 and 1 and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.1)).toBeNaN();
  });
});
