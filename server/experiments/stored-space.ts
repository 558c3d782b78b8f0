import type { Experiment } from '../generated/prisma/client.ts';
import { userError } from '../errors.ts';
import { parseSearchSpace } from '../optimizer/space.ts';
import { SearchSpaceError } from '../optimizer/space/spec.ts';
import type { Db } from '../runtime/database.ts';
import type { ExperimentRequest, SuggestInput } from './experiment-input.ts';

/** The NOT_FOUND a request that named only an experiment gets when there is none of that name. */
export function noExperimentNamed(name: string): Error {
  return userError('NOT_FOUND', `No experiment named "${name}": give its parameters (experiment.parameters) to create it`, 'experiment.name');
}

/**
 * A joining request (one that named only an experiment) fitted to `experiment`, the current version of
 * its name: that version's parameters and space. CONFLICT when its stored space no longer passes the
 * rules for new ones (a parameter name stored before a rule refused it): the request cannot rebuild it.
 */
export function joinedTo<T extends Omit<SuggestInput, 'parameters' | 'space'>>(request: T, experiment: Pick<Experiment, 'name' | 'parameters'>): T & Pick<SuggestInput, 'parameters' | 'space' | 'joined'> {
  const parameters = experiment.parameters as Readonly<Record<string, unknown>>;
  try {
    return { ...request, parameters, space: parseSearchSpace(parameters), joined: true };
  } catch (error) {
    if (!(error instanceof SearchSpaceError)) throw error;
    throw userError(
      'CONFLICT',
      `The stored parameters of "${experiment.name}" no longer pass validation (${error.message}): give its parameters anew with resume: false to start it afresh`,
      'experiment.name',
    );
  }
}

/**
 * `request` with its parameter space: its own, or, for a request that named only an experiment
 * (`{"name": "Square"}`), the space of the caller's current experiment of that name, which it then
 * continues (or, with `resume: false`, starts afresh in that space); it stays marked `joined`, so that
 * an experiment deleted meanwhile is not created again. NOT_FOUND on `experiment.name` when there is
 * none (never created, or deleted): a name alone creates nothing.
 */
export async function withStoredSpace(db: Db, ownerId: string, request: ExperimentRequest): Promise<SuggestInput> {
  if (request.parameters !== null && request.space !== null) return { ...request, parameters: request.parameters, space: request.space };
  const current = await db.experiment.findFirst({
    where: { ownerId, name: request.name, archivedAt: null },
    orderBy: { version: 'desc' },
    select: { name: true, parameters: true },
  });
  if (current === null) throw noExperimentNamed(request.name);
  return joinedTo(request, current);
}
