import { describe, expect, it } from 'vitest';
import { cholesky, extendCholesky, inverseFromCholesky, solveLower, solveLowerFour, solveUpper } from './cholesky.ts';
import { createRng } from './rng.ts';

/** A random symmetric positive definite n x n matrix (row-major): A A^T plus `ridge` on the diagonal. */
function spd(n: number, seed: number, ridge = 0.5): Float64Array {
  const rng = createRng(seed);
  const a = Array.from({ length: n * n }, () => rng.uniform() - 0.5);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? ridge : 0;
      for (let m = 0; m < n; m++) s += a[i * n + m]! * a[j * n + m]!;
      k[i * n + j] = s;
    }
  }
  return k;
}

/** The textbook row-by-row Cholesky factorisation, one dot product at a time. */
function textbookCholesky(k: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = k[i * n + j]!;
      for (let m = 0; m < j; m++) s -= l[i * n + m]! * l[j * n + m]!;
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!;
    }
  }
  return l;
}

/** The leading `size` x `size` block of an n x n row-major matrix. */
function leading(k: Float64Array, n: number, size: number): Float64Array {
  const block = new Float64Array(size * size);
  for (let i = 0; i < size; i++) block.set(k.subarray(i * n, i * n + size), i * size);
  return block;
}

describe('Cholesky factors', () => {
  it('factorise and invert a symmetric positive definite matrix', () => {
    const n = 12;
    const k = spd(n, 5);
    const l = cholesky(k, n)!;
    const inverse = inverseFromCholesky(l, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let product = 0;
        for (let m = 0; m <= j; m++) product += l[i * n + m]! * l[j * n + m]!;
        expect(product).toBeCloseTo(k[i * n + j]!, 10);
        // (K K^-1)_ij from the lower triangle of the symmetric inverse.
        let identity = 0;
        for (let m = 0; m < n; m++) identity += k[i * n + m]! * inverse[Math.max(m, j) * n + Math.min(m, j)]!;
        expect(identity).toBeCloseTo(i === j ? 1 : 0, 8);
      }
    }
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
  });

  it('are bit for bit the textbook factorisation, whatever the size', () => {
    for (const n of [1, 3, 4, 5, 8, 13, 61]) {
      const k = spd(n, n);
      expect(Array.from(cholesky(k, n)!)).toEqual(Array.from(textbookCholesky(k, n)));
    }
  });

  it('add the jitter to the diagonal, and factorise with it a matrix that is singular without', () => {
    const n = 6;
    const k = spd(n, 2, 0);
    const singular = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) singular[i * n + j] = k[i * n]! * k[j * n]!;
    expect(cholesky(singular, n)).toBeNull();
    const jittered = Float64Array.from(singular);
    for (let i = 0; i < n; i++) jittered[i * n + i]! += 1e-3;
    expect(Array.from(cholesky(singular, n, 1e-3)!)).toEqual(Array.from(cholesky(jittered, n)!));
  });

  it('grown by a block of rows, equal the factor of the whole matrix computed afresh', () => {
    const size = 29;
    const k = spd(size, 7);
    for (const q of [1, 3, 7]) {
      const n = size - q;
      const rows = k.slice(n * size);
      const grown = extendCholesky(cholesky(leading(k, size, n), n)!, n, rows, q)!;
      expect(Array.from(grown)).toEqual(Array.from(cholesky(k, size)!));
    }
  });

  it('grown with the jitter of the leading block, equal the jittered factor of the whole matrix', () => {
    const size = 10;
    const k = spd(size, 8);
    const n = 7;
    const grown = extendCholesky(cholesky(leading(k, size, n), n, 1e-4)!, n, k.slice(n * size), size - n, 1e-4)!;
    expect(Array.from(grown)).toEqual(Array.from(cholesky(k, size, 1e-4)!));
  });

  it('refuse to grow into a matrix that is not positive definite', () => {
    const n = 5;
    const k = spd(n, 9);
    // A new row repeating row 0 makes the grown matrix singular.
    const rows = new Float64Array(n + 1);
    rows.set(k.subarray(0, n));
    rows[n] = k[0]!;
    expect(extendCholesky(cholesky(k, n)!, n, rows, 1)).toBeNull();
  });

  it('solve triangular systems, four at a time exactly as one at a time', () => {
    const n = 23;
    const k = spd(n, 11);
    const l = cholesky(k, n)!;
    const rng = createRng(12);
    const bs = Array.from({ length: 4 }, () => Float64Array.from({ length: n }, () => rng.uniform() - 0.5));
    const four = new Float64Array(4 * n);
    bs.forEach((b, a) => b.forEach((v, i) => (four[4 * i + a] = v)));
    solveLowerFour(l, n, four);
    bs.forEach((b, a) => {
      // K x = b through L (L^T x) = b.
      const x = solveUpper(l, n, solveLower(l, n, Float64Array.from(b)));
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += k[i * n + j]! * x[j]!;
        expect(s).toBeCloseTo(b[i]!, 10);
      }
      const single = solveLower(l, n, Float64Array.from(b));
      expect(Array.from({ length: n }, (_, i) => four[4 * i + a]!)).toEqual(Array.from(single));
    });
  });
});
