import { userError } from '../errors.ts';
import type { Db } from '../runtime/database.ts';

/** What never changes about a trial: its experiment, that experiment's owner, and its group's root. */
export interface TrialPlace {
  readonly experimentId: string;
  readonly ownerId: string;
  /** The original of a re-offered copy (`retryOfId`), or the trial itself. */
  readonly rootId: string;
}

/** Trials one process remembers (about 150 bytes each). */
const MAX_TRIALS = 100_000;

/**
 * Where trials belong, remembered per process: results and heartbeats find a trial's experiment,
 * owner and group without a query once this process has handed the trial out or seen it. Only
 * immutable facts are kept, so the directory is never stale, whichever replica wrote what; a deleted
 * experiment's trials are forgotten when its deletion is announced (`experiments:deleted`).
 */
export class TrialDirectory {
  private readonly places = new Map<string, TrialPlace>();

  constructor(private readonly db: Db) {}

  /** Remembers a trial this process created or read. */
  remember(trialId: string, place: TrialPlace): void {
    this.places.delete(trialId);
    this.places.set(trialId, place);
    if (this.places.size > MAX_TRIALS) this.places.delete(this.places.keys().next().value!);
  }

  /** Forgets the trials of deleted experiments: their results and heartbeats then find no trial (NOT_FOUND). */
  forgetExperiments(experimentIds: readonly string[]): void {
    const gone = new Set(experimentIds);
    for (const [trialId, place] of this.places) if (gone.has(place.experimentId)) this.places.delete(trialId);
  }

  /** The trial's place, if it belongs to `ownerId`; NOT_FOUND otherwise (another user's trial looks like no trial). */
  async find(ownerId: string, trialId: string): Promise<TrialPlace> {
    let place = this.places.get(trialId);
    if (!place) {
      const row = await this.db.trial.findFirst({
        where: { id: trialId, experiment: { ownerId } },
        select: { experimentId: true, retryOfId: true },
      });
      if (row) {
        place = { experimentId: row.experimentId, ownerId, rootId: row.retryOfId ?? trialId };
        this.remember(trialId, place);
      }
    }
    if (!place || place.ownerId !== ownerId) throw userError('NOT_FOUND', `No trial with id "${trialId}"`, 'trialId');
    return place;
  }
}
