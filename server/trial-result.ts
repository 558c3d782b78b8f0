import { badInput } from './errors.ts';

/** A JSON value as stored in a trial's metrics. */
export type MetricValue = string | number | boolean | null | readonly MetricValue[] | { readonly [key: string]: MetricValue };

/** A validated trial result: the loss Oscar minimises and the custom metrics stored beside it. */
export interface TrialResult {
  readonly loss: number;
  readonly metrics: Readonly<Record<string, MetricValue>>;
}

const MAX_METRICS = 200;
const MAX_KEY = 128;
const MAX_RESULT_BYTES = 64 * 1024;
const MAX_DEPTH = 8;

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}" (a string)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${String(value)} (a ${typeof value})`;
}

function checkMetric(path: string, value: unknown, depth: number): MetricValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badInput(path, `${path} must be a finite number, but got ${value}`);
    return value;
  }
  if (depth >= MAX_DEPTH) throw badInput(path, `${path} is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) return value.map((item, i) => checkMetric(`${path}[${i}]`, item, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, MetricValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = checkMetric(`${path}.${key}`, item, depth + 1);
    return out;
  }
  throw badInput(path, `${path} must be JSON, but got ${describe(value)}`);
}

/** Validates `update`'s result once, at the boundary; throws BAD_USER_INPUT naming the field. */
export function parseTrialResult(raw: unknown): TrialResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badInput('result', `result must be an object such as {"loss": 0.25}, but got ${describe(raw)}`);
  }
  if (JSON.stringify(raw).length > MAX_RESULT_BYTES) {
    throw badInput('result', `result must be at most ${MAX_RESULT_BYTES} bytes of JSON`);
  }
  const { loss, ...rest } = raw as Record<string, unknown>;
  if (loss === undefined) throw badInput('result.loss', 'result.loss is required: the number Oscar minimises');
  if (typeof loss !== 'number' || !Number.isFinite(loss)) {
    throw badInput('result.loss', `result.loss must be a finite number, but got ${describe(loss)}`);
  }
  const keys = Object.keys(rest);
  if (keys.length > MAX_METRICS) throw badInput('result', `result may hold at most ${MAX_METRICS} custom metrics`);
  const metrics: Record<string, MetricValue> = {};
  for (const key of keys) {
    if (key === '' || key.length > MAX_KEY) throw badInput('result', `metric names must be 1 to ${MAX_KEY} characters`);
    metrics[key] = checkMetric(`result.${key}`, rest[key], 1);
  }
  return { loss, metrics };
}
