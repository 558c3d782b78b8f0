import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import { isUniqueViolation, userError } from '../errors.ts';
import { archivedOrDeleted } from '../experiments/experiment-target.ts';
import type { Params } from '../optimizer/space.ts';
import type { Database, Db, Transaction } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';

/** The most parameter sets one experiment's queue holds. */
export const MAX_QUEUED = 10_000;

/** What the optimizer field of a trial says when its parameters came from the queue. */
export const ENQUEUED = 'enqueued';

/** A parameter set waiting in an experiment's queue. */
export interface QueuedSet {
  readonly id: string;
  readonly experimentId: string;
  readonly position: number;
  readonly params: Prisma.JsonValue;
  readonly createdAt: Date;
  /** Where it stood when enqueued: 1 is the next to be handed out. */
  readonly place: number;
}

/** The lock enqueues of one experiment take in turn (so the bound and the positions hold on every replica). */
function queueLock(experimentId: string): string {
  return `queue:${experimentId}`;
}

/**
 * What an earlier `enqueue` of `ownerId` with `requestId` answered (the set as queued then, whether or
 * not it was handed out since), or null when there was none.
 */
export async function enqueuedBefore(db: Db, ownerId: string, requestId: string): Promise<QueuedSet | null> {
  const row = await db.enqueueRequest.findUnique({ where: { ownerId_requestId: { ownerId, requestId } } });
  if (!row) return null;
  return { id: row.queuedId, experimentId: row.experimentId, position: row.position, params: row.params, createdAt: row.createdAt, place: row.place };
}

/**
 * Appends validated parameters to an experiment's queue: the experiment's next `suggest` calls hand
 * queued sets out first, in the order they were enqueued, each once. At most {@link MAX_QUEUED} wait
 * at a time; past that, CONFLICT. Enqueues do not wait for suggestions (or an optimizer call). An
 * experiment deleted since the caller read it is NOT_FOUND. Open pages hear of it (`user:experiments`)
 * and show the queue again.
 * With a `requestId`, the answer is stored with it, in the same transaction: a resend of the call
 * that raced this one (the same id) stores nothing and gets this answer (see {@link enqueuedBefore}).
 */
export async function enqueueParams(
  deps: { readonly database: Database; readonly events: Events },
  experiment: Experiment,
  params: Params,
  requestId: string | null = null,
): Promise<QueuedSet> {
  const { database, events } = deps;
  try {
    const queued = await appendToQueue(database, experiment, params, requestId);
    events.pubsub.publish('user:experiments', experiment.ownerId, { experimentId: experiment.id });
    return queued;
  } catch (error) {
    const first = requestId !== null && isUniqueViolation(error) ? await enqueuedBefore(database.db, experiment.ownerId, requestId) : null;
    if (first === null) throw error;
    return first;
  }
}

function appendToQueue(database: Database, experiment: Experiment, params: Params, requestId: string | null): Promise<QueuedSet> {
  return database.transaction(async (tx) => {
    await database.lockWithin(tx, queueLock(experiment.id));
    const { _count, _max } = await tx.queuedParams.aggregate({ where: { experimentId: experiment.id }, _count: true, _max: { position: true } });
    if (_count >= MAX_QUEUED) {
      throw userError(
        'CONFLICT',
        `The queue of experiment "${experiment.name}" already holds ${MAX_QUEUED.toLocaleString('en')} parameter sets, the most it keeps: let suggest take some first`,
        'params',
      );
    }
    const row = await tx.queuedParams.create({
      data: { experimentId: experiment.id, position: (_max.position ?? 0) + 1, params: params as Prisma.InputJsonObject },
    });
    // Suggests read the queue only while this says some sets wait.
    // Only into the current version: one archived meanwhile (a worker's resume: false) is refused.
    await tx.experiment.update({ where: { id: experiment.id, archivedAt: null }, data: { queuedCount: { increment: 1 } } });
    const place = _count + 1;
    if (requestId !== null) {
      const { id: queuedId, position, createdAt } = row;
      await tx.enqueueRequest.create({
        data: { ownerId: experiment.ownerId, requestId, experimentId: experiment.id, queuedId, position, params: params as Prisma.InputJsonObject, place, createdAt },
      });
    }
    return { ...row, place };
  }).catch(archivedOrDeleted(database.db, experiment));
}

/**
 * The next `count` queued sets of an experiment, in order (not yet taken): the suggest queue reads them
 * holding the experiment's lock and removes them in the transaction that stores their trials
 * ({@link removeQueued}), so each is handed out once, on every replica. No query while the
 * experiment (as read under the lock) says none wait.
 */
export function nextQueued(db: Db, experiment: Pick<Experiment, 'id' | 'queuedCount'>, count: number): Promise<{ id: string; params: Prisma.JsonValue }[]> {
  if (count <= 0 || experiment.queuedCount <= 0) return Promise.resolve([]);
  return db.queuedParams.findMany({ where: { experimentId: experiment.id }, orderBy: { position: 'asc' }, take: count, select: { id: true, params: true } });
}

/**
 * Removes queued sets handed out in `tx` (the caller counts them off the experiment's `queuedCount`
 * with {@link queuedDecrement}, in the same transaction); fails, rolling the trials back, if another
 * took any of them first.
 */
export async function removeQueued(tx: Transaction, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const { count } = await tx.queuedParams.deleteMany({ where: { id: { in: [...ids] } } });
  if (count !== ids.length) throw new Error(`queued parameters were handed out twice (${ids.length - count} of ${ids.length} already gone)`);
}

/** The change to an experiment's row for `taken` queued sets handed out (nothing for none). */
export function queuedDecrement(taken: number): { queuedCount?: { decrement: number } } {
  return taken > 0 ? { queuedCount: { decrement: taken } } : {};
}
