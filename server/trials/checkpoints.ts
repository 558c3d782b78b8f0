import type { Prisma } from '../generated/prisma/client.ts';
import type { Viewer } from '../accounts/auth.ts';
import { badInput, userError } from '../errors.ts';
import { checkJson, type Metrics } from './trial-result.ts';
import { heartbeat, type TrialDeps, type TrialQuery } from './trials.ts';
import { failedForLosses, revival } from './lost-trials.ts';
import { isReleased, leaseUntil } from './leases.ts';
import { groupIsSettledOrRunning, groupLock } from './trial-groups.ts';
import { nextRevision } from './revisions.ts';

/** The most JSON text a checkpoint record may take: where to find a model's state, not the state itself. */
export const MAX_CHECKPOINT_BYTES = 16 * 1024;

/** A validated checkpoint record: a JSON object of at most MAX_CHECKPOINT_BYTES. */
export type Checkpoint = Metrics;

/** Validates `checkpoint`'s `data` once, at the boundary; throws BAD_USER_INPUT naming the field. */
export function parseCheckpoint(raw: unknown): Checkpoint {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badInput('data', 'data must be a JSON object such as {"path": "s3://bucket/run-17", "epoch": 5}');
  }
  const record = checkJson('data', raw, 1, 'keep') as Checkpoint;
  // Validated, so nested no deeper than checkJson allows: measuring cannot overflow the stack.
  const bytes = Buffer.byteLength(JSON.stringify(record));
  if (bytes > MAX_CHECKPOINT_BYTES) {
    throw badInput('data', `data must be at most ${MAX_CHECKPOINT_BYTES} bytes of JSON (got ${bytes}): store the state elsewhere and its location here`);
  }
  return record;
}

/**
 * Saves a running trial's latest checkpoint and renews its lease as a heartbeat does. A STALE trial
 * whose parameters were not offered again, or one failed for its losses, comes back to RUNNING in the
 * same write (a new attempt, server/trials/lost-trials.ts), so no reader sees the record land on a
 * trial that is still lost. Taken under the trial group's lock, so a re-offer, hand-back or result sees
 * either the old record or the new one. Refused with CONFLICT once the trial has an outcome (but for a
 * failure the server gave it for its losses while nothing else settled or runs its parameters).
 */
export async function saveCheckpoint(deps: TrialDeps, viewer: Viewer, trialId: string, checkpoint: Checkpoint, query: TrialQuery) {
  const { experimentId, rootId } = await deps.trials.find(viewer.userId, trialId);
  const { database } = deps;
  const { leaseSeconds } = await database.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { leaseSeconds: true } });
  await database.transaction(async (tx) => {
    await database.lockWithin(tx, groupLock(rootId));
    const trial = await tx.trial.findUniqueOrThrow({ where: { id: trialId }, select: { state: true, lostCount: true, leaseExpiresAt: true } });
    const { state } = trial;
    const lost = state === 'STALE' || failedForLosses(trial);
    // Lost, but its worker is alive after all: unless its parameters got an outcome or a runner meanwhile.
    const free = lost && !(await groupIsSettledOrRunning(tx, rootId, trialId));
    if (state !== 'RUNNING' && state !== 'STALE' && !free) {
      throw userError('CONFLICT', `Trial "${trialId}" is already ${state.toLowerCase()}: only a running trial takes checkpoints`, 'trialId');
    }
    // A released trial was given up by its worker: it keeps the record and stays STALE, to be offered again.
    const revive = free && !isReleased(trial);
    const now = new Date();
    // A change like any other: `trialUpdated(since:)` replays it to a page that read before it.
    const revision = await nextRevision(tx, experimentId);
    await tx.trial.update({
      where: { id: trialId },
      data: {
        checkpoint: checkpoint as Prisma.InputJsonObject,
        checkpointAt: now,
        revision,
        ...(revive ? { state: 'RUNNING', leaseExpiresAt: leaseUntil(leaseSeconds, now.getTime()), heartbeatAt: now, ...(await revival(tx, rootId)) } : {}),
      },
    });
  });
  deps.events.publishTrial(viewer.userId, experimentId, trialId);
  // Renews a RUNNING trial's lease (one revived above already has its new lease; one still STALE stays so).
  return heartbeat(deps, viewer, trialId, query);
}
