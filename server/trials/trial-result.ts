import { badInput } from '../errors.ts';
import { cutText, keyProblem, nameProblem, textProblem } from '../text.ts';
import type { Objectives } from '../objectives/objectives-config.ts';

/** A JSON value as stored in a trial's metrics. */
export type MetricValue = string | number | boolean | null | readonly MetricValue[] | { readonly [key: string]: MetricValue };

/** Custom metrics reported with a result. */
export type Metrics = Readonly<Record<string, MetricValue>>;

/**
 * A validated trial outcome: a result (its `loss`, null when it reports none: an experiment with other
 * objectives, checked against them by {@link checkObjectives}), or a failure with the worker's error message.
 */
export type TrialOutcome =
  | { readonly kind: 'completed'; readonly loss: number | null; readonly metrics: Metrics }
  | { readonly kind: 'failed'; readonly error: string; readonly metrics: Metrics };

const MAX_METRICS = 200;
const MAX_KEY = 128;
const MAX_RESULT_BYTES = 64 * 1024;
const MAX_DEPTH = 8;
const MAX_ERROR = 10_000;

/** How the clients send a float JSON cannot hold (Python's NaN, Lua's 0/0): named as the number it was. */
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** Whether `value` is how a client sent NaN or an infinity: the string `"NaN"`, `"Infinity"` or `"-Infinity"`. */
function sentNonFinite(value: unknown): value is string {
  return typeof value === 'string' && NON_FINITE.has(value);
}

/**
 * A client's JSON value for an error message: a string quoted (cut at 40 characters) and its type
 * named; `"NaN"`, `"Infinity"` and `"-Infinity"`, which the clients send for those floats, as that number.
 */
export function describe(value: unknown): string {
  if (sentNonFinite(value)) return `${value} (sent as the string "${value}")`;
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}" (a string)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${String(value)} (a ${typeof value})`;
}

/**
 * What becomes of NaN or an infinity (a number JSON cannot carry: sent by the clients as the string
 * `"NaN"`, `"Infinity"` or `"-Infinity"`) in a value: `'null'` in metrics, which hold finite numbers
 * only (a diverged run's `grad_norm` is stored, as null, and never costs the result it came with; a
 * NaN objective is refused by {@link checkObjectives}); `'keep'` in a checkpoint, a record the
 * worker reads back as it wrote it (`best_val = float('inf')`).
 */
export type NonFinite = 'null' | 'keep';

/** Checks a JSON value from a client (strings, finite numbers, keys, depth) at `path`; returns it as stored (-0 as 0). */
export function checkJson(path: string, value: unknown, depth: number, nonFinite: NonFinite): MetricValue {
  if (nonFinite === 'null' && sentNonFinite(value)) return null;
  if (typeof value === 'string') {
    const problem = textProblem(value, MAX_RESULT_BYTES);
    if (problem !== null) throw badInput(path, `${path} ${problem}`);
    return value;
  }
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badInput(path, `${path} must be a finite number, but got ${value}`);
    // -0 as 0: stored JSON keeps no sign of zero, and a retried result must compare equal to what was stored.
    return value === 0 ? 0 : value;
  }
  if (depth >= MAX_DEPTH) throw badInput(path, `${path} is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) return value.map((item, i) => checkJson(`${path}[${i}]`, item, depth + 1, nonFinite));
  if (typeof value === 'object') {
    const out: Record<string, MetricValue> = {};
    for (const [key, item] of Object.entries(value)) {
      const problem = keyProblem(key, MAX_KEY);
      if (problem !== null) throw badInput(path, `${path}: key ${JSON.stringify(key.slice(0, 40))} ${problem}`);
      out[key] = checkJson(`${path}.${key}`, item, depth + 1, nonFinite);
    }
    return out;
  }
  throw badInput(path, `${path} must be JSON, but got ${describe(value)}`);
}

function parseMetrics(rest: Readonly<Record<string, unknown>>, field: string): Metrics {
  const keys = Object.keys(rest);
  if (keys.length > MAX_METRICS) throw badInput(field, `${field} may hold at most ${MAX_METRICS} custom metrics`);
  const metrics: Record<string, MetricValue> = {};
  for (const key of keys) {
    const problem = nameProblem(key, MAX_KEY);
    if (problem !== null) throw badInput(field, `${field}: metric name ${JSON.stringify(key.slice(0, 40))} ${problem}`);
    metrics[key] = checkJson(`${field}.${key}`, rest[key], 1, 'null');
  }
  return metrics;
}

function parseError(field: string, error: unknown): string {
  if (typeof error !== 'string' || error.trim() === '') {
    throw badInput(field, `${field} must be a non-empty string describing the failure, but got ${describe(error)}`);
  }
  const problem = textProblem(error, Number.POSITIVE_INFINITY);
  if (problem !== null) throw badInput(field, `${field} ${problem}`);
  // Cut between characters: never after the first half of a surrogate pair.
  return error.length <= MAX_ERROR ? error : `${cutText(error, MAX_ERROR)}...`;
}

function asObject(raw: unknown, field: string, example: string): Readonly<Record<string, unknown>> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badInput(field, `${field} must be an object such as ${example}, but got ${describe(raw)}`);
  }
  return raw as Readonly<Record<string, unknown>>;
}

/** Checks the size of metrics already validated (so nested no deeper than MAX_DEPTH: measuring cannot overflow the stack). */
function sized(field: string, metrics: Metrics, max = MAX_RESULT_BYTES): Metrics {
  if (Buffer.byteLength(JSON.stringify(metrics)) > max) {
    throw badInput(field, `${field} must be at most ${max} bytes of JSON`);
  }
  return metrics;
}

/**
 * The largest magnitude a loss, an objective or an intermediate value may have. Larger finite doubles
 * do not survive every database path (SQLite stored 1.7976931348623157e308 as Inf, which GraphQL
 * cannot send back), and the pruners' and optimizers' arithmetic on values near the doubles' limit
 * overflows; no training loss comes near it.
 */
export const MAX_VALUE_MAGNITUDE = 1e300;

/** Whether `value` is a number Oscar stores and computes with: finite, within ±{@link MAX_VALUE_MAGNITUDE}. */
function isStorableNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_VALUE_MAGNITUDE;
}

/**
 * Validates `update`'s result once, at the boundary; throws BAD_USER_INPUT naming the field.
 * `{"loss": 0.3, ...metrics}` completes the trial; `{"error": "out of memory", ...metrics}` fails it.
 */
export function parseTrialResult(raw: unknown): TrialOutcome {
  const { loss, error, ...rest } = asObject(raw, 'result', '{"loss": 0.25}');
  if (error !== undefined && error !== null) {
    // Either outcome, never both: a loss sent with an error would be dropped without a word. A NaN
    // or infinite one (the last loss of a run that diverged) is no loss: the failure stands.
    if (loss !== undefined && loss !== null && !sentNonFinite(loss)) {
      throw badInput('result.loss', 'result holds both loss and error: send loss for a trial that finished, or error (and no loss) for one that failed');
    }
    return { kind: 'failed', error: parseError('result.error', error), metrics: sized('result', parseMetrics(rest, 'result')) };
  }
  if (loss === undefined) return { kind: 'completed', loss: null, metrics: sized('result', parseMetrics(rest, 'result')) };
  if (!isStorableNumber(loss)) {
    throw badInput('result.loss', `result.loss must be a finite number within ±${MAX_VALUE_MAGNITUDE}, but got ${describe(loss)}`);
  }
  return { kind: 'completed', loss, metrics: sized('result', parseMetrics(rest, 'result')) };
}

/**
 * Checks a result against its experiment's objectives: each must be there, a finite number (for the
 * default, `loss`: the number Oscar minimises). Throws BAD_USER_INPUT naming the field.
 */
export function checkObjectives(outcome: TrialOutcome, objectives: Objectives): void {
  if (outcome.kind !== 'completed') return;
  for (const { name } of objectives) {
    const value = name === 'loss' ? (outcome.loss ?? undefined) : outcome.metrics[name];
    if (value === undefined) {
      throw badInput(
        `result.${name}`,
        name === 'loss' && objectives.length === 1 ? 'result.loss is required: the number Oscar minimises' : `result.${name} is required: it is an objective of this experiment`,
      );
    }
    if (!isStorableNumber(value)) {
      throw badInput(`result.${name}`, `result.${name} must be a finite number within ±${MAX_VALUE_MAGNITUDE} (an objective of this experiment), but got ${describe(value)}`);
    }
  }
}

/** Validates the `fail` mutation's arguments. */
export function parseFailure(error: unknown, metrics: unknown): TrialOutcome {
  const rest = metrics === undefined || metrics === null ? {} : asObject(metrics, 'metrics', '{"epoch": 3}');
  return { kind: 'failed', error: parseError('error', error), metrics: sized('metrics', parseMetrics(rest, 'metrics')) };
}

/** A validated intermediate value: a step (0 or more) of a trial's learning curve, and its metrics. */
export interface IntermediateValue {
  readonly step: number;
  readonly value: number;
  readonly metrics: Metrics;
}

/** The highest step a report may name. */
export const MAX_REPORT_STEP = 1_000_000_000;
/** The most JSON text of metrics one report may carry (a trial reports up to 10,000 times). */
export const MAX_REPORT_METRICS_BYTES = 4096;

/** Validates `report`'s arguments once, at the boundary; throws BAD_USER_INPUT naming the field. */
export function parseReport(step: unknown, value: unknown, metrics: unknown): IntermediateValue {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > MAX_REPORT_STEP) {
    throw badInput('step', `step must be a whole number from 0 to ${MAX_REPORT_STEP} (an epoch, say), but got ${describe(step)}`);
  }
  if (!isStorableNumber(value)) {
    throw badInput('value', `value must be a finite number within ±${MAX_VALUE_MAGNITUDE} (the loss at this step), but got ${describe(value)}`);
  }
  const rest = metrics === undefined || metrics === null ? {} : asObject(metrics, 'metrics', '{"accuracy": 0.9}');
  return { step, value, metrics: sized('metrics', parseMetrics(rest, 'metrics'), MAX_REPORT_METRICS_BYTES) };
}
