/**
 * Finished trials read from files, for `oscar import`: a CSV or JSON file in the format Oscar exports,
 * or an Optuna study in its SQLite storage. Each trial keeps where it came from (a line, a trial
 * number), so an error the server finds in it names the place in the file.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { parseSearchSpace, type Parameter, type ParamValue, type SearchSpace } from '../optimizer/space.ts';
import { walkActive } from '../optimizer/space/tree.ts';
import { printable } from '../text.ts';
import { CSV_COLUMNS, JSON_EXPORT_FORMAT, NUMBER_CELL as NUMBER, unescapeCell } from '../trials/export.ts';

/** A finished trial to import: its parameters, its result as `update` takes it, and where it is in the file. */
export interface FileTrial {
  readonly params: Record<string, unknown>;
  readonly result: Record<string, unknown>;
  /** The worker that ran it, and when it started and finished (ISO 8601), where the file says. */
  readonly worker?: string | null;
  readonly createdAt?: string | null;
  readonly completedAt?: string | null;
  /** Where it is in the file, for messages: `line 7`, `Optuna trial 12`. */
  readonly where: string;
}

/** What a file holds: its finished trials, and what it says about the experiment (to create one). */
export interface TrialFile {
  readonly trials: FileTrial[];
  /** Rows left out (not finished, or not finished well), by reason, for the summary. */
  readonly skipped: Map<string, number>;
  /** What was read differently from how the file holds it (an Optuna NaN attribute as null), for the user. */
  readonly notes: readonly string[];
  /** The experiment as `suggest` takes it, when the file says (a JSON export, an Optuna study); else null. */
  readonly experiment: Record<string, unknown> | null;
}

/** A file that cannot be read as trials: its message names the file and the place. */
export class TrialFileError extends Error {}

function skip(skipped: Map<string, number>, reason: string): void {
  skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
}

/**
 * An empty record that keeps every key a file gives it, `__proto__` included (a plain object would
 * take that one as its prototype and drop it), so the server sees the key and refuses it, naming it.
 */
function emptyRecord(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/** The value of a cell written as JSON (an object, a list, or a string in double quotes); undefined for any other cell. */
function jsonCell(cell: string): unknown {
  if (!/^[{["]/.test(cell)) return undefined;
  try {
    return JSON.parse(cell) as unknown;
  } catch {
    // Text that looks like JSON but is not: read as text.
    return undefined;
  }
}

/**
 * A metric cell as a value: a number, true/false, JSON (an object, a list, or a string in double
 * quotes: `"1"` is the text 1, `""` the empty text), else text (formula escaping undone); empty: absent.
 */
export function metricValue(cell: string): unknown {
  if (cell === '') return undefined;
  if (NUMBER.test(cell)) return Number(cell);
  if (cell === 'true' || cell === 'false') return cell === 'true';
  return jsonCell(cell) ?? unescapeCell(cell);
}

/**
 * A parameter cell as the parameter's value: a number for numeric ones, the choice it spells for the
 * others; empty: absent. A cell in double quotes (`"1"`) or formula-escaped (`'-1`) is a text choice; a
 * bare `1` or `true` is the number or boolean when that is a choice, else the text (as a CSV written by
 * hand spells text).
 */
export function paramValue(param: Parameter | undefined, cell: string): unknown {
  if (cell === '') return undefined;
  const text = unescapeCell(cell);
  if (param === undefined) return metricValue(cell);
  if (param.kind === 'float' || param.kind === 'int') return NUMBER.test(cell) ? Number(cell) : text;
  const choices: readonly ParamValue[] = param.kind === 'constant' ? [param.value] : param.kind === 'categorical' ? param.choices : [];
  const quoted = jsonCell(cell);
  if (typeof quoted === 'string' && choices.includes(quoted)) return quoted;
  // A formula-escaped cell (`'-1`) was written from text: the export escapes text only, never a number.
  if (text !== cell) return text;
  return choices.find((choice) => typeof choice !== 'string' && String(choice) === text) ?? choices.find((choice) => choice === text) ?? text;
}

/**
 * Gives an empty cell its meaning where it has one: the choice `""` of an active parameter that has it
 * (exports before text was quoted wrote it as an empty cell). Every other empty cell stays absent, as the export writes
 * a parameter its trial's choices leave inactive.
 */
function emptyChoices(space: SearchSpace, params: Record<string, unknown>, cellOf: (name: string) => string | undefined): void {
  walkActive(space, (param) => {
    if (Object.hasOwn(params, param.name)) return params[param.name] as ParamValue;
    const choices: readonly ParamValue[] = param.kind === 'categorical' ? param.choices : param.kind === 'constant' ? [param.value] : [];
    if (cellOf(param.name) !== '' || !choices.includes('')) return undefined;
    params[param.name] = '';
    return '';
  });
}

/**
 * A failed trial's result: its metrics and its error. A metric named `loss` (which `fail` may store) is
 * left out, as a result's `loss` is the trial's loss, which a failed trial has none of; `dropped`
 * counts it for the note the import prints.
 */
function failedResult(result: Record<string, unknown>, error: unknown, dropped: { count: number }): Record<string, unknown> {
  if (Object.hasOwn(result, 'loss')) {
    delete result.loss;
    dropped.count++;
  }
  result.error = error || 'failed (imported without a message)';
  return result;
}

/** The note for failed trials whose metric `loss` was left out. */
function droppedLossNote(dropped: { count: number }): string[] {
  const { count } = dropped;
  return count === 0 ? [] : [`the metric "loss" of ${count} failed ${count === 1 ? 'trial' : 'trials'} left out: a failed trial's result holds no loss`];
}

/** A date and time as ISO 8601 writes it (`2026-12-03T08:00:00.000Z`; a space for the T, or no zone: local time, as Optuna stores it). */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Whether a date and time's fields name a real moment: no 30 February, no hour 24 (which Date would roll over). */
function realFields(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

/** A file's time as ISO 8601 in UTC, or null when it has none; one that is not a date and time is refused, naming where. */
function fileTime(value: unknown, where: string, column: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value).trim();
  const match = ISO_TIME.exec(text);
  // Optuna writes microseconds: JavaScript's dates hold milliseconds.
  const time = match && realFields(match) ? new Date(text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1')) : null;
  if (time === null || Number.isNaN(time.getTime())) {
    throw new TrialFileError(`${where}: ${column} must be a date and time (ISO 8601, as oscar export writes it), but got "${printable(text.slice(0, 40))}"`);
  }
  return time.toISOString();
}

/**
 * Reads a CSV file in the format Oscar exports: `params.<name>` and `metrics.<name>` columns, `loss`,
 * `error`, and `state` (COMPLETED and FAILED rows are imported, others skipped; without a `state`
 * column, a row with a loss is COMPLETED and one with an error FAILED). A column without a prefix that
 * is none of the export's own is the parameter of that name in `space`, else left out (with a note).
 * Cells are read by the parameters' kinds in `space` (numbers, or the choice they spell); an empty
 * cell is a parameter left out (inactive under the row's choices), unless `""` is one of its choices
 * and it is active.
 */
export function readCsv(path: string, text: string, space: SearchSpace | null): TrialFile {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: false, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    throw new TrialFileError(`${path}: not a CSV file: ${(error as Error).message}`);
  }
  const [head, ...rows] = records;
  if (!head) throw new TrialFileError(`${path} is empty: it needs a header row (params.<name>, loss, metrics.<name>, ...)`);
  // Space before a column's name is left out (`loss, params.x` by hand), but a name is kept as it is
  // after its prefix: a parameter or metric may end in a space (`oscar export` writes `metrics.acc `).
  const header = head.record.map((name) => name.trimStart());
  const column = (name: string) => header.findIndex((cell) => cell.trimEnd() === name);
  const byName = new Map(space?.parameters.map((param) => [param.name, param]) ?? []);
  // A parameter's name as the space has it: as written, else without trailing space (a hand-written `params.x ,`).
  const paramName = (name: string) => (byName.has(name) || !byName.has(name.trimEnd()) ? name : name.trimEnd());
  const paramColumns = header.flatMap((name, i) => (name.startsWith('params.') ? [[paramName(name.slice('params.'.length)), i] as const] : []));
  const metricColumns = header.flatMap((name, i) => (name.startsWith('metrics.') ? [[name.slice('metrics.'.length), i] as const] : []));
  // A hand-written header may leave the prefix out (`x,loss`): a column that is none of the export's
  // own is the parameter of that name when the experiment's space has one; any other is left out, and
  // the import says which it took for what (a metric needs its prefix: a wide table from elsewhere
  // would otherwise bring every column along as a metric).
  const notes: string[] = [];
  const dropped = { count: 0 };
  const taken: string[] = [];
  const ignored: string[] = [];
  header.forEach((raw, i) => {
    const name = raw.trimEnd();
    if (name === '' || name.startsWith('params.') || name.startsWith('metrics.') || EXPORT_COLUMNS.has(name)) return;
    if (byName.has(name)) {
      paramColumns.push([name, i]);
      taken.push(name);
    } else ignored.push(name);
  });
  const listed = (names: readonly string[]) => names.slice(0, 20).map((name) => `"${printable(name)}"`).join(', ') + (names.length > 20 ? ` and ${names.length - 20} more` : '');
  const plural = (names: readonly string[]) => (names.length === 1 ? '' : 's');
  if (taken.length) notes.push(`column${plural(taken)} ${listed(taken)} read as the parameter${plural(taken)} of that name (params.<name> says so)`);
  if (ignored.length) notes.push(`column${plural(ignored)} ${listed(ignored)} left out: name a metric metrics.<name>, a parameter params.<name>`);
  if (paramColumns.length === 0) throw new TrialFileError(`${path}: no parameter columns: the header names them params.<name> (as \`oscar export\` writes them)`);
  const [stateAt, lossAt, errorAt] = [column('state'), column('loss'), column('error')];
  const [workerAt, createdAt, completedAt] = [column('worker'), column('created_at'), column('completed_at')];
  const columnOf = new Map(paramColumns);
  const trials: FileTrial[] = [];
  const skipped = new Map<string, number>();
  for (const { record, info } of rows) {
    const state = stateAt === -1 ? null : (record[stateAt] ?? '').trim().toUpperCase();
    const loss = lossAt === -1 ? '' : (record[lossAt] ?? '');
    const error = errorAt === -1 ? '' : unescapeCell(record[errorAt] ?? '');
    const failed = state === null ? loss === '' && error !== '' : state === 'FAILED';
    if (state !== null && state !== 'COMPLETED' && state !== 'FAILED') {
      skip(skipped, `${state.toLowerCase() || 'no'} state`);
      continue;
    }
    if (state === null && loss === '' && error === '') {
      skip(skipped, 'no loss or error');
      continue;
    }
    const params = emptyRecord();
    for (const [name, i] of paramColumns) {
      const value = paramValue(byName.get(name), record[i] ?? '');
      if (value !== undefined) params[name] = value;
    }
    if (space !== null) emptyChoices(space, params, (name) => record[columnOf.get(name) ?? -1]);
    const result = emptyRecord();
    for (const [name, i] of metricColumns) {
      const value = metricValue(record[i] ?? '');
      if (value !== undefined) result[name] = value;
    }
    if (failed) failedResult(result, error, dropped);
    else if (loss !== '') result.loss = NUMBER.test(loss) ? Number(loss) : loss;
    const where = `line ${info.lines}`;
    trials.push({
      params,
      result,
      where,
      worker: workerAt === -1 ? null : unescapeCell(record[workerAt] ?? '') || null,
      createdAt: createdAt === -1 ? null : fileTime(record[createdAt], `${path} ${where}`, 'created_at'),
      completedAt: completedAt === -1 ? null : fileTime(record[completedAt], `${path} ${where}`, 'completed_at'),
    });
  }
  return { trials, skipped, notes: [...notes, ...droppedLossNote(dropped)], experiment: null };
}

/** The columns `oscar export` writes besides parameters and metrics: read for what they are, or ignored. */
const EXPORT_COLUMNS: ReadonlySet<string> = new Set([...CSV_COLUMNS.before, ...CSV_COLUMNS.afterParams, ...CSV_COLUMNS.after]);

/** Reads a JSON file Oscar exported (`{"format": "oscar-trials/1", "experiment": {...}, "trials": [...]}`). */
export function readJsonExport(path: string, text: string): TrialFile {
  let document: { format?: unknown; experiment?: unknown; trials?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch (error) {
    throw new TrialFileError(`${path}: not JSON: ${(error as Error).message}`);
  }
  if (document?.format !== JSON_EXPORT_FORMAT || !Array.isArray(document.trials)) {
    throw new TrialFileError(`${path}: not a JSON export of Oscar's trials (it has no "format": "${JSON_EXPORT_FORMAT}" and "trials" list)`);
  }
  const trials: FileTrial[] = [];
  const skipped = new Map<string, number>();
  const dropped = { count: 0 };
  document.trials.forEach((raw: unknown, i: number) => {
    const trial = (raw ?? {}) as {
      number?: unknown;
      state?: unknown;
      params?: unknown;
      loss?: unknown;
      metrics?: unknown;
      error?: unknown;
      worker?: unknown;
      createdAt?: unknown;
      completedAt?: unknown;
    };
    const state = String(trial.state ?? '').toUpperCase();
    if (state !== 'COMPLETED' && state !== 'FAILED') {
      skip(skipped, `${state.toLowerCase() || 'no'} state`);
      return;
    }
    const metrics = trial.metrics && typeof trial.metrics === 'object' && !Array.isArray(trial.metrics) ? (trial.metrics as Record<string, unknown>) : {};
    // Copied into a record without a prototype: a `__proto__` key JSON.parse made stays a key.
    const result = Object.assign(emptyRecord(), metrics);
    if (state === 'FAILED') failedResult(result, trial.error, dropped);
    else if (trial.loss !== null && trial.loss !== undefined) result.loss = trial.loss;
    const where = Number.isInteger(trial.number) ? `trials[${i}] (trial ${String(trial.number)})` : `trials[${i}]`;
    trials.push({
      params: (trial.params ?? {}) as Record<string, unknown>,
      result,
      where,
      worker: typeof trial.worker === 'string' && trial.worker !== '' ? trial.worker : null,
      createdAt: fileTime(trial.createdAt, `${path} ${where}`, 'createdAt'),
      completedAt: fileTime(trial.completedAt, `${path} ${where}`, 'completedAt'),
    });
  });
  const spec = document.experiment as Record<string, unknown> | undefined;
  const experiment = spec && typeof spec === 'object'
    ? Object.fromEntries(
        (['description', 'parameters', 'algorithm', 'leaseSeconds', 'maxTrials', 'maxRetries', 'objectives', 'constraints', 'pruner'] as const).filter((key) => spec[key] !== undefined && spec[key] !== null).map((key) => [key, spec[key]]),
      )
    : null;
  return { trials, skipped, notes: droppedLossNote(dropped), experiment };
}

/** One of Optuna's distributions, as its storage writes `distribution_json`. */
interface OptunaDistribution {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * An Optuna distribution as an Oscar parameter spec; null when Oscar has no equivalent. A range of
 * one value (`suggest_float('f', 2.0, 2.0)`, which Optuna allows) is the constant it always gives.
 */
function oscarSpec(distribution: OptunaDistribution): unknown {
  const a = distribution.attributes;
  if (distribution.name !== 'CategoricalDistribution' && typeof a.low === 'number' && a.low === a.high) return a.low;
  switch (distribution.name) {
    case 'FloatDistribution':
    case 'UniformDistribution':
    case 'LogUniformDistribution':
    case 'DiscreteUniformDistribution': {
      const log = a.log === true || distribution.name === 'LogUniformDistribution';
      const step = (a.step ?? a.q ?? null) as number | null;
      return { min: a.low, max: a.high, ...(step !== null ? { step } : {}), ...(log ? { distribution: 'log_uniform' } : {}) };
    }
    case 'IntDistribution':
    case 'IntUniformDistribution':
    case 'IntLogUniformDistribution': {
      const log = a.log === true || distribution.name === 'IntLogUniformDistribution';
      return { min: a.low, max: a.high, step: a.step ?? 1, ...(log ? { distribution: 'log_uniform' } : {}) };
    }
    case 'CategoricalDistribution':
      return a.choices;
    default:
      return null;
  }
}

/** An Optuna parameter's internal value as the value the user's code saw (the choice for a categorical index). */
function optunaValue(distribution: OptunaDistribution, internal: number): unknown {
  if (distribution.name === 'CategoricalDistribution') return (distribution.attributes.choices as unknown[])[Math.round(internal)];
  if (distribution.name.startsWith('Int')) return Math.round(internal);
  return internal;
}

/** An Optuna trial's parameters as its code saw them, by name, and where it is in the file. */
interface OptunaParams {
  readonly where: string;
  readonly values: ReadonlyMap<string, unknown>;
}

/**
 * The categorical parameter whose value decides whether `name` is suggested, and the values under
 * which it is: a categorical present in every trial `name` is in (and in more), which in those trials
 * takes exactly the values under which `name` appears. The most specific (present in the fewest
 * trials) when several do; null when none does.
 */
function deciderOf(name: string, counts: ReadonlyMap<string, number>, trials: readonly OptunaParams[], categorical: (name: string) => boolean): { parent: string; values: Set<unknown> } | null {
  const present = trials.filter((trial) => trial.values.has(name));
  let best: { parent: string; values: Set<unknown>; count: number } | null = null;
  for (const [parent, count] of counts) {
    // In more trials than `name` (in as many, they are siblings), and in every trial it is in.
    if (count <= present.length || !categorical(parent) || !present.every((trial) => trial.values.has(parent))) continue;
    if (best !== null && count >= best.count) continue;
    const values = new Set(present.map((trial) => trial.values.get(parent)));
    if (trials.some((trial) => trial.values.has(parent) && values.has(trial.values.get(parent)) !== trial.values.has(name))) continue;
    best = { parent, values, count };
  }
  return best;
}

/**
 * The Oscar space of an Optuna study's trials: one parameter per name (its first distribution). A
 * parameter suggested in some trials only goes under the choices of the categorical whose value
 * decides when it is (define-by-run's `if trial.suggest_categorical('c', ['a', 'b']) == 'a': ...`),
 * as a conditional space; one that no categorical decides is refused, naming it.
 */
function optunaSpace(path: string, distributions: ReadonlyMap<string, OptunaDistribution>, trials: readonly OptunaParams[]): Record<string, unknown> {
  const names = [...distributions.keys()].sort();
  const counts = new Map(names.map((name) => [name, trials.filter((trial) => trial.values.has(name)).length]));
  const categorical = (name: string) => distributions.get(name)!.name === 'CategoricalDistribution';
  const children = new Map<string, { name: string; values: Set<unknown> }[]>();
  const topLevel: string[] = [];
  for (const name of names) {
    const count = counts.get(name)!;
    if (count === trials.length) {
      topLevel.push(name);
      continue;
    }
    const decider = deciderOf(name, counts, trials, categorical);
    if (decider === null) {
      throw new TrialFileError(
        `${path}: the parameter "${name}" is suggested in ${count} of the ${trials.length} trials, and no categorical parameter's value decides when; ` +
          "Oscar's conditional parameters sit under the choices of a categorical, so this study's space cannot be imported as it is",
      );
    }
    const choices = distributions.get(decider.parent)!.attributes.choices as unknown[];
    if (!choices.every((choice) => typeof choice === 'string')) {
      throw new TrialFileError(
        `${path}: the parameter "${name}" is suggested only when "${decider.parent}" is ${[...decider.values].map((v) => JSON.stringify(v)).join(' or ')}, ` +
          `but Oscar's conditional parameters sit under text choices, and "${decider.parent}" has choices ${JSON.stringify(choices)}`,
      );
    }
    if (!children.has(decider.parent)) children.set(decider.parent, []);
    children.get(decider.parent)!.push({ name, values: decider.values });
  }
  const specOf = (name: string): unknown => {
    const subs = children.get(name);
    if (subs === undefined) return oscarSpec(distributions.get(name)!);
    const choices = distributions.get(name)!.attributes.choices as string[];
    return { choices: Object.fromEntries(choices.map((choice) => [choice, Object.fromEntries(subs.filter((sub) => sub.values.has(choice)).map((sub) => [sub.name, specOf(sub.name)]))])) };
  };
  return Object.fromEntries(topLevel.map((name) => [name, specOf(name)]));
}

/**
 * An Optuna trial's parameters keyed as `space` keys them (a sub-parameter under two choices is
 * `choice.name`); a parameter the space does not have keeps its name, so the server names it.
 */
function keyedParams(space: SearchSpace | null, values: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const params = emptyRecord();
  const used = new Set<string>();
  if (space !== null) {
    const active = walkActive(space, (param) => {
      const name = param.condition?.specName ?? param.name;
      if (!values.has(name)) return undefined;
      used.add(name);
      return values.get(name) as ParamValue;
    });
    for (const [key, value] of active) if (value !== undefined) params[key] = value;
  }
  for (const [name, value] of values) if (!used.has(name)) params[name] = value;
  return params;
}

/** A JSON value as Python's `json.dumps` writes it: NaN and infinities, which JSON lacks, read as null (and counted). */
function pythonJson(text: string): { value: unknown; nonFinite: number } {
  try {
    return { value: JSON.parse(text) as unknown, nonFinite: 0 };
  } catch (error) {
    let nonFinite = 0;
    const replaced = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (token) => {
      if (token.startsWith('"')) return token;
      nonFinite++;
      return 'null';
    });
    if (nonFinite === 0) throw error;
    return { value: JSON.parse(replaced) as unknown, nonFinite };
  }
}

/**
 * Reads the COMPLETE trials of an Optuna study from its SQLite storage (Optuna 2.4 and later: tables
 * studies, study_directions, trials, trial_params, trial_values, trial_user_attributes). Parameters
 * are decoded through each one's distribution (a categorical's index becomes its choice). One
 * objective gives `loss`: the value, negated when the study maximises (the value itself is then the
 * metric `value`); several give metrics `values_0`, `values_1`, ..., which the experiment it creates
 * names as its objectives. User attributes become metrics (NaN and infinities as null, with a note).
 * `study` names the study when the file holds several. The trials' parameters are keyed as `space`
 * keys them (the experiment's, when it exists), else as the space read from the study.
 */
export function readOptunaStudy(path: string, study: string | null, space: SearchSpace | null = null): TrialFile {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM studies LIMIT 1').get();
  } catch (error) {
    throw new TrialFileError(`${path}: not an Optuna SQLite study: ${(error as Error).message}`);
  }
  try {
    const studies = db.prepare('SELECT study_id AS id, study_name AS name FROM studies ORDER BY study_id').all() as { id: number; name: string }[];
    const chosen = study === null ? (studies.length === 1 ? studies[0] : undefined) : studies.find((s) => s.name === study);
    if (!chosen) {
      const names = studies.map((s) => `"${s.name}"`).join(', ') || 'none';
      throw new TrialFileError(study === null ? `${path} holds ${studies.length} studies (${names}): choose one with --study NAME` : `${path} has no study "${study}" (it has ${names})`);
    }
    const directions = (db.prepare('SELECT objective, direction FROM study_directions WHERE study_id = ? ORDER BY objective').all(chosen.id) as { objective: number; direction: string }[]).map((d) =>
      d.direction.toUpperCase() === 'MAXIMIZE' ? 'maximize' : 'minimize',
    );
    const skipped = new Map<string, number>();
    for (const row of db.prepare("SELECT state, COUNT(*) AS n FROM trials WHERE study_id = ? AND state <> 'COMPLETE' GROUP BY state").all(chosen.id) as { state: string; n: number }[]) {
      skipped.set(`${row.state.toLowerCase()} state`, row.n);
    }
    const trialRows = db
      .prepare("SELECT trial_id AS id, number, datetime_start AS started, datetime_complete AS completed FROM trials WHERE study_id = ? AND state = 'COMPLETE' ORDER BY number")
      .all(chosen.id) as { id: number; number: number; started: string | null; completed: string | null }[];
    const paramsOf = db.prepare('SELECT param_name AS name, param_value AS value, distribution_json AS distribution FROM trial_params WHERE trial_id = ?');
    // Optuna 3 marks infinite values in value_type; earlier storages have no such column.
    const typed = (db.prepare("SELECT name FROM pragma_table_info('trial_values')").all() as { name: string }[]).some((column) => column.name === 'value_type');
    const valuesOf = db.prepare(`SELECT objective, value${typed ? ', value_type AS type' : ''} FROM trial_values WHERE trial_id = ? ORDER BY objective`);
    const attributesOf = db.prepare('SELECT key, value_json AS value FROM trial_user_attributes WHERE trial_id = ?');
    const distributions = new Map<string, OptunaDistribution>();
    const read: (OptunaParams & { readonly result: Record<string, unknown>; readonly createdAt: string | null; readonly completedAt: string | null })[] = [];
    const nonFinite = new Map<string, number>();
    for (const { id, number, started, completed } of trialRows) {
      const where = `Optuna trial ${number}`;
      const values = valuesOf.all(id) as { objective: number; value: number | null; type?: string }[];
      if (values.length !== Math.max(1, directions.length) || values.some((v) => v.value === null || (v.type !== undefined && v.type !== 'FINITE'))) {
        skip(skipped, 'no finite value');
        continue;
      }
      // The space comes from the trials imported only: a parameter of skipped trials alone is not in it.
      const params = new Map<string, unknown>();
      for (const row of paramsOf.all(id) as { name: string; value: number; distribution: string }[]) {
        const distribution = JSON.parse(row.distribution) as OptunaDistribution;
        if (!distributions.has(row.name)) distributions.set(row.name, distribution);
        params.set(row.name, optunaValue(distribution, row.value));
      }
      const result = emptyRecord();
      for (const row of attributesOf.all(id) as { key: string; value: string }[]) {
        let attribute;
        try {
          attribute = pythonJson(row.value);
        } catch (error) {
          throw new TrialFileError(`${path} ${where}: the user attribute "${row.key}" is not JSON: ${(error as Error).message}`);
        }
        result[row.key] = attribute.value;
        if (attribute.nonFinite > 0) nonFinite.set(row.key, (nonFinite.get(row.key) ?? 0) + 1);
      }
      if (values.length === 1) {
        const value = values[0]!.value!;
        if (directions[0] === 'maximize') {
          result.value = value;
          result.loss = -value;
        } else result.loss = value;
      } else values.forEach((v, i) => (result[`values_${i}`] = v.value));
      // Optuna stores its machine's local time, without a zone: read as this machine's.
      read.push({ values: params, result, where, createdAt: fileTime(started, `${path} ${where}`, 'datetime_start'), completedAt: fileTime(completed, `${path} ${where}`, 'datetime_complete') });
    }
    const parameters = optunaSpace(path, distributions, read);
    const keyedBy = space ?? spaceOf(parameters);
    const trials = read.map(({ values, result, where, createdAt, completedAt }) => ({ params: keyedParams(keyedBy, values), result, where, createdAt, completedAt }));
    const notes = [...nonFinite].map(([key, count]) => `the user attribute "${key}" holds NaN or an infinity in ${count} ${count === 1 ? 'trial' : 'trials'}: imported as null there`);
    const experiment: Record<string, unknown> = { parameters, description: `Imported from the Optuna study "${chosen.name}"` };
    if (directions.length > 1) experiment.objectives = Object.fromEntries(directions.map((direction, i) => [`values_${i}`, direction]));
    return { trials, skipped, notes, experiment: Object.keys(parameters).length ? experiment : null };
  } finally {
    db.close();
  }
}

/**
 * Reads trials from `path`: an Optuna study (`.db`, `.sqlite`, `.sqlite3`), a JSON export (`.json`)
 * or a CSV file (anything else). `space` is the experiment's, when known (CSV cells are read by it, an
 * Optuna study's parameters keyed as it keys them).
 */
export function readTrialFile(path: string, options: { readonly study: string | null; readonly space: SearchSpace | null }): TrialFile {
  if (/\.(db|sqlite3?)$/i.test(path)) return readOptunaStudy(path, options.study, options.space);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TrialFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (/\.json$/i.test(path)) return readJsonExport(path, text);
  return readCsv(path, text, options.space);
}

/** A parameter space from its spec, or null when it is not one (the server then says what is wrong). */
export function spaceOf(parameters: unknown): SearchSpace | null {
  try {
    return parseSearchSpace(parameters);
  } catch {
    return null;
  }
}
