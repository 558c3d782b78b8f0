import type { OperationBudget } from '../http/operation-budget.ts';
import { insightsBusy, TimeoutError, type ComputePool } from '../optimizer/pool/compute-pool.ts';
import type { Database } from '../runtime/database.ts';
import type { ParameterImportance } from './importance.ts';
import { scoredSelection, scoredTrials, type ScoredSelection } from './scored-trials.ts';

/** Experiments whose latest estimate one process keeps. */
const CACHE_SIZE = 256;

interface Entry {
  /** The objective scored, and the completed trials and their latest revision when the estimate was asked for. */
  readonly stamp: string;
  readonly result: Promise<readonly ParameterImportance[]>;
}

/**
 * Parameter importance of experiments' completed trials (see `parameterImportance`), computed on the
 * compute pool's insights thread within its time bound (users taking turns on it, each estimate's
 * trials read in its turn, so one at a time per process), and
 * cached per experiment until another trial completes; concurrent requests share one computation.
 * The value scored is the loss, or the first objective when `loss` is not one (see
 * `chartedObjective`). Past the time bound the answer is empty (and stays so until the next result).
 */
export class ImportanceCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly database: Database,
    private readonly pool: ComputePool,
  ) {}

  /** The experiment's parameter importance, most important first; a new computation is charged to `budget`. */
  async of(experimentId: string, budget: OperationBudget): Promise<readonly ParameterImportance[]> {
    const selection = await scoredSelection(this.database, experimentId);
    const cached = this.entries.get(experimentId);
    if (cached?.stamp === selection.stamp) {
      // Most recently used last: the first entry is the one to forget.
      this.entries.delete(experimentId);
      this.entries.set(experimentId, cached);
      return cached.result;
    }
    budget.charge(await this.database.storedBytes({ table: 'Trial', experimentId }), 'insights');
    const result = this.compute(experimentId, selection);
    this.entries.delete(experimentId);
    this.entries.set(experimentId, { stamp: selection.stamp, result });
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    // A failure is not kept: the next request tries again.
    result.catch(() => {
      if (this.entries.get(experimentId)?.result === result) this.entries.delete(experimentId);
    });
    return result;
  }

  private async compute(experimentId: string, selection: ScoredSelection): Promise<readonly ParameterImportance[]> {
    const { db } = this.database;
    const experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, seed: true, ownerId: true } });
    try {
      // The trials are read in the owner's turn on the insights thread: one estimate's at a time.
      const prepare = async () => ({ parameters: experiment.parameters, trials: await scoredTrials(this.database, selection), seed: experiment.seed });
      return await this.pool.importance(prepare, experiment.ownerId);
    } catch (error) {
      if (error instanceof TimeoutError) return [];
      throw insightsBusy('parameterImportance', error);
    }
  }
}
