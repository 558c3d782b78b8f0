import { createPubSub } from 'graphql-yoga';

/** What a trial event carries: the trial to reload (payloads stay small and serialisable for Redis). */
export interface TrialEvent {
  readonly trialId: string;
}

/** Topics: `experiment:trials` keyed by experiment id, published whenever a trial is created or changes. */
export const pubsub = createPubSub<{
  'experiment:trials': [experimentId: string, event: TrialEvent];
}>();

/** Tells subscribers of an experiment that one of its trials was created or changed. */
export function publishTrial(experimentId: string, trialId: string): void {
  pubsub.publish('experiment:trials', experimentId, { trialId });
}
