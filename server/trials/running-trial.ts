import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import type { SuggestInput } from '../experiments/experiment-input.ts';
import { leaseUntil } from './leases.ts';

/** What makes a new RUNNING trial: its number, parameters and where they came from. */
export interface NewTrial {
  readonly number: number;
  readonly params: Prisma.JsonValue;
  readonly optimizer: string;
  readonly fallbackReason?: string | null;
  /** The original, for a re-offered copy of a STALE trial. */
  readonly retryOfId?: string | null;
  /** The checkpoint a re-offered copy resumes from (its group's latest). */
  readonly checkpoint?: { readonly checkpoint: Prisma.JsonValue; readonly checkpointAt: Date } | null;
}

/** The row of a new RUNNING trial handed to `request`'s worker, leased from `now`, at `revision`. */
export function runningTrialData(experiment: Experiment, trial: NewTrial, request: SuggestInput, revision: number, now: number): Prisma.TrialCreateManyInput {
  return {
    experimentId: experiment.id,
    number: trial.number,
    state: 'RUNNING',
    params: trial.params as Prisma.InputJsonObject,
    optimizer: trial.optimizer,
    fallbackReason: trial.fallbackReason ?? null,
    retryOfId: trial.retryOfId ?? null,
    worker: request.worker,
    instance: request.instance,
    requestId: request.requestId,
    leaseExpiresAt: leaseUntil(experiment.leaseSeconds, now),
    heartbeatAt: new Date(now),
    revision,
    ...(trial.checkpoint ? { checkpoint: trial.checkpoint.checkpoint as Prisma.InputJsonValue, checkpointAt: trial.checkpoint.checkpointAt } : {}),
  };
}
