import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import type { SuggestInput } from '../experiments/experiment-input.ts';
import { leaseUntil } from './leases.ts';

/**
 * A suggest sent to an experiment that turned out archived (a `resume: false` meanwhile), or, remembered
 * by name (ExperimentDirectory), renamed or deleted, or that asks for other settings than the
 * experiment has: the caller opens the experiment afresh.
 */
export class StaleExperiment extends Error {
  constructor() {
    super('The experiment is no longer current, or the request changes its settings');
  }
}

/**
 * The experiment's row as updated by the transaction that stores a new RUNNING trial (which holds the
 * row till it commits, so archiving waits for it or came first); throws {@link StaleExperiment},
 * rolling the transaction back, when that version is archived: it takes no new trials.
 */
export function currentVersion<T extends { readonly archivedAt: Date | null }>(row: T): T {
  if (row.archivedAt !== null) throw new StaleExperiment();
  return row;
}

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
