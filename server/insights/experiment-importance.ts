import { importanceOffThread, TimeoutError } from '../compute-pool.ts';
import { prisma } from '../db.ts';
import type { ParameterImportance } from './importance.ts';

const cache = new Map<string, Promise<readonly ParameterImportance[]>>();
const CACHE_SIZE = 64;

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Parameter importance of an experiment's completed trials (see `parameterImportance`), computed on a
 * worker thread within its time bound and cached until another trial completes; concurrent requests
 * share one computation. Past the time bound the answer is empty (and stays so until the next result).
 */
export async function experimentImportance(experimentId: string): Promise<readonly ParameterImportance[]> {
  const where = { experimentId, state: 'COMPLETED', loss: { not: null } };
  const stamp = await prisma.trial.aggregate({ where, _count: true, _max: { completedAt: true } });
  const key = `${experimentId}:${stamp._count}:${stamp._max.completedAt?.getTime() ?? 0}`;
  let result = cache.get(key);
  if (!result) {
    result = (async () => {
      const experiment = await prisma.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, seed: true } });
      const rows = await prisma.trial.findMany({ where, select: { params: true, loss: true } });
      const trials = rows.map((row) => ({ params: asRecord(row.params), loss: row.loss ?? Number.NaN }));
      try {
        return await importanceOffThread({ parameters: experiment.parameters, trials, seed: experiment.seed });
      } catch (error) {
        if (error instanceof TimeoutError) return [];
        throw error;
      }
    })();
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, result);
    // A failure is not cached: the next request tries again.
    result.catch(() => cache.delete(key));
  }
  return result;
}
