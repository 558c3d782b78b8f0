import pLimit from 'p-limit';
import type { Prisma } from '../generated/prisma/client.ts';
import type { OperationBudget } from '../http/operation-budget.ts';
import { storedObjectives } from '../objectives/objectives-config.ts';
import { TimeoutError, type ComputePool } from '../optimizer/pool/compute-pool.ts';
import type { Database } from '../runtime/database.ts';
import { asRecord } from '../json.ts';
import { chartedObjective, scoredValue, type Objective } from './charted-objective.ts';
import type { ParameterImportance, ScoredTrial } from './importance.ts';

/** Experiments whose latest estimate one process keeps. */
const CACHE_SIZE = 256;

interface Entry {
  /** The objective scored, and the completed trials and their latest revision when the estimate was asked for. */
  readonly stamp: string;
  readonly result: Promise<readonly ParameterImportance[]>;
}

/**
 * Parameter importance of experiments' completed trials (see `parameterImportance`), computed on the
 * compute pool's insights thread within its time bound, one experiment at a time per process, and
 * cached per experiment until another trial completes; concurrent requests share one computation.
 * The value scored is the loss, or the first objective when `loss` is not one (see
 * {@link chartedObjective}). Past the time bound the answer is empty (and stays so until the next result).
 */
export class ImportanceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly computations = pLimit(1);

  constructor(
    private readonly database: Database,
    private readonly pool: ComputePool,
  ) {}

  /** The experiment's parameter importance, most important first; a new computation is charged to `budget`. */
  async of(experimentId: string, budget: OperationBudget): Promise<readonly ParameterImportance[]> {
    const { db } = this.database;
    const experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { objectives: true } });
    const objective = chartedObjective(storedObjectives(experiment.objectives));
    // A custom objective sits in the metrics JSON, which the database cannot filter alike on SQLite
    // and PostgreSQL: every completed trial counts, those without the value are left out when scored.
    const where: Prisma.TrialWhereInput = objective.name === 'loss' ? { experimentId, state: 'COMPLETED', loss: { not: null } } : { experimentId, state: 'COMPLETED' };
    const latest = await db.trial.aggregate({ where, _count: true, _max: { revision: true } });
    const stamp = `${objective.direction} ${JSON.stringify(objective.name)}:${latest._count}:${latest._max.revision ?? 0}`;
    const cached = this.entries.get(experimentId);
    if (cached?.stamp === stamp) {
      // Most recently used last: the first entry is the one to forget.
      this.entries.delete(experimentId);
      this.entries.set(experimentId, cached);
      return cached.result;
    }
    budget.charge(await this.database.storedBytes({ table: 'Trial', experimentId }), 'insights');
    const result = this.computations(() => this.compute(experimentId, where, objective));
    this.entries.delete(experimentId);
    this.entries.set(experimentId, { stamp, result });
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    // A failure is not kept: the next request tries again.
    result.catch(() => {
      if (this.entries.get(experimentId)?.result === result) this.entries.delete(experimentId);
    });
    return result;
  }

  private async compute(experimentId: string, where: Prisma.TrialWhereInput, objective: Objective): Promise<readonly ParameterImportance[]> {
    const { db } = this.database;
    const experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, seed: true } });
    const trials = await this.scoredTrials(where, objective);
    try {
      return await this.pool.importance({ parameters: experiment.parameters, trials, seed: experiment.seed });
    } catch (error) {
      if (error instanceof TimeoutError) return [];
      throw error;
    }
  }

  /** The trials `where` selects, each with its value of `objective` (lower is better); those without one are left out. */
  private async scoredTrials(where: Prisma.TrialWhereInput, objective: Objective): Promise<ScoredTrial[]> {
    const { db } = this.database;
    if (objective.name === 'loss') {
      const rows = await db.trial.findMany({ where, select: { params: true, loss: true } });
      return rows.map((row) => ({ params: asRecord(row.params), loss: scoredValue(row.loss, objective) }));
    }
    const rows = await db.trial.findMany({ where, select: { params: true, metrics: true } });
    const trials: ScoredTrial[] = [];
    for (const row of rows) {
      const loss = scoredValue(asRecord(row.metrics)[objective.name], objective);
      if (!Number.isNaN(loss)) trials.push({ params: asRecord(row.params), loss });
    }
    return trials;
  }
}
