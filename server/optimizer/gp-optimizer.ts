import { batchModel, lipschitzEstimate, type Fantasy } from './batch.ts';
import { encodingOf, features, gaussian, randomPoint, snap, type Encoding } from './encoding.ts';
import { fitHyperparameters, GaussianProcess, type GpHyperparameters } from './gp.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import { quasiRandomSuggestions, ScrambledHalton, scrambleOf } from './qmc.ts';
import { defaultInitialTrials, quasiRandomStart } from './quasi-random-start.ts';
import { createRng, type Rng } from './rng.ts';
import type { CompletedTrial, Optimizer, RunningTrial, SuggestRequest, SuggestResult } from './types.ts';
import { MAX_PREDICTED_RUNNING, suggestionCount } from './types.ts';
import { decode, encode, paramsFromCube, type Params } from './space.ts';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln(z * Phi(z) + phi(z)), the log of expected improvement per unit of standard deviation, accurate far into the lower tail. */
export function logH(z: number): number {
  if (z > -10) return Math.log(z * normalCdf(z) + Math.exp(-0.5 * z * z - LOG_SQRT_2PI));
  const z2 = 1 / (z * z);
  const series = z2 * (1 - 3 * z2 * (1 - 5 * z2 * (1 - 7 * z2 * (1 - 9 * z2))));
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(series);
}

/** How losses are turned into GP targets. */
export type LossWarp = 'standard' | 'copula' | 'log';

/**
 * GP targets from losses: failed trials (NaN, +Infinity) get the worst finite
 * loss, then `warp`: `standard` (z-scores), `copula` (normal scores of the
 * ranks: robust to outliers and huge ranges), `log` (z-scores of
 * ln(loss - best + a small offset): keeps magnitudes, tames heavy tails).
 */
export function warpLosses(losses: readonly number[], warp: LossWarp): number[] {
  return warpWithJacobian(losses, warp).y;
}

/** The mean and the (population) standard deviation of `t`. */
function meanAndSd(t: readonly number[]): { mean: number; sd: number } {
  const mean = t.reduce((s, v) => s + v, 0) / t.length;
  return { mean, sd: Math.sqrt(t.reduce((s, v) => s + (v - mean) ** 2, 0) / t.length) };
}

/**
 * What a `standard` or `log` warp takes from the losses: failed ones (NaN, +Infinity) read as the worst
 * finite loss (`y`), the best and worst of them, the transform before standardising (`forward`: the
 * identity, or ln(loss - best + offset) with an offset of a thousandth of the median's distance from
 * the best) and its inverse, and the mean and sd of the transformed losses (`t`). Shared by the warp,
 * its inverse and {@link fixedWarp}, so that they agree to the bit.
 */
function warpStatistics(losses: readonly number[], warp: Exclude<LossWarp, 'copula'>) {
  const finite = losses.filter((v) => Number.isFinite(v));
  const worst = finite.length ? Math.max(...finite) : 0;
  const y = losses.map((v) => (Number.isFinite(v) ? v : worst));
  const best = Math.min(...y);
  let forward = (v: number) => v;
  let back = (v: number) => v;
  if (warp === 'log') {
    const sorted = [...y].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const offset = Math.max((median - best) * 1e-3, 1e-12 * Math.max(1, Math.abs(best)));
    forward = (v) => Math.log(v - best + offset);
    back = (v) => Math.exp(v) + best - offset;
  }
  const t = warp === 'log' ? y.map(forward) : y;
  return { y, t, best, worst, forward, back, ...meanAndSd(t) };
}

/** `warpLosses`, and ln |d target / d loss| per trial (zero for `copula`, which has none), so warps can be compared by likelihood. */
export function warpWithJacobian(losses: readonly number[], warp: LossWarp): { y: number[]; logJacobian: number[] } {
  let t: readonly number[];
  let logJacobian: number[];
  if (warp === 'copula') {
    const finite = losses.filter((v) => Number.isFinite(v));
    const worst = finite.length ? Math.max(...finite) : 0;
    const y = losses.map((v) => (Number.isFinite(v) ? v : worst));
    const order = y.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const ranks = new Array<number>(y.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      const u = ((i + j) / 2 + 0.5) / y.length;
      const z = normalQuantile(u);
      for (let k = i; k <= j; k++) ranks[order[k]![1]] = z;
      i = j + 1;
    }
    t = ranks;
    logJacobian = y.map(() => 0);
  } else {
    const stats = warpStatistics(losses, warp);
    t = stats.t;
    // d ln(loss - best + offset) / d loss = 1 / (loss - best + offset): minus the transformed loss, in the log.
    logJacobian = warp === 'log' ? t.map((v) => -v) : t.map(() => 0);
  }
  const { mean, sd } = meanAndSd(t);
  if (sd <= 1e-12) return { y: t.map(() => 0), logJacobian: t.map(() => 0) };
  return { y: t.map((v) => (v - mean) / sd), logJacobian: logJacobian.map((j) => (warp === 'copula' ? 0 : j - Math.log(sd))) };
}

/** The inverse of `warpLosses(losses, warp)` for `standard` and `log`: a GP target (a prediction) back to a loss. */
export function lossFromTarget(losses: readonly number[], warp: Exclude<LossWarp, 'copula'>): (target: number) => number {
  const { back, mean, sd } = warpStatistics(losses, warp);
  return sd <= 1e-12 ? () => back(mean) : (target) => back(mean + target * sd);
}

/**
 * The GP target of a loss that did not set the warp's statistics (a running trial's predicted final
 * loss), under `warp` with the statistics of `losses` as {@link warpWithJacobian} takes them. The loss
 * is first held at most the worst finite loss and at least the best less the losses' spread (the best
 * itself under the log warp, whose origin it is), so that no prediction, however far off, gets an
 * unbounded target; nor does it move the targets of the others. Null for `copula` (ranks, which a new
 * value would reorder).
 */
export function fixedWarp(losses: readonly number[], warp: LossWarp): ((loss: number) => number) | null {
  if (warp === 'copula') return null;
  const { best, worst, forward, mean, sd } = warpStatistics(losses, warp);
  // The lowest loss a prediction may stand for.
  const floor = warp === 'log' ? best : best - (worst - best);
  if (sd <= 1e-12) return () => 0;
  return (loss) => (forward(Math.min(worst, Math.max(floor, loss))) - mean) / sd;
}

/** Tuning knobs of the GP optimizer; the defaults are what `gp` and `auto` use. */
export interface GpOptions {
  /** A fixed loss warp; by default `standard` or `log`, whichever gives the losses the higher likelihood (re-chosen every 8 trials). */
  readonly warp?: LossWarp;
  /** Quasi-random trials before the model, given the number of tunable parameters. */
  readonly initialTrials?: (parameters: number) => number;
  /** Random candidates per acquisition optimisation. */
  readonly candidates?: number;
  /** At most this many completed trials train the GP (the best half and the most recent rest). */
  readonly maxTrainingPoints?: number;
  /** At most this many of them fit the hyperparameters. */
  readonly maxFitPoints?: number;
  /** What EI improves on: the lowest posterior mean at a trial (`mean`, the default) or the lowest observed loss (`observed`). */
  readonly incumbent?: 'observed' | 'mean';
  /** How running trials enter the model (see `Fantasy`); `mean` by default. */
  readonly fantasy?: Fantasy;
  /** Whether a hard local penalty (Lipschitz radius) keeps the next point away from running trials; off by default. */
  readonly penalize?: boolean;
  /**
   * The model takes over from the quasi-random start only once this many losses are finite (by default as
   * many as the start is long: with 8 workers the 11th trial is asked for with 3 results in, and a GP on 3
   * points in 8-16 dimensions guesses; `dixon_price8` with 8 workers measured 1,240 against 214 with it).
   */
  readonly minModelTrials?: number;
  /**
   * A running trial excludes the points within this many lengthscales of it (the hard local penaliser's
   * log(distance / radius) inside, 0 outside), so believer fantasies at the mean, where expected
   * improvement stays positive at zero variance, cannot repeat a running trial; 0 turns it off.
   */
  readonly exclusion?: number;
  /**
   * With running trials (or earlier members of the same batch), every this many-th trial (counting the
   * completed and running ones, from 0) minimises the posterior mean instead of maximising expected
   * improvement, its model believing each running trial at the predicted mean but at worst the incumbent
   * (so it moves off running trials predicted to beat the incumbent); 0 never, 2 by default. One worker
   * asking for one trial at a time never has running trials. With 8 workers (medians of 30 seeds)
   * `dixon_price8` measured 182 against 505 with none, `ellipsoid16` 9.5 against 11.6 and the other
   * round-two problems within noise; `ackley5` (60 trials) 14.0 against 10.9; on the conditional
   * `model_select` it reached the narrow `svm` branch in 1 run of 10 against 4 (same median).
   */
  readonly exploitEvery?: number;
  /**
   * At most this many running trials with a predicted final loss (`RunningTrial.loss`, from their partial
   * curves) are conditioned on as noisy observations, the first in the request's order; the others, and
   * running trials without a prediction, are believed at the model's mean. 0 ignores the predictions;
   * {@link MAX_PREDICTED_RUNNING} by default.
   */
  readonly maxPredictedRunning?: number;
}

/** Running trials as the GP takes them: rows it observes (by their predicted loss) and the rest. */
export interface ObservedRunning {
  /** The running trials observed by their prediction. */
  readonly trials: RunningTrial[];
  /** Their targets (through the completed trials' warp). */
  readonly y: number[];
  /** Their own noise variances in target units (loss ± sd through the warp), at most {@link MAX_OWN_NOISE}. */
  readonly noise: number[];
  /** The running trials believed at the model's mean instead (no prediction, or past `max`). */
  readonly unpredicted: RunningTrial[];
}

/**
 * Splits the running trials into those the GP observes by their predicted final loss (finite, with a
 * finite sd; the first `max` in the order given: the server hands over at most {@link MAX_PREDICTED_RUNNING} with a prediction, those furthest along) and the rest. `warp` maps a
 * loss to its target (null: a warp without a slope, which observes none).
 */
export function observedRunning(running: readonly RunningTrial[], max: number, warp: ReturnType<typeof fixedWarp>): ObservedRunning {
  const observed: ObservedRunning = { trials: [], y: [], noise: [], unpredicted: [] };
  for (const trial of running) {
    const { loss, lossSd } = trial;
    if (warp === null || observed.trials.length >= max || loss === undefined || !Number.isFinite(loss) || lossSd === undefined || !Number.isFinite(lossSd) || lossSd < 0) {
      observed.unpredicted.push(trial);
      continue;
    }
    observed.trials.push(trial);
    observed.y.push(warp(loss));
    // Half the width of loss ± sd in target units: the warp's secant, not its slope, which at the log
    // warp's origin (a prediction at or below the best loss) is nearly infinite.
    observed.noise.push(Math.min(MAX_OWN_NOISE, ((warp(loss + lossSd) - warp(loss - lossSd)) / 2) ** 2));
  }
  return observed;
}

interface GpState {
  readonly scramble: number;
  readonly hyper?: GpHyperparameters;
  readonly warp?: LossWarp;
  /** How many trials had completed at the last thorough fit (every warp tried, restarts from the prior's centre). */
  readonly thoroughAt?: number;
}

/** The GP refits thoroughly (every warp, restarts from the prior's centre) once per this many completed trials. */
export const THOROUGH_EVERY = 8;

function stateThoroughAt(state: unknown): number | undefined {
  if (typeof state !== 'object' || state === null || !('thoroughAt' in state)) return undefined;
  const at = state.thoroughAt;
  return typeof at === 'number' && Number.isInteger(at) && at >= 0 ? at : undefined;
}

/**
 * Whether a suggestion refits thoroughly: without a previous warp, when the history shrank, or once a
 * multiple of {@link THOROUGH_EVERY} completed trials has been reached since the last thorough fit.
 * Results that arrive several at a time (workers finishing together) can step over the multiple
 * itself, and would otherwise never refit thoroughly again; with one result per suggestion (one
 * worker) the refits fall exactly on the multiples. A state from before `thoroughAt` refits at them.
 */
export function refitsThoroughly(completed: number, previousWarp: LossWarp | undefined, thoroughAt: number | undefined): boolean {
  if (previousWarp === undefined) return true;
  if (thoroughAt === undefined) return completed % THOROUGH_EVERY === 0;
  if (completed < thoroughAt) return true;
  return Math.floor(completed / THOROUGH_EVERY) > Math.floor(thoroughAt / THOROUGH_EVERY);
}

function previousHyper(state: unknown): GpHyperparameters | undefined {
  if (typeof state !== 'object' || state === null || !('hyper' in state)) return undefined;
  const hyper = state.hyper as GpHyperparameters | null;
  if (hyper === null || typeof hyper !== 'object' || !Array.isArray(hyper.logLengthscales)) return undefined;
  const values = [...hyper.logLengthscales, hyper.logSignal, hyper.logNoise];
  return values.every((v) => typeof v === 'number' && Number.isFinite(v)) ? hyper : undefined;
}

function stateWarp(state: unknown): LossWarp | undefined {
  if (typeof state !== 'object' || state === null || !('warp' in state)) return undefined;
  return state.warp === 'standard' || state.warp === 'log' || state.warp === 'copula' ? state.warp : undefined;
}

/**
 * The completed trials the GP trains on: all of them up to `max`, else the best half and the most recent.
 * "Best" by loss plus its own sd (`lossSd`), so that a pruned trial's uncertain prediction does not take
 * the place of a measured loss as good as it.
 */
export function trainingSubset(completed: readonly CompletedTrial[], max: number): readonly CompletedTrial[] {
  if (completed.length <= max) return completed;
  const byLoss = completed
    .map((t, i) => [i, Number.isFinite(t.loss) ? t.loss + (t.lossSd ?? 0) : Number.POSITIVE_INFINITY] as const)
    .sort((a, b) => a[1] - b[1]);
  const keep = new Set<number>(byLoss.slice(0, Math.floor(max / 2)).map(([i]) => i));
  for (let i = completed.length - 1; i >= 0 && keep.size < max; i--) keep.add(i);
  return [...keep].sort((a, b) => a - b).map((i) => completed[i]!);
}

/**
 * The rows hyperparameters are fitted on: all up to `max`, else the best quarter
 * and an even spread of the rest (each likelihood evaluation is cubic in it).
 */
export function fitSubset(losses: readonly number[], max: number): number[] {
  if (losses.length <= max) return losses.map((_, i) => i);
  const order = losses
    .map((v, i) => [Number.isFinite(v) ? v : Number.POSITIVE_INFINITY, i] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, i]) => i);
  const best = Math.floor(max / 4);
  const rest = order.slice(best);
  const spread = Array.from({ length: max - best }, (_, k) => rest[Math.floor((k * rest.length) / (max - best))]!);
  return [...order.slice(0, best), ...spread].sort((a, b) => a - b);
}

/**
 * Folds a coordinate back into [0, 1] at its edges (1.1 -> 0.9), rather than clamping it: clamping
 * piles every step that overshoots onto the edge itself, where the model's variance is highest, and
 * the search then proposes the bounds (and, for a normal prior, its far tails) far more often than
 * the acquisition warrants.
 */
export function reflectIntoUnit(x: number): number {
  const folded = Math.abs(x) % 2;
  return folded > 1 ? 2 - folded : folded;
}

/**
 * Finds a point maximising log expected improvement under `gp` (or, `exploit`, minimising its posterior mean):
 * random candidates, perturbations of the best trials, then local (1+1)-ES refinement.
 */
function optimizeAcquisition(
  gp: GaussianProcess,
  best: number,
  encoding: Encoding,
  rng: Rng,
  anchors: readonly number[][],
  candidates: number,
  penalty: ((f: Float64Array) => number) | null = null,
  exploit = false,
): number[] {
  const buffer = new Float64Array(encoding.width);
  const acquisition = (f: Float64Array, mean: number, variance: number): number => {
    const sd = Math.sqrt(variance);
    const value = exploit ? -mean : Math.log(sd) + logH((best - mean) / sd);
    return penalty === null ? value : value + penalty(f);
  };
  const score = (point: readonly number[]): number => {
    const f = features(encoding, snap(encoding, point), buffer);
    const { mean, variance } = gp.predict(f);
    return acquisition(f, mean, variance);
  };
  const p = encoding.tunable.length;
  const perturb = (point: readonly number[], scale: number, flip: number): number[] =>
    point.map((v, i) => {
      const param = encoding.tunable[i]!;
      if (param.kind === 'categorical') return rng.uniform() < flip ? rng.int(0, param.choices.length - 1) : v;
      return reflectIntoUnit(v + scale * gaussian(rng));
    });
  // The pool (random points, perturbations of the anchors) is drawn first and then scored in one batch.
  const drawn: number[][] = [];
  for (let i = 0; i < candidates; i++) drawn.push(randomPoint(encoding, rng));
  for (const anchor of anchors) {
    for (const scale of [0.2, 0.05, 0.01, 0.002]) {
      for (let i = 0; i < 12; i++) drawn.push(perturb(anchor, scale, 1 / p));
    }
  }
  const fs = drawn.map((point) => features(encoding, snap(encoding, point)));
  const means = new Float64Array(fs.length);
  const variances = new Float64Array(fs.length);
  gp.predictMany(fs, means, variances);
  const pool = drawn.map((point, i) => ({ point, value: acquisition(fs[i]!, means[i]!, variances[i]!) }));
  pool.sort((a, b) => b.value - a.value);
  const starts = pool.slice(0, 3);
  let winner = pool[0]!;
  for (const start of starts) {
    let current = start;
    let step = 0.05;
    for (let iter = 0; iter < 100; iter++) {
      const point = perturb(current.point, step, 0.5 / p);
      const value = score(point);
      if (value > current.value) {
        current = { point, value };
        step = Math.min(0.3, step * 1.6);
      } else {
        step = Math.max(1e-6, step * 0.88);
      }
    }
    if (current.value > winner.value) winner = current;
  }
  return snap(encoding, winner.point);
}

/** A GP's hyperparameters fitted under a loss warp, and the warped targets. */
export interface WarpedFit<W extends LossWarp> {
  readonly warp: W;
  readonly y: number[];
  readonly hyper: GpHyperparameters;
  /** The fit's log posterior plus the warp's log Jacobian: the likelihood of the losses themselves. */
  readonly score: number;
  /** Each row's own noise variance in the warped targets' units (from `lossSd`; zeros without it). */
  readonly extraNoise: number[];
}

/**
 * The most noise of its own a row gets, in the warped targets' units (they have unit variance): such a
 * row already tells the model next to nothing, and a larger one (an extreme value's sd through the
 * log warp's steep slope, or an infinite one) would only make the fit's likelihood infinite.
 */
const MAX_OWN_NOISE = 1e4;

/**
 * A failed trial's own noise variance, in the warped targets' units (they have unit variance): it is
 * believed at the worst loss, give or take the spread of the losses. Without it the model pinned its
 * mean to the worst loss at that exact point, so one transient failure (out of memory) beside the
 * best trials walled off the region for good (a 1-D quadratic: no trial came back within 0.02 of the
 * optimum in the next 25-36, against 14-20 without the failure); with it that region is searched as
 * before, while several failures together still mark a region bad. Measured on a failing region
 * beside the optimum (`npm run bench:failures`: `x + y > 9.5` fails, 6 seeds, 50 trials): failures
 * after the start 35 exact, about 50 at this noise (and at 0.25 or 0.5), 103 at 2 and 194 at 16; the
 * runs' best better than exact's at every one.
 */
const FAILED_NOISE = 1;

/**
 * Each loss's own noise variance in the units of its warped target: its standard deviation times the
 * warp's slope there, squared (the delta method), at most {@link MAX_OWN_NOISE}. A copula warp has no
 * slope to scale by (its targets are ranks), so there every row gets none. Also, per row, what the cap
 * takes from the likelihood of the losses themselves: a row ruled by its own noise adds about
 * -ln(sd) to it under any warp, but capped it adds ln(slope) - ln(cap)/2 instead, which would favour
 * the steeper warp; `correction` puts that back.
 */
function warpedNoise(lossSd: readonly number[], logJacobian: readonly number[], warp: LossWarp, losses: readonly number[] = []): { extra: number[]; correction: number[] } {
  const extra = logJacobian.map(() => 0);
  const correction = logJacobian.map(() => 0);
  logJacobian.forEach((j, i) => {
    const loss = losses[i];
    if (loss !== undefined && !Number.isFinite(loss)) {
      // A failed trial: believed at the worst loss, but with noise of its own, under every warp alike.
      extra[i] = FAILED_NOISE;
      // It measured no loss: no Jacobian of its own in the likelihood of the losses.
      correction[i] = -j;
      return;
    }
    const sd = lossSd[i] ?? 0;
    if (warp === 'copula' || !(sd > 0)) return;
    const variance = (sd * Math.exp(j)) ** 2;
    if (variance < MAX_OWN_NOISE) {
      extra[i] = variance;
      return;
    }
    extra[i] = MAX_OWN_NOISE;
    // ln(sd) is the same under every warp: left out when infinite.
    correction[i] = 0.5 * Math.log(MAX_OWN_NOISE) - j - (Number.isFinite(sd) ? Math.log(sd) : 0);
  });
  return { extra, correction };
}

/**
 * Fits the hyperparameters on the rows `fitRows` under each of `warps` (with `options` per warp) and
 * keeps the warp under which the losses themselves are likeliest (the fit's posterior plus the warp's
 * log Jacobian). `warps` must not be empty. `lossSd`, per row, is how uncertain each loss is (a pruned
 * trial's predicted final value): that row's own noise, on top of the fitted one.
 */
export function fitLikeliestWarp<W extends LossWarp>(
  encoding: Encoding,
  x: readonly Float64Array[],
  losses: readonly number[],
  fitRows: readonly number[],
  warps: readonly W[],
  rng: Rng,
  options: (warp: W) => Parameters<typeof fitHyperparameters>[4] = () => ({}),
  lossSd: readonly number[] = [],
): WarpedFit<W> {
  let chosen: WarpedFit<W> | null = null;
  for (const warp of warps) {
    const { y, logJacobian } = warpWithJacobian(losses, warp);
    const { extra: extraNoise, correction } = warpedNoise(lossSd, logJacobian, warp, losses);
    const fit = fitHyperparameters(
      encoding,
      fitRows.map((i) => x[i]!),
      fitRows.map((i) => y[i]!),
      rng,
      { ...options(warp), extraNoise: fitRows.map((i) => extraNoise[i]!) },
    );
    const score = -fit.negativeLogPosterior + fitRows.reduce((sum, i) => sum + logJacobian[i]! + correction[i]!, 0);
    if (chosen === null || score > chosen.score) chosen = { warp, y, hyper: fit.hyper, score, extraNoise };
  }
  return chosen!;
}

/**
 * Gaussian-process Bayesian optimisation. The first trials come from the
 * experiment's scrambled Halton sequence; then a GP (Matern-5/2, one
 * lengthscale per parameter, MAP-fitted by L-BFGS with restarts on up to 100 trials) models the
 * standardised or log-warped losses in the unit cube (numeric parameters through their CDF, so
 * priors shape the search; categoricals one-hot with one lengthscale each), and
 * the next point maximises log expected improvement over the lowest posterior
 * mean at a trial (not the lowest observed loss, an optimistic outlier when the
 * model reads a rugged loss as trend plus noise), evaluated at points
 * snapped to steps, integers and choices. Running trials and earlier members of
 * a batch enter as kriging-believer fantasies (observed at the GP's mean, which
 * shrinks the variance around them so the next point goes where little is
 * known or running; a running trial whose partial curve predicts its final loss counts with that
 * prediction and its sd instead, as a pruned one does), and no point within `exclusion` lengthscales of a running
 * trial is proposed; with running trials every `exploitEvery`-th trial minimises the
 * posterior mean instead. With several workers the model waits until as many
 * results are in as the quasi-random start is long. In a
 * conditional space the GP imputes: an inactive numeric column is held at a
 * constant and an inactive categorical's one-hot is all zeros (`features`), and
 * the parent's one-hot columns are the indicator of the branch. Points in one
 * branch are then compared only on that branch's parameters, points in
 * different branches are apart by the parent's distance, and the kernel, its
 * fitting and the acquisition need no change; an arc-kernel (Swersky et al.
 * 2014) would add a hyperparameter per parameter for little gain on the small
 * trees users write (Lévesque et al. 2017 found imputation competitive). State: the
 * sequence's scramble seed, the chosen warp and the last hyperparameters (a
 * warm start).
 */
export function createGpOptimizer(options: GpOptions = {}): Optimizer {
  const warps: readonly LossWarp[] = options.warp ? [options.warp] : ['standard', 'log'];
  const initialTrials = options.initialTrials ?? defaultInitialTrials;
  const candidates = options.candidates ?? 1000;
  const maxTrainingPoints = options.maxTrainingPoints ?? 200;
  const maxFitPoints = options.maxFitPoints ?? 100;
  const incumbent = options.incumbent ?? 'mean';
  const fantasy = options.fantasy ?? 'mean';
  const penalize = options.penalize ?? false;
  const minModelTrials = options.minModelTrials;
  const exclusion = options.exclusion ?? 1e-3;
  const exploitEvery = options.exploitEvery ?? 2;
  const maxPredictedRunning = options.maxPredictedRunning ?? MAX_PREDICTED_RUNNING;
  return {
    name: 'gp',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const { space } = request;
      const scramble = scrambleOf(request);
      const encoding = encodingOf(space);
      const p = encoding.tunable.length;
      const training = trainingSubset(request.completed, maxTrainingPoints);
      const finite = training.filter((t) => Number.isFinite(t.loss)).length;
      const seen = request.completed.length + request.running.length;
      const initial = quasiRandomStart(request, count, finite, initialTrials(p));
      if (initial) return initial;
      if (finite < (minModelTrials ?? initialTrials(p))) {
        return { suggestions: quasiRandomSuggestions(request, count), state: { scramble } satisfies GpState };
      }
      const rng = createRng(request.seed);
      const points = training.map((t) => encode(space, t.params));
      const x = points.map((point) => features(encoding, point));
      const losses = training.map((t) => t.loss);
      const lossSd = training.map((t) => t.lossSd ?? 0);
      // The best rows by loss plus its own sd, as in `trainingSubset`.
      const fitRows = fitSubset(losses.map((loss, i) => loss + lossSd[i]!), maxFitPoints);
      const previousWarp = stateWarp(request.state);
      // Every few trials (or without a previous choice) each candidate warp is fitted and the one
      // with the higher likelihood of the losses themselves (Jacobian included) is kept.
      const lastThorough = stateThoroughAt(request.state);
      const thorough = refitsThoroughly(request.completed.length, previousWarp, lastThorough);
      const saturated = request.completed.length > maxFitPoints && previousHyper(request.state) !== undefined;
      const tried = warps.length === 1 ? warps : thorough ? warps : [previousWarp!];
      const { y, hyper, warp, extraNoise } = fitLikeliestWarp(encoding, x, losses, fitRows, tried, rng, (candidate) =>
        // Once the fit set is full (more trials than `maxFitPoints`) each fit costs the most, so every
        // warp warm-starts from the last fit and skips the restart from the prior's centre: this keeps a
        // suggestion at 200 trials in 20 parameters well under 300 ms on one core (`npm run bench:cost`).
        saturated
          ? { previous: previousHyper(request.state), thorough: false }
          : { previous: candidate === previousWarp ? previousHyper(request.state) : undefined, thorough },
        lossSd,
      );
      // Running trials whose partial curves predict their final loss are conditioned on as noisy
      // observations after the completed rows, through the warp the completed losses set (so they move
      // neither the warp nor the hyperparameters); the rest are believed at the model's mean (fantasies).
      const observed = observedRunning(request.running, maxPredictedRunning, fixedWarp(losses, warp));
      const observedPoints = observed.trials.map((t) => encode(space, t.params));
      const observedX = observedPoints.map((point) => features(encoding, point));
      const gp = new GaussianProcess(encoding, [...x, ...observedX], [...y, ...observed.y], hyper, undefined, [...extraNoise, ...observed.noise]);
      // The incumbent EI improves on: the lowest observed target, or (`mean`) the lowest posterior mean at
      // a trial, which differs only when the model reads part of the loss as noise (a rugged surface),
      // where the lowest observation is an optimistic outlier that makes EI vanish near the data.
      const best = incumbent === 'mean' ? Math.min(...x.map((f) => gp.predictMean(f))) : Math.min(...y);
      // An exploiting trial believes a running trial's prediction at worst the incumbent, as its fantasies
      // (the same factor: only the targets differ).
      let clipped: GaussianProcess | undefined;
      const clippedGp = () =>
        observedX.length === 0
          ? gp
          : (clipped ??= new GaussianProcess(encoding, gp.x, [...y, ...observed.y.map((v) => Math.max(v, best))], hyper, gp, [...extraNoise, ...observed.noise]));
      // The acquisition search starts around the best trials, a pruned or running trial's prediction
      // counted at its own sd worse.
      const worseBySd = (targets: readonly number[], noise: readonly number[]) => targets.map((v, i) => v + Math.sqrt(noise[i]!));
      const anchorScores = [...worseBySd(y, extraNoise), ...worseBySd(observed.y, observed.noise)];
      const anchors = [...points, ...observedPoints]
        .map((point, i) => ({ point, y: anchorScores[i]! }))
        .sort((a, b) => a.y - b.y)
        .slice(0, 5)
        .map((a) => a.point);
      const pending = observed.unpredicted.map((t) => features(encoding, encode(space, t.params)));
      // Only a batch that reaches back into the quasi-random start needs the sequence (it costs about a millisecond to set up).
      let halton: ScrambledHalton | undefined;
      let lipschitz: number | undefined;
      const lipschitzOnce = () =>
        (lipschitz ??= lipschitzEstimate(gp, [...x, ...Array.from({ length: 200 }, () => features(encoding, randomPoint(encoding, rng)))]));
      const suggestions: Params[] = [];
      for (let i = 0; i < count; i++) {
        if (seen + i < initialTrials(p)) {
          const point = (halton ??= new ScrambledHalton(p, scramble)).point(seen + i);
          suggestions.push(paramsFromCube(space, point));
          pending.push(features(encoding, encode(space, suggestions[i]!)));
          continue;
        }
        // Kriging believers spread the batch but shrink the variance where the model predicts the best losses,
        // so every `exploitEvery`-th trial goes to the predicted minimum instead (off the running trials there).
        const exploit = exploitEvery > 0 && pending.length + observedX.length > 0 && (seen + i) % exploitEvery === 0;
        const batch = batchModel(exploit ? clippedGp() : gp, pending, best, { fantasy: exploit ? 'clipped' : fantasy, penalize, exclusion, lipschitz: lipschitzOnce, excluded: observedX }, rng);
        const point = optimizeAcquisition(batch.model, batch.best, encoding, rng, anchors, candidates, batch.penalty, exploit);
        suggestions.push(decode(space, point));
        pending.push(features(encoding, point));
      }
      const thoroughAt = thorough ? request.completed.length : lastThorough;
      return { suggestions, state: { scramble, hyper, warp, ...(thoroughAt === undefined ? {} : { thoroughAt }) } satisfies GpState };
    },
  };
}
