import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import { givenUp, lostCountAfter, lostFailure } from './lost-trials.ts';
import { groupLock, OUTCOMES } from './trial-groups.ts';
import { nextRevision } from './revisions.ts';

/** The end of a lease of `seconds` from now. */
export function leaseUntil(seconds: number, now = Date.now()): Date {
  return new Date(now + seconds * 1000);
}

/**
 * Whether a STALE trial was given up by its worker (`release`) rather than lost: its lease was cleared
 * (a lease that ran out keeps its end). A heartbeat or report does not bring a released trial back.
 */
export function isReleased(trial: { state: string; leaseExpiresAt: Date | null }): boolean {
  return trial.state === 'STALE' && trial.leaseExpiresAt === null;
}

/** What lease handling needs. */
export interface LeaseStore {
  readonly database: Database;
  readonly events: Events;
}

/** The most leases one call marks STALE. */
const MAX_EXPIRED_PER_CALL = 1000;

/**
 * Marks RUNNING trials whose lease has run out as STALE (in one experiment, or everywhere; at most
 * 1,000 a call) and tells subscribers. Their parameters are then offered again by the next suggest,
 * unless they were lost more than the experiment's `maxRetries` times in a row with no progress: then
 * they are FAILED instead (server/trials/lost-trials.ts).
 */
export async function expireLeases(store: LeaseStore, experimentId?: string): Promise<number> {
  const { db } = store.database;
  const now = new Date();
  const expired = await db.trial.findMany({
    where: { state: 'RUNNING', leaseExpiresAt: { lt: now }, ...(experimentId ? { experimentId } : {}) },
    select: { id: true, experimentId: true, retryOfId: true, lastStep: true, checkpointAt: true, attemptAt: true, attemptStep: true, lostCount: true },
    // Bounded work per call: a backlog (every worker gone at once) is worked off over the next calls.
    take: MAX_EXPIRED_PER_CALL,
  });
  if (expired.length === 0) return 0;
  const experiments = await db.experiment.findMany({
    where: { id: { in: [...new Set(expired.map((t) => t.experimentId))] } },
    select: { id: true, ownerId: true, maxRetries: true },
  });
  const experimentOf = new Map(experiments.map((e) => [e.id, e]));
  const byExperiment = new Map<string, typeof expired>();
  for (const trial of expired) {
    const group = byExperiment.get(trial.experimentId);
    if (group) group.push(trial);
    else byExperiment.set(trial.experimentId, [trial]);
  }
  let count = 0;
  for (const [id, trials] of byExperiment) {
    const experiment = experimentOf.get(id);
    // Deleted meanwhile: its trials went with it.
    if (!experiment) continue;
    const changed = await store.database.transaction(async (tx) => {
      // A trial whose parameters have an outcome already (a late result of the original) is not failed:
      // it is only lost. Those given up are few: their groups are locked (in order), so no result lands
      // between this look and the update, and read in one query.
      const roots = [...new Set(trials.filter((t) => givenUp(lostCountAfter(t), experiment.maxRetries)).map((t) => t.retryOfId ?? t.id))].sort();
      for (const root of roots) await store.database.lockWithin(tx, groupLock(root));
      const withOutcome = new Set(
        roots.length === 0
          ? []
          : (await tx.trial.findMany({ where: { state: { in: OUTCOMES }, OR: [{ id: { in: roots } }, { retryOfId: { in: roots } }] }, select: { id: true, retryOfId: true } })).map(
              (row) => row.retryOfId ?? row.id,
            ),
      );
      // The trials by their lost count after this loss, and whether they are given up: one update per kind.
      const kinds = new Map<string, { lostCount: number; failed: boolean; ids: string[] }>();
      for (const trial of trials) {
        const lostCount = lostCountAfter(trial);
        const failed = givenUp(lostCount, experiment.maxRetries) && !withOutcome.has(trial.retryOfId ?? trial.id);
        const key = `${lostCount}:${failed}`;
        const kind = kinds.get(key);
        if (kind) kind.ids.push(trial.id);
        else kinds.set(key, { lostCount, failed, ids: [trial.id] });
      }
      const revision = await nextRevision(tx, id);
      let changes = 0;
      for (const { lostCount, failed, ids } of kinds.values()) {
        const where = { id: { in: ids }, state: 'RUNNING', leaseExpiresAt: { lt: now } };
        const data = failed
          ? lostFailure(lostCount, experiment.maxRetries, revision, now)
          : { state: 'STALE', lostCount, revision };
        changes += (await tx.trial.updateMany({ where, data })).count;
      }
      return changes;
    });
    count += changed;
    for (const trial of trials) store.events.publishTrial(experiment.ownerId, id, trial.id);
  }
  return count;
}

/** Expires leases every `intervalMs` so dashboards see STALE trials without waiting for a suggest; returns a stop function. */
export function startLeaseSweeper(store: LeaseStore, intervalMs = 5000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    expireLeases(store)
      .catch((error: unknown) => console.error('lease sweep failed:', error))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
