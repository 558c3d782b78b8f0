import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { activeMask, encodingOf, gaussian, type Encoding } from './encoding.ts';
import { scrambleOf } from './qmc.ts';
import { defaultInitialTrials, quasiRandomStart } from './quasi-random-start.ts';
import { createRng, deriveSeed } from './rng.ts';
import type { CompletedTrial, Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';
import { decode, encode, type Params } from './space.ts';

/** Tuning knobs of CMA-ES; the defaults are what `cmaes` and `auto` use. */
export interface CmaEsOptions {
  /** Replay at most this many of the latest completed trials (bounds the cost per suggestion). */
  readonly maxReplay?: number;
}

/** A trial's position in the search cube: numeric unit values; a categorical's index i of k as (i + 0.5) / k. */
function toCube(encoding: Encoding, encoded: readonly number[]): number[] {
  return encoded.map((v, j) => {
    const param = encoding.tunable[j]!;
    return param.kind === 'categorical' ? (v + 0.5) / param.choices.length : v;
  });
}

function fromCube(encoding: Encoding, cube: readonly number[]): number[] {
  return cube.map((v, j) => {
    const param = encoding.tunable[j]!;
    const u = Math.min(1, Math.max(0, v));
    return param.kind === 'categorical' ? Math.min(param.choices.length - 1, Math.floor(u * param.choices.length)) : u;
  });
}

/**
 * A completed trial as the replay sees it: its point in the cube, its loss, and in a conditional space
 * which coordinates were active. An inactive coordinate (a sub-parameter of a choice the trial did not
 * take) says nothing about where that parameter is good: the trial's step is 0 along it, so it moves
 * neither the mean nor the covariance there.
 */
interface ReplayedTrial {
  readonly x: number[];
  readonly loss: number;
  readonly active: Uint8Array | null;
}

/** The CMA-ES search distribution N(mean, sigma^2 C) and its evolution paths. */
interface Distribution {
  mean: number[];
  sigma: number;
  c: number[][];
  pc: number[];
  ps: number[];
  b: number[][];
  d: number[];
  eigenAge: number;
}

function eigen(dist: Distribution): void {
  const n = dist.mean.length;
  const evd = new EigenvalueDecomposition(new Matrix(dist.c), { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  dist.d = evd.realEigenvalues.map((v) => Math.sqrt(Math.max(v, 1e-20)));
  dist.b = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => vectors.get(i, j)));
  dist.eigenAge = 0;
}

/** C^{-1/2} v. */
function whiten(dist: Distribution, v: readonly number[]): number[] {
  const n = v.length;
  const t = new Array<number>(n).fill(0);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += dist.b[i]![k]! * v[i]!;
    t[k] = s / dist.d[k]!;
  }
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += dist.b[i]![k]! * t[k]!;
    out[i] = s;
  }
  return out;
}

/**
 * Rebuilds the CMA-ES distribution by replaying completed trials in order, in
 * generations of lambda (Hansen's standard (mu/mu_w, lambda) update). Trials
 * that did not come from this distribution (the quasi-random start, another
 * optimizer's history, a batch drawn from a stale state) are treated as
 * injected solutions: their step is clipped in Mahalanobis norm (Hansen 2011),
 * so the replay is sound whatever produced them. Pure: no state needed, robust
 * to parallel workers.
 */
function replay(encoding: Encoding, trials: readonly ReplayedTrial[], start: { mean: number[]; sigma: number }): Distribution {
  const n = start.mean.length;
  const lambda = 4 + Math.floor(3 * Math.log(n));
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const sum = raw.reduce((s, v) => s + v, 0);
  const w = raw.map((v) => v / sum);
  const mueff = 1 / w.reduce((s, v) => s + v * v, 0);
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + mueff);
  const cmu = Math.min(1 - c1, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  const clip = Math.sqrt(n) + (2 * n) / (n + 2);
  const eigenEvery = Math.max(1, Math.floor(1 / (10 * n * (c1 + cmu))));
  const dist: Distribution = {
    mean: [...start.mean],
    sigma: start.sigma,
    c: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))),
    pc: new Array<number>(n).fill(0),
    ps: new Array<number>(n).fill(0),
    b: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))),
    d: new Array<number>(n).fill(1),
    eigenAge: 0,
  };
  let generation = 0;
  for (let g = 0; g + lambda <= trials.length; g += lambda) {
    const population = trials.slice(g, g + lambda).sort((a, b) => a.loss - b.loss);
    const steps = population.slice(0, mu).map((t) => {
      const y = t.x.map((v, i) => (t.active === null || t.active[i] === 1 ? (v - dist.mean[i]!) / dist.sigma : 0));
      const z = whiten(dist, y);
      const norm = Math.sqrt(z.reduce((s, v) => s + v * v, 0));
      const scale = norm > clip ? clip / norm : 1;
      return y.map((v) => v * scale);
    });
    const yw = new Array<number>(n).fill(0);
    for (let k = 0; k < mu; k++) for (let i = 0; i < n; i++) yw[i]! += w[k]! * steps[k]![i]!;
    for (let i = 0; i < n; i++) dist.mean[i]! += dist.sigma * yw[i]!;
    const zw = whiten(dist, yw);
    for (let i = 0; i < n; i++) dist.ps[i] = (1 - cs) * dist.ps[i]! + Math.sqrt(cs * (2 - cs) * mueff) * zw[i]!;
    const psNorm = Math.sqrt(dist.ps.reduce((s, v) => s + v * v, 0));
    generation++;
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * generation)) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    for (let i = 0; i < n; i++) dist.pc[i] = (1 - cc) * dist.pc[i]! + hsig * Math.sqrt(cc * (2 - cc) * mueff) * yw[i]!;
    const decay = 1 - c1 - cmu + (1 - hsig) * c1 * cc * (2 - cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let k = 0; k < mu; k++) rankMu += w[k]! * steps[k]![i]! * steps[k]![j]!;
        const v = decay * dist.c[i]![j]! + c1 * dist.pc[i]! * dist.pc[j]! + cmu * rankMu;
        dist.c[i]![j] = v;
        dist.c[j]![i] = v;
      }
    }
    dist.sigma = Math.min(1, Math.max(1e-8, dist.sigma * Math.exp((cs / damps) * (psNorm / chiN - 1))));
    if (++dist.eigenAge >= eigenEvery) eigen(dist);
  }
  eigen(dist);
  return dist;
}

/**
 * CMA-ES (Hansen's covariance matrix adaptation evolution strategy) in the unit
 * cube; categoricals are relaxed to a coordinate split into equal cells. In a
 * conditional space every parameter keeps its coordinate; a trial's inactive
 * coordinates are ignored by the update, and `decode` drops the coordinates a
 * sample's choices leave inactive. After
 * the quasi-random start, the distribution is rebuilt on each call by replaying
 * the latest `maxReplay` completed trials from the best earlier trial (or the
 * cube's centre), so it needs no state and parallel workers simply draw more
 * samples of the current generation. Cost: linear in `min(trials, maxReplay)`.
 */
export function createCmaEsOptimizer(options: CmaEsOptions = {}): Optimizer {
  const maxReplay = options.maxReplay ?? 1000;
  return {
    name: 'cmaes',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const { space } = request;
      const scramble = scrambleOf(request);
      const encoding = encodingOf(space);
      const p = encoding.tunable.length;
      const finite = request.completed.filter((t) => Number.isFinite(t.loss));
      const initial = quasiRandomStart(request, count, finite.length, defaultInitialTrials(p));
      if (initial) return initial;
      const worst = finite.reduce((m, t) => Math.max(m, t.loss), Number.NEGATIVE_INFINITY);
      const asPoint = (t: CompletedTrial): ReplayedTrial => {
        const encoded = encode(space, t.params);
        const active = encoding.conditional ? activeMask(encoding, encoded) : null;
        return { x: toCube(encoding, encoded), loss: Number.isFinite(t.loss) ? t.loss : worst + 1, active };
      };
      const from = Math.max(0, request.completed.length - maxReplay);
      let bestIndex = -1;
      for (let i = 0; i < from; i++) {
        const loss = request.completed[i]!.loss;
        if (Number.isFinite(loss) && (bestIndex < 0 || loss < request.completed[bestIndex]!.loss)) bestIndex = i;
      }
      const bestEarlier = bestIndex >= 0 ? asPoint(request.completed[bestIndex]!) : null;
      const replayed = request.completed.slice(from).map(asPoint);
      const start = bestEarlier ? { mean: bestEarlier.x, sigma: 0.1 } : { mean: new Array<number>(p).fill(0.5), sigma: 0.3 };
      const dist = replay(encoding, replayed, start);
      // Each running trial is one more draw of the current generation: start the stream past them.
      const rng = createRng(deriveSeed(request.seed, request.running.length));
      const suggestions: Params[] = [];
      for (let s = 0; s < count; s++) {
        let cube: number[] = dist.mean;
        for (let tries = 0; tries < 20; tries++) {
          const z = Array.from({ length: p }, (_, k) => dist.d[k]! * gaussian(rng));
          cube = dist.mean.map((m, i) => m + dist.sigma * dist.b[i]!.reduce((acc, bik, k) => acc + bik * z[k]!, 0));
          if (cube.every((v) => v >= 0 && v <= 1)) break;
        }
        suggestions.push(decode(space, fromCube(encoding, cube)));
      }
      return { suggestions, state: { scramble } };
    },
  };
}
