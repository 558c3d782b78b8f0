import type { Prisma } from '../generated/prisma/client.ts';
import type { Viewer } from '../accounts/auth.ts';
import { notFoundIfDeleted, userError } from '../errors.ts';
import { storedPruner } from '../pruners/pruner-config.ts';
import { shouldPrune } from '../pruners/decide.ts';
import { isReleased, leaseUntil } from './leases.ts';
import { nextRevision } from './revisions.ts';
import { failedForLosses, NOT_FAILED, revival } from './lost-trials.ts';
import { groupIsSettledOrRunning, groupLock } from './trial-groups.ts';
import type { IntermediateValue } from './trial-result.ts';
import type { Transaction } from '../runtime/database.ts';
import type { TrialDeps, TrialQuery } from './trials.ts';

/** The most steps one trial may report: bounds every read of its curve. */
export const MAX_REPORTS_PER_TRIAL = 10_000;

/**
 * Writes a report's change to a trial that was read in `state`. The lease sweep (expireLeases) takes
 * no lock of the trial's group, so on PostgreSQL it may have marked a RUNNING trial STALE since: then
 * the trial is revived along, as a report of a STALE trial revives it (nobody else can have taken its
 * parameters: re-offers take the group's lock), so a worker told to go on never holds a STALE trial
 */
async function writeReport(tx: Transaction, experimentId: string, trialId: string, read: { state: string; lostCount: number }, data: Prisma.TrialUpdateManyMutationInput): Promise<void> {
  const { count } = await tx.trial.updateMany({ where: { id: trialId, state: read.state }, data });
  // (or FAILED, lost once too often: a report shows its worker is alive, so it runs on as well, with the
  // count of losses it had before the sweep).
  if (count === 0) {
    await tx.trial.update({ where: { id: trialId }, data: { state: 'RUNNING', ...NOT_FAILED, lostCount: read.lostCount, ...data, revision: await nextRevision(tx, experimentId) } });
  }
}

/** What `report` answers: whether the worker should stop, and the trial as it is now. */
export interface ReportAnswer<T> {
  readonly shouldStop: boolean;
  readonly trial: T;
}

/**
 * Stores an intermediate value of a running trial and says whether to stop it. The report renews the
 * lease as a heartbeat does (a STALE trial nobody else runs comes back). A step reported again keeps
 * its first value (reports are idempotent, in any order); only a report of the trial's highest step so
 * far is judged by the experiment's pruner. A trial it stops becomes PRUNED at once: lease released,
 * subscribers told; every later report answers "stop". A STALE trial whose parameters another worker
 * took over (or finished), or that its worker released, is told to stop too, and its report is not kept: it stays STALE. Reports of a trial take turns with its results
 * (the group's lock), so a result and a pruning never both win.
 */
export async function reportValue<T>(
  deps: TrialDeps,
  viewer: Viewer,
  trialId: string,
  report: IntermediateValue,
  query: TrialQuery,
): Promise<ReportAnswer<T>> {
  const { experimentId, rootId } = await deps.trials.find(viewer.userId, trialId);
  const { database } = deps;
  const experiment = await database.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { id: true, leaseSeconds: true, pruner: true } });
  const stop = await database.transaction(async (tx) => {
    await database.lockWithin(tx, groupLock(rootId));
    const trial = await tx.trial.findUniqueOrThrow({ where: { id: trialId }, select: { state: true, number: true, lastStep: true, leaseExpiresAt: true, lostCount: true } });
    if (trial.state === 'PRUNED') return true;
    // Failed for its losses, but its worker is alive after all: it comes back as a STALE trial does.
    const lostFailed = failedForLosses(trial);
    if (trial.state !== 'RUNNING' && trial.state !== 'STALE' && !lostFailed) {
      throw userError('CONFLICT', `Trial "${trialId}" is already ${trial.state.toLowerCase()}: intermediate values come before the result`, 'trialId');
    }
    const now = new Date();
    const renewal = { leaseExpiresAt: leaseUntil(experiment.leaseSeconds, now.getTime()), heartbeatAt: now };
    // A STALE trial comes back, as with a heartbeat, unless its parameters were offered again: then
    // another worker has them (or their result is in), and this one is told to stop, as it is not needed.
    // So is one its worker released (given up): its parameters are to be offered again.
    if ((trial.state === 'STALE' || lostFailed) && (isReleased(trial) || (await groupIsSettledOrRunning(tx, rootId, trialId)))) return true;
    // Its worker is alive: a new attempt (server/trials/lost-trials.ts).
    const revived = trial.state === 'STALE' || lostFailed ? await revival(tx, rootId) : null;
    const known = await tx.trialReport.findUnique({ where: { trialId_step: { trialId, step: report.step } }, select: { step: true } });
    if (known) {
      await writeReport(tx, experimentId, trialId, trial, { ...renewal, ...(revived ? { state: 'RUNNING', ...revived, revision: await nextRevision(tx, experimentId) } : {}) });
      return false;
    }
    if ((await tx.trialReport.count({ where: { trialId } })) >= MAX_REPORTS_PER_TRIAL) {
      throw userError('CONFLICT', `Trial "${trialId}" already reported ${MAX_REPORTS_PER_TRIAL} steps, the most a trial may`, 'step');
    }
    await tx.trialReport.create({
      data: { trialId, experimentId, step: report.step, value: report.value, metrics: report.metrics as Prisma.InputJsonObject },
    });
    const last = trial.lastStep === null || report.step > trial.lastStep;
    const judged =
      last &&
      (await shouldPrune(tx, storedPruner(experiment.pruner), { experimentId, trialId, number: trial.number, step: report.step, value: report.value, previousStep: trial.lastStep }));
    await writeReport(tx, experimentId, trialId, trial, {
      ...(last ? { lastStep: report.step, lastValue: report.value } : {}),
      ...(judged
        ? // An outcome: no losses in a row any more.
          { state: 'PRUNED', prunedStep: report.step, completedAt: now, leaseExpiresAt: null, heartbeatAt: now, ...(revived ? { error: null } : {}), lostCount: 0 }
        : { ...renewal, ...(revived ? { state: 'RUNNING', ...revived } : {}) }),
      // The optimizers see a pruned (or revived) trial: the experiment's revision moves.
      ...(judged || revived ? { revision: await nextRevision(tx, experimentId) } : {}),
    });
    return judged;
  }).catch(notFoundIfDeleted(`Trial "${trialId}" was deleted with its experiment`, 'trialId'));
  deps.events.publishTrial(viewer.userId, experimentId, trialId);
  const trial = (await database.db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } })) as T;
  return { shouldStop: stop, trial };
}
