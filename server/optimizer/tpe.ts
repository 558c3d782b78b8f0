import { activeMask, encodingOf, gaussian, parameterEncoding, snap, type Encoding } from './encoding.ts';
import { normalCdf } from './normal.ts';
import { scrambleOf } from './qmc.ts';
import { defaultInitialTrials, quasiRandomStart } from './quasi-random-start.ts';
import { createRng, type Rng } from './rng.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';
import { tunableHomeOf } from './space/homes.ts';
import { decode, encode, INACTIVE_INDEX, INACTIVE_UNIT, type Params } from './space.ts';

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
 * centre of the unit cube, uniform over choices). Stored column by column in
 * typed arrays, so a density is one tight loop per parameter; points can be
 * added (the members of a batch) without rebuilding it.
 */
class Parzen {
  /** Per parameter, each component's centre (numeric: unit value; categorical: choice index, -1 for the prior). */
  private readonly centres: Float64Array[];
  /** Per numeric parameter, each component's log normaliser (truncation to [0, 1], sigma, sqrt(2 pi)). */
  private readonly logNormalisers: Float64Array[];
  /** Each component's 1 / sigma. */
  private readonly inverseSigmas: Float64Array;
  private readonly sigmas: Float64Array;
  /** Scratch: each component's log term at the point being evaluated. */
  private readonly terms: Float64Array;
  private size = 0;
  private readonly bandwidth: number;

  /** `observations`, and room for `extra` more points (added with {@link add}, at the same bandwidth). */
  constructor(
    private readonly encoding: Encoding,
    observations: readonly (readonly number[])[],
    extra = 0,
  ) {
    const p = encoding.tunable.length;
    const capacity = observations.length + 1 + extra;
    this.centres = Array.from({ length: p }, () => new Float64Array(capacity));
    this.logNormalisers = Array.from({ length: p }, () => new Float64Array(capacity));
    this.inverseSigmas = new Float64Array(capacity);
    this.sigmas = new Float64Array(capacity);
    this.terms = new Float64Array(capacity);
    const n = observations.length + 1;
    const numericCount = Math.max(1, encoding.numeric.length);
    // Scott-like bandwidth in the unit cube, as Optuna's multivariate TPE, floored.
    this.bandwidth = Math.max(0.2 * n ** (-1 / (numericCount + 4)), 0.5 / Math.min(100, n + 1));
    for (const point of observations) this.push(point, this.bandwidth);
    // The prior: broad, at the centre of the cube, uniform over choices.
    this.push(
      encoding.tunable.map((param) => (param.kind === 'categorical' ? -1 : 0.5)),
      1,
    );
  }

  private push(point: readonly number[], sigma: number): void {
    const i = this.size++;
    this.sigmas[i] = sigma;
    this.inverseSigmas[i] = 1 / sigma;
    for (let j = 0; j < point.length; j++) this.centres[j]![i] = point[j]!;
    for (const j of this.encoding.numeric) {
      const mu = point[j]!;
      this.logNormalisers[j]![i] = Math.log(Math.max(normalCdf((1 - mu) / sigma) - normalCdf(-mu / sigma), 1e-300)) + Math.log(sigma) + LOG_SQRT_2PI;
    }
  }

  /** Adds a component at `point` with the estimator's bandwidth (room was made for it at construction). */
  add(point: readonly number[]): void {
    if (this.size === this.sigmas.length) throw new Error('Parzen estimator is full');
    this.push(point, this.bandwidth);
  }

  /** Draws one point: a component uniformly, then each parameter from its kernel. */
  sample(rng: Rng): number[] {
    const i = rng.int(0, this.size - 1);
    const s = this.sigmas[i]!;
    return this.encoding.tunable.map((param, j) => {
      const centre = this.centres[j]![i]!;
      if (param.kind === 'categorical') {
        const k = param.choices.length;
        // Kernel: the observed choice with probability (1 + 1/k) / 2, else uniform.
        return centre < 0 || rng.uniform() < 0.5 ? rng.int(0, k - 1) : centre;
      }
      for (let tries = 0; tries < 100; tries++) {
        const v = centre + s * gaussian(rng);
        if (v >= 0 && v <= 1) return v;
      }
      return rng.uniform();
    });
  }

  /** ln density at a point. */
  logDensity(x: readonly number[]): number {
    const n = this.size;
    const terms = this.terms;
    terms.fill(0, 0, n);
    for (const j of this.encoding.numeric) {
      const centres = this.centres[j]!;
      const norms = this.logNormalisers[j]!;
      const inverse = this.inverseSigmas;
      const v = x[j]!;
      for (let i = 0; i < n; i++) {
        const z = (v - centres[i]!) * inverse[i]!;
        terms[i] = terms[i]! - 0.5 * z * z - norms[i]!;
      }
    }
    for (const { index: j, choices: k } of this.encoding.categorical) {
      const centres = this.centres[j]!;
      const v = x[j]!;
      const prior = -Math.log(k);
      const hit = Math.log(0.5 + 0.5 / k);
      const miss = Math.log(0.5 / k);
      for (let i = 0; i < n; i++) {
        const c = centres[i]!;
        terms[i] = terms[i]! + (c < 0 ? prior : v === c ? hit : miss);
      }
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) if (terms[i]! > max) max = terms[i]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(terms[i]! - max);
    return max + Math.log(sum / n);
  }
}

/**
 * Hyperopt's original TPE for a conditional space: one Parzen estimator per parameter, each over the
 * trials where that parameter was active (plus its prior), for the good and the bad group. A
 * candidate is drawn parent-first from the good estimators (a sub-parameter only when its parent's
 * draw makes it active; inactive coordinates imputed as `encode` does) and scored by the sum over its
 * active parameters of ln l(x) - ln g(x).
 */
class TreeParzen {
  private readonly good: Parzen[];
  private readonly bad: Parzen[];

  /** `below` and `above`: encoded points of the good and the bad trials; room for `extra` more bad points (a batch). */
  constructor(
    private readonly encoding: Encoding,
    below: readonly (readonly number[])[],
    above: readonly (readonly number[])[],
    extra: number,
  ) {
    const column = (points: readonly (readonly number[])[], j: number): number[][] =>
      points.flatMap((point) => (activeMask(encoding, point)[j] === 1 ? [[point[j]!]] : []));
    const single = encoding.tunable.map((param) => parameterEncoding(param));
    this.good = single.map((e, j) => new Parzen(e, column(below, j)));
    this.bad = single.map((e, j) => new Parzen(e, column(above, j), extra));
  }

  /** A candidate drawn parent-first from the good estimators, snapped, and its score. */
  candidate(rng: Rng): { point: number[]; score: number } {
    const { tunable, gates, parentFirst } = this.encoding;
    const point = tunable.map((param): number => (param.kind === 'categorical' ? INACTIVE_INDEX : INACTIVE_UNIT));
    const active = new Uint8Array(tunable.length);
    let score = 0;
    for (const j of parentFirst) {
      const gate = gates[j]!;
      if (gate !== null && !(active[gate.parent] === 1 && gate.choices.includes(point[gate.parent]!))) continue;
      active[j] = 1;
      const param = tunable[j]!;
      const x = tunableHomeOf(param).snap(param, this.good[j]!.sample(rng)[0]!);
      point[j] = x;
      score += this.good[j]!.logDensity([x]) - this.bad[j]!.logDensity([x]);
    }
    return { point, score };
  }

  /** Adds a chosen point to the bad estimators of its active parameters. */
  addBad(point: readonly number[]): void {
    const active = activeMask(this.encoding, point);
    for (let j = 0; j < point.length; j++) if (active[j] === 1) this.bad[j]!.add([point[j]!]);
  }
}

/**
 * Multivariate tree-structured Parzen estimator (Bergstra et al. 2011; Falkner
 * et al. 2018's multivariate kernel, as Optuna's `multivariate=True`). After the
 * quasi-random start, trials are split into the best gamma(n) = min(ceil(n/10),
 * 25) and the rest; candidates drawn from the density of the good ones are
 * ranked by l(x)/g(x). In a conditional space it is Hyperopt's original,
 * tree-structured TPE instead (`TreeParzen`): per-parameter densities over the
 * trials where each parameter was active, candidates drawn parent-first. Running trials and earlier members of a batch join the
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
      const suggestions: Params[] = [];
      if (encoding.conditional) {
        const tree = new TreeParzen(encoding, below, above, count);
        for (let b = 0; b < count; b++) {
          let best = tree.candidate(rng);
          for (let c = 1; c < candidates; c++) {
            const next = tree.candidate(rng);
            if (next.score > best.score) best = next;
          }
          suggestions.push(decode(space, best.point));
          tree.addBad(best.point);
        }
        return { suggestions, state: { scramble } };
      }
      const good = new Parzen(encoding, below);
      // Earlier members of the batch join the bad density as they are chosen (one estimator for the batch).
      const bad = new Parzen(encoding, above, count);
      for (let b = 0; b < count; b++) {
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
        bad.add(bestPoint!);
      }
      return { suggestions, state: { scramble } };
    },
  };
}
