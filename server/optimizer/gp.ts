import { cholesky, extendCholesky, solveLower, solveLowerFour, solveUpper } from './cholesky.ts';
import type { Encoding } from './encoding.ts';
import { NegativeLogPosterior, ownNoise } from './gp-posterior.ts';
import { minimizeBox } from './lbfgs.ts';
import type { Rng } from './rng.ts';

const SQRT5 = Math.sqrt(5);

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

/** Matern-5/2 correlation at distance r. */
function matern52(r: number): number {
  return (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

/**
 * The squared distances from the vector `source[from, from + width)` to the four consecutive rows of
 * `rows` (row-major, `width` columns) starting at offset `at`, into `out[to, to + 4)`: four independent
 * sums, each over the columns in order (one sum at a time is bound by the latency of each addition).
 */
function fourSquaredDistances(source: Float64Array, from: number, rows: Float64Array, at: number, width: number, out: Float64Array, to: number): void {
  const a1 = at + width;
  const a2 = a1 + width;
  const a3 = a2 + width;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let c = 0; c < width; c++) {
    const v = source[from + c]!;
    const d0 = v - rows[at + c]!;
    const d1 = v - rows[a1 + c]!;
    const d2 = v - rows[a2 + c]!;
    const d3 = v - rows[a3 + c]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  out[to] = s0;
  out[to + 1] = s1;
  out[to + 2] = s2;
  out[to + 3] = s3;
}

/** n rounded up to a multiple of four. */
function paddedRows(n: number): number {
  return (n + 3) & ~3;
}

/** The Cholesky factor of K with growing jitter on the diagonal until it is positive definite, and the jitter added. */
function robustCholesky(k: Float64Array, n: number, scale: number): { l: Float64Array; jitter: number } {
  for (const jitter of [0, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]) {
    const l = cholesky(k, n, jitter * scale);
    if (l !== null) return { l, jitter: jitter * scale };
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
  /** The Cholesky factor of the kernel matrix (lower, row-major). */
  private readonly l: Float64Array;
  /** What was added to the kernel matrix's diagonal to factorise it (0 unless it was near singular). */
  private readonly jitter: number;
  private readonly alpha: Float64Array;
  private readonly buffer: Float64Array;
  private readonly point: Float64Array;
  /** Four kernel columns, interleaved, for `predictMany`. */
  private readonly four: Float64Array;
  /** Each row's own noise variance on top of the shared one (zeros unless given). */
  private readonly extra: Float64Array;

  /**
   * @param encoding the space's encoding; @param x feature rows; @param y targets; @param hyper fitted hyperparameters.
   * @param base a GP with the same `hyper` whose rows are the first rows of `x` and `y`, with the same
   * noise of their own: its factor is extended by the new rows (a block update, O(q n^2) for q new rows)
   * instead of refactorised (a `base` that differs in those rows' noise is not used).
   * @param extraNoise the first rows' own noise variances, added to the shared one (an estimated target's
   * uncertainty); rows past its end, and values that are not positive, have none.
   */
  constructor(
    readonly encoding: Encoding,
    readonly x: readonly Float64Array[],
    readonly y: readonly number[],
    readonly hyper: GpHyperparameters,
    base?: GaussianProcess,
    extraNoise?: readonly number[],
  ) {
    const n = x.length;
    const width = encoding.width;
    this.n = n;
    this.extra = ownNoise(n, extraNoise);
    this.width = width;
    this.inverseLengthscale = Float64Array.from(encoding.columnParameter, (p) => Math.exp(-hyper.logLengthscales[p]!));
    this.signal = Math.exp(hyper.logSignal);
    this.noise = Math.exp(hyper.logNoise);
    const sameNoise = (b: GaussianProcess) => b.extra.every((v, i) => v === this.extra[i]);
    const known = base !== undefined && base.hyper === hyper && base.n <= n && sameNoise(base) ? base.n : 0;
    // Rows padded with zeros to a multiple of four, for `kernelColumn`.
    this.scaled = new Float64Array(paddedRows(n) * width);
    if (known > 0) this.scaled.set(base!.scaled.subarray(0, known * width));
    for (let i = known; i < n; i++) for (let c = 0; c < width; c++) this.scaled[i * width + c] = x[i]![c]! * this.inverseLengthscale[c]!;
    let factor: { l: Float64Array; jitter: number } | null = null;
    if (known > 0) {
      const l = extendCholesky(base!.l, known, this.kernelRows(known, n), n - known, base!.jitter);
      if (l !== null) factor = { l, jitter: base!.jitter };
    }
    factor ??= robustCholesky(this.kernelRows(0, n), n, this.signal);
    this.l = factor.l;
    this.jitter = factor.jitter;
    this.alpha = solveUpper(this.l, n, solveLower(this.l, n, Float64Array.from(y)));
    this.buffer = new Float64Array(paddedRows(n));
    this.point = new Float64Array(width);
    this.four = new Float64Array(4 * n);
  }

  /** Rows `from` to `to - 1` of the kernel matrix (noise on the diagonal), row-major with `to` columns; only their lower triangle is filled. */
  private kernelRows(from: number, to: number): Float64Array {
    const { width, scaled, signal } = this;
    const k = new Float64Array((to - from) * to);
    for (let i = from; i < to; i++) {
      const row = (i - from) * to;
      const ai = i * width;
      k[row + i] = signal + this.noise + this.extra[i]!;
      // Squared distances to four earlier rows at a time (four independent sums, each over the columns in order).
      let j = 0;
      for (; j + 3 < i; j += 4) fourSquaredDistances(scaled, ai, scaled, j * width, width, k, row + j);
      for (; j < i; j++) {
        let r2 = 0;
        for (let c = 0; c < width; c++) {
          const d = scaled[ai + c]! - scaled[j * width + c]!;
          r2 += d * d;
        }
        k[row + j] = r2;
      }
      for (j = 0; j < i; j++) k[row + j] = signal * matern52(Math.sqrt(k[row + j]!));
    }
    return k;
  }

  /**
   * The kernel between feature vector `f` and every row, into `k` (signal times the Matern correlation).
   * The squared distances are summed four rows at a time (four independent sums, each over the columns
   * in order), twice as fast as one row at a time.
   */
  private kernelColumn(f: Float64Array, k: Float64Array): void {
    const { n, width, scaled, inverseLengthscale, signal } = this;
    const u = this.point;
    for (let c = 0; c < width; c++) u[c] = f[c]! * inverseLengthscale[c]!;
    // Over the padded rows too (their values are not used): a loop for the last n % 4 rows would run
    // only for some n, and V8 deoptimises the first time it does.
    const rows = paddedRows(n);
    for (let i = 0; i < rows; i += 4) fourSquaredDistances(u, 0, scaled, i * width, width, k, i);
    for (let j = 0; j < n; j++) k[j] = signal * matern52(Math.sqrt(k[j]!));
  }

  /** The posterior mean at a feature vector (what `predict` returns as `mean`, at half its cost). */
  predictMean(f: Float64Array): number {
    const { n, alpha } = this;
    const k = this.buffer;
    this.kernelColumn(f, k);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += k[i]! * alpha[i]!;
    return mean;
  }

  /** Posterior mean and latent (noise-free) variance at a feature vector. */
  predict(f: Float64Array): { mean: number; variance: number } {
    const { n, alpha, signal } = this;
    const k = this.buffer;
    this.kernelColumn(f, k);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += k[i]! * alpha[i]!;
    solveLower(this.l, n, k);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += k[i]! * k[i]!;
    return { mean, variance: Math.max(signal - explained, 1e-12 * signal) };
  }

  /**
   * `predict` at many feature vectors, into `mean` and `variance` (each as long as `fs`): the same numbers,
   * about a fifth faster, as the triangular solves run four vectors at a time.
   */
  predictMany(fs: readonly Float64Array[], mean: Float64Array, variance: Float64Array): void {
    const { n, alpha, signal } = this;
    const k = this.buffer;
    const four = this.four;
    let a = 0;
    for (; a + 3 < fs.length; a += 4) {
      for (let b = 0; b < 4; b++) {
        this.kernelColumn(fs[a + b]!, k);
        let m = 0;
        for (let i = 0; i < n; i++) {
          m += k[i]! * alpha[i]!;
          four[4 * i + b] = k[i]!;
        }
        mean[a + b] = m;
      }
      solveLowerFour(this.l, n, four);
      for (let b = 0; b < 4; b++) {
        let explained = 0;
        for (let i = 0; i < n; i++) explained += four[4 * i + b]! * four[4 * i + b]!;
        variance[a + b] = Math.max(signal - explained, 1e-12 * signal);
      }
    }
    for (; a < fs.length; a++) {
      const prediction = this.predict(fs[a]!);
      mean[a] = prediction.mean;
      variance[a] = prediction.variance;
    }
  }

  /** The noise variance shared by all targets (an observation's variance beyond the latent one; some rows have more of their own). */
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

  /**
   * The same GP, hyperparameters kept (not refitted), also conditioned on more rows (kriging believer
   * fantasies); its factor is this one's extended by the new rows.
   */
  withObservations(x: readonly Float64Array[], y: readonly number[]): GaussianProcess {
    return new GaussianProcess(this.encoding, [...this.x, ...x], [...this.y, ...y], this.hyper, this, Array.from(this.extra));
  }
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
    /** Each row's own noise variance on top of the shared one (see `GaussianProcess`). */
    readonly extraNoise?: readonly number[];
  } = {},
): { hyper: GpHyperparameters; negativeLogPosterior: number } {
  const p = encoding.tunable.length;
  const posterior = new NegativeLogPosterior(encoding, x, y, undefined, options.extraNoise);
  const f = (theta: Float64Array) => posterior.evaluate(theta);
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
