/**
 * Cholesky factors for the GP: the lower factor L of an n x n matrix, row-major (L_ij at `i * n + j`,
 * i >= j). A triangular solve is a chain of dot products, each waiting on the previous addition; the
 * routines here run four independent chains at once (four rows, or four entries of a row, sharing their
 * loads), 1.5-2 times as fast in V8 for 100-200 rows, while each entry's additions stay in the
 * textbook order, so every result is bit for bit that of the plain row-by-row algorithm.
 */

/**
 * Forward substitution in place on `x[at + from]` to `x[at + to - 1]`: x_i = (x_i - sum over from <= j < i
 * of L_ij x_j) / L_ii, with L row-major lower (`stride` entries per row), the sum taken in order of j.
 */
function forwardInPlace(l: Float64Array, stride: number, x: Float64Array, at: number, from: number, to: number): void {
  let i = from;
  for (; i + 3 < to; i += 4) {
    const r0 = i * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let s0 = x[at + i]!;
    let s1 = x[at + i + 1]!;
    let s2 = x[at + i + 2]!;
    let s3 = x[at + i + 3]!;
    for (let j = from; j < i; j++) {
      const v = x[at + j]!;
      s0 -= l[r0 + j]! * v;
      s1 -= l[r1 + j]! * v;
      s2 -= l[r2 + j]! * v;
      s3 -= l[r3 + j]! * v;
    }
    const v0 = s0 / l[r0 + i]!;
    s1 -= l[r1 + i]! * v0;
    s2 -= l[r2 + i]! * v0;
    s3 -= l[r3 + i]! * v0;
    const v1 = s1 / l[r1 + i + 1]!;
    s2 -= l[r2 + i + 1]! * v1;
    s3 -= l[r3 + i + 1]! * v1;
    const v2 = s2 / l[r2 + i + 2]!;
    s3 -= l[r3 + i + 2]! * v2;
    x[at + i] = v0;
    x[at + i + 1] = v1;
    x[at + i + 2] = v2;
    x[at + i + 3] = s3 / l[r3 + i + 3]!;
  }
  for (; i < to; i++) {
    const row = i * stride;
    let s = x[at + i]!;
    for (let j = from; j < i; j++) s -= l[row + j]! * x[at + j]!;
    x[at + i] = s / l[row + i]!;
  }
}

/**
 * Rows `from` to `to - 1` of the factor `l` (row-major, `stride` entries per row) of the matrix whose
 * lower triangle `k` holds from row `from` on (row-major, `stride` entries per row), `jitter` added to
 * the diagonal, given rows 0 to `from - 1`. L_ij = (k_ij - sum over m < j of L_im L_jm) / L_jj: row i of L
 * is a forward substitution against the rows above it. False if the matrix is not positive definite.
 */
function factorRows(k: Float64Array, l: Float64Array, stride: number, from: number, to: number, jitter: number): boolean {
  for (let i = from; i < to; i++) {
    const row = i * stride;
    const source = (i - from) * stride;
    for (let j = 0; j < i; j++) l[row + j] = k[source + j]!;
    forwardInPlace(l, stride, l, row, 0, i);
    let s = k[source + i]! + jitter;
    for (let m = 0; m < i; m++) s -= l[row + m]! * l[row + m]!;
    if (!(s > 0)) return false;
    l[row + i] = Math.sqrt(s);
  }
  return true;
}

/**
 * The lower Cholesky factor of a symmetric positive definite n x n matrix `k` (row-major; only its
 * lower triangle is read), with `jitter` added to every diagonal entry; null if it is not positive definite.
 */
export function cholesky(k: Float64Array, n: number, jitter = 0): Float64Array | null {
  const l = new Float64Array(n * n);
  return factorRows(k, l, n, 0, n, jitter) ? l : null;
}

/**
 * The factor of a matrix grown by q rows and columns, from the factor `l` of its leading n x n block: a
 * block update that copies the known rows and computes only the q new ones, O(q n^2) instead of O(n^3).
 * `rows` holds the new rows, row-major q x (n + q) (only their lower triangle is read); `jitter` is added
 * to the new diagonal entries and should be what the leading block was factorised with. The result is,
 * bit for bit, the factor of the whole matrix; null if the grown matrix is not positive definite.
 */
export function extendCholesky(l: Float64Array, n: number, rows: Float64Array, q: number, jitter = 0): Float64Array | null {
  const size = n + q;
  const grown = new Float64Array(size * size);
  for (let i = 0; i < n; i++) grown.set(l.subarray(i * n, i * n + i + 1), i * size);
  return factorRows(rows, grown, size, n, size, jitter) ? grown : null;
}

/** Solves L v = b in place (L lower triangular, row-major n x n). */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  forwardInPlace(l, n, b, 0, 0, n);
  return b;
}

/**
 * Solves L v = b in place for four right-hand sides at once, interleaved (`b[4 * i + a]` is entry i of
 * the a-th): four independent sums share each load of L. Each is bit for bit `solveLower` on its own.
 */
export function solveLowerFour(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const at = 4 * i;
    let s0 = b[at]!;
    let s1 = b[at + 1]!;
    let s2 = b[at + 2]!;
    let s3 = b[at + 3]!;
    for (let j = 0; j < i; j++) {
      const v = l[row + j]!;
      const o = 4 * j;
      s0 -= v * b[o]!;
      s1 -= v * b[o + 1]!;
      s2 -= v * b[o + 2]!;
      s3 -= v * b[o + 3]!;
    }
    const d = l[row + i]!;
    b[at] = s0 / d;
    b[at + 1] = s1 / d;
    b[at + 2] = s2 / d;
    b[at + 3] = s3 / d;
  }
  return b;
}

/** Solves L^T v = b in place (L lower triangular, row-major n x n). */
export function solveUpper(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= l[j * n + i]! * b[j]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

/**
 * The inverse of K = L L^T, lower triangle only (row-major, i >= j), in about n^3/3 operations: U = L^-T
 * by forward substitution (row j of U is column j of L^-1: U_jk = -(sum over j <= m < k of L_km U_jm) / L_kk),
 * then K^-1_ij = sum over k >= i of U_ik U_jk, contiguous in both rows.
 */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  return rowProducts(transposedInverse(l, n), n);
}

/** U = L^-T (row-major upper: row j of U is column j of L^-1), four entries of a row at a time. */
function transposedInverse(l: Float64Array, n: number): Float64Array {
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const row = j * n;
    u[row + j] = 1 / l[row + j]!;
    let k = j + 1;
    for (; k + 3 < n; k += 4) {
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let m = j; m < k; m++) {
        const v = u[row + m]!;
        s0 += l[r0 + m]! * v;
        s1 += l[r1 + m]! * v;
        s2 += l[r2 + m]! * v;
        s3 += l[r3 + m]! * v;
      }
      const v0 = -s0 / l[r0 + k]!;
      s1 += l[r1 + k]! * v0;
      s2 += l[r2 + k]! * v0;
      s3 += l[r3 + k]! * v0;
      const v1 = -s1 / l[r1 + k + 1]!;
      s2 += l[r2 + k + 1]! * v1;
      s3 += l[r3 + k + 1]! * v1;
      const v2 = -s2 / l[r2 + k + 2]!;
      s3 += l[r3 + k + 2]! * v2;
      u[row + k] = v0;
      u[row + k + 1] = v1;
      u[row + k + 2] = v2;
      u[row + k + 3] = -s3 / l[r3 + k + 3]!;
    }
    for (; k < n; k++) {
      const lk = k * n;
      let s = 0;
      for (let m = j; m < k; m++) s += l[lk + m]! * u[row + m]!;
      u[row + k] = -s / l[lk + k]!;
    }
  }
  return u;
}

/** The lower triangle of U U^T for U upper triangular (row-major): entry ij = sum over k >= i of U_ik U_jk, four j at a time. */
function rowProducts(u: Float64Array, n: number): Float64Array {
  const product = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let j = 0;
    for (; j + 3 <= i; j += 4) {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = i; k < n; k++) {
        const v = u[ri + k]!;
        s0 += v * u[r0 + k]!;
        s1 += v * u[r1 + k]!;
        s2 += v * u[r2 + k]!;
        s3 += v * u[r3 + k]!;
      }
      product[ri + j] = s0;
      product[ri + j + 1] = s1;
      product[ri + j + 2] = s2;
      product[ri + j + 3] = s3;
    }
    for (; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = i; k < n; k++) s += u[ri + k]! * u[rj + k]!;
      product[ri + j] = s;
    }
  }
  return product;
}
