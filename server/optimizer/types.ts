import type { Params, SearchSpace } from './space.ts';

/** A finished trial as an optimizer sees it. */
export interface CompletedTrial {
  readonly params: Params;
  /**
   * Lower is better. May be non-finite for a failed trial: model-based
   * optimizers must rank NaN and +Infinity as worse than every finite loss.
   */
  readonly loss: number;
  /**
   * With several objectives or constraints: the trial's objectives as values to minimise (all finite),
   * which multi-objective optimizers (`nsga2`) compare directly; `loss` then holds a scalarisation of
   * them for the others. Absent for a plain experiment.
   */
  readonly objectives?: readonly number[];
  /** How far the trial is outside the experiment's constraints (0: feasible); absent means 0. */
  readonly violation?: number;
  /**
   * How uncertain `loss` is, as a standard deviation in its own units: set for a trial the pruner
   * stopped, learned by the final value its curve predicts; absent (0) for a measured loss. The GP
   * reads it as that trial's own observation noise; the other optimizers ignore it.
   */
  readonly lossSd?: number;
}

/**
 * The most running trials with a predicted final loss (`RunningTrial.loss`) the server hands an
 * optimizer (those furthest along), and the most the GP conditions on (the first in the request's
 * order): each is a row of its model.
 */
export const MAX_PREDICTED_RUNNING = 32;

/** A trial handed to a worker and not finished yet; optimizers should avoid suggesting it again. */
export interface RunningTrial {
  readonly params: Params;
  /**
   * The final loss its intermediate values predict so far (a learning curve extrapolated to the step the
   * experiment's trials run to), when it has reported enough of them; with `lossSd`, how uncertain that
   * is. The GP conditions on it as a noisy observation instead of guessing the trial's result (so
   * parallel workers learn from each other's partial curves); the other optimizers ignore it.
   */
  readonly loss?: number;
  /** The sd of `loss` (finite, at least 0); set exactly when `loss` is. */
  readonly lossSd?: number;
}

/**
 * Everything an optimizer may know, as plain data (OSS Vizier's Designer).
 * Optimizers never read storage, the clock or `Math.random`: the same request
 * gives the same result.
 */
export interface SuggestRequest {
  readonly space: SearchSpace;
  /** Finished trials, oldest first. Their params must fit `space` (optimizers may throw `InvalidTrialError`). */
  readonly completed: readonly CompletedTrial[];
  /** Trials in progress, oldest first. */
  readonly running: readonly RunningTrial[];
  /**
   * Any safe integer. The only source of randomness: vary it per call (e.g.
   * `deriveSeed(experimentSeed, trialNumber)` from `rng.ts`), or an optimizer
   * that ignores the history, like `random`, repeats itself.
   */
  readonly seed: number;
  /** How many suggestions to return; a positive integer, 1 when omitted. A batch accounts for its own earlier members as running. */
  readonly count?: number;
  /** The `state` this optimizer returned last time for this experiment, if the server kept it. Optimizers must cope with its absence. */
  readonly state?: unknown;
}

/** What an optimizer returns. */
export interface SuggestResult {
  /**
   * Exactly `count` assignments, each with every parameter of the space (constants included); fewer
   * (maybe none) only with `exhausted`.
   */
  readonly suggestions: readonly Params[];
  /**
   * Set by an optimizer over a finite set of points (`grid`) when every point is taken by a completed or
   * running trial or by an earlier member of this batch: `suggestions` then holds the last ones left.
   */
  readonly exhausted?: boolean;
  /** Opaque, JSON-serialisable state to hand back in the next request; absent if the optimizer keeps none. */
  readonly state?: unknown;
}

/** A search algorithm. Pure: no I/O, no clock, no shared mutable state between calls. */
export interface Optimizer {
  /** The registry name, e.g. `random`. */
  readonly name: string;
  /**
   * Suggests parameter assignments to try next.
   * @throws {UnsupportedSpaceError} if it cannot handle the space (fall back to `random`).
   * @throws {InvalidTrialError} if a trial does not fit the space.
   * @throws {RangeError} if `seed` or `count` is not as documented.
   */
  suggest(request: SuggestRequest): SuggestResult;
}

/** Creates an optimizer; the registry holds one per algorithm name. */
export type OptimizerFactory = () => Optimizer;

/** Reads `request.count`, 1 when omitted. @throws {RangeError} unless it is a positive safe integer. */
export function suggestionCount(request: SuggestRequest): number {
  const count = request.count ?? 1;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, but got ${count}`);
  return count;
}
