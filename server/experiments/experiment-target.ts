import type { Experiment } from '../generated/prisma/client.ts';
import type { Viewer } from '../accounts/auth.ts';
import { badInput, isDeletedMeanwhile, userError } from '../errors.ts';
import type { Database, Db } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import { experimentName, MAX_NAME, parseExperimentRequest, type ExperimentInputArgs } from './experiment-input.ts';
import { nameProblem } from '../text.ts';
import { withStoredSpace } from './stored-space.ts';
import { checkNewNames, checkSameSpace, openExperiment } from './experiments.ts';

/** How `enqueue` and `importTrials` name their experiment: exactly one of the three. */
export interface ExperimentTargetArgs {
  /** As `suggest` takes it: created on first use, continued (or, with `resume: false`, started afresh) otherwise. */
  readonly experiment?: ExperimentInputArgs | null;
  /** An experiment by id: the current version of its name (archived ones take no new trials). */
  readonly experimentId?: string | number | null;
  /** The current experiment of that name. */
  readonly experimentName?: string | null;
}

/**
 * The caller's experiment that new trials or queued parameters go to. Another user's experiment looks
 * like no experiment (NOT_FOUND); an archived version is refused with CONFLICT. `requestId` is the
 * call's: a `resume: false` call resent with it uses the version its first attempt started.
 */
export async function targetExperiment(database: Database, events: Events, viewer: Viewer, args: ExperimentTargetArgs, requestId: string | null = null): Promise<Experiment> {
  const given = givenTargets(args);
  if (given !== 1) {
    throw badInput('experiment', `Pass exactly one of experiment (as suggest takes it), experimentId and experimentName, but got ${given}`);
  }
  if (args.experiment) {
    const request = await withStoredSpace(database.db, viewer.userId, parseExperimentRequest(args.experiment, { requestId }));
    return openExperiment(database, events, viewer.userId, request);
  }
  if (args.experimentName != null) {
    const problem = nameProblem(experimentName(args.experimentName), MAX_NAME);
    if (problem !== null) throw badInput('experimentName', `experimentName ${problem}`);
    const found = await database.db.experiment.findFirst({
      where: { ownerId: viewer.userId, name: experimentName(args.experimentName), archivedAt: null },
      orderBy: { version: 'desc' },
    });
    if (!found) throw userError('NOT_FOUND', `No experiment named "${args.experimentName.slice(0, 200)}"`, 'experimentName');
    return found;
  }
  const id = String(args.experimentId);
  const found = await database.db.experiment.findFirst({ where: { id, ownerId: viewer.userId } });
  if (!found) throw userError('NOT_FOUND', `No experiment with id "${id.slice(0, 100)}"`, 'experimentId');
  if (found.archivedAt) throw archivedError(found);
  return found;
}

/**
 * The id of the experiment a call naming `args` goes to as things are now, without creating or
 * changing anything: the version given by id, or the current version of the name given; null when
 * there is none (yet). A `resume: false` call that a resend repeats went to the version it started,
 * which is the current one until another starts afresh.
 */
export async function currentTargetId(db: Db, ownerId: string, args: ExperimentTargetArgs): Promise<string | null> {
  // A call that names its experiment wrongly (not exactly one way, or by a name no experiment can
  // have) has none: it is refused, naming the field, when its target is read.
  if (givenTargets(args) !== 1) return null;
  if (args.experimentId !== undefined && args.experimentId !== null) return String(args.experimentId);
  const raw = args.experimentName ?? args.experiment?.name;
  if (typeof raw !== 'string' || nameProblem(experimentName(raw), MAX_NAME) !== null) return null;
  const found = await db.experiment.findFirst({ where: { ownerId, name: experimentName(raw), archivedAt: null }, orderBy: { version: 'desc' }, select: { id: true } });
  return found?.id ?? null;
}

/** How many of the three ways to name an experiment a call used. */
function givenTargets(args: ExperimentTargetArgs): number {
  return [args.experiment, args.experimentId, args.experimentName].filter((value) => value !== undefined && value !== null).length;
}

/** The CONFLICT an archived version answers when asked to take new trials or queued sets. */
export function archivedError(experiment: Pick<Experiment, 'name' | 'version'>, field = 'experimentId'): Error {
  return userError('CONFLICT', `Experiment "${experiment.name}" version ${experiment.version} is archived: its trials are kept, but it takes no new ones`, field);
}

/**
 * For a write to `experiment` that required its row to be current (`where: { id, archivedAt: null }`):
 * an error saying the row is gone (deleted meanwhile) becomes CONFLICT when the version was archived
 * meanwhile (a worker's `resume: false`), NOT_FOUND when it was deleted; other errors pass through.
 */
export function archivedOrDeleted(db: Db, experiment: Pick<Experiment, 'id' | 'name' | 'version'>): (error: unknown) => Promise<never> {
  return async (error) => {
    if (!isDeletedMeanwhile(error)) throw error;
    const row = await db.experiment.findUnique({ where: { id: experiment.id }, select: { archivedAt: true } });
    if (row?.archivedAt) throw archivedError(experiment);
    throw userError('NOT_FOUND', `Experiment "${experiment.name}" was deleted`);
  };
}

/**
 * What a dry run checks against, without creating or changing anything: the experiment
 * {@link targetExperiment} would use when it exists (null otherwise, and as it is now: a resuming
 * request's new settings are not applied), and the parameters and objectives it would have, or, for an
 * experiment not created yet (or one `resume: false` would start afresh), those the request gives (a
 * fresh start keeps the current version's objectives unless the request gives its own).
 * Callers check their input against it before {@link targetExperiment}, so refused input creates no
 * experiment.
 */
export async function previewTarget(
  database: Database,
  events: Events,
  viewer: Viewer,
  args: ExperimentTargetArgs,
): Promise<{ readonly experiment: Experiment | null; readonly basis: Pick<Experiment, 'parameters' | 'objectives'> }> {
  if (!args.experiment || args.experimentId != null || args.experimentName != null) {
    const experiment = await targetExperiment(database, events, viewer, args);
    return { experiment, basis: experiment };
  }
  const request = await withStoredSpace(database.db, viewer.userId, parseExperimentRequest(args.experiment));
  const current = await database.db.experiment.findFirst({ where: { ownerId: viewer.userId, name: request.name, archivedAt: null }, orderBy: { version: 'desc' } });
  // The objectives its trials would meet: the request's, else the current version's (which a version
  // started afresh keeps, as createVersion does).
  const objectives = request.objectives !== null ? (request.objectives as unknown as Experiment['objectives']) : (current?.objectives ?? null);
  if (current && request.resume) {
    // Checked as resuming would, but nothing written.
    checkSameSpace(current, request);
    return { experiment: current, basis: { parameters: current.parameters, objectives } };
  }
  // A version would be created: its names are checked as creating it would check them.
  const named = current ?? (await database.db.experiment.findFirst({ where: { ownerId: viewer.userId, name: request.name }, select: { id: true } }));
  checkNewNames(request, named === null, current);
  return { experiment: null, basis: { parameters: request.parameters as Experiment['parameters'], objectives } };
}
