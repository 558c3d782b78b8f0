import pLimit from 'p-limit';
import { userError } from '../errors.ts';
import type { Db } from '../runtime/database.ts';

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
}

/**
 * Cells (trials x columns) that `trialTable` may return in one operation, all its tables together
 * (aliases, lists of experiments): 10,000 trials of 100 parameters and 40 metrics fit; fifteen such
 * tables at once do not.
 */
export const TABLE_CELLS_PER_OPERATION = 1_500_000;

/** Fixed columns of every table: number, state, loss, worker, createdAt, completedAt. */
const FIXED_COLUMNS = 6;

/** Tables read at once in one process; more wait their turn, so memory stays bounded under load. */
const LOADS_AT_ONCE = 2;

/** Takes `cells` from the operation's budget, or refuses the operation with QUERY_TOO_COMPLEX. */
function charge(budget: { remaining: number }, cells: number): void {
  if (cells > budget.remaining) {
    throw userError(
      'QUERY_TOO_COMPLEX',
      `trialTable: this operation asks for more than ${TABLE_CELLS_PER_OPERATION.toLocaleString('en')} cells (trials x columns, all tables together); ask for one experiment's table at a time`,
    );
  }
  budget.remaining -= cells;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Reads every trial of an experiment, oldest first, into columns: one query, no per-trial round
 * trips. The size is charged to the operation's budget before the rows are read (trials x known
 * columns) and after (the custom metrics found), so no operation can make the server build more;
 * at most two tables are built at once.
 */
export class TrialTables {
  private readonly loads = pLimit(LOADS_AT_ONCE);

  constructor(private readonly db: Db) {}

  /** The experiment's table, charged to `budget` (the operation's remaining cells). */
  async load(experimentId: string, budget: { remaining: number }): Promise<TrialTable> {
    const [count, experiment] = await Promise.all([
      this.db.trial.count({ where: { experimentId } }),
      this.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true } }),
    ]);
    const parameterNames = new Set(Object.keys(asRecord(experiment.parameters)));
    charge(budget, count * (FIXED_COLUMNS + parameterNames.size));
    return this.loads(async () => {
      const rows = await this.db.trial.findMany({
        where: { experimentId },
        orderBy: { number: 'asc' },
        select: { number: true, state: true, loss: true, worker: true, createdAt: true, completedAt: true, params: true, metrics: true },
      });
      const known = parameterNames.size;
      const metricNames = new Set<string>();
      for (const row of rows) {
        for (const name of Object.keys(asRecord(row.params))) parameterNames.add(name);
        for (const name of Object.keys(asRecord(row.metrics))) metricNames.add(name);
      }
      charge(budget, Math.max(0, rows.length - count) * (FIXED_COLUMNS + known) + rows.length * (parameterNames.size - known + metricNames.size));
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
      };
    });
  }
}
