import { createPubSub } from 'graphql-yoga';

/** What a trial event carries: the trial to reload (payloads stay small and serialisable for Redis). */
export interface TrialEvent {
  readonly trialId: string;
}

/** What an experiment event carries: the experiment to reload. */
export interface ExperimentEvent {
  readonly experimentId: string;
}

/**
 * Topics, published whenever a trial is created or changes: `experiment:trials` keyed by experiment id,
 * and `user:experiments` keyed by the experiment owner's id (for live experiment lists).
 */
export const pubsub = createPubSub<{
  'experiment:trials': [experimentId: string, event: TrialEvent];
  'user:experiments': [ownerId: string, event: ExperimentEvent];
}>();

/** Tells subscribers that a trial of an experiment was created or changed. */
export function publishTrial(ownerId: string, experimentId: string, trialId: string): void {
  pubsub.publish('experiment:trials', experimentId, { trialId });
  pubsub.publish('user:experiments', ownerId, { experimentId });
}
