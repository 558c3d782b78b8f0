import { randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import { badInput, userError } from '../errors.ts';
import { canonicalSpace, parseSearchSpace } from '../optimizer/space.ts';
import { SearchSpaceError } from '../optimizer/space/spec.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import type { ExperimentDirectory } from './experiment-directory.ts';
import { MAX_NAME, type SuggestInput } from './experiment-input.ts';
import { newNameProblem } from '../text.ts';
import { samePruner } from '../pruners/pruner-config.ts';
import { storedConstraints, storedObjectives } from '../objectives/objectives-config.ts';
import { requestIdKept } from '../trials/request-expiry.ts';
import { joinedTo, noExperimentNamed } from './stored-space.ts';
import { checkGridSpace } from './experiment-grid.ts';

/**
 * Refuses names a new experiment or a new space may not bring (see `newNameProblem`): the experiment's
 * when the name is new, its parameters' when the space is. Names stored before that rule keep working.
 */
export function checkNewNames(request: Pick<SuggestInput, 'name' | 'space'>, newName: boolean, archive: Pick<Experiment, 'parameters'> | null): void {
  if (newName) {
    const problem = newNameProblem(request.name, MAX_NAME);
    if (problem !== null) throw badInput('experiment.name', `experiment.name ${problem}`);
  }
  if (archive !== null && storedSpaceKey(archive) === canonicalSpace(request.space)) return;
  // The names the spec gives (`lr` under a choice, not its key `adam.lr`: a choice is a value, free to hold anything).
  for (const parameter of request.space.parameters) {
    const name = parameter.condition?.specName ?? parameter.name;
    const problem = newNameProblem(name, Number.POSITIVE_INFINITY);
    if (problem !== null) throw badInput(`experiment.parameters.${parameter.name}`, `parameter name ${JSON.stringify(name)} ${problem}`);
  }
}

/** A stored space's canonical text, or null when it no longer parses (it then matches no request's). */
function storedSpaceKey(experiment: Pick<Experiment, 'parameters'>): string | null {
  try {
    return canonicalSpace(parseSearchSpace(experiment.parameters));
  } catch (error) {
    if (error instanceof SearchSpaceError) return null;
    throw error;
  }
}

async function createVersion(database: Database, events: Events, ownerId: string, request: SuggestInput, archive: Experiment | null): Promise<Experiment> {
  const latest = await database.db.experiment.findFirst({
    where: { ownerId, name: request.name },
    orderBy: { version: 'desc' },
    select: { version: true },
  });
  checkNewNames(request, latest === null, archive);
  const algorithm = request.algorithm ?? archive?.algorithm ?? 'auto';
  checkGridSpace(algorithm, request.space);
  const data = {
    ownerId,
    name: request.name,
    version: (latest?.version ?? 0) + 1,
    description: request.description ?? archive?.description ?? '',
    parameters: request.parameters as Prisma.InputJsonObject,
    algorithm,
    seed: request.seed ?? randomInt(2 ** 31),
    ...(request.leaseSeconds !== null ? { leaseSeconds: request.leaseSeconds } : archive ? { leaseSeconds: archive.leaseSeconds } : {}),
    ...(request.maxTrials !== null ? { maxTrials: request.maxTrials } : archive ? { maxTrials: archive.maxTrials } : {}),
    ...(request.maxRetries !== null ? { maxRetries: request.maxRetries } : archive ? { maxRetries: archive.maxRetries } : {}),
    ...(request.pruner !== null
      ? { pruner: request.pruner as unknown as Prisma.InputJsonObject }
      : archive?.pruner
        ? { pruner: archive.pruner as Prisma.InputJsonObject }
        : {}),
    ...(request.objectives !== null ? { objectives: request.objectives as unknown as Prisma.InputJsonArray } : archive?.objectives ? { objectives: archive.objectives as Prisma.InputJsonArray } : {}),
    ...(request.constraints !== null ? { constraints: request.constraints as unknown as Prisma.InputJsonArray } : archive?.constraints ? { constraints: archive.constraints as Prisma.InputJsonArray } : {}),
    startRequestId: request.requestId,
  };
  if (!archive) return database.db.experiment.create({ data });
  const created = await database.transaction(async (tx) => {
    await tx.experiment.update({ where: { id: archive.id }, data: { archivedAt: new Date() } });
    return tx.experiment.create({ data });
  });
  // Open pages of the archived version (and lists of experiments) hear of it, and of its successor.
  for (const experimentId of [archive.id, created.id]) events.pubsub.publish('user:experiments', ownerId, { experimentId });
  return created;
}

/**
 * Refuses a resuming request whose parameter space is not the experiment's (BAD_USER_INPUT on
 * `experiment.parameters`). Writes nothing.
 */
export function checkSameSpace(experiment: Pick<Experiment, 'parameters'>, request: Pick<SuggestInput, 'name' | 'space'>): void {
  if (storedSpaceKey(experiment) !== canonicalSpace(request.space)) {
    throw badInput(
      'experiment.parameters',
      `Experiment "${request.name}" already exists with a different parameter space. ` +
        'Pass resume: false to archive its trials and start afresh, or use another name.',
    );
  }
}

/** What a resuming request changes on the current experiment (description, algorithm, lease, trial budget, retries, pruner, objectives, constraints); empty when nothing. */
export function settingChanges(
  current: Pick<Experiment, 'description' | 'algorithm' | 'leaseSeconds' | 'maxTrials' | 'maxRetries' | 'pruner' | 'objectives' | 'constraints'>,
  request: SuggestInput,
): Prisma.ExperimentUpdateInput {
  const changes: Prisma.ExperimentUpdateInput = {};
  if (request.description !== null && request.description !== current.description) changes.description = request.description;
  if (request.algorithm !== null && request.algorithm !== current.algorithm) changes.algorithm = request.algorithm;
  if (request.leaseSeconds !== null && request.leaseSeconds !== current.leaseSeconds) changes.leaseSeconds = request.leaseSeconds;
  if (request.maxTrials !== null && request.maxTrials !== current.maxTrials) changes.maxTrials = request.maxTrials;
  if (request.maxRetries !== null && request.maxRetries !== current.maxRetries) changes.maxRetries = request.maxRetries;
  if (request.pruner !== null && !samePruner(current.pruner, request.pruner)) changes.pruner = request.pruner as unknown as Prisma.InputJsonObject;
  if (request.objectives !== null && !isDeepStrictEqual(storedObjectives(current.objectives), request.objectives)) {
    changes.objectives = request.objectives as unknown as Prisma.InputJsonArray;
  }
  if (request.constraints !== null && !isDeepStrictEqual(storedConstraints(current.constraints), request.constraints)) {
    changes.constraints = request.constraints as unknown as Prisma.InputJsonArray;
  }
  return changes;
}

/**
 * Applies what a resuming request changes to the current experiment, and tells `events` when it
 * changed something (`user:experiments`): open pages show its new objectives, constraints and algorithm.
 */
async function resume(database: Database, events: Events, current: Experiment, request: SuggestInput): Promise<Experiment> {
  checkSameSpace(current, request);
  checkGridSpace(request.algorithm ?? current.algorithm, request.space);
  const changes = settingChanges(current, request);
  if (!Object.keys(changes).length) return current;
  const updated = await database.db.experiment.update({ where: { id: current.id }, data: changes });
  events.pubsub.publish('user:experiments', current.ownerId, { experimentId: current.id });
  return updated;
}

/** The experiment a suggest goes to; `remembered` when it came from the directory, unchecked against its row. */
export interface OpenedExperiment {
  readonly id: string;
  readonly remembered: boolean;
  /** The request as it goes to that experiment: a joining one fitted to its space (which may have changed since the request read it). */
  readonly request: SuggestInput;
}

/**
 * The experiment a suggestion belongs to: the caller's current one of that name, created on first use
 * (see {@link openExperiment}); for a resuming request, the one `directory` remembers for that name
 * and space when it has one (the suggest queue then checks it against the experiment's row).
 */
export async function findExperiment(database: Database, events: Events, directory: ExperimentDirectory, ownerId: string, request: SuggestInput): Promise<OpenedExperiment> {
  const canonical = canonicalSpace(request.space);
  const known = request.resume ? directory.get(ownerId, request.name) : undefined;
  if (known && known.canonicalSpace === canonical) return { id: known.id, remembered: true, request };
  const experiment = await openExperiment(database, events, ownerId, request);
  // A joining request meets the version current under the lock, in that version's space.
  const fitted = request.joined ? joinedTo(request, experiment) : request;
  directory.remember(ownerId, request.name, { id: experiment.id, canonicalSpace: canonicalSpace(fitted.space) });
  return { id: experiment.id, remembered: false, request: fitted };
}

/**
 * The experiment a `resume: false` request goes to once the version it started was archived by
 * another's `resume: false` before its trial was stored (workers starting afresh together): the current
 * version, joined as a resend joins it (its space checked, its settings not applied over the other
 * call's), or a new one if none is current (deleted meanwhile).
 */
export async function rejoinExperiment(database: Database, events: Events, directory: ExperimentDirectory, ownerId: string, request: SuggestInput): Promise<OpenedExperiment> {
  const current = await database.db.experiment.findFirst({ where: { ownerId, name: request.name, archivedAt: null }, orderBy: { version: 'desc' } });
  if (current === null) return findExperiment(database, events, directory, ownerId, request);
  // A joining request has no space of its own: it joins the version that is current, whatever its space.
  if (!request.joined && storedSpaceKey(current) !== canonicalSpace(request.space)) {
    throw userError(
      'CONFLICT',
      `Experiment "${request.name}" was started afresh meanwhile by another call, with a different parameter space; send this call again to start afresh once more`,
      'experiment.parameters',
    );
  }
  return { id: current.id, remembered: false, request: request.joined ? joinedTo(request, current) : request };
}

/**
 * Whether `experiment` is the version this request started, or already holds the trial of this
 * request's id: the request is a resend of a `resume: false` call (its answer lost, or the call still
 * running), and that version is the one to use (archiving it would lose what the first call stored or
 * is about to store, and the trial the worker is about to be handed back).
 */
async function startedBy(database: Database, experiment: Experiment, request: SuggestInput): Promise<boolean> {
  if (request.requestId === null) return false;
  if (experiment.startRequestId === request.requestId && requestIdKept(experiment.createdAt)) return true;
  // It started an earlier version, which another's `resume: false` archived meanwhile (workers starting
  // afresh together): it has had its fresh start, and joins the current version (see rejoinExperiment).
  const started = await database.db.experiment.findFirst({
    where: { ownerId: experiment.ownerId, name: experiment.name, startRequestId: request.requestId },
    select: { createdAt: true },
  });
  if (started !== null && requestIdKept(started.createdAt)) return true;
  const trial = await database.db.trial.findFirst({ where: { experimentId: experiment.id, requestId: request.requestId }, select: { id: true } });
  return trial !== null;
}

/**
 * The experiment a suggestion belongs to: the caller's current one of that name, created on first use.
 * `resume: false` archives the current one and starts a new version (and tells `events` of both, as
 * `user:experiments`), unless the current one was started by this request or holds its trial (a resend); a resuming
 * request that changes its settings tells `events` too. Creating and archiving take the
 * name's lock (across replicas on PostgreSQL), so workers starting together share one experiment.
 */
export async function openExperiment(database: Database, events: Events, ownerId: string, request: SuggestInput): Promise<Experiment> {
  const current = () => database.db.experiment.findFirst({ where: { ownerId, name: request.name, archivedAt: null }, orderBy: { version: 'desc' } });
  // A joining request (a name alone) takes the space of the version it meets, whichever that is by now.
  const fitted = (experiment: Experiment): SuggestInput => (request.joined ? joinedTo(request, experiment) : request);
  const found = await current();
  if (found && request.resume) return resume(database, events, found, fitted(found));
  return database.withExperimentLock(`name:${ownerId}:${request.name}`, async () => {
    // Read again under the lock: another request may have created (or archived) it meanwhile.
    const now = await current();
    // Deleted meanwhile: a name alone creates nothing.
    if (now === null && request.joined) throw noExperimentNamed(request.name);
    if (now && request.resume) return resume(database, events, now, fitted(now));
    if (now && (await startedBy(database, now, request))) {
      // A resend carries the first call's settings: applying them again could undo a change another
      // worker's resuming call made since.
      checkSameSpace(now, fitted(now));
      return now;
    }
    return createVersion(database, events, ownerId, now ? fitted(now) : request, now);
  });
}
