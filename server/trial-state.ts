/** The states a trial moves through; stored as text, exposed as the GraphQL enum TrialState. */
export const TRIAL_STATES = ['RUNNING', 'COMPLETED'] as const;

/** One of {@link TRIAL_STATES}. */
export type TrialState = (typeof TRIAL_STATES)[number];

/** Narrows a stored state, failing loudly on a value the code does not know. */
export function asTrialState(value: string): TrialState {
  if ((TRIAL_STATES as readonly string[]).includes(value)) return value as TrialState;
  throw new Error(`unknown trial state "${value}"`);
}
