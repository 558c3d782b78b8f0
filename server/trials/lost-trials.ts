import type { Db, Transaction } from '../runtime/database.ts';
import { inGroup } from './trial-groups.ts';

/**
 * Trials whose workers keep dying: a parameter set that crashes every process it reaches (it runs out of
 * memory, it segfaults) would otherwise be offered again for ever, taking a worker down each time. Each
 * loss (a lease that ran out, or a worker back from a reboot asking for its trial) that made no progress
 * (no step reported past the group's highest when the attempt began, and no checkpoint saved since)
 * counts; one that made progress starts the count again, so a long trial on machines that are taken
 * away, which reports or checkpoints between losses, goes on. Once the count passes the experiment's
 * `maxRetries`, the trial is FAILED (with `lostCount` > 0) instead of being offered again.
 */

/** The most an experiment's `maxRetries` may be. */
export const MAX_RETRIES = 1000;

/** What says whether a lost attempt got anywhere. */
export interface Attempt {
  readonly lastStep: number | null;
  readonly checkpointAt: Date | null;
  readonly attemptAt: Date;
  readonly attemptStep: number | null;
  readonly lostCount: number;
}

/** Whether an attempt reported a step past its group's highest when it began, or saved a checkpoint since it began. */
export function madeProgress(attempt: Attempt): boolean {
  const stepped = attempt.lastStep !== null && (attempt.attemptStep === null || attempt.lastStep > attempt.attemptStep);
  return stepped || (attempt.checkpointAt !== null && attempt.checkpointAt > attempt.attemptAt);
}

/** The lost count after losing `attempt`: 0 when it made progress, one more otherwise. */
export function lostCountAfter(attempt: Attempt): number {
  return madeProgress(attempt) ? 0 : attempt.lostCount + 1;
}

/** Whether a trial lost `lostCount` times in a row without progress is failed rather than offered again. */
export function givenUp(lostCount: number, maxRetries: number): boolean {
  return lostCount > maxRetries;
}

/** What a trial lost `lostCount` times in a row becomes when it is given up: FAILED, with why (and `revision`, the experiment's next). */
export function lostFailure(lostCount: number, maxRetries: number, revision: number, now = new Date()) {
  return { state: 'FAILED', error: lostError(lostCount, maxRetries), completedAt: now, leaseExpiresAt: null, lostCount, revision };
}

/** The error of a trial failed for its losses. */
function lostError(lostCount: number, maxRetries: number): string {
  return (
    `${lostCount === 1 ? 'Lost once' : `Lost ${lostCount} times in a row`} with no progress (no new step reported, no new checkpoint): each time, the worker running it ` +
    `stopped answering. Its parameters are not offered again (the experiment's max_retries is ${maxRetries}); a worker that crashes ` +
    'on them (out of memory, say) would crash again. A result sent for it later is still kept.'
  );
}

/** Whether a FAILED trial was failed by the server for its losses (rather than by its worker): its late result is kept. */
export function failedForLosses(trial: { readonly state: string; readonly lostCount: number }): boolean {
  return trial.state === 'FAILED' && trial.lostCount > 0;
}

/**
 * The lost count of group `rootId`'s latest attempt (the trial handed out last, original or copy, by
 * `attemptAt`), which a new copy carries on; 0 for a group never handed out again.
 */
export async function groupLostCount(tx: Transaction, rootId: string): Promise<number> {
  const latest = await tx.trial.findFirst({ where: inGroup(rootId), orderBy: { attemptAt: 'desc' }, select: { lostCount: true } });
  return latest?.lostCount ?? 0;
}

/** The highest step any trial of group `rootId` (a trial and its copies) has reported; null when none has. */
export async function groupHighestStep(client: Db | Transaction, rootId: string): Promise<number | null> {
  const { _max } = await client.trial.aggregate({ where: inGroup(rootId), _max: { lastStep: true } });
  return _max.lastStep;
}

/**
 * What a STALE trial, or one failed for its losses, becomes when its worker turns out alive (a
 * heartbeat, report or checkpoint): the loss its lease's end counted is taken back from its group's
 * count (it was not lost, only silent), its error and end are cleared, and a new attempt starts, from which progress counts
 * (and which is the group's latest, whose count a copy carries on).
 */
export async function revival(tx: Transaction, rootId: string) {
  return { error: null, completedAt: null, lostCount: Math.max(0, (await groupLostCount(tx, rootId)) - 1), attemptAt: new Date(), attemptStep: await groupHighestStep(tx, rootId) };
}

/** Fields cleared whenever a trial is written RUNNING or STALE again: a loss's failure, should the sweep have written one meanwhile. */
export const NOT_FAILED = { error: null, completedAt: null } as const;
