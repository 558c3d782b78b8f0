/**
 * The states a trial moves through; stored as text, exposed as the GraphQL enum TrialState.
 * RUNNING -> COMPLETED | FAILED, or -> STALE when its lease runs out (a late result still completes it).
 * DUPLICATE: a result for parameters whose result was already counted (a re-offered copy, or its original).
 * PRUNED: stopped early by the experiment's pruner from its intermediate values (a later result is kept
 * as its final value, or a later failure's error; it stays PRUNED).
 */
export const TRIAL_STATES = ['RUNNING', 'COMPLETED', 'FAILED', 'STALE', 'DUPLICATE', 'PRUNED'] as const;

/** One of {@link TRIAL_STATES}. */
export type TrialState = (typeof TRIAL_STATES)[number];

/** States in which a trial still waits for its result. */
export const OPEN_STATES: readonly TrialState[] = ['RUNNING', 'STALE'];

/** States that end a trial. */
export const FINAL_STATES: readonly TrialState[] = ['COMPLETED', 'FAILED', 'DUPLICATE', 'PRUNED'];

/** Narrows a stored state, failing loudly on a value the code does not know. */
export function asTrialState(value: string): TrialState {
  if ((TRIAL_STATES as readonly string[]).includes(value)) return value as TrialState;
  throw new Error(`unknown trial state "${value}"`);
}
