import { encodingOf, gaussian, snap, type Encoding } from './encoding.ts';
import { defaultInitialTrials } from './gp-optimizer.ts';
import { normalCdf } from './normal.ts';
import { quasiRandomStart, scrambleOf } from './qmc.ts';
import { createRng, type Rng } from './rng.ts';
import type { Params } from './space.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';
import { decode, encode } from './unit.ts';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Tuning knobs of TPE; the defaults are what `tpe` and `auto` use. */
export interface TpeOptions {
  /** Candidates drawn from the good-trials density per suggestion (Optuna: 24). */
  readonly candidates?: number;
  /** At most this many of the worse trials (the most recent) form the bad-trials density, bounding the cost per suggestion. */
  readonly maxAbove?: number;
}

/**
 * A product-kernel Parzen estimator over encoded points: per component, a
 * truncated normal on [0, 1] per numeric parameter and a smoothed categorical
 * distribution per categorical one, plus a prior component (broad normal at the
 * centre of the unit cube, uniform over choices).
 */
class Parzen {
  private readonly points: readonly (readonly number[])[];
  private readonly sigmas: Float64Array;
  private readonly logNormalisers: Float64Array[];
  private readonly weights: number;

  constructor(
    private readonly encoding: Encoding,
    observations: readonly (readonly number[])[],
  ) {
    const p = encoding.tunable.length;
    const prior = encoding.tunable.map((param) => (param.kind === 'categorical' ? -1 : 0.5));
    this.points = [...observations, prior];
    const n = this.points.length;
    const numericCount = Math.max(1, encoding.numeric.length);
    // Scott-like bandwidth in the unit cube, as Optuna's multivariate TPE, floored.
    const bandwidth = Math.max(0.2 * n ** (-1 / (numericCount + 4)), 0.5 / Math.min(100, n + 1));
    this.sigmas = Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : bandwidth));
    this.logNormalisers = this.points.map((point, i) => {
      const out = new Float64Array(p);
      const s = this.sigmas[i]!;
      for (const j of encoding.numeric) {
        const mu = point[j]!;
        out[j] = Math.log(Math.max(normalCdf((1 - mu) / s) - normalCdf(-mu / s), 1e-300)) + Math.log(s) + LOG_SQRT_2PI;
      }
      return out;
    });
    this.weights = n;
  }

  /** Draws one point: a component uniformly, then each parameter from its kernel. */
  sample(rng: Rng): number[] {
    const i = rng.int(0, this.points.length - 1);
    const point = this.points[i]!;
    const s = this.sigmas[i]!;
    return this.encoding.tunable.map((param, j) => {
      if (param.kind === 'categorical') {
        const c = point[j]!;
        const k = param.choices.length;
        // Kernel: the observed choice with probability (1 + 1/k) / 2, else uniform.
        return c < 0 || rng.uniform() < 0.5 ? rng.int(0, k - 1) : c;
      }
      for (let tries = 0; tries < 100; tries++) {
        const v = point[j]! + s * gaussian(rng);
        if (v >= 0 && v <= 1) return v;
      }
      return rng.uniform();
    });
  }

  /** ln density at a point. */
  logDensity(x: readonly number[]): number {
    const n = this.points.length;
    const terms = new Float64Array(n);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const point = this.points[i]!;
      const s = this.sigmas[i]!;
      const norm = this.logNormalisers[i]!;
      let t = 0;
      for (let j = 0; j < x.length; j++) {
        const param = this.encoding.tunable[j]!;
        if (param.kind === 'categorical') {
          const k = param.choices.length;
          const c = point[j]!;
          t += c < 0 ? -Math.log(k) : Math.log(x[j] === c ? 0.5 + 0.5 / k : 0.5 / k);
        } else {
          const z = (x[j]! - point[j]!) / s;
          t += -0.5 * z * z - norm[j]!;
        }
      }
      terms[i] = t;
      if (t > max) max = t;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(terms[i]! - max);
    return max + Math.log(sum / this.weights);
  }
}

/**
 * Multivariate tree-structured Parzen estimator (Bergstra et al. 2011; Falkner
 * et al. 2018's multivariate kernel, as Optuna's `multivariate=True`). After the
 * quasi-random start, trials are split into the best gamma(n) = min(ceil(n/10),
 * 25) and the rest; candidates drawn from the density of the good ones are
 * ranked by l(x)/g(x). Running trials and earlier members of a batch join the
 * bad group (a constant liar), so parallel workers are pushed apart. Failed
 * trials count as bad. Cost per suggestion grows linearly with the history up
 * to `maxAbove`, then stays flat.
 */
export function createTpeOptimizer(options: TpeOptions = {}): Optimizer {
  const candidates = options.candidates ?? 24;
  const maxAbove = options.maxAbove ?? 1000;
  return {
    name: 'tpe',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const { space } = request;
      const scramble = scrambleOf(request);
      const encoding = encodingOf(space);
      const p = encoding.tunable.length;
      const finite = request.completed.filter((t) => Number.isFinite(t.loss));
      const initial = quasiRandomStart(request, count, finite.length, defaultInitialTrials(p));
      if (initial) return initial;
      const rng = createRng(request.seed);
      const ranked = request.completed
        .map((t, i) => ({ i, loss: Number.isFinite(t.loss) ? t.loss : Number.POSITIVE_INFINITY }))
        .sort((a, b) => a.loss - b.loss || a.i - b.i);
      const nBelow = Math.min(Math.ceil(0.1 * (request.completed.length + request.running.length)), 25, finite.length);
      const below = ranked.slice(0, Math.max(1, nBelow)).map((r) => encode(space, request.completed[r.i]!.params));
      const aboveIndices = ranked
        .slice(Math.max(1, nBelow))
        .map((r) => r.i)
        .sort((a, b) => a - b)
        .slice(-maxAbove);
      const above = aboveIndices.map((i) => encode(space, request.completed[i]!.params));
      for (const t of request.running.slice(-maxAbove)) above.push(encode(space, t.params));
      const good = new Parzen(encoding, below);
      const suggestions: Params[] = [];
      for (let b = 0; b < count; b++) {
        const bad = new Parzen(encoding, above);
        let bestPoint: number[] | null = null;
        let bestScore = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < candidates; c++) {
          const point = snap(encoding, good.sample(rng));
          const score = good.logDensity(point) - bad.logDensity(point);
          if (score > bestScore) {
            bestScore = score;
            bestPoint = point;
          }
        }
        suggestions.push(decode(space, bestPoint!));
        above.push(bestPoint!);
      }
      return { suggestions, state: { scramble } };
    },
  };
}
