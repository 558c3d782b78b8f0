/**
 * How a model-based optimizer accounts for trials still running (other workers' trials, and earlier
 * members of a batch) when it picks the next point, so parallel workers spread out instead of all
 * proposing the acquisition's single maximum.
 */
import { cholesky } from './cholesky.ts';
import type { GaussianProcess } from './gp.ts';
import { gaussian } from './encoding.ts';
import type { Rng } from './rng.ts';

/**
 * How running trials enter the GP: `clipped` (kriging believer observed at the predicted mean, at worst
 * the incumbent), `mean` (kriging believer at the predicted mean), `sample` (observed at one joint draw
 * from the posterior, and the incumbent lowered to the best draw: one Monte Carlo sample of q-EI), or
 * `none` (not at all; only `penalize` then keeps the batch apart).
 */
export type Fantasy = 'clipped' | 'mean' | 'sample' | 'none';

/** The model, incumbent and score offset an acquisition uses given the running trials. */
export interface BatchModel {
  readonly model: GaussianProcess;
  readonly best: number;
  /** Added to the log acquisition at a feature vector (0 without penalisation). */
  readonly penalty: ((f: Float64Array) => number) | null;
}

/**
 * The targets running trials are believed to have. `sample` draws them jointly (their covariance and the
 * noise), so two running trials close together are believed alike.
 */
export function fantasyTargets(gp: GaussianProcess, pending: readonly Float64Array[], fantasy: Exclude<Fantasy, 'none'>, best: number, rng: Rng): number[] {
  if (fantasy !== 'sample') {
    return pending.map((f) => {
      const { mean } = gp.predict(f);
      return fantasy === 'clipped' ? Math.max(mean, best) : mean;
    });
  }
  const m = pending.length;
  const { mean, covariance } = gp.predictJoint(pending);
  const noise = gp.noiseVariance;
  let l: Float64Array | null = null;
  for (const jitter of [0, 1e-10, 1e-8, 1e-6, 1e-4]) {
    const k = Float64Array.from(covariance);
    for (let a = 0; a < m; a++) k[a * m + a]! += noise + jitter;
    l = cholesky(k, m);
    if (l !== null) break;
  }
  const z = Array.from({ length: m }, () => gaussian(rng));
  return Array.from({ length: m }, (_, a) => {
    if (l === null) return mean[a]!;
    let s = mean[a]!;
    for (let b = 0; b <= a; b++) s += l[a * m + b]! * z[b]!;
    return s;
  });
}

/**
 * A hard local penaliser (Alvi et al. 2019, after González et al. 2016's local penalisation): the log of
 * min(1, distance / radius) summed over running trials, where distance is in lengthscale units and a
 * running trial's radius is how far the minimum must be from it given how fast the posterior mean can
 * change (`lipschitz`, per lengthscale): (|mean - best| + sd) / lipschitz. At a running trial it is minus
 * infinity, so the batch never repeats a point, and past its radius it is 0.
 */
export function hardLocalPenalty(
  gp: GaussianProcess,
  pending: readonly Float64Array[],
  best: number,
  lipschitz: number,
  maxRadius = Number.POSITIVE_INFINITY,
): (f: Float64Array) => number {
  const inverseLengthscale = Float64Array.from(gp.encoding.columnParameter, (p) => Math.exp(-gp.hyper.logLengthscales[p]!));
  const width = gp.encoding.width;
  const centres = pending.map((f) => {
    const { mean, variance } = gp.predict(f);
    const radius = Math.min(maxRadius, (Math.abs(mean - best) + Math.sqrt(variance)) / Math.max(lipschitz, 1e-9));
    return { f, radius2: radius * radius };
  });
  return (f: Float64Array) => {
    let log = 0;
    for (const { f: centre, radius2 } of centres) {
      let d2 = 0;
      for (let c = 0; c < width; c++) {
        const d = (f[c]! - centre[c]!) * inverseLengthscale[c]!;
        d2 += d * d;
      }
      if (d2 < radius2) log += 0.5 * Math.log(Math.max(d2 / radius2, 1e-300));
    }
    return log;
  };
}

/** The largest norm of the posterior mean's gradient (per lengthscale) over `probes`: a Lipschitz estimate. */
export function lipschitzEstimate(gp: GaussianProcess, probes: readonly Float64Array[]): number {
  let largest = 0;
  for (const f of probes) {
    const g = gp.meanGradient(f);
    let s = 0;
    for (const v of g) s += v * v;
    largest = Math.max(largest, Math.sqrt(s));
  }
  return largest;
}

/** Two log penalties added (either may be absent). */
function sumPenalties(a: ((f: Float64Array) => number) | null, b: ((f: Float64Array) => number) | null): ((f: Float64Array) => number) | null {
  if (a === null || b === null) return a ?? b;
  return (f) => a(f) + b(f);
}

/** The model, incumbent and penalty for the next point of a batch, given the running trials' features. */
export function batchModel(
  gp: GaussianProcess,
  pending: readonly Float64Array[],
  best: number,
  options: {
    readonly fantasy: Fantasy;
    /** Penalise around running trials out to the hard local penaliser's radius. */
    readonly penalize: boolean;
    /** Else exclude only the points within this many lengthscales of a running trial (0: none). */
    readonly exclusion: number;
    readonly lipschitz: () => number;
    /** Running trials the model has observed already (by a predicted loss): kept away from as `pending` is, not fantasised. */
    readonly excluded?: readonly Float64Array[];
  },
  rng: Rng,
): BatchModel {
  const excluded = options.excluded ?? [];
  if (pending.length === 0 && excluded.length === 0) return { model: gp, best, penalty: null };
  // An observed running trial is only kept off (the fixed radius): a Lipschitz radius would push the batch
  // away from the region its prediction says is good.
  const exclude = (points: readonly Float64Array[]) => (options.exclusion > 0 && points.length > 0 ? hardLocalPenalty(gp, points, best, 0, options.exclusion) : null);
  const penalty = options.penalize ? sumPenalties(hardLocalPenalty(gp, pending, best, options.lipschitz()), exclude(excluded)) : exclude(excluded.length === 0 ? pending : [...pending, ...excluded]);
  if (options.fantasy === 'none' || pending.length === 0) return { model: gp, best, penalty };
  const targets = fantasyTargets(gp, pending, options.fantasy, best, rng);
  const model = gp.withObservations(pending, targets);
  return { model, best: options.fantasy === 'sample' ? Math.min(best, ...targets) : best, penalty };
}
