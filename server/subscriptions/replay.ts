import type { Db } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';

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
