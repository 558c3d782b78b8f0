import { randomInt } from 'node:crypto';
import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import { badInput } from '../errors.ts';
import { canonicalSpace, parseSearchSpace } from '../optimizer/space.ts';
import type { Database } from '../runtime/database.ts';
import type { SuggestRequest } from './experiment-input.ts';

const CREATE_ATTEMPTS = 5;

/** A unique constraint refused the write (Prisma's P2002, from either provider's client). */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2002';
}

/** Thrown inside the archiving transaction when another request archived the experiment first. */
class AlreadyArchived extends Error {
  readonly code = 'P2002';
}

async function createVersion(database: Database, ownerId: string, request: SuggestRequest, archive: Experiment | null): Promise<Experiment> {
  const latest = await database.db.experiment.findFirst({
    where: { ownerId, name: request.name },
    orderBy: { version: 'desc' },
    select: { version: true },
  });
  const data = {
    ownerId,
    name: request.name,
    version: (latest?.version ?? 0) + 1,
    description: request.description ?? archive?.description ?? '',
    parameters: request.parameters as Prisma.InputJsonObject,
    algorithm: request.algorithm ?? archive?.algorithm ?? 'auto',
    seed: request.seed ?? randomInt(2 ** 31),
    ...(request.leaseSeconds !== null ? { leaseSeconds: request.leaseSeconds } : archive ? { leaseSeconds: archive.leaseSeconds } : {}),
  };
  if (!archive) return database.db.experiment.create({ data });
  return database.transaction(async (tx) => {
    const archived = await tx.experiment.updateMany({
      where: { id: archive.id, archivedAt: null },
      data: { archivedAt: new Date() },
    });
    if (archived.count === 0) throw new AlreadyArchived('already archived');
    return tx.experiment.create({ data });
  });
}

function checkSameSpace(experiment: Experiment, request: SuggestRequest): void {
  const stored = canonicalSpace(parseSearchSpace(experiment.parameters));
  if (stored !== canonicalSpace(request.space)) {
    throw badInput(
      'experiment.parameters',
      `Experiment "${request.name}" already exists with a different parameter space. ` +
        'Pass resume: false to archive its trials and start afresh, or use another name.',
    );
  }
}

/**
 * The experiment a suggestion belongs to: the caller's current one of that name, created on first use.
 * `resume: false` archives the current one and starts a new version.
 */
export async function openExperiment(database: Database, ownerId: string, request: SuggestRequest): Promise<Experiment> {
  for (let attempt = 1; ; attempt++) {
    const current = await database.db.experiment.findFirst({
      where: { ownerId, name: request.name, archivedAt: null },
      orderBy: { version: 'desc' },
    });
    try {
      if (!current || !request.resume) return await createVersion(database, ownerId, request, current);
    } catch (error) {
      if (isUniqueViolation(error) && attempt < CREATE_ATTEMPTS) continue;
      throw error;
    }
    checkSameSpace(current, request);
    const changes: Prisma.ExperimentUpdateInput = {};
    if (request.description !== null && request.description !== current.description) changes.description = request.description;
    if (request.algorithm !== null && request.algorithm !== current.algorithm) changes.algorithm = request.algorithm;
    if (request.leaseSeconds !== null && request.leaseSeconds !== current.leaseSeconds) changes.leaseSeconds = request.leaseSeconds;
    return Object.keys(changes).length ? database.db.experiment.update({ where: { id: current.id }, data: changes }) : current;
  }
}
