import type { Viewer } from '../accounts/auth.ts';
import { notFoundIfDeleted } from '../errors.ts';
import { isReleased } from './leases.ts';
import { madeProgress, NOT_FAILED } from './lost-trials.ts';
import { nextRevision } from './revisions.ts';
import { groupLock } from './trial-groups.ts';
import type { TrialDeps, TrialQuery } from './trials.ts';

/**
 * Gives a trial up without an outcome (`release`): a RUNNING trial becomes STALE at once, its lease
 * cleared, so the next suggest offers its parameters again as a copy (to any worker, this one too),
 * resuming from the latest checkpoint of its group, instead of after its lease runs out. It is never
 * handed back under its own id (as a lost trial is to its worker back from a reboot), so a release
 * sent again cannot take a trial from a process that holds it now. A released trial is not brought back by a late heartbeat or report (they answer as
 * for a trial another worker took over); a late result is still kept, as for any STALE trial. A STALE
 * trial (its lease ran out) is marked released too; a finished one is returned as it is (its outcome
 * arrived first), so a release sent again, or racing a result, is harmless. Taken under the trial
 * group's lock, in turn with results, re-offers and hand-backs.
 */
export async function releaseTrial(deps: TrialDeps, viewer: Viewer, trialId: string, query: TrialQuery) {
  const { experimentId, rootId } = await deps.trials.find(viewer.userId, trialId);
  const { database } = deps;
  const changed = await database.transaction(async (tx) => {
    await database.lockWithin(tx, groupLock(rootId));
    const trial = await tx.trial.findUniqueOrThrow({
      where: { id: trialId },
      select: { state: true, leaseExpiresAt: true, lastStep: true, checkpointAt: true, attemptAt: true, attemptStep: true, lostCount: true },
    });
    if (trial.state !== 'RUNNING' && (trial.state !== 'STALE' || isReleased(trial))) return false;
    // Not a loss (server/trials/lost-trials.ts), but a loss its lease's end counted stays counted (a hung
    // worker stopped by a watchdog releases); an attempt that made progress starts the count again.
    const lostCount = madeProgress(trial) ? 0 : trial.lostCount;
    // The optimizers no longer see it running, and `trialUpdated(since:)` replays the change: a new revision.
    const revision = await nextRevision(tx, experimentId);
    await tx.trial.update({ where: { id: trialId }, data: { state: 'STALE', leaseExpiresAt: null, ...NOT_FAILED, lostCount, revision } });
    return true;
  }).catch(notFoundIfDeleted(`Trial "${trialId}" was deleted with its experiment`, 'trialId'));
  if (changed) deps.events.publishTrial(viewer.userId, experimentId, trialId);
  return database.db.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}
