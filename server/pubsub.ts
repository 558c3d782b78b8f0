import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';

/** What a trial event carries: the trial to reload (payloads stay small and serialisable for Redis). */
export interface TrialEvent {
  readonly trialId: string;
}

/** What an experiment event carries: the experiment to reload. */
export interface ExperimentEvent {
  readonly experimentId: string;
}

// One listener per open subscription of a topic; subscriptions are capped per user (server/subscriptions.ts).
const target = new EventTarget();
setMaxListeners(10_000, target);

/**
 * Topics, published whenever a trial is created or changes: `experiment:trials` keyed by experiment id,
 * and `user:experiments` keyed by the experiment owner's id (for live experiment lists).
 */
export const pubsub = createPubSub<{
  'experiment:trials': [experimentId: string, event: TrialEvent];
  'user:experiments': [ownerId: string, event: ExperimentEvent];
}>({ eventTarget: target });

/** Tells subscribers that a trial of an experiment was created or changed. */
export function publishTrial(ownerId: string, experimentId: string, trialId: string): void {
  pubsub.publish('experiment:trials', experimentId, { trialId });
  pubsub.publish('user:experiments', ownerId, { experimentId });
}

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Loads what an event refers to once for all the subscriptions it reaches at the same moment: callers
 * with the same key (the row and the selection) share one query while it runs, so one event costs
 * one query, not one per subscriber.
 */
export function loadOnce<T>(key: string, load: () => Promise<T>): Promise<T> {
  const running = inFlight.get(key) as Promise<T> | undefined;
  if (running) return running;
  const loading = load();
  inFlight.set(key, loading);
  // Kept until the callers woken by this result have run, then forgotten: later events read afresh.
  const forget = () => setImmediate(() => inFlight.delete(key));
  loading.then(forget, forget);
  return loading;
}
