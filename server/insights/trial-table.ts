import pLimit from 'p-limit';
import type { OperationBudget } from '../http/operation-budget.ts';
import type { Database } from '../runtime/database.ts';
import { asRecord } from '../json.ts';

/** One named column of a trial table: a value (or null) per trial, in trial order. */
export interface TrialColumn {
  readonly name: string;
  readonly values: readonly unknown[];
}

/** An experiment's trials as columns (one array per field), for the dashboard's table and charts. */
export interface TrialTable {
  readonly numbers: readonly number[];
  readonly states: readonly string[];
  readonly losses: readonly (number | null)[];
  readonly workers: readonly (string | null)[];
  /** Milliseconds since the epoch. */
  readonly createdAt: readonly number[];
  readonly completedAt: readonly (number | null)[];
  readonly parameters: readonly TrialColumn[];
  readonly metrics: readonly TrialColumn[];
  /** Each trial's latest checkpoint record, or null. */
  readonly checkpoints: readonly unknown[];
  /** The step at which the pruner stopped each trial, or null. */
  readonly prunedSteps: readonly (number | null)[];
}

/** Tables read at once in one process; more wait their turn, so memory stays bounded under load. */
const LOADS_AT_ONCE = 2;


/**
 * Reads every trial of an experiment, oldest first, into columns: one query, no per-trial round
 * trips. Its stored size is charged to the operation's budget before the rows are read, so no
 * operation can make the server build more; at most two tables are built at once.
 */
export class TrialTables {
  private readonly loads = pLimit(LOADS_AT_ONCE);

  constructor(private readonly database: Database) {}

  /** The experiment's table, charged to `budget`. */
  async load(experimentId: string, budget: OperationBudget): Promise<TrialTable> {
    budget.charge(await this.database.storedBytes({ table: 'Trial', experimentId }), 'trialTable');
    return this.loads(async () => {
      const { db } = this.database;
      const [experiment, rows] = await Promise.all([
        db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true } }),
        db.trial.findMany({
          where: { experimentId },
          orderBy: { number: 'asc' },
          select: { number: true, state: true, loss: true, worker: true, createdAt: true, completedAt: true, params: true, metrics: true, checkpoint: true, prunedStep: true },
        }),
      ]);
      const parameterNames = new Set(Object.keys(asRecord(experiment.parameters)));
      const metricNames = new Set<string>();
      for (const row of rows) {
        for (const name of Object.keys(asRecord(row.params))) parameterNames.add(name);
        for (const name of Object.keys(asRecord(row.metrics))) metricNames.add(name);
      }
      const column = (name: string, field: 'params' | 'metrics'): TrialColumn => ({
        name,
        values: rows.map((row) => asRecord(row[field])[name] ?? null),
      });
      return {
        numbers: rows.map((row) => row.number),
        states: rows.map((row) => row.state),
        losses: rows.map((row) => row.loss),
        workers: rows.map((row) => row.worker),
        createdAt: rows.map((row) => row.createdAt.getTime()),
        completedAt: rows.map((row) => row.completedAt?.getTime() ?? null),
        parameters: [...parameterNames].sort().map((name) => column(name, 'params')),
        metrics: [...metricNames].sort().map((name) => column(name, 'metrics')),
        checkpoints: rows.map((row) => row.checkpoint ?? null),
        prunedSteps: rows.map((row) => row.prunedStep),
      };
    });
  }
}
