/**
 * An experiment's trials as a file: CSV (RFC 4180, a column per parameter and per metric, empty cells
 * for the parameters a trial's choices leave inactive) or JSON (the experiment's spec and every trial,
 * its `params` holding its active parameters only), produced page by page so memory stays bounded
 * whatever the number of trials. `oscar import` reads both back.
 */
import { stringify } from 'csv-stringify/sync';
import type { Experiment } from '../generated/prisma/client.ts';
import { userError } from '../errors.ts';
import { asRecord } from '../json.ts';
import { constraintsSpec, objectivesSpec, storedConstraints, violation, type Constraint } from '../objectives/objectives-config.ts';
import { storedObjectives } from '../objectives/objectives-config.ts';
import { resultValues } from '../objectives/ranking.ts';
import { parseSearchSpace } from '../optimizer/space.ts';
import { prunerSpec, storedPruner } from '../pruners/pruner-config.ts';
import type { Database } from '../runtime/database.ts';

/** The file formats trials are exported in. */
export const EXPORT_FORMATS = ['csv', 'json'] as const;

/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What the JSON export's `format` member says (and `oscar import` checks). */
export const JSON_EXPORT_FORMAT = 'oscar-trials/1';

/** Trials read per query while exporting. */
export const EXPORT_PAGE = 500;

/** The most metric columns a CSV export has (JSON holds any number). */
export const MAX_CSV_METRICS = 1000;

/** The columns every CSV export has, around the parameter and metric columns (`params.<name>`, `metrics.<name>`). */
export const CSV_COLUMNS = {
  before: ['number', 'state'],
  afterParams: ['loss'],
  after: ['error', 'worker', 'optimizer', 'created_at', 'completed_at', 'pruned_step', 'feasible'],
} as const;

/** A cell a spreadsheet would run as a formula: starts with = + - @ tab or CR (after any quotes this escaping added). */
const FORMULA = /^'*[=+\-@\t\r]/;

/**
 * A text cell made safe for spreadsheets (OWASP's CSV injection advice): one that starts with = + - @
 * tab or CR gets a leading `'`. Reversible by {@link unescapeCell}: a cell that already starts with
 * quotes before such a character gets one more.
 */
export function escapeCell(text: string): string {
  return FORMULA.test(text) ? `'${text}` : text;
}

/** The text {@link escapeCell} was given. */
export function unescapeCell(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell) ? cell.slice(1) : cell;
}

/** A cell `oscar import` reads as a number. */
export const NUMBER_CELL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Whether `oscar import` reads a cell as something other than its text: a number, a boolean, JSON, or (empty) nothing. */
function readsAsOther(cellText: string): boolean {
  if (cellText === '' || cellText === 'true' || cellText === 'false' || NUMBER_CELL.test(cellText)) return true;
  if (!/^[{["]/.test(cellText)) return false;
  try {
    JSON.parse(cellText);
    return true;
  } catch {
    return false;
  }
}

/** A value as a CSV cell: numbers as JavaScript writes them (exact), text escaped, objects and lists as JSON. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return escapeCell(value);
  if (value instanceof Date) return value.toISOString();
  return escapeCell(JSON.stringify(value));
}

/**
 * A parameter's or metric's value as a CSV cell: as {@link cell}, but text that would read back as
 * another value (`"1"`, `"true"`, `""`, `"[1]"`) is written as JSON text, in double quotes, so
 * `oscar import` tells it from the number, boolean or list it spells.
 */
function valueCell(value: unknown): string {
  const written = cell(value);
  return typeof value === 'string' && readsAsOther(written) ? JSON.stringify(value) : written;
}

const TRIAL_FIELDS = {
  number: true,
  state: true,
  params: true,
  loss: true,
  metrics: true,
  error: true,
  worker: true,
  optimizer: true,
  createdAt: true,
  completedAt: true,
  prunedStep: true,
} as const;

interface ExportedRow {
  readonly number: number;
  readonly state: string;
  readonly params: unknown;
  readonly loss: number | null;
  readonly metrics: unknown;
  readonly error: string | null;
  readonly worker: string | null;
  readonly optimizer: string;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly prunedStep: number | null;
}

/** Whether a trial's result meets the constraints; null until it has one (as `Trial.feasible`). */
function feasible(row: ExportedRow, constraints: readonly Constraint[]): boolean | null {
  if (row.state !== 'COMPLETED' && row.state !== 'DUPLICATE') return null;
  return violation(resultValues(row), constraints) === 0;
}

/** The experiment's trials, oldest first, a page at a time. */
async function* pages(database: Database, experimentId: string): AsyncGenerator<ExportedRow[]> {
  let after = 0;
  for (;;) {
    const rows = await database.db.trial.findMany({
      where: { experimentId, number: { gt: after } },
      orderBy: { number: 'asc' },
      take: EXPORT_PAGE,
      select: TRIAL_FIELDS,
    });
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < EXPORT_PAGE) return;
    after = rows.at(-1)!.number;
  }
}

/** The names of the metrics the experiment's trials hold, sorted (one query; at most one more than `limit`). */
async function metricNames(database: Database, experimentId: string, limit: number): Promise<string[]> {
  const sql =
    database.provider === 'postgresql'
      ? `SELECT DISTINCT k AS "name" FROM "Trial" t, jsonb_object_keys(t."metrics") k WHERE t."experimentId" = $1 AND jsonb_typeof(t."metrics") = 'object' ORDER BY 1 LIMIT ${limit + 1}`
      : `SELECT DISTINCT j.key AS "name" FROM "Trial" t, json_each(t."metrics") j WHERE t."experimentId" = ? AND json_type(t."metrics") = 'object' ORDER BY 1 LIMIT ${limit + 1}`;
  const rows = await database.db.$queryRawUnsafe<{ name: string }[]>(sql, experimentId);
  return rows.map((row) => row.name);
}

/** The experiment as the JSON export describes it: its spec as `suggest` takes it, and what identifies it. */
export function experimentSpec(experiment: Experiment): Record<string, unknown> {
  return {
    id: experiment.id,
    name: experiment.name,
    version: experiment.version,
    description: experiment.description,
    parameters: experiment.parameters,
    algorithm: experiment.algorithm,
    seed: experiment.seed,
    leaseSeconds: experiment.leaseSeconds,
    maxTrials: experiment.maxTrials,
    maxRetries: experiment.maxRetries,
    objectives: objectivesSpec(storedObjectives(experiment.objectives)),
    constraints: constraintsSpec(storedConstraints(experiment.constraints)),
    pruner: prunerSpec(storedPruner(experiment.pruner)),
    createdAt: experiment.createdAt.toISOString(),
    archivedAt: experiment.archivedAt?.toISOString() ?? null,
  };
}

/**
 * The parameter columns of a CSV export: every parameter of the space as trials key it, sub-parameters
 * included (`C`, `adam.lr`), in name order. A trial leaves the cells of its inactive parameters empty.
 */
function parameterColumns(parameters: unknown): string[] {
  try {
    return parseSearchSpace(parameters).parameters.map((param) => param.name);
  } catch {
    // A stored space that no longer parses (written under older rules): its top-level names.
    return Object.keys(asRecord(parameters)).sort();
  }
}

/**
 * Produces the export of an experiment's trials as text chunks (a page of trials each), oldest trial
 * first: CSV with a header row, or one JSON document `{"format", "experiment", "trials": [...]}`.
 * A CSV export of more than {@link MAX_CSV_METRICS} metric names is refused (QUERY_TOO_COMPLEX) before
 * anything is produced.
 */
export async function exportTrials(database: Database, experiment: Experiment, format: ExportFormat): Promise<AsyncGenerator<string>> {
  const constraints = storedConstraints(experiment.constraints);
  const parameters = parameterColumns(experiment.parameters);
  if (format === 'json') return jsonChunks(database, experiment, constraints);
  const metrics = await metricNames(database, experiment.id, MAX_CSV_METRICS);
  if (metrics.length > MAX_CSV_METRICS) {
    throw userError('QUERY_TOO_COMPLEX', `The trials hold more than ${MAX_CSV_METRICS} metric names, too many columns for CSV: export JSON instead`, 'format');
  }
  return csvChunks(database, experiment, constraints, parameters, metrics);
}

async function* csvChunks(database: Database, experiment: Experiment, constraints: readonly Constraint[], parameters: readonly string[], metrics: readonly string[]) {
  // quoted_match: with CRLF records, csv-stringify leaves a cell with a bare \n or \r unquoted, which
  // spreadsheets and pandas read as a new row (a traceback in an error, or a forged row whose formula
  // cell escapes the defusing).
  const options = { record_delimiter: 'windows', eof: true, quoted_match: /[\r\n]/ } as const;
  const header = [...CSV_COLUMNS.before, ...parameters.map((p) => `params.${p}`), ...CSV_COLUMNS.afterParams, ...metrics.map((m) => `metrics.${m}`), ...CSV_COLUMNS.after];
  yield stringify([header], options);
  for await (const rows of pages(database, experiment.id)) {
    const records = rows.map((row) => {
      const params = asRecord(row.params);
      const values = asRecord(row.metrics);
      return [
        cell(row.number),
        cell(row.state),
        ...parameters.map((name) => valueCell(params[name])),
        cell(row.loss),
        ...metrics.map((name) => valueCell(values[name])),
        cell(row.error),
        cell(row.worker),
        cell(row.optimizer),
        cell(row.createdAt),
        cell(row.completedAt),
        cell(row.prunedStep),
        cell(feasible(row, constraints)),
      ];
    });
    yield stringify(records, options);
  }
}

async function* jsonChunks(database: Database, experiment: Experiment, constraints: readonly Constraint[]) {
  yield `{"format":${JSON.stringify(JSON_EXPORT_FORMAT)},"experiment":${JSON.stringify(experimentSpec(experiment))},"trials":[`;
  let first = true;
  for await (const rows of pages(database, experiment.id)) {
    const text = rows
      .map((row) =>
        JSON.stringify({
          number: row.number,
          state: row.state,
          params: row.params,
          loss: row.loss,
          metrics: row.metrics ?? {},
          error: row.error,
          worker: row.worker,
          optimizer: row.optimizer,
          createdAt: row.createdAt.toISOString(),
          completedAt: row.completedAt?.toISOString() ?? null,
          prunedStep: row.prunedStep,
          feasible: feasible(row, constraints),
        }),
      )
      .join(',\n');
    yield `${first ? '\n' : ',\n'}${text}`;
    first = false;
  }
  yield '\n]}\n';
}

/** A file name for an export: the experiment's name made safe (and its version past the first). */
export function exportFileName(experiment: Pick<Experiment, 'name' | 'version'>, format: ExportFormat): string {
  const safe = experiment.name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100) || 'experiment';
  return `${safe}${experiment.version > 1 ? `-v${experiment.version}` : ''}-trials.${format}`;
}
