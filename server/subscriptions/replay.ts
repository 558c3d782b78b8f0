import { Repeater } from 'graphql-yoga';
import type { Db } from '../runtime/database.ts';
import type { Events, TrialEvent } from '../runtime/events.ts';

/** Replicas' clocks may differ a little: replay from this much before the moment events may have been lost. */
const CLOCK_MARGIN_MS = 30_000;

/** The most changes replayed to one topic: a dashboard catches up on the latest; older ones it reloads. */
const MAX_PER_TOPIC = 1000;

const TRIALS = 'experiment:trials:';
const EXPERIMENTS = 'user:experiments:';

/**
 * Replays to this process's subscribers the changes made since `since` (ms since the epoch) to the
 * experiments and trials their `topics` watch, read from the database. Called when Redis was away and
 * events may have been missed; events say only what to reload, so a change delivered twice is harmless.
 */
export async function replayChanges(db: Db, events: Pick<Events, 'deliverLocally'>, since: number, topics: readonly string[]): Promise<void> {
  const after = new Date(since - CLOCK_MARGIN_MS);
  for (const topic of topics) {
    if (topic.startsWith(TRIALS)) {
      const experimentId = topic.slice(TRIALS.length);
      const trials = await db.trial.findMany({
        where: { experimentId, updatedAt: { gte: after } },
        orderBy: { revision: 'desc' },
        take: MAX_PER_TOPIC,
        select: { id: true },
      });
      for (const trial of trials.reverse()) events.deliverLocally(topic, { trialId: trial.id });
    } else if (topic.startsWith(EXPERIMENTS)) {
      const ownerId = topic.slice(EXPERIMENTS.length);
      const experiments = await db.experiment.findMany({
        where: { ownerId, updatedAt: { gte: after } },
        orderBy: { updatedAt: 'desc' },
        take: MAX_PER_TOPIC,
        select: { id: true },
      });
      for (const experiment of experiments.reverse()) events.deliverLocally(topic, { experimentId: experiment.id });
    }
  }
}

/** The most trials {@link changedSince} replays: a page further behind than this loads its table again. */
export const MAX_CHANGED_REPLAYED = 5000;

/**
 * The trials of an experiment changed after `revision` (server/trials/revisions.ts), oldest change
 * first, as trial events; at most {@link MAX_CHANGED_REPLAYED}, the latest changes.
 */
export async function changedSince(db: Db, experimentId: string, revision: number): Promise<TrialEvent[]> {
  const trials = await db.trial.findMany({
    where: { experimentId, revision: { gt: revision } },
    orderBy: { revision: 'desc' },
    take: MAX_CHANGED_REPLAYED,
    select: { id: true },
  });
  return trials.reverse().map((trial) => ({ trialId: trial.id }));
}

/**
 * `events`, after `replayed`: listening starts before `replayed` is read, so an event published
 * meanwhile is delivered (perhaps twice, which is harmless: events say only what to reload). Ending
 * it ends `events` at once, even while it waits for one.
 */
export function replayThen<T>(events: AsyncIterable<T>, replayed: () => Promise<readonly T[]>): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const iterator = events[Symbol.asyncIterator]();
    // Asking for the first event starts listening (a Repeater starts on its first `next`).
    const first = iterator.next();
    first.catch(() => undefined);
    let ended = false;
    void stop.then(() => {
      ended = true;
      void iterator.return?.();
    });
    try {
      for (const event of await replayed()) {
        if (ended) return;
        await push(event);
      }
      for (let next = await first; !next.done && !ended; next = await iterator.next()) await push(next.value);
      stop();
    } catch (error) {
      stop(error);
    }
  });
}
