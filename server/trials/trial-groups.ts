import type { Prisma } from '../generated/prisma/client.ts';
import type { Db, Transaction } from '../runtime/database.ts';

/**
 * A trial group: a trial and its re-offered copies (`retryOfId` points to the original, the group's
 * root), which share their parameters. One result counts per group (server/trials/trials.ts).
 */

/** States in which a group of trials with the same parameters needs no new copy. */
export const SETTLED_OR_RUNNING = ['RUNNING', 'COMPLETED', 'FAILED', 'DUPLICATE', 'PRUNED'];

/** The trials of group `rootId`: the original and its re-offered copies (by primary key and the retryOf index). */
export function inGroup(rootId: string): Prisma.TrialWhereInput {
  return { OR: [{ id: rootId }, { retryOfId: rootId }] };
}

/** States of a trial with an outcome. */
export const OUTCOMES = ['COMPLETED', 'FAILED', 'DUPLICATE', 'PRUNED'];

/** The lock that results, re-offers and hand-backs of one group take in turn (Database.lockWithin). */
export function groupLock(rootId: string): string {
  return `trial-group:${rootId}`;
}

/**
 * Whether a trial with these parameters (the original or a copy, other than `except` when given) is
 * running or has an outcome (or is in one of `states`).
 */
export async function groupIsSettledOrRunning(
  client: Db | Transaction,
  rootId: string,
  except?: string,
  states: readonly string[] = SETTLED_OR_RUNNING,
): Promise<boolean> {
  const found = await client.trial.findFirst({
    where: { ...inGroup(rootId), ...(except === undefined ? {} : { id: { not: except } }), state: { in: [...states] } },
    select: { id: true },
  });
  return found !== null;
}

/**
 * A filter for STALE trials whose parameters nobody is evaluating and nobody has a result for: no other
 * trial of the group runs or has an outcome (one query, whatever the number of STALE trials).
 */
export const GROUP_IS_FREE: Prisma.TrialWhereInput = {
  OR: [
    { retryOfId: null, retries: { none: { state: { in: SETTLED_OR_RUNNING } } } },
    { retryOf: { is: { state: { notIn: SETTLED_OR_RUNNING }, retries: { none: { state: { in: SETTLED_OR_RUNNING } } } } } },
  ],
};

/** The latest checkpoint saved by any trial of group `rootId` (a trial and its re-offered copies), or null. */
export async function latestGroupCheckpoint(tx: Transaction, rootId: string): Promise<{ checkpoint: Prisma.JsonValue; checkpointAt: Date } | null> {
  const latest = await tx.trial.findFirst({
    where: { ...inGroup(rootId), checkpointAt: { not: null } },
    orderBy: { checkpointAt: 'desc' },
    select: { checkpoint: true, checkpointAt: true },
  });
  return latest?.checkpointAt ? { checkpoint: latest.checkpoint, checkpointAt: latest.checkpointAt } : null;
}
