import { userError } from '../errors.ts';
import { parseSearchSpace } from '../optimizer/space.ts';
import type { Db } from '../runtime/database.ts';
import type { ExperimentRequest, SuggestInput } from './experiment-input.ts';

/**
 * `request` with its parameter space: its own, or, for a request that named only an experiment
 * (`{"name": "Square"}`), the space of the caller's current experiment of that name, which it then
 * continues (or, with `resume: false`, starts afresh in that space). NOT_FOUND on `experiment.name`
 * when there is none (never created, or deleted): a name alone creates nothing.
 */
export async function withStoredSpace(db: Db, ownerId: string, request: ExperimentRequest): Promise<SuggestInput> {
  if (request.parameters !== null && request.space !== null) return { ...request, parameters: request.parameters, space: request.space };
  const current = await db.experiment.findFirst({
    where: { ownerId, name: request.name, archivedAt: null },
    orderBy: { version: 'desc' },
    select: { parameters: true },
  });
  if (current === null) {
    throw userError(
      'NOT_FOUND',
      `No experiment named "${request.name}": give its parameters (experiment.parameters) to create it`,
      'experiment.name',
    );
  }
  const parameters = current.parameters as Readonly<Record<string, unknown>>;
  return { ...request, parameters, space: parseSearchSpace(parameters) };
}
