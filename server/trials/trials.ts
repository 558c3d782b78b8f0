import { isDeepStrictEqual } from 'node:util';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Viewer } from '../accounts/auth.ts';
import { userError } from '../errors.ts';
import { openExperiment } from '../experiments/experiments.ts';
import type { SuggestRequest } from '../experiments/experiment-input.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import { leaseUntil } from './leases.ts';
import { nextRevision } from './revisions.ts';
import { groupIsSettledOrRunning, type SuggestQueue } from './suggest-queue.ts';
import type { TrialOutcome } from './trial-result.ts';

/** The selection Pothos asks for, passed through to Prisma so nothing is fetched twice. */
type TrialQuery = { include?: Prisma.TrialInclude; select?: Prisma.TrialSelect };

/** What the trial operations need from the runtime. */
export interface TrialDeps {
  readonly database: Database;
  readonly events: Events;
  readonly suggestions: SuggestQueue;
}

/**
 * Opens (or creates) the experiment and hands out a RUNNING trial: the same one again for a retried
 * request or for a worker back from a reboot, else the parameters of a STALE trial, else new parameters
 * from the experiment's optimizer (see SuggestQueue).
 */
export async function suggestTrial(deps: TrialDeps, viewer: Viewer, request: SuggestRequest, query: TrialQuery) {
  const experiment = await openExperiment(deps.database, viewer.userId, request);
  const trialId = await deps.suggestions.enqueue(experiment.id, request);
  return deps.database.db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}

async function ownedTrial(deps: TrialDeps, viewer: Viewer, trialId: string) {
  const trial = await deps.database.db.trial.findFirst({
    where: { id: trialId, experiment: { ownerId: viewer.userId } },
    select: { id: true, experimentId: true, state: true, loss: true, metrics: true, error: true, retryOfId: true },
  });
  if (!trial) throw userError('NOT_FOUND', `No trial with id "${trialId}"`, 'trialId');
  return trial;
}

function sameOutcome(trial: { loss: number | null; error: string | null; metrics: Prisma.JsonValue }, outcome: TrialOutcome): boolean {
  const same = outcome.kind === 'completed' ? trial.loss === outcome.loss : trial.error === outcome.error;
  return same && isDeepStrictEqual(trial.metrics ?? {}, outcome.metrics);
}

/**
 * Records a trial's outcome: COMPLETED with its loss, or FAILED with the worker's error. A late result
 * for a STALE trial is kept; when its parameters already have a counted result (from a re-offered copy,
 * or the original), it is kept as DUPLICATE. The same outcome sent twice is stored once; a different
 * one for a finished trial is refused with CONFLICT.
 */
export async function recordOutcome(deps: TrialDeps, viewer: Viewer, trialId: string, outcome: TrialOutcome, query: TrialQuery) {
  const { experimentId } = await ownedTrial(deps, viewer, trialId);
  const { db } = deps.database;
  await deps.database.withExperimentLock(experimentId, async () => {
    const trial = await ownedTrial(deps, viewer, trialId);
    if (trial.state !== 'RUNNING' && trial.state !== 'STALE') {
      if (sameOutcome(trial, outcome)) return;
      throw userError('CONFLICT', `Trial "${trialId}" is already ${trial.state.toLowerCase()} with another result`, 'trialId');
    }
    const rootId = trial.retryOfId ?? trial.id;
    const counted =
      outcome.kind === 'completed' &&
      (await db.trial.count({ where: { OR: [{ id: rootId }, { retryOfId: rootId }], state: 'COMPLETED' } })) > 0;
    const now = new Date();
    await deps.database.transaction(async (tx) => {
      const revision = await nextRevision(tx, experimentId);
      await tx.trial.update({
        where: { id: trialId },
        data: {
          state: outcome.kind === 'failed' ? 'FAILED' : counted ? 'DUPLICATE' : 'COMPLETED',
          loss: outcome.kind === 'completed' ? outcome.loss : null,
          error: outcome.kind === 'failed' ? outcome.error : null,
          metrics: outcome.metrics as Prisma.InputJsonObject,
          completedAt: now,
          leaseExpiresAt: null,
          revision,
        },
      });
      // Taking the revision also moves the experiment's updatedAt (its last activity).
    });
    deps.events.publishTrial(viewer.userId, experimentId, trialId);
  });
  return db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}

/**
 * Renews a running trial's lease (without waiting for the experiment's other work). A STALE trial
 * whose parameters were not offered again comes back to RUNNING. Finished trials are returned as
 * they are, so the worker can tell.
 */
export async function heartbeat(deps: TrialDeps, viewer: Viewer, trialId: string, query: TrialQuery) {
  const { experimentId } = await ownedTrial(deps, viewer, trialId);
  const { db } = deps.database;
  const { leaseSeconds } = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { leaseSeconds: true } });
  const renewal = { state: 'RUNNING', leaseExpiresAt: leaseUntil(leaseSeconds), heartbeatAt: new Date() };
  // A RUNNING trial stays RUNNING: nothing an optimizer sees changes, so no revision is taken.
  const renewed = await db.trial.updateMany({ where: { id: trialId, state: 'RUNNING' }, data: renewal });
  if (renewed.count === 0) {
    await deps.database.withExperimentLock(experimentId, async () => {
      const trial = await ownedTrial(deps, viewer, trialId);
      if (trial.state !== 'STALE' || (await groupIsSettledOrRunning(deps.database, trial.retryOfId ?? trial.id, trial.id))) return;
      await deps.database.transaction(async (tx) => {
        const revision = await nextRevision(tx, experimentId);
        await tx.trial.update({ where: { id: trialId }, data: { ...renewal, revision } });
      });
      deps.events.publishTrial(viewer.userId, experimentId, trialId);
    });
  }
  return db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}
