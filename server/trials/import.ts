import { GraphQLError } from 'graphql';
import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import { badInput, isUniqueViolation, userError } from '../errors.ts';
import { archivedOrDeleted } from '../experiments/experiment-target.ts';
import { parseSearchSpace, type Params } from '../optimizer/space.ts';
import { storedObjectives } from '../objectives/objectives-config.ts';
import type { Database, Db } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import { parseWorkerName } from '../experiments/experiment-input.ts';
import { parseParams } from './trial-params.ts';
import { checkObjectives, parseTrialResult, type TrialOutcome } from './trial-result.ts';

/** The most trials one `importTrials` call stores (a file is sent in batches of at most this many). */
export const MAX_IMPORT_BATCH = 1000;

/** What the optimizer field of an imported trial says. */
export const IMPORTED = 'imported';

/** A finished trial as `importTrials` receives it: its parameters and its result, as `update` takes it, and where and when it ran. */
export interface ImportedTrialArgs {
  readonly params?: unknown;
  readonly result?: unknown;
  readonly worker?: string | null;
  readonly createdAt?: Date | null;
  readonly completedAt?: Date | null;
}

/** An imported trial, checked: what it is stored as. */
export interface CheckedImport {
  readonly params: Params;
  readonly outcome: TrialOutcome;
  readonly worker: string | null;
  /** When it started and finished; null when the file did not say (then: when it is imported). */
  readonly createdAt: Date | null;
  readonly completedAt: Date | null;
}

/** The earliest time an imported trial may carry. */
const EARLIEST = Date.UTC(1970, 0, 1);

/** How far ahead of the server's clock an imported time may be (another machine's clock). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A trial's time, checked: a real date from 1970 until now (give or take a clock's skew). */
function parseTime(value: Date | null | undefined, field: string, now: number): Date | null {
  if (value === null || value === undefined) return null;
  const time = value.getTime();
  if (!Number.isFinite(time)) throw badInput(field, `${field} must be a date and time (ISO 8601)`);
  if (time < EARLIEST || time > now + CLOCK_SKEW_MS) {
    throw badInput(field, `${field} must be between 1970 and now, but got ${value.toISOString()}`);
  }
  return value;
}

/** What an import stored (or, for a dry run, would store). */
export interface ImportOutcome {
  /** Null for a dry run of an experiment that does not exist yet. */
  readonly experiment: Experiment | null;
  readonly imported: number;
  /** The new trials' numbers, in the order given (empty for a dry run). */
  readonly numbers: readonly number[];
  /** Whether this is the answer an earlier call with the same request id got: this call stored nothing. */
  readonly repeated: boolean;
}

/** What imported trials are checked against: the experiment's space and objectives (a stored experiment, or one about to be created). */
export type ImportBasis = Pick<Experiment, 'parameters' | 'objectives'>;

/** Re-throws a row's BAD_USER_INPUT error with the row named (`trials[3].params.x`). */
function inRow<T>(index: number, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') {
      const field = typeof error.extensions.field === 'string' ? `.${error.extensions.field}` : '';
      throw badInput(`trials[${index}]${field}`, `trials[${index}] (trial ${index + 1} of this batch): ${error.message}`);
    }
    throw error;
  }
}

/**
 * Checks finished trials against an experiment: parameters against its space, the result as `update`
 * checks it (its objectives required). A bad row refuses them all with BAD_USER_INPUT naming it
 * (`trials[3].params.x`).
 */
export function checkImportedTrials(basis: ImportBasis, trials: readonly ImportedTrialArgs[]): CheckedImport[] {
  if (trials.length > MAX_IMPORT_BATCH) {
    throw badInput('trials', `trials may hold at most ${MAX_IMPORT_BATCH} trials a call, but got ${trials.length}: send them in batches`);
  }
  const space = parseSearchSpace(basis.parameters);
  const objectives = storedObjectives(basis.objectives);
  const now = Date.now();
  return trials.map((trial, i) =>
    inRow(i, () => {
      const params = parseParams(space, trial.params, 'params');
      const outcome: TrialOutcome = parseTrialResult(trial.result);
      checkObjectives(outcome, objectives);
      const createdAt = parseTime(trial.createdAt, 'createdAt', now);
      const completedAt = parseTime(trial.completedAt, 'completedAt', now);
      if (createdAt !== null && completedAt !== null && completedAt < createdAt) {
        throw badInput('completedAt', `completedAt (${completedAt.toISOString()}) must not be before createdAt (${createdAt.toISOString()})`);
      }
      return { params, outcome, worker: parseWorkerName(trial.worker), createdAt, completedAt };
    }),
  );
}

/**
 * What an earlier `importTrials` of `ownerId` with `requestId` stored (its experiment as it is now, and
 * the trials' numbers), or null when there was none for this call: none recorded (or its experiment
 * deleted since), or one that went to another experiment than `targetId`, the version this call names
 * (by id, or its name's current one; null when it names none yet): the experiment was renamed since, or
 * a version archived since (a new one started afresh). Such an id counts as a new call's; with `forget` (a call that stores) it
 * is dropped, so the call takes its place.
 */
export async function importedBefore(db: Db, ownerId: string, requestId: string, targetId: string | null, forget: boolean): Promise<ImportOutcome | null> {
  const row = await db.importRequest.findUnique({ where: { ownerId_requestId: { ownerId, requestId } }, include: { experiment: true } });
  if (!row) return null;
  // The version it went to, named by id, answers even once archived (its trials are there); named by
  // name, the current version is another one by then.
  if (row.experimentId !== targetId) {
    if (forget) await db.importRequest.deleteMany({ where: { ownerId, requestId, experimentId: row.experimentId } });
    return null;
  }
  return { experiment: row.experiment, imported: row.count, numbers: Array.from({ length: row.count }, (_, i) => row.first + i), repeated: true };
}

/**
 * Stores finished trials (COMPLETED with their loss and metrics, or FAILED with their error) in an
 * experiment, so its optimizer learns from them: all are checked first ({@link checkImportedTrials}),
 * then stored in one transaction, numbered after the experiment's trials, under one new revision
 * (server/trials/revisions.ts) so every process's history cache reads them. With a `requestId`, what
 * was stored is recorded in the same transaction: a resend that raced this call (the same id) stores
 * nothing and gets this answer ({@link importedBefore}). An experiment deleted meanwhile is NOT_FOUND,
 * one archived meanwhile CONFLICT.
 */
export async function importTrials(
  deps: { readonly database: Database; readonly events: Events },
  experiment: Experiment,
  trials: readonly ImportedTrialArgs[],
  requestId: string | null = null,
): Promise<ImportOutcome> {
  const rows = checkImportedTrials(experiment, trials);
  if (rows.length === 0) return { experiment, imported: 0, numbers: [], repeated: false };
  const now = new Date();
  const { database } = deps;
  let stored: { updated: Experiment; first: number };
  try {
    stored = await database
      .transaction(async (tx) => {
        // The next revision and trial numbers in one update, which holds the experiment's row until commit.
        // Only into the current version: one archived meanwhile (a worker's resume: false) is refused.
        const updated = await tx.experiment.update({
          where: { id: experiment.id, archivedAt: null },
          data: { revision: { increment: 1 }, nextTrialNumber: { increment: rows.length } },
        });
        const first = updated.nextTrialNumber - rows.length;
        await tx.trial.createMany({
          data: rows.map(({ params, outcome, worker, createdAt, completedAt }, i): Prisma.TrialCreateManyInput => ({
            experimentId: experiment.id,
            number: first + i,
            state: outcome.kind === 'completed' ? 'COMPLETED' : 'FAILED',
            params: params as Prisma.InputJsonObject,
            loss: outcome.kind === 'completed' ? outcome.loss : null,
            error: outcome.kind === 'failed' ? outcome.error : null,
            metrics: outcome.metrics as Prisma.InputJsonObject,
            worker,
            optimizer: IMPORTED,
            // A time the file did not give: the other one (the duration unknown), else now.
            createdAt: createdAt ?? completedAt ?? now,
            completedAt: completedAt ?? createdAt ?? now,
            revision: updated.revision,
          })),
        });
        if (requestId !== null) {
          await tx.importRequest.create({ data: { ownerId: experiment.ownerId, requestId, experimentId: experiment.id, first, count: rows.length, createdAt: now } });
        }
        return { updated, first };
      })
      .catch(archivedOrDeleted(database.db, experiment));
  } catch (error) {
    if (requestId === null || !isUniqueViolation(error)) throw error;
    // The same request, resent while this one was stored: its answer, nothing stored twice.
    const before = await importedBefore(database.db, experiment.ownerId, requestId, experiment.id, false);
    if (before === null) {
      throw userError('CONFLICT', `Another call with this requestId stored its trials elsewhere meanwhile: send this one with a new requestId`, 'requestId');
    }
    return before;
  }
  const { updated, first } = stored;
  const numbers = rows.map((_, i) => first + i);
  const ids = await database.db.trial.findMany({ where: { experimentId: experiment.id, number: { in: numbers } }, select: { id: true } });
  for (const { id } of ids) deps.events.pubsub.publish('experiment:trials', experiment.id, { trialId: id });
  deps.events.pubsub.publish('user:experiments', experiment.ownerId, { experimentId: experiment.id });
  return { experiment: updated, imported: rows.length, numbers, repeated: false };
}
