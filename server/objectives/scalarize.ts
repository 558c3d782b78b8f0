import { createRng } from '../optimizer/rng.ts';

/** A finished trial as the objectives see it: its objectives as values to minimise, and how far it is outside the constraints. */
export interface Scored {
  readonly vector: readonly number[];
  readonly violation: number;
  /** For a trial the pruner stopped before it sent a result: the step it reached (its vector holds its last value). */
  readonly prunedStep?: number;
}

/** The weight of the sum in the augmented Chebyshev scalarisation (ParEGO's ρ). */
const AUGMENTATION = 0.05;

/**
 * With several objectives, what a unit of constraint violation adds to a trial's number, in spreads
 * (worst minus best) of the feasible trials' numbers. On `npm run bench:multi`'s constrained
 * Branin-Currin, 1 did better than 3 and 10 (and than ranking after every feasible trial).
 */
const VIOLATION_PENALTY = 1;

/**
 * One number per trial for the single-objective optimizers to minimise, constraint-aware:
 * - one objective: its value; a trial outside the constraints ranks after every feasible one, the
 *   further out the worse (so the optimizers learn where the feasible region is);
 * - several (ParEGO, Knowles 2006): each objective scaled to [0, 1] over the trials, then an augmented
 *   Chebyshev scalarisation max_i(w_i f_i) + ρ Σ w_i f_i with weights w drawn uniformly from the
 *   simplex by `seed` (a new direction each call, so successive suggestions spread along the front);
 *   a trial outside the constraints gets its own scalarisation plus its violation times
 *   {@link VIOLATION_PENALTY} spreads of the feasible trials' numbers: a slope that starts at the
 *   boundary, where constrained fronts usually lie, rather than a cliff a GP smooths over and avoids.
 * - trials stopped by the pruner before a result (one objective) rank after every trial that ran to
 *   its end, those that got further first, then by their last value, as Optuna's TPE orders them: an
 *   early value rewards fast learners, not good finishers, so it is not compared with final ones.
 * Pure: the same trials and seed give the same numbers.
 */
export function scalarize(trials: readonly Scored[], seed: number): number[] {
  if (trials.length === 0) return [];
  if (trials.some((t) => t.prunedStep !== undefined)) return afterFinished(trials, scalarize(trials.filter((t) => t.prunedStep === undefined), seed));
  const m = trials[0]!.vector.length;
  let base: number[];
  if (m === 1) {
    base = trials.map((t) => t.vector[0]!);
  } else {
    const low = new Array<number>(m).fill(Number.POSITIVE_INFINITY);
    const high = new Array<number>(m).fill(Number.NEGATIVE_INFINITY);
    for (const t of trials) {
      for (let i = 0; i < m; i++) {
        low[i] = Math.min(low[i]!, t.vector[i]!);
        high[i] = Math.max(high[i]!, t.vector[i]!);
      }
    }
    const rng = createRng(seed);
    const raw = Array.from({ length: m }, () => -Math.log(1 - rng.uniform()));
    const sum = raw.reduce((a, b) => a + b, 0);
    const weights = raw.map((w) => w / sum);
    base = trials.map((t) => {
      let max = Number.NEGATIVE_INFINITY;
      let total = 0;
      for (let i = 0; i < m; i++) {
        const span = high[i]! - low[i]!;
        const scaled = span > 0 ? (t.vector[i]! - low[i]!) / span : 0;
        max = Math.max(max, weights[i]! * scaled);
        total += weights[i]! * scaled;
      }
      return max + AUGMENTATION * total;
    });
  }
  if (trials.every((t) => t.violation === 0)) return base;
  // The spread of the feasible trials' numbers (of all, when none is feasible); with one objective,
  // infeasible trials rank after the worst of them.
  let worst = Number.NEGATIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  const feasible = trials.some((t) => t.violation === 0);
  trials.forEach((t, i) => {
    if (feasible && t.violation > 0) return;
    worst = Math.max(worst, base[i]!);
    best = Math.min(best, base[i]!);
  });
  const scale = Math.max(worst - best, 1e-9);
  if (m > 1) return trials.map((t, i) => base[i]! + scale * VIOLATION_PENALTY * t.violation);
  return trials.map((t, i) => (t.violation === 0 ? base[i]! : worst + scale * (1 + t.violation)));
}

/**
 * Numbers for `trials`, where `finished` holds those of the trials not pruned, in order: each pruned
 * one after the worst finished one, by the step it reached (further is better) and then its last value.
 */
function afterFinished(trials: readonly Scored[], finished: readonly number[]): number[] {
  const pruned = trials.filter((t) => t.prunedStep !== undefined);
  if (finished.length === 0) return trials.map((t) => t.vector[0]!); // nothing finished yet: their values are all there is
  const worst = Math.max(...finished);
  const span = Math.max(worst - Math.min(...finished), 1e-9);
  const maxStep = Math.max(...pruned.map((t) => t.prunedStep!));
  const values = pruned.map((t) => t.vector[0]!);
  const low = Math.min(...values);
  const valueSpan = Math.max(...values) - low || 1;
  let next = 0;
  return trials.map((t) => {
    if (t.prunedStep === undefined) return finished[next++]!;
    const notReached = (maxStep - t.prunedStep) / (maxStep + 1);
    return worst + span * (1 + notReached + 0.01 * ((t.vector[0]! - low) / valueSpan));
  });
}
