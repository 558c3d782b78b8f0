import { userError } from '../errors.ts';
import type { Database } from '../runtime/database.ts';
import type { Events, ExperimentDeletionEvent } from '../runtime/events.ts';
import type { HistoryCache } from '../trials/history.ts';
import type { TrialDirectory } from '../trials/trial-directory.ts';
import type { TrialTables } from '../insights/trial-table.ts';
import type { ExperimentDirectory } from './experiment-directory.ts';

/** The per-process caches that know experiments by id or name. */
export interface ExperimentCaches {
  readonly experiments: ExperimentDirectory;
  readonly trials: TrialDirectory;
  readonly histories: HistoryCache;
  readonly tables: TrialTables;
}

/** What {@link deleteExperiment} needs from the runtime. */
export interface ExperimentDeletionDeps extends ExperimentCaches {
  readonly database: Database;
  readonly events: Events;
}

/** What was deleted: the experiments (versions of one name) and how many trials went with them. */
export interface DeletedExperiments extends ExperimentDeletionEvent {
  readonly trialCount: number;
}

/**
 * Makes this process forget deleted experiments: the name directory (a suggest by that name opens
 * afresh), the trials' places (their results and heartbeats get NOT_FOUND), the optimizer's history and
 * the dashboard's trial table.
 */
export function forgetDeleted(caches: ExperimentCaches, event: ExperimentDeletionEvent): void {
  caches.experiments.forget(event.ownerId, event.name);
  caches.trials.forgetExperiments(event.experimentIds);
  for (const id of event.experimentIds) caches.histories.forget(id);
  caches.tables.forget(event.experimentIds);
}

/**
 * Deletes the owner's experiment `id` (NOT_FOUND on `id` when it is not theirs), or with `allVersions`
 * every version of its name, with everything that belongs to them (trials, reports, rungs, queued
 * parameters, checkpoints: the database cascades). Other experiments are untouched. Holds the name's
 * lock, so no suggest creates a version meanwhile; a suggest or result racing it on a deleted
 * experiment gets NOT_FOUND. Every replica forgets them, and open dashboards hear of it
 * (`experiments:deleted`).
 */
export async function deleteExperiment(deps: ExperimentDeletionDeps, ownerId: string, id: string, allVersions: boolean): Promise<DeletedExperiments> {
  const { database } = deps;
  const found = await database.db.experiment.findFirst({ where: { id, ownerId }, select: { name: true } });
  if (!found) throw userError('NOT_FOUND', `No experiment with id "${id.slice(0, 100)}"`, 'id');
  const deleted = await database.withExperimentLock(`name:${ownerId}:${found.name}`, () =>
    database.transaction(async (tx) => {
      const where = allVersions ? { ownerId, name: found.name } : { id, ownerId };
      const rows = await tx.experiment.findMany({ where, select: { id: true, version: true }, orderBy: { version: 'asc' } });
      const experimentIds = rows.map((row) => row.id);
      const trialCount = await tx.trial.count({ where: { experimentId: { in: experimentIds } } });
      await tx.experiment.deleteMany({ where: { id: { in: experimentIds }, ownerId } });
      return { ownerId, name: found.name, experimentIds, versions: rows.map((row) => row.version), trialCount };
    }),
  );
  if (deleted.experimentIds.length === 0) throw userError('NOT_FOUND', `No experiment with id "${id.slice(0, 100)}"`, 'id');
  forgetDeleted(deps, deleted);
  const { trialCount: _count, ...event } = deleted;
  deps.events.pubsub.publish('experiments:deleted', event);
  return deleted;
}
