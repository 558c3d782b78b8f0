import { TimeoutError, type ComputePool } from '../optimizer/pool/compute-pool.ts';
import type { Db } from '../runtime/database.ts';
import type { ParameterImportance } from './importance.ts';

const CACHE_SIZE = 64;

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Parameter importance of experiments' completed trials (see `parameterImportance`), computed on a
 * worker thread within its time bound and cached until another trial completes; concurrent requests
 * share one computation. Past the time bound the answer is empty (and stays so until the next result).
 */
export class ImportanceCache {
  private readonly cache = new Map<string, Promise<readonly ParameterImportance[]>>();

  constructor(
    private readonly db: Db,
    private readonly pool: ComputePool,
  ) {}

  /** The experiment's parameter importance, most important first. */
  async of(experimentId: string): Promise<readonly ParameterImportance[]> {
    const where = { experimentId, state: 'COMPLETED', loss: { not: null } };
    const stamp = await this.db.trial.aggregate({ where, _count: true, _max: { revision: true } });
    const key = `${experimentId}:${stamp._count}:${stamp._max.revision ?? 0}`;
    let result = this.cache.get(key);
    if (!result) {
      result = this.compute(experimentId, where);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, result);
      // A failure is not cached: the next request tries again.
      result.catch(() => this.cache.delete(key));
    }
    return result;
  }

  private async compute(experimentId: string, where: { experimentId: string; state: string; loss: { not: null } }): Promise<readonly ParameterImportance[]> {
    const experiment = await this.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, seed: true } });
    const rows = await this.db.trial.findMany({ where, select: { params: true, loss: true } });
    const trials = rows.map((row) => ({ params: asRecord(row.params), loss: row.loss ?? Number.NaN }));
    try {
      return await this.pool.importance({ parameters: experiment.parameters, trials, seed: experiment.seed });
    } catch (error) {
      if (error instanceof TimeoutError) return [];
      throw error;
    }
  }
}
