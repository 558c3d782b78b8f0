import type { Db, Transaction } from '../runtime/database.ts';
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../errors.ts';

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

/**
 * The answer to a suggest for new parameters once the budget is spent: a stable code, and in
 * `extensions.running` how many of the experiment's trials still run (with `starting`, those about to). While some do, a worker may
 * ask again later (the clients' `jobs()` loops do): one of them lost or released is offered again.
 */
export async function budgetSpent(client: Db | Transaction, experiment: { id: string; name: string; maxTrials: number | null }, starting = 0): Promise<Error> {
  const running = starting + (await client.trial.count({ where: { experimentId: experiment.id, state: 'RUNNING' } }));
  return new GraphQLError(
    `Experiment "${experiment.name}" has run its ${experiment.maxTrials} trials (experiment.maxTrials): no new parameters are handed out` +
      `${running > 0 ? `; ${running} still running (one that is lost or released is offered again)` : ''}; resume it with a larger experiment.maxTrials to go on`,
    { extensions: { code: 'TRIAL_BUDGET_SPENT' satisfies ErrorCode, field: 'experiment.maxTrials', running } },
  );
}
