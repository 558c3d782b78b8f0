import type { Db, Transaction } from '../runtime/database.ts';
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../errors.ts';
import { gridPointsTaken } from '../optimizer/grid-search.ts';
import { GROUP_IS_FREE } from './trial-groups.ts';

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
 * `extensions.running` how many of the experiment's trials still run or are about to run again (with
 * `starting`, those this batch starts; see {@link runningTrials}). While some do, a worker may
 * ask again later (the clients' `jobs()` loops do): one of them lost or released is offered again.
 */
export async function budgetSpent(client: Db | Transaction, experiment: { id: string; name: string; maxTrials: number | null }, starting = 0): Promise<Error> {
  const running = await runningTrials(client, experiment.id, starting);
  return new GraphQLError(
    `Experiment "${experiment.name}" has run its ${experiment.maxTrials} trials (experiment.maxTrials): no new parameters are handed out` +
      `${stillRunning(running)}; resume it with a larger experiment.maxTrials to go on`,
    { extensions: { code: 'TRIAL_BUDGET_SPENT' satisfies ErrorCode, field: 'experiment.maxTrials', running } },
  );
}

/**
 * The answer to a suggest for new parameters once grid search has handed out every point of its grid:
 * the same code as a spent budget (the clients' `jobs()` loops and `oscar run` end on it the same way),
 * naming `experiment.algorithm`, with `extensions.running` likewise.
 */
export async function gridSpent(client: Db | Transaction, experiment: { id: string; name: string }, gridSize: number, starting = 0): Promise<Error> {
  const running = await runningTrials(client, experiment.id, starting);
  const points = gridSize === 1 ? 'the one point' : `all ${gridSize.toLocaleString('en')} points`;
  return new GraphQLError(
    `Experiment "${experiment.name}" has tried ${points} of its grid (experiment.algorithm "grid"): no new parameters are handed out` +
      `${stillRunning(running)}; resume it with another algorithm, or start it afresh (resume: false) with a larger grid, to go on`,
    { extensions: { code: 'TRIAL_BUDGET_SPENT' satisfies ErrorCode, field: 'experiment.algorithm', running } },
  );
}

/**
 * The trials still to run: RUNNING ones (with `starting`, those the batch starts) or, when none runs,
 * the parameter sets of STALE ones nobody runs yet (lost or released: the next suggest offers them
 * again). The second kind counts because a release can land between a suggest's look for trials to
 * offer again and this count: left out, a worker told "none runs" would end with that trial never run.
 */
async function runningTrials(client: Db | Transaction, experimentId: string, starting: number): Promise<number> {
  const running = starting + (await client.trial.count({ where: { experimentId, state: 'RUNNING' } }));
  // Only when none runs (a worker asks again while any does): the parameter sets waiting, a trial and
  // its STALE copies counted once, at most MAX_WAITING_READ of them read.
  if (running > 0) return running;
  const waiting = await client.trial.findMany({ where: { experimentId, state: 'STALE', ...GROUP_IS_FREE }, select: { id: true, retryOfId: true }, take: MAX_WAITING_READ });
  return new Set(waiting.map((trial) => trial.retryOfId ?? trial.id)).size;
}

/** At most this many lost or released trials a spent budget's answer reads to count them. */
const MAX_WAITING_READ = 1000;

/** The part of a spent budget's message that says how many still run (`extensions.running` says it to programs). */
function stillRunning(running: number): string {
  return running > 0 ? `; ${running} still running or about to run again (one that is lost or released is offered again)` : '';
}

/**
 * How many more new trials an experiment may start: what its budget (`maxTrials`) allows and, for grid
 * search, how many points of its grid are left as of its last suggestion (`gridSize` and the optimizer's
 * state); null when neither limits it.
 */
export async function trialsLeft(
  client: Db | Transaction,
  experiment: { id: string; maxTrials: number | null; algorithm: string; optimizerState: unknown },
  gridSize: number | null,
): Promise<number | null> {
  let counted: number | undefined;
  const count = async () => (counted ??= await countedTrials(client, experiment.id));
  let left: number | null = null;
  if (experiment.maxTrials !== null) left = Math.max(0, experiment.maxTrials - (await count()));
  if (gridSize !== null) {
    // Before grid search's first suggestion (its state not saved yet): every trial so far as one point.
    const taken = gridPointsTaken(experiment.optimizerState) ?? (await count());
    const points = Math.max(0, gridSize - taken);
    left = left === null ? points : Math.min(left, points);
  }
  return left;
}
