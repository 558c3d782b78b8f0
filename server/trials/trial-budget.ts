import type { Db, Transaction } from '../runtime/database.ts';
import { userError } from '../errors.ts';

/**
 * The trials that count against an experiment's budget (`maxTrials`): every trial but the re-offered
 * copies of a lost or released one (`retryOfId`), which carry on a trial already counted. One
 * indexed count.
 */
export function countedTrials(client: Db | Transaction, experimentId: string): Promise<number> {
  return client.trial.count({ where: { experimentId, retryOfId: null } });
}

/** How many of `asked` new trials the budget allows now: all of them without a budget. */
export async function trialsAllowed(client: Db | Transaction, experiment: { id: string; maxTrials: number | null }, asked: number): Promise<number> {
  if (experiment.maxTrials === null) return asked;
  return Math.min(asked, Math.max(0, experiment.maxTrials - (await countedTrials(client, experiment.id))));
}

/** The answer to a suggest for new parameters once the budget is spent (a stable code clients stop on). */
export function budgetSpent(name: string, maxTrials: number): Error {
  return userError(
    'TRIAL_BUDGET_SPENT',
    `Experiment "${name}" has run its ${maxTrials} trials (experiment.maxTrials): no new parameters are handed out; resume it with a larger experiment.maxTrials to go on`,
    'experiment.maxTrials',
  );
}
