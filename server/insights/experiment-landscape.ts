import type { OperationBudget } from '../http/operation-budget.ts';
import { insightsBusy, TimeoutError, type ComputePool } from '../optimizer/pool/compute-pool.ts';
import type { Database } from '../runtime/database.ts';
import { asRecord } from '../json.ts';
import { scoredValue, type Objective } from './charted-objective.ts';
import type { ScoredTrial } from './importance.ts';
import { MAX_TRAINING_TRIALS, type ModelLandscape } from './model-landscape.ts';
import { scoredSelection, scoredTrials, type ScoredSelection } from './scored-trials.ts';

/** Landscapes (experiment and pair of parameters) one process keeps. */
const CACHE_SIZE = 256;

/** The GP's prediction over two parameters, or why there is none; and the objective it predicts. */
export interface ExperimentLandscape {
  readonly objective: Objective;
  readonly landscape: ModelLandscape | null;
  readonly reason: string | null;
}

interface Entry {
  readonly stamp: string;
  readonly result: Promise<ExperimentLandscape>;
}

/**
 * Model landscapes of experiments (see `modelLandscape`): the GP fitted on the completed trials and
 * predicted over two parameters, on the compute pool's insights thread within its time bound (users
 * taking turns, each landscape's trials read in its turn, so one at a time per process), cached per experiment and pair of parameters until another trial completes;
 * concurrent requests share one computation. Past the time bound there is no landscape (and a reason).
 */
export class LandscapeCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly database: Database,
    private readonly pool: ComputePool,
  ) {}

  /** The landscape of the experiment over parameters `x` and `y` (tunable parameters of it); a new computation is charged to `budget`. */
  async of(experimentId: string, x: string, y: string, budget: OperationBudget): Promise<ExperimentLandscape> {
    const selection = await scoredSelection(this.database, experimentId);
    const key = JSON.stringify([experimentId, x, y]);
    const cached = this.entries.get(key);
    if (cached?.stamp === selection.stamp) {
      // Most recently used last: the first entry is the one to forget.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.result;
    }
    budget.charge(await this.database.storedBytes({ table: 'Trial', experimentId }), 'insights');
    const result = this.compute(experimentId, x, y, selection);
    this.entries.delete(key);
    this.entries.set(key, { stamp: selection.stamp, result });
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    // A failure is not kept: the next request tries again.
    result.catch(() => {
      if (this.entries.get(key)?.result === result) this.entries.delete(key);
    });
    return result;
  }

  private async compute(experimentId: string, x: string, y: string, selection: ScoredSelection): Promise<ExperimentLandscape> {
    const { db } = this.database;
    const { objective } = selection;
    const experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, seed: true, ownerId: true } });
    // The trials are read in the owner's turn on the insights thread: one landscape's at a time.
    const prepare = async () => {
      const trials = objective.name === 'loss' ? await this.modelledTrials(selection) : await scoredTrials(this.database, selection);
      return { parameters: experiment.parameters, trials, maximize: objective.direction === 'maximize', x, y, seed: experiment.seed };
    };
    try {
      return { objective, ...(await this.pool.landscape(prepare, experiment.ownerId)) };
    } catch (error) {
      if (error instanceof TimeoutError) return { objective, landscape: null, reason: `the model took longer than ${error.timeoutMs} ms` };
      throw insightsBusy('modelLandscape', error);
    }
  }

  /**
   * Just the trials the GP can use when the objective is the loss column: the best
   * {@link MAX_TRAINING_TRIALS}/2 and the latest {@link MAX_TRAINING_TRIALS}, oldest first (the model
   * keeps the best half and the latest of them), so 100,000 trials cost two bounded reads.
   */
  private async modelledTrials({ where, objective }: ScoredSelection): Promise<ScoredTrial[]> {
    const { db } = this.database;
    const select = { number: true, params: true, loss: true } as const;
    const [best, latest] = await Promise.all([
      db.trial.findMany({ where, select, orderBy: { loss: objective.direction === 'maximize' ? 'desc' : 'asc' }, take: MAX_TRAINING_TRIALS / 2 }),
      db.trial.findMany({ where, select, orderBy: { number: 'desc' }, take: MAX_TRAINING_TRIALS }),
    ]);
    const rows = new Map([...best, ...latest].map((row) => [row.number, row]));
    return [...rows.values()].sort((a, b) => a.number - b.number).map((row) => ({ params: asRecord(row.params), loss: scoredValue(row.loss, objective) }));
  }
}
