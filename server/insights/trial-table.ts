import pLimit from 'p-limit';
import type { OperationBudget } from '../http/operation-budget.ts';
import type { Database } from '../runtime/database.ts';
import { asRecord } from '../json.ts';
import { parseSearchSpace } from '../optimizer/space.ts';

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
  /** Each trial's latest checkpoint record as compact JSON, cut to {@link CHECKPOINT_SUMMARY} characters (then ending in …), or null. */
  readonly checkpoints: readonly (string | null)[];
  /** The step at which the pruner stopped each trial, or null. */
  readonly prunedSteps: readonly (number | null)[];
  /** Why each FAILED trial failed, as its worker reported, or null. */
  readonly errors: readonly (string | null)[];
}

/** Characters of a checkpoint record a trial table carries (the whole record: `Trial.checkpoint`). */
export const CHECKPOINT_SUMMARY = 200;

/** A checkpoint record's JSON text as stored (it may be cut) as the table shows it: compact JSON, or its start and …. */
export function checkpointSummary(stored: string): string {
  if (stored.length <= CHECKPOINT_SUMMARY) {
    try {
      return JSON.stringify(JSON.parse(stored));
    } catch {
      // Not whole JSON after all: shown as cut below.
    }
  }
  return `${stored.slice(0, CHECKPOINT_SUMMARY)}…`;
}

/** Tables read at once in one process; more wait their turn, so memory stays bounded under load. */
const LOADS_AT_ONCE = 2;

/** The keys of a stored parameter spec's parameters, sub-parameters included (its top-level keys if it no longer parses). */
function parameterKeys(spec: unknown): string[] {
  try {
    return parseSearchSpace(spec).parameters.map((param) => param.name);
  } catch {
    return Object.keys(asRecord(spec));
  }
}


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
    // Checkpoints are read as summaries, not whole: the rest of each row is charged, and each summary.
    const [bytes, withCheckpoints] = await Promise.all([
      this.database.storedBytes({ table: 'Trial', experimentId, except: ['checkpoint'] }),
      this.database.db.trial.count({ where: { experimentId, checkpointAt: { not: null } } }),
    ]);
    budget.charge(bytes + withCheckpoints * (CHECKPOINT_SUMMARY + 50), 'trialTable');
    return this.loads(async () => {
      const { db } = this.database;
      const [experiment, rows] = await Promise.all([
        db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true } }),
        db.trial.findMany({
          where: { experimentId },
          orderBy: { number: 'asc' },
          select: { number: true, state: true, loss: true, worker: true, createdAt: true, completedAt: true, params: true, metrics: true, prunedStep: true, error: true },
        }),
      ]);
      const summaries = await this.checkpointSummaries(experimentId);
      // Every parameter as trials key it (sub-parameters of conditional ones included), empty where inactive.
      const parameterNames = new Set(parameterKeys(experiment.parameters));
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
        checkpoints: rows.map((row) => summaries.get(row.number) ?? null),
        prunedSteps: rows.map((row) => row.prunedStep),
        errors: rows.map((row) => row.error),
      };
    });
  }

  /** The start of each stored checkpoint record, by trial number: the database cuts them, so no whole record is read. */
  private async checkpointSummaries(experimentId: string): Promise<Map<number, string>> {
    const { provider, db } = this.database;
    const sql =
      provider === 'postgresql'
        ? `SELECT "number", LEFT("checkpoint"::text, ${CHECKPOINT_SUMMARY + 1}) AS "start" FROM "Trial" WHERE "experimentId" = $1 AND "checkpoint" IS NOT NULL`
        : `SELECT "number", SUBSTR("checkpoint", 1, ${CHECKPOINT_SUMMARY + 1}) AS "start" FROM "Trial" WHERE "experimentId" = ? AND "checkpoint" IS NOT NULL`;
    const rows = await db.$queryRawUnsafe<{ number: number | bigint; start: string }[]>(sql, experimentId);
    return new Map(rows.map((row) => [Number(row.number), checkpointSummary(row.start)]));
  }
}
