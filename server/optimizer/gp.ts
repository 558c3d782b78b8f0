import type { Encoding } from './encoding.ts';
import { minimizeBox } from './lbfgs.ts';
import type { Rng } from './rng.ts';

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/** GP hyperparameters, in logs: one lengthscale per tunable parameter (shared by a categorical's one-hot columns), signal and noise variance. */
export interface GpHyperparameters {
  readonly logLengthscales: readonly number[];
  readonly logSignal: number;
  readonly logNoise: number;
}

/**
 * Bounds (natural logs) of the hyperparameters. Features live in [0, 1]; with at
 * most a few hundred points, structure finer than 0.05 of a range cannot be
 * learnt, and a rugged loss is better read as a trend plus noise.
 */
const LENGTHSCALE_BOUNDS = [Math.log(0.05), Math.log(50)] as const;
const SIGNAL_BOUNDS = [Math.log(0.02), Math.log(20)] as const;
/** Noise variance of the standardised losses: down to 1e-9 (deterministic losses, polished to many digits), up to half. */
const NOISE_BOUNDS = [Math.log(1e-9), Math.log(0.5)] as const;
/** Priors (normal in the log): lengthscale N(ln 0.5, 3^2), signal N(0, 1.5^2), noise N(ln 1e-4, 2^2). */
const LENGTHSCALE_PRIOR = { mean: Math.log(0.5), variance: 9 } as const;
const NOISE_PRIOR = Math.log(1e-4);
/**
 * A one-sided penalty on lengthscales shorter than 0.1 (a half-normal in the
 * log, sd 0.5): a few dozen points cannot support finer structure, and without
 * it a rugged loss (Ackley-like ripples) is interpolated with tiny lengthscales
 * instead of being read as a smooth trend plus noise.
 */
const SHORT_LENGTHSCALE = { below: Math.log(0.1), variance: 0.25 } as const;

/** Matern-5/2 correlation at distance r. */
function matern52(r: number): number {
  return (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

/**
 * Lower Cholesky factor of a symmetric positive definite n x n matrix (row-major; only its lower
 * triangle is read), by rows with contiguous dot products; null if not positive definite.
 */
export function cholesky(k: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = k[ri + j]!;
      for (let m = 0; m < j; m++) s -= l[ri + m]! * l[rj + m]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j]!;
      }
    }
  }
  return l;
}

/**
 * The inverse of K = L L^T, lower triangle only (row-major, i >= j), in about n^3/3 operations: U =
 * L^-T by forward substitution (row j of U is column j of L^-1), then K^-1_ij = sum over k >= i of
 * U_ik U_jk, contiguous in both rows.
 */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const row = j * n;
    u[row + j] = 1 / l[row + j]!;
    for (let k = j + 1; k < n; k++) {
      const lk = k * n;
      let s = 0;
      for (let m = j; m < k; m++) s += l[lk + m]! * u[row + m]!;
      u[row + k] = -s / l[lk + k]!;
    }
  }
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = i; k < n; k++) s += u[ri + k]! * u[rj + k]!;
      inverse[ri + j] = s;
    }
  }
  return inverse;
}

/** Solves L v = b in place (L lower triangular, row-major n x n). */
function forward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const row = i * n;
    for (let j = 0; j < i; j++) s -= l[row + j]! * b[j]!;
    b[i] = s / l[row + i]!;
  }
  return b;
}

/** Solves L^T v = b in place. */
function backward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= l[j * n + i]! * b[j]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

/** Factorises K, adding growing jitter to the diagonal until it is positive definite. */
function robustCholesky(k: Float64Array, n: number, scale: number): Float64Array {
  for (const jitter of [0, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]) {
    const copy = Float64Array.from(k);
    for (let i = 0; i < n; i++) copy[i * n + i]! += jitter * scale;
    const l = cholesky(copy, n);
    if (l !== null) return l;
  }
  throw new Error('GP covariance is not positive definite even with jitter');
}

/**
 * A Gaussian process with a Matern-5/2 ARD kernel and zero mean on
 * standardised losses, conditioned on feature rows `x` and targets `y`.
 */
export class GaussianProcess {
  private readonly n: number;
  private readonly width: number;
  private readonly scaled: Float64Array;
  private readonly inverseLengthscale: Float64Array;
  private readonly signal: number;
  private readonly noise: number;
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  private readonly buffer: Float64Array;

  /** @param encoding the space's encoding; @param x feature rows; @param y targets; @param hyper fitted hyperparameters. */
  constructor(
    readonly encoding: Encoding,
    readonly x: readonly Float64Array[],
    readonly y: readonly number[],
    readonly hyper: GpHyperparameters,
  ) {
    const n = x.length;
    const width = encoding.width;
    this.n = n;
    this.width = width;
    this.inverseLengthscale = Float64Array.from(encoding.columnParameter, (p) => Math.exp(-hyper.logLengthscales[p]!));
    this.signal = Math.exp(hyper.logSignal);
    this.noise = Math.exp(hyper.logNoise);
    this.scaled = new Float64Array(n * width);
    for (let i = 0; i < n; i++) for (let c = 0; c < width; c++) this.scaled[i * width + c] = x[i]![c]! * this.inverseLengthscale[c]!;
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      k[i * n + i] = this.signal + this.noise;
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let c = 0; c < width; c++) {
          const d = this.scaled[i * width + c]! - this.scaled[j * width + c]!;
          r2 += d * d;
        }
        const v = this.signal * matern52(Math.sqrt(r2));
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
    }
    this.l = robustCholesky(k, n, this.signal);
    this.alpha = backward(this.l, n, forward(this.l, n, Float64Array.from(y)));
    this.buffer = new Float64Array(n);
  }

  /** Posterior mean and latent (noise-free) variance at a feature vector. */
  predict(f: Float64Array): { mean: number; variance: number } {
    const { n, width, scaled, inverseLengthscale } = this;
    const k = this.buffer;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const row = i * width;
      for (let c = 0; c < width; c++) {
        const d = f[c]! * inverseLengthscale[c]! - scaled[row + c]!;
        r2 += d * d;
      }
      const v = this.signal * matern52(Math.sqrt(r2));
      k[i] = v;
      mean += v * this.alpha[i]!;
    }
    forward(this.l, n, k);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += k[i]! * k[i]!;
    return { mean, variance: Math.max(this.signal - explained, 1e-12 * this.signal) };
  }

  /** The noise variance of the targets (an observation's variance beyond the latent one). */
  get noiseVariance(): number {
    return this.noise;
  }

  /**
   * The joint posterior of the latent values at feature vectors `fs`: their means and their
   * covariance (row-major, `fs.length` squared). For fantasies drawn together (a batch's running trials).
   */
  predictJoint(fs: readonly Float64Array[]): { mean: Float64Array; covariance: Float64Array } {
    const m = fs.length;
    const { n, width, inverseLengthscale } = this;
    const mean = new Float64Array(m);
    const v: Float64Array[] = [];
    for (let a = 0; a < m; a++) {
      mean[a] = this.predict(fs[a]!).mean;
      v.push(Float64Array.from(this.buffer));
    }
    const covariance = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) {
        let r2 = 0;
        for (let c = 0; c < width; c++) {
          const d = (fs[a]![c]! - fs[b]![c]!) * inverseLengthscale[c]!;
          r2 += d * d;
        }
        let explained = 0;
        for (let i = 0; i < n; i++) explained += v[a]![i]! * v[b]![i]!;
        const value = this.signal * matern52(Math.sqrt(r2)) - explained;
        covariance[a * m + b] = value;
        covariance[b * m + a] = value;
      }
    }
    return { mean, covariance };
  }

  /**
   * The gradient of the posterior mean at `f` in lengthscale units (d mean / d (x_c / lengthscale_c)), whose
   * norm bounds how fast the mean changes per lengthscale: the Lipschitz constant of local penalisation.
   */
  meanGradient(f: Float64Array): Float64Array {
    const { n, width, scaled, inverseLengthscale } = this;
    const gradient = new Float64Array(width);
    const u = new Float64Array(width);
    for (let c = 0; c < width; c++) u[c] = f[c]! * inverseLengthscale[c]!;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const row = i * width;
      for (let c = 0; c < width; c++) {
        const d = u[c]! - scaled[row + c]!;
        r2 += d * d;
      }
      const r = Math.sqrt(r2);
      const w = -this.alpha[i]! * this.signal * (5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
      for (let c = 0; c < width; c++) gradient[c]! += w * (u[c]! - scaled[row + c]!);
    }
    return gradient;
  }

  /** The same GP, hyperparameters kept, also conditioned on more rows (kriging believer fantasies). */
  withObservations(x: readonly Float64Array[], y: readonly number[]): GaussianProcess {
    return new GaussianProcess(this.encoding, [...this.x, ...x], [...this.y, ...y], this.hyper);
  }
}

/**
 * Negative log marginal likelihood plus negative log prior of the
 * hyperparameters, and its gradient, for `minimizeBox`.
 * Weak priors (MAP rather than maximum likelihood, for stability with few
 * points): ln(lengthscale) ~ N(ln 0.5, 3^2), ln(signal) ~ N(0, 1.5^2),
 * ln(noise) ~ N(ln 1e-4, 2^2), and `SHORT_LENGTHSCALE`.
 */
/** A log-normal prior on every lengthscale: ln(lengthscale) ~ N(mean, variance). */
interface LengthscalePrior {
  readonly mean: number;
  readonly variance: number;
}

function objective(encoding: Encoding, x: readonly Float64Array[], y: readonly number[], prior: LengthscalePrior = LENGTHSCALE_PRIOR) {
  const n = x.length;
  const p = encoding.tunable.length;
  const pairs = (n * (n - 1)) / 2;
  // Per-parameter squared distances of every pair (i > j), pair-major so each pair's are contiguous.
  const distances = new Float64Array(p * pairs);
  let index = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let c = 0; c < encoding.width; c++) {
        const d = x[i]![c]! - x[j]![c]!;
        if (d !== 0) distances[index * p + encoding.columnParameter[c]!]! += d * d;
      }
      index++;
    }
  }
  const priorMean = prior.mean;
  const priorVariance = prior.variance;
  const yy = Float64Array.from(y);
  return (theta: Float64Array) => {
    const inv2 = new Float64Array(p);
    for (let g = 0; g < p; g++) inv2[g] = Math.exp(-2 * theta[g]!);
    const signal = Math.exp(theta[p]!);
    const noise = Math.exp(theta[p + 1]!);
    const k = new Float64Array(n * n);
    const shape = new Float64Array(pairs);
    let q = 0;
    for (let i = 0; i < n; i++) {
      k[i * n + i] = signal + noise + 1e-9;
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        const at = q * p;
        for (let g = 0; g < p; g++) r2 += distances[at + g]! * inv2[g]!;
        const r = Math.sqrt(r2);
        const e = Math.exp(-SQRT5 * r);
        const v = signal * (1 + SQRT5 * r + (5 / 3) * r2) * e;
        k[i * n + j] = v;
        k[j * n + i] = v;
        shape[q] = signal * (5 / 3) * (1 + SQRT5 * r) * e;
        q++;
      }
    }
    const l = cholesky(k, n);
    const gradient = new Float64Array(p + 2);
    if (l === null) return { value: Number.POSITIVE_INFINITY, gradient };
    const alpha = backward(l, n, forward(l, n, Float64Array.from(yy)));
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]!);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += yy[i]! * alpha[i]!;
    // K^-1, lower triangle.
    const inverse = inverseFromCholesky(l, n);
    // d(-LML)/dtheta = -0.5 tr((alpha alpha^T - K^-1) dK/dtheta)
    let diag = 0;
    for (let i = 0; i < n; i++) diag += alpha[i]! * alpha[i]! - inverse[i * n + i]!;
    let signalGrad = 0.5 * diag * signal;
    const noiseGrad = 0.5 * diag * noise;
    q = 0;
    const lengthGrad = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const w = alpha[i]! * alpha[j]! - inverse[i * n + j]!;
        signalGrad += w * k[i * n + j]!;
        const ws = w * shape[q]!;
        if (ws !== 0) {
          const at = q * p;
          for (let g = 0; g < p; g++) lengthGrad[g]! += ws * distances[at + g]!;
        }
        q++;
      }
    }
    for (let g = 0; g < p; g++) lengthGrad[g]! *= inv2[g]!;
    let value = 0.5 * fit + logDet + 0.5 * n * LOG_2PI;
    for (let g = 0; g < p; g++) {
      const z = theta[g]! - priorMean;
      value += (z * z) / (2 * priorVariance);
      gradient[g] = -lengthGrad[g]! + z / priorVariance;
      const short = theta[g]! - SHORT_LENGTHSCALE.below;
      if (short < 0) {
        value += (short * short) / (2 * SHORT_LENGTHSCALE.variance);
        gradient[g]! += short / SHORT_LENGTHSCALE.variance;
      }
    }
    const zs = theta[p]! / 1.5;
    value += (zs * zs) / 2;
    gradient[p] = -signalGrad + theta[p]! / 2.25;
    const zn = (theta[p + 1]! - NOISE_PRIOR) / 2;
    value += (zn * zn) / 2;
    gradient[p + 1] = -noiseGrad + (theta[p + 1]! - NOISE_PRIOR) / 4;
    return { value, gradient };
  };
}

/**
 * Fits the hyperparameters by maximising the marginal likelihood times the
 * priors (MAP), with L-BFGS from a few starts: the prior's centre, `previous`
 * (the last fit, if any) and random draws. Also returns the objective at the
 * optimum, for comparing loss warps.
 */
export function fitHyperparameters(
  encoding: Encoding,
  x: readonly Float64Array[],
  y: readonly number[],
  rng: Rng,
  options: {
    readonly previous?: GpHyperparameters | undefined;
    /** Also restart from the prior's centre when there is a previous fit. */
    readonly thorough?: boolean;
    readonly restarts?: number;
    readonly maxIterations?: number;
  } = {},
): { hyper: GpHyperparameters; negativeLogPosterior: number } {
  const p = encoding.tunable.length;
  const f = objective(encoding, x, y);
  const lower = new Float64Array(p + 2);
  const upper = new Float64Array(p + 2);
  for (let g = 0; g < p; g++) {
    lower[g] = LENGTHSCALE_BOUNDS[0];
    upper[g] = LENGTHSCALE_BOUNDS[1];
  }
  [lower[p], upper[p]] = SIGNAL_BOUNDS;
  [lower[p + 1], upper[p + 1]] = NOISE_BOUNDS;
  const starts: Float64Array[] = [];
  const previous = options.previous && options.previous.logLengthscales.length === p ? options.previous : undefined;
  if (previous) starts.push(Float64Array.from([...previous.logLengthscales, previous.logSignal, previous.logNoise]));
  const centre = Math.min(Math.log(0.5) + Math.log(p) / 2, 0.5);
  if (!previous || options.thorough) starts.push(Float64Array.from([...Array<number>(p).fill(centre), 0, Math.log(1e-4)]));
  for (let r = 0; r < (options.restarts ?? (previous ? 0 : 1)); r++) {
    starts.push(Float64Array.from([...Array.from({ length: p }, () => Math.log(0.05) + rng.uniform() * Math.log(40)), 0, Math.log(1e-3)]));
  }
  let best: { x: Float64Array; value: number } | null = null;
  for (const start of starts) {
    const result = minimizeBox(f, start, { lower, upper, maxIterations: options.maxIterations ?? (start === starts[0] && previous ? 20 : 30) });
    if (best === null || result.value < best.value) best = result;
  }
  const theta = best!.x;
  return {
    hyper: { logLengthscales: Array.from(theta.subarray(0, p)), logSignal: theta[p]!, logNoise: theta[p + 1]! },
    negativeLogPosterior: best!.value,
  };
}
