import type { PercentileConfig } from './pruner-config.ts';

/** What a percentile (or median) decision needs to know, read by the caller from the database. */
export interface PercentileInput {
  /** The step just reported: the trial's last. */
  readonly step: number;
  /** The highest step the trial had reported before this one (null: none). */
  readonly previousStep: number | null;
  /** The trial's best (lowest) value over every step it reported, this one included. */
  readonly best: number;
  /** How many trials of the experiment are COMPLETED. */
  readonly completedTrials: number;
  /** The values COMPLETED trials reported at exactly this step. */
  readonly peersAtStep: readonly number[];
}

/**
 * The `q`th percentile (0-100) of `values` with linear interpolation between closest ranks (NumPy's
 * default, which Optuna uses). `values` must not be empty; it is not modified.
 */
export function percentile(values: readonly number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = (q / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/**
 * Whether the step is the first one the trial reports in its judging interval (every
 * `intervalSteps` steps after the warm-up), as Optuna's: a trial that skips steps is judged at the
 * first step it reports in each interval.
 */
function firstInInterval(config: PercentileConfig, step: number, previousStep: number | null): boolean {
  const lastJudged = Math.floor((step - config.warmupSteps) / config.intervalSteps) * config.intervalSteps + config.warmupSteps;
  return (previousStep ?? -1) < lastJudged;
}

/**
 * Stop when the trial's best value so far is worse (higher) than the configured percentile of what
 * finished trials reported at the same step, once `minTrials` trials have finished and past the
 * warm-up; nothing to compare with at this step: go on.
 */
export function percentileShouldStop(config: PercentileConfig, input: PercentileInput): boolean {
  if (input.step < config.warmupSteps) return false;
  if (input.completedTrials < config.minTrials || input.completedTrials === 0) return false;
  if (!firstInInterval(config, input.step, input.previousStep)) return false;
  if (input.peersAtStep.length === 0) return false;
  return input.best > percentile(input.peersAtStep, config.percentile);
}
