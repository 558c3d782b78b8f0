/**
 * The objective of the GP's hyperparameter fit: the negative log marginal likelihood plus the negative
 * log prior of the hyperparameters, and its gradient.
 */
import { cholesky, inverseFromCholesky, solveLower, solveUpper } from './cholesky.ts';
import type { Encoding } from './encoding.ts';

/**
 * Each of `n` rows' own noise variance from `given` (rows past its end, and values that are not
 * positive numbers, have none): what the GP and its likelihood add to the kernel's diagonal.
 */
export function ownNoise(n: number, given: readonly number[] | undefined): Float64Array {
  const extra = new Float64Array(n);
  if (given !== undefined) for (let i = 0; i < Math.min(n, given.length); i++) extra[i] = given[i]! > 0 ? given[i]! : 0;
  return extra;
}

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/** A log-normal prior on every lengthscale: ln(lengthscale) ~ N(mean, variance). */
export interface LengthscalePrior {
  readonly mean: number;
  readonly variance: number;
}

/** Priors (normal in the log): lengthscale N(ln 0.5, 3^2), signal N(0, 1.5^2), noise N(ln 1e-4, 2^2). */
const LENGTHSCALE_PRIOR: LengthscalePrior = { mean: Math.log(0.5), variance: 9 };
const NOISE_PRIOR = Math.log(1e-4);
/**
 * A one-sided penalty on lengthscales shorter than 0.1 (a half-normal in the
 * log, sd 0.5): a few dozen points cannot support finer structure, and without
 * it a rugged loss (Ackley-like ripples) is interpolated with tiny lengthscales
 * instead of being read as a smooth trend plus noise.
 */
const SHORT_LENGTHSCALE = { below: Math.log(0.1), variance: 0.25 } as const;

/**
 * Negative log marginal likelihood plus negative log prior of the hyperparameters θ = (log lengthscales,
 * log signal, log noise) given rows `x` and targets `y`, and its gradient, for `minimizeBox`. Weak priors
 * (MAP rather than maximum likelihood, for stability with few points): ln(lengthscale) ~ N(ln 0.5, 3^2),
 * ln(signal) ~ N(0, 1.5^2), ln(noise) ~ N(ln 1e-4, 2^2), and `SHORT_LENGTHSCALE`.
 *
 * An object rather than a closure over the data: V8 compiles `evaluate` once for all fits, where it
 * specialised (and recompiled) a closure for each fit.
 */
export class NegativeLogPosterior {
  private readonly n: number;
  private readonly p: number;
  private readonly pairs: number;
  /**
   * Per-parameter squared distances of every pair (i > j), parameter-major: the pairs' distances in one
   * parameter are contiguous, so the loops over pairs are long, independent and sequential in memory.
   */
  private readonly distances: Float64Array;
  private readonly y: Float64Array;
  // Rewritten by every evaluation: the kernel matrix (lower triangle), and per pair its scaled squared
  // distance, its Matern shape, and its weight in the lengthscales' gradient.
  private readonly k: Float64Array;
  private readonly r2s: Float64Array;
  private readonly shape: Float64Array;
  private readonly weights: Float64Array;
  /** Each row's own noise variance, on top of the shared one (zeros: every row as noisy as the others). */
  private readonly extra: Float64Array;

  /**
   * @param encoding the space's encoding; @param x feature rows; @param y targets; @param prior the lengthscales' prior;
   * @param extraNoise each row's own noise variance added to the shared one (an estimated target's uncertainty), none by default
   * (rows past its end, and values that are not positive, have none).
   */
  constructor(
    encoding: Encoding,
    x: readonly Float64Array[],
    y: readonly number[],
    private readonly prior: LengthscalePrior = LENGTHSCALE_PRIOR,
    extraNoise?: readonly number[],
  ) {
    const n = x.length;
    const p = encoding.tunable.length;
    // An integer (a Smi), not a double: it indexes the arrays.
    const pairs = (n * (n - 1)) >> 1;
    this.n = n;
    this.p = p;
    this.pairs = pairs;
    this.distances = new Float64Array(p * pairs);
    let index = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        for (let c = 0; c < encoding.width; c++) {
          const d = x[i]![c]! - x[j]![c]!;
          if (d !== 0) this.distances[encoding.columnParameter[c]! * pairs + index]! += d * d;
        }
        index++;
      }
    }
    this.y = Float64Array.from(y);
    this.extra = ownNoise(n, extraNoise);
    this.k = new Float64Array(n * n);
    this.r2s = new Float64Array(pairs);
    this.shape = new Float64Array(pairs);
    this.weights = new Float64Array(pairs);
  }

  /** The objective and its gradient at θ (+Infinity where the kernel matrix is not positive definite). */
  evaluate(theta: Float64Array): { value: number; gradient: Float64Array } {
    const { n, p, pairs, k, shape, y, extra } = this;
    const inv2 = new Float64Array(p);
    for (let g = 0; g < p; g++) inv2[g] = Math.exp(-2 * theta[g]!);
    const signal = Math.exp(theta[p]!);
    const noise = Math.exp(theta[p + 1]!);
    const r2s = scaledDistances(this.distances, inv2, pairs, this.r2s);
    let q = 0;
    for (let i = 0; i < n; i++) {
      k[i * n + i] = signal + noise + extra[i]! + 1e-9;
      for (let j = 0; j < i; j++) {
        const r2 = r2s[q]!;
        const r = Math.sqrt(r2);
        const e = Math.exp(-SQRT5 * r);
        const v = signal * (1 + SQRT5 * r + (5 / 3) * r2) * e;
        k[i * n + j] = v;
        shape[q] = signal * (5 / 3) * (1 + SQRT5 * r) * e;
        q++;
      }
    }
    const l = cholesky(k, n);
    const gradient = new Float64Array(p + 2);
    if (l === null) return { value: Number.POSITIVE_INFINITY, gradient };
    const alpha = solveUpper(l, n, solveLower(l, n, Float64Array.from(y)));
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]!);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
    // K^-1, lower triangle.
    const inverse = inverseFromCholesky(l, n);
    // d(-LML)/dtheta = -0.5 tr((alpha alpha^T - K^-1) dK/dtheta)
    let diag = 0;
    for (let i = 0; i < n; i++) diag += alpha[i]! * alpha[i]! - inverse[i * n + i]!;
    let signalGrad = 0.5 * diag * signal;
    const noiseGrad = 0.5 * diag * noise;
    const weights = this.weights;
    q = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const w = alpha[i]! * alpha[j]! - inverse[i * n + j]!;
        signalGrad += w * k[i * n + j]!;
        weights[q] = w * shape[q]!;
        q++;
      }
    }
    const lengthGrad = weightedDistances(weights, this.distances, p, pairs);
    for (let g = 0; g < p; g++) lengthGrad[g]! *= inv2[g]!;
    const { mean: priorMean, variance: priorVariance } = this.prior;
    let value = 0.5 * fit + logDet + 0.5 * n * LOG_2PI;
    for (let g = 0; g < p; g++) {
      const z = theta[g]! - priorMean;
      value += (z * z) / (2 * priorVariance);
      gradient[g] = -lengthGrad[g]! + z / priorVariance;
      // Without a branch (adding 0 above 0.1): one that is rarely taken makes V8 deoptimise and recompile.
      const short = Math.min(theta[g]! - SHORT_LENGTHSCALE.below, 0);
      value += (short * short) / (2 * SHORT_LENGTHSCALE.variance);
      gradient[g]! += short / SHORT_LENGTHSCALE.variance;
    }
    const zs = theta[p]! / 1.5;
    value += (zs * zs) / 2;
    gradient[p] = -signalGrad + theta[p]! / 2.25;
    const zn = (theta[p + 1]! - NOISE_PRIOR) / 2;
    value += (zn * zn) / 2;
    gradient[p + 1] = -noiseGrad + (theta[p + 1]! - NOISE_PRIOR) / 4;
    return { value, gradient };
  }
}

/**
 * Into `out`, per pair, the sum over parameters g (in order) of `distances[g * pairs + pair] * inv2[g]`:
 * the pair's squared distance in lengthscales. Four parameters at a time, so the inner loop is
 * independent from pair to pair and reads and writes `out` a quarter as often.
 */
function scaledDistances(distances: Float64Array, inv2: Float64Array, pairs: number, out: Float64Array): Float64Array {
  const p = inv2.length;
  out.fill(0);
  let g = 0;
  for (; g + 3 < p; g += 4) {
    const w0 = inv2[g]!;
    const w1 = inv2[g + 1]!;
    const w2 = inv2[g + 2]!;
    const w3 = inv2[g + 3]!;
    const a0 = g * pairs;
    const a1 = a0 + pairs;
    const a2 = a1 + pairs;
    const a3 = a2 + pairs;
    for (let pair = 0; pair < pairs; pair++) {
      out[pair] = out[pair]! + distances[a0 + pair]! * w0 + distances[a1 + pair]! * w1 + distances[a2 + pair]! * w2 + distances[a3 + pair]! * w3;
    }
  }
  for (; g < p; g++) {
    const w = inv2[g]!;
    const at = g * pairs;
    for (let pair = 0; pair < pairs; pair++) out[pair]! += distances[at + pair]! * w;
  }
  return out;
}

/**
 * Per parameter g, the sum over pairs (in order) of `weights[pair] * distances[g * pairs + pair]`, four
 * parameters at a time so that four independent sums share the loads of the weights.
 */
function weightedDistances(weights: Float64Array, distances: Float64Array, p: number, pairs: number): Float64Array {
  const sums = new Float64Array(p);
  let g = 0;
  for (; g + 3 < p; g += 4) {
    const a0 = g * pairs;
    const a1 = a0 + pairs;
    const a2 = a1 + pairs;
    const a3 = a2 + pairs;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let pair = 0; pair < pairs; pair++) {
      const w = weights[pair]!;
      s0 += w * distances[a0 + pair]!;
      s1 += w * distances[a1 + pair]!;
      s2 += w * distances[a2 + pair]!;
      s3 += w * distances[a3 + pair]!;
    }
    sums[g] = s0;
    sums[g + 1] = s1;
    sums[g + 2] = s2;
    sums[g + 3] = s3;
  }
  for (; g < p; g++) {
    const at = g * pairs;
    let s = 0;
    for (let pair = 0; pair < pairs; pair++) s += weights[pair]! * distances[at + pair]!;
    sums[g] = s;
  }
  return sums;
}
