import pLimit from 'p-limit';
import type { OperationBudget } from '../http/operation-budget.ts';
import type { Database } from '../runtime/database.ts';
import { keepJson } from '../http/kept-json.ts';
import { asRecord } from '../json.ts';
import { parseSearchSpace } from '../optimizer/space.ts';
import { cutText } from '../text.ts';

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
  /** Every change to the trials up to this revision (server/trials/revisions.ts) is in the table. */
  readonly revision: number;
}

/** A table's columns, checkpoints aside (read afresh each time). */
export type Columns = Omit<TrialTable, 'checkpoints' | 'revision'>;

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
  return `${cutText(stored, CHECKPOINT_SUMMARY)}…`;
}

/** Tables read at once in one process; more wait their turn, so memory stays bounded under load. */
const LOADS_AT_ONCE = 2;

/** Experiments whose latest table one process keeps, to read only the trials changed since. */
const CACHE_SIZE = 4;

/** Stored bytes the kept tables may hold together (the least recently used ones go first past it). */
const CACHE_BYTES = 128 * 1024 * 1024;

/** Past this many changed trials, the table is read again whole rather than patched. */
const MAX_PATCHED_ROWS = 5000;

/** Bytes counted for a row beyond its JSON and text columns, as the database's `storedBytes` counts them. */
const ROW_OVERHEAD_BYTES = 200;

/** The keys of a stored parameter spec's parameters, sub-parameters included (its top-level keys if it no longer parses). */
function parameterKeys(spec: unknown): string[] {
  try {
    return parseSearchSpace(spec).parameters.map((param) => param.name);
  } catch {
    return Object.keys(asRecord(spec));
  }
}

/** The fields of a trial the table reads. */
const ROW_SELECT = { number: true, state: true, loss: true, worker: true, createdAt: true, completedAt: true, params: true, metrics: true, prunedStep: true, error: true, revision: true } as const;

/** A trial as the table reads it (the fields of {@link ROW_SELECT}). */
export interface Row {
  readonly number: number;
  readonly state: string;
  readonly loss: number | null;
  readonly worker: string | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly params: unknown;
  readonly metrics: unknown;
  readonly prunedStep: number | null;
  readonly error: string | null;
  readonly revision: number;
}

/** A table as kept between requests: its columns (checkpoints aside: read afresh), as of `revision`. */
interface CachedTable {
  /** The experiment's parameter spec the table was built with (its parameter columns). */
  readonly spec: string;
  /** Every change up to this revision is in the table (revisions commit in order, server/trials/revisions.ts). */
  readonly revision: number;
  /** The stored size of its rows, as `storedBytes` counts it (checkpoints aside). */
  readonly bytes: number;
  readonly table: Columns;
}

/** A row's stored size, as `storedBytes` counts it (JSON and text columns, and an overhead). */
export function rowBytes(row: Row): number {
  const json = (value: unknown) => (value === null || value === undefined ? 0 : JSON.stringify(value).length);
  return json(row.params) + json(row.metrics) + (row.error?.length ?? 0) + (row.worker?.length ?? 0) + ROW_OVERHEAD_BYTES;
}

/** The stored size (as {@link rowBytes} counts it) of a trial as a table holds it; 0 when it does not hold it. */
export function keptBytes(table: Columns, number: number): number {
  const row = indexOf(table.numbers, number);
  if (row < 0) return 0;
  const record = (columns: readonly TrialColumn[]) => {
    const entries = columns.filter((column) => column.values[row] !== null).map((column) => [column.name, column.values[row]]);
    return entries.length ? Object.fromEntries(entries) : null;
  };
  const size = (value: unknown) => (value === null ? 0 : JSON.stringify(value).length);
  return size(record(table.parameters)) + size(record(table.metrics)) + (table.errors[row]?.length ?? 0) + (table.workers[row]?.length ?? 0) + ROW_OVERHEAD_BYTES;
}

/** The index of `number` in ascending `numbers`, or -1. */
function indexOf(numbers: readonly number[], number: number): number {
  let low = 0;
  let high = numbers.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = numbers[middle]!;
    if (at === number) return middle;
    if (at < number) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Columns from rows in trial order; every parameter of `spec` gets a column, empty where inactive. */
export function buildTable(rows: readonly Row[], spec: unknown): Columns {
  const parameterNames = new Set(parameterKeys(spec));
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
    prunedSteps: rows.map((row) => row.prunedStep),
    errors: rows.map((row) => row.error),
  };
}

/**
 * A copy of a table with changed and new trials written in (new ones after the others), or null when
 * they do not fit it: a new trial numbered below the last one known. The cached table is not touched
 * (a response may still be sending it).
 */
export function patchTable(table: Columns, changed: readonly Row[]): Columns | null {
  const numbers = [...table.numbers];
  const states = [...table.states];
  const losses = [...table.losses];
  const workers = [...table.workers];
  const createdAt = [...table.createdAt];
  const completedAt = [...table.completedAt];
  const prunedSteps = [...table.prunedSteps];
  const errors = [...table.errors];
  const columns = (existing: readonly TrialColumn[]) => new Map(existing.map((column) => [column.name, [...column.values]]));
  const parameters = columns(table.parameters);
  const metrics = columns(table.metrics);
  const write = (target: Map<string, unknown[]>, values: unknown, row: number) => {
    const record = asRecord(values);
    for (const [name, column] of target) column[row] = record[name] ?? null;
    for (const [name, value] of Object.entries(record)) {
      if (!target.has(name)) {
        const column = new Array<unknown>(Math.max(numbers.length, row + 1)).fill(null);
        column[row] = value ?? null;
        target.set(name, column);
      }
    }
  };
  for (const trial of [...changed].sort((a, b) => a.number - b.number)) {
    let row = indexOf(numbers, trial.number);
    if (row < 0) {
      if (numbers.length && trial.number < numbers[numbers.length - 1]!) return null;
      row = numbers.length;
      numbers.push(trial.number);
      for (const column of [...parameters.values(), ...metrics.values()]) column.push(null);
    }
    states[row] = trial.state;
    losses[row] = trial.loss;
    workers[row] = trial.worker;
    createdAt[row] = trial.createdAt.getTime();
    completedAt[row] = trial.completedAt?.getTime() ?? null;
    prunedSteps[row] = trial.prunedStep;
    errors[row] = trial.error;
    write(parameters, trial.params, row);
    write(metrics, trial.metrics, row);
  }
  const sorted = (target: Map<string, unknown[]>) => [...target].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, values]) => ({ name, values }));
  return { numbers, states, losses, workers, createdAt, completedAt, parameters: sorted(parameters), metrics: sorted(metrics), prunedSteps, errors };
}

/**
 * Reads every trial of an experiment, oldest first, into columns: one query, no per-trial round
 * trips. Its stored size is charged to the operation's budget before the rows are read, so no
 * operation can make the server build more; at most two tables are built at once. The latest tables
 * of a few experiments are kept: the next request reads only the trials changed since (by their
 * revision), so reloading a page of 100,000 trials does not read them all again.
 */
export class TrialTables {
  private readonly loads = pLimit(LOADS_AT_ONCE);
  private readonly cache = new Map<string, CachedTable>();

  constructor(private readonly database: Database) {}

  /** The experiment's table, charged to `budget`. */
  async load(experimentId: string, budget: OperationBudget): Promise<TrialTable> {
    const { db } = this.database;
    const [experiment, withCheckpoints, trials] = await Promise.all([
      db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, revision: true } }),
      db.trial.count({ where: { experimentId, checkpointAt: { not: null } } }),
      db.trial.count({ where: { experimentId } }),
    ]);
    const spec = JSON.stringify(experiment.parameters);
    const cached = this.cache.get(experimentId);
    const usable = cached?.spec === spec ? cached : undefined;
    const changedCount =
      usable === undefined ? Infinity : usable.revision >= experiment.revision ? 0 : await db.trial.count({ where: { experimentId, revision: { gt: usable.revision } } });
    // Checkpoints are read as summaries, not whole: the rest of each row is charged, and each summary.
    const checkpointBytes = withCheckpoints * (CHECKPOINT_SUMMARY + 50);
    if (usable && changedCount <= MAX_PATCHED_ROWS) {
      budget.charge(usable.bytes + changedCount * ROW_OVERHEAD_BYTES * 2 + checkpointBytes, 'trialTable');
      const patched = await this.loads(async () => {
        const changed: Row[] = changedCount
          ? await db.trial.findMany({ where: { experimentId, revision: { gt: usable.revision } }, orderBy: { number: 'asc' }, select: ROW_SELECT })
          : [];
        const table = changed.length ? patchTable(usable.table, changed) : usable.table;
        // Trials are never removed one by one: fewer rows than the count read first means a gap, so read it whole.
        if (!table || table.numbers.length < trials) return null;
        // The experiment's revision was read first: every change up to it had committed (revisions commit in order).
        const revision = changed.reduce((max, row) => Math.max(max, row.revision), Math.max(usable.revision, experiment.revision));
        const bytes = changed.reduce((sum, row) => sum + rowBytes(row) - keptBytes(usable.table, row.number), usable.bytes);
        this.remember(experimentId, { spec, revision, bytes, table });
        return { ...table, revision, checkpoints: await this.checkpointColumn(experimentId, table.numbers, withCheckpoints) };
      });
      if (patched) return patched;
    }
    const bytes = await this.database.storedBytes({ table: 'Trial', experimentId, except: ['checkpoint'] });
    budget.charge(bytes + checkpointBytes, 'trialTable');
    return this.loads(async () => {
      const rows: Row[] = await db.trial.findMany({ where: { experimentId }, orderBy: { number: 'asc' }, select: ROW_SELECT });
      const table = buildTable(rows, experiment.parameters);
      const revision = rows.reduce((max, row) => Math.max(max, row.revision), experiment.revision);
      this.remember(experimentId, { spec, revision, bytes, table });
      return { ...table, revision, checkpoints: await this.checkpointColumn(experimentId, table.numbers, withCheckpoints) };
    });
  }

  /**
   * Keeps an experiment's latest table, the least recently used ones forgotten past {@link CACHE_SIZE}
   * tables or {@link CACHE_BYTES} stored bytes (the latest is kept whatever its size).
   */
  private remember(experimentId: string, entry: CachedTable): void {
    // Its columns go out unchanged until the table changes (a patch makes new arrays): their JSON text is made once.
    const { table } = entry;
    for (const column of [table.numbers, table.states, table.losses, table.workers, table.createdAt, table.completedAt, table.prunedSteps, table.errors]) keepJson(column);
    for (const column of [...table.parameters, ...table.metrics]) keepJson(column.values);
    this.cache.delete(experimentId);
    this.cache.set(experimentId, entry);
    let held = 0;
    for (const kept of this.cache.values()) held += kept.bytes;
    while (this.cache.size > 1 && (this.cache.size > CACHE_SIZE || held > CACHE_BYTES)) {
      const oldest = this.cache.keys().next().value!;
      held -= this.cache.get(oldest)!.bytes;
      this.cache.delete(oldest);
    }
  }

  /** Forgets deleted experiments' tables. */
  forget(experimentIds: readonly string[]): void {
    for (const id of experimentIds) this.cache.delete(id);
  }

  /** Each trial's checkpoint summary, in the table's order; kept out of the cached columns, so they are read every time (when there are any). */
  private async checkpointColumn(experimentId: string, numbers: readonly number[], withCheckpoints: number): Promise<(string | null)[]> {
    const column = new Array<string | null>(numbers.length).fill(null);
    if (withCheckpoints === 0) return column;
    const summaries = await this.checkpointSummaries(experimentId);
    numbers.forEach((number, row) => {
      const summary = summaries.get(number);
      if (summary !== undefined) column[row] = summary;
    });
    return column;
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
