import { isDeepStrictEqual } from 'node:util';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Viewer } from '../accounts/auth.ts';
import { userError } from '../errors.ts';
import { asRecord } from '../json.ts';
import type { ExperimentDirectory } from '../experiments/experiment-directory.ts';
import { findExperiment, rejoinExperiment } from '../experiments/experiments.ts';
import type { ExperimentRequest } from '../experiments/experiment-input.ts';
import { withStoredSpace } from '../experiments/stored-space.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import { isReleased, leaseUntil } from './leases.ts';
import { failedForLosses, NOT_FAILED, revival } from './lost-trials.ts';
import { nextRevision } from './revisions.ts';
import type { HandedOut, SuggestQueue } from './suggest-queue.ts';
import { StaleExperiment } from './running-trial.ts';
import { groupIsSettledOrRunning, groupLock, inGroup } from './trial-groups.ts';
import type { TrialDirectory } from './trial-directory.ts';
import { checkObjectives, type TrialOutcome } from './trial-result.ts';
import { storedObjectives } from '../objectives/objectives-config.ts';

/** The selection Pothos asks for, passed through to Prisma so nothing is fetched twice. */
export type TrialQuery = { include?: Prisma.TrialInclude; select?: Prisma.TrialSelect };

/** What the trial operations need from the runtime. */
export interface TrialDeps {
  readonly database: Database;
  readonly events: Events;
  readonly suggestions: SuggestQueue;
  readonly trials: TrialDirectory;
  readonly experiments: ExperimentDirectory;
}

/** How many times a suggest opens its experiment again when it turns out archived or changed meanwhile. */
const MAX_REOPENS = 16;

/**
 * Opens (or creates; a request with no parameters only joins, see withStoredSpace) the experiment and hands out a RUNNING trial: the same one again for a retried
 * request or for a worker back from a reboot, else the parameters of a STALE trial, else new parameters
 * from the experiment's optimizer (see SuggestQueue).
 */
export async function suggestTrial(deps: TrialDeps, viewer: Viewer, asked: ExperimentRequest, query: TrialQuery) {
  let request = await withStoredSpace(deps.database.db, viewer.userId, asked);
  let opened = await findExperiment(deps.database, deps.events, deps.experiments, viewer.userId, request);
  let trial: HandedOut | undefined;
  for (let reopened = 0; trial === undefined; reopened++) {
    try {
      // The request as fitted to the experiment it opened (a name alone: that version's space).
      request = opened.request;
      trial = await deps.suggestions.enqueue(opened.id, request, opened.remembered);
    } catch (error) {
      if (!(error instanceof StaleExperiment)) throw error;
      if (reopened >= MAX_REOPENS) {
        throw userError('CONFLICT', `experiment "${request.name}" was archived or changed ${MAX_REOPENS + 1} times while this suggest was handed out (workers starting it afresh at once?); send it again`);
      }
      // Archived, or its settings changed, since this process last looked: open it again. A `resume:
      // false` call has had its fresh start (the first open above); the version it started was archived
      // by another's meanwhile (workers starting afresh together), so it joins the current one as it is
      // instead of archiving that one too (which archived every version the others had just started).
      deps.experiments.forget(viewer.userId, request.name);
      // A request that named only the experiment follows it into the space it has now.
      if (asked.space === null) request = await withStoredSpace(deps.database.db, viewer.userId, asked);
      opened = request.resume
        ? await findExperiment(deps.database, deps.events, deps.experiments, viewer.userId, request)
        : await rejoinExperiment(deps.database, deps.events, deps.experiments, viewer.userId, request);
    }
  }
  // A new trial is answered from the rows its transaction wrote (with its experiment: what suggest is
  // usually asked for; Pothos loads anything else it is asked for); a reused one is read.
  return trial.row ?? deps.database.db.trial.findUniqueOrThrow({ ...query, where: { id: trial.id } });
}

type StoredOutcome = { loss: number | null; error: string | null; metrics: Prisma.JsonValue };

/** Whether `outcome` is what the trial stored: the same kind (a result, or a failure), loss or error, and metrics (which hold objectives other than the loss). */
function sameOutcome(trial: StoredOutcome, outcome: TrialOutcome): boolean {
  const same = outcome.kind === 'completed' ? trial.error === null && trial.loss === outcome.loss : trial.error === outcome.error;
  return same && isDeepStrictEqual(trial.metrics ?? {}, outcome.metrics);
}

/** Whether a PRUNED trial has stored an outcome: a loss, an error, or result values in its metrics (where the objectives are not the loss, a result stores no loss). */
function hasOutcome(trial: StoredOutcome): boolean {
  return trial.loss !== null || trial.error !== null || Object.keys(asRecord(trial.metrics)).length > 0;
}

/** A group read at once by {@link recordOutcome}; past it, one more query answers. */
const MAX_GROUP_READ = 100;

/**
 * Records a trial's outcome: COMPLETED with its loss, or FAILED with the worker's error. A late result
 * for a STALE trial is kept; when its parameters already have a counted result (from a re-offered copy,
 * or the original), it is kept as DUPLICATE. The same outcome sent twice is stored once; a different
 * one for a finished trial is refused with CONFLICT.
 *
 * It does not wait for the experiment's suggestions (an optimizer call may be running): it takes turns
 * only with what touches the same parameters (results, hand-backs, re-offers and revivals of a trial
 * and its re-offered copies), under a lock on the group in the transaction that stores the result, on
 * every replica.
 */
export async function recordOutcome(deps: TrialDeps, viewer: Viewer, trialId: string, outcome: TrialOutcome, query: TrialQuery) {
  const { experimentId, rootId } = await deps.trials.find(viewer.userId, trialId);
  const { database } = deps;
  const { objectives } = await database.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { objectives: true } });
  checkObjectives(outcome, storedObjectives(objectives));
  const stored = await database.transaction(async (tx) => {
    await database.lockWithin(tx, groupLock(rootId));
    // The group's trials (by primary key and the retryOf index; a group is a trial and its few copies).
    const group = await tx.trial.findMany({
      where: { OR: [{ id: { in: [trialId, rootId] } }, { retryOfId: rootId }] },
      select: { id: true, state: true, loss: true, metrics: true, error: true, lostCount: true },
      take: MAX_GROUP_READ,
    });
    const trial = group.find((row) => row.id === trialId) ?? (await tx.trial.findUniqueOrThrow({ where: { id: trialId } }));
    if (trial.state === 'PRUNED') {
      // Stopped early: it stays PRUNED. Its first outcome is kept, as a finished trial's is: a result as
      // its final value (what the optimizers learn from), or a failure's error (the worker's code
      // raised once told to stop); the same one again is stored once, another is a CONFLICT.
      if (sameOutcome(trial, outcome)) return null;
      if (hasOutcome(trial)) throw userError('CONFLICT', `Trial "${trialId}" was pruned and already has another outcome`, 'trialId');
      const revision = await nextRevision(tx, experimentId);
      const data = outcome.kind === 'failed' ? { error: outcome.error } : { loss: outcome.loss };
      return tx.trial.update({ ...query, where: { id: trialId }, data: { ...data, metrics: outcome.metrics as Prisma.InputJsonObject, revision } });
    }
    // A trial the server failed for its losses keeps a late result, as a STALE one does.
    if (trial.state !== 'RUNNING' && trial.state !== 'STALE' && !failedForLosses(trial)) {
      if (sameOutcome(trial, outcome)) return null;
      throw userError('CONFLICT', `Trial "${trialId}" is already ${trial.state.toLowerCase()} with another result`, 'trialId');
    }
    const counted =
      outcome.kind === 'completed' &&
      (group.some((row) => row.id !== trialId && row.state === 'COMPLETED') ||
        // A group larger than was read (workers lost many times over): ask for its counted result.
        (group.length === MAX_GROUP_READ && (await groupIsSettledOrRunning(tx, rootId, trialId, ['COMPLETED']))));
    // Taking the revision also moves the experiment's updatedAt (its last activity).
    const revision = await nextRevision(tx, experimentId);
    // Copies failed for their losses were lost, not failed, and these parameters now have an outcome:
    // STALE, as lost trials are, so the optimizers do not see them failed beside it (looked for in the
    // group read above; in one larger than was read, by a query).
    if (group.some((row) => row.id !== trialId && failedForLosses(row)) || group.length === MAX_GROUP_READ) {
      await tx.trial.updateMany({ where: { ...inGroup(rootId), id: { not: trialId }, state: 'FAILED', lostCount: { gt: 0 } }, data: { state: 'STALE', ...NOT_FAILED, revision } });
    }
    return tx.trial.update({
      ...query,
      where: { id: trialId },
      data: {
        state: outcome.kind === 'failed' ? 'FAILED' : counted ? 'DUPLICATE' : 'COMPLETED',
        loss: outcome.kind === 'completed' ? outcome.loss : null,
        error: outcome.kind === 'failed' ? outcome.error : null,
        metrics: outcome.metrics as Prisma.InputJsonObject,
        completedAt: new Date(),
        leaseExpiresAt: null,
        lostCount: 0,
        revision,
      },
    });
  });
  if (!stored) return database.db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
  deps.events.publishTrial(viewer.userId, experimentId, trialId);
  return stored;
}

/**
 * Renews a running trial's lease (without waiting for the experiment's other work). A STALE trial
 * whose parameters were not offered again comes back to RUNNING, unless its worker released it. Finished trials are returned as
 * they are, so the worker can tell.
 */
export async function heartbeat(deps: TrialDeps, viewer: Viewer, trialId: string, query: TrialQuery) {
  const { experimentId, rootId } = await deps.trials.find(viewer.userId, trialId);
  const { db } = deps.database;
  const { leaseSeconds } = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { leaseSeconds: true } });
  const renewal = { state: 'RUNNING', leaseExpiresAt: leaseUntil(leaseSeconds), heartbeatAt: new Date() };
  // A RUNNING trial stays RUNNING: nothing an optimizer sees changes, so no revision is taken.
  const renewed = await db.trial.updateMany({ where: { id: trialId, state: 'RUNNING' }, data: renewal });
  // Its lease and last heartbeat show live on the dashboard's trial page; subscribers that did not ask
  // for heartbeats (the experiment's table) never receive them (schema/trial.ts, trialUpdated).
  if (renewed.count > 0) deps.events.pubsub.publish('experiment:trials', experimentId, { trialId, heartbeat: true });
  if (renewed.count === 0) {
    // A STALE trial comes back unless its parameters were offered again (serialised with re-offers by
    // the experiment's lock, and with results for the same parameters by the group's).
    await deps.database.withExperimentLock(experimentId, async () => {
      const revived = await deps.database.transaction(async (tx) => {
        await deps.database.lockWithin(tx, groupLock(rootId));
        const trial = await tx.trial.findUniqueOrThrow({ where: { id: trialId }, select: { state: true, leaseExpiresAt: true, lostCount: true } });
        // A released trial was given up: it stays STALE for its parameters to be offered again. One
        // failed for its losses comes back too: its worker is alive after all.
        const lostFailed = failedForLosses(trial);
        if ((trial.state !== 'STALE' && !lostFailed) || isReleased(trial) || (await groupIsSettledOrRunning(tx, rootId, trialId))) return false;
        const revision = await nextRevision(tx, experimentId);
        await tx.trial.update({ where: { id: trialId }, data: { ...renewal, ...(await revival(tx, rootId)), revision } });
        return true;
      });
      if (revived) deps.events.publishTrial(viewer.userId, experimentId, trialId);
    });
  }
  return db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}
