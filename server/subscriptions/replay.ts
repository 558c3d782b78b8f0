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

/**
 * The most trials {@link changedSince} replays (the latest changes): a page further behind than this
 * misses the older changes until it loads its table again (a reload).
 */
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
 * meanwhile is delivered (perhaps twice, which is harmless: events say only what to reload). Live
 * events are taken as they are published and wait, the latest one per `key` (a trial), until the
 * consumer is ready: however many are published while it is busy (sending the replay, say), what
 * waits is bounded by the keys, not the events. Ending it ends `events` at once, even while it waits
 * for one.
 */
export function replayThen<T>(events: AsyncIterable<T>, replayed: () => Promise<readonly T[]>, key: (event: T) => string): AsyncIterable<T> {
  return new Repeater<T>(async (push, stop) => {
    const iterator = events[Symbol.asyncIterator]();
    const waiting = new Map<string, T>();
    let wake = null as (() => void) | null;
    let ended = false;
    let liveEnded = false;
    let failure = null as { readonly error: unknown } | null;
    void stop.then(() => {
      ended = true;
      void iterator.return?.();
      wake?.();
    });
    // Asking for the first event starts listening (a Repeater starts on its first `next`).
    void (async () => {
      try {
        for (let next = await iterator.next(); !next.done && !ended; next = await iterator.next()) {
          waiting.set(key(next.value), next.value);
          wake?.();
        }
      } catch (error) {
        failure = { error };
      } finally {
        liveEnded = true;
        wake?.();
      }
    })();
    try {
      for (const event of await replayed()) {
        if (ended) return;
        await push(event);
      }
      while (!ended) {
        const [first] = waiting;
        if (first === undefined) {
          if (liveEnded) break;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        waiting.delete(first[0]);
        await push(first[1]);
      }
      if (failure) stop(failure.error);
      else stop();
    } catch (error) {
      stop(error);
    }
  });
}
