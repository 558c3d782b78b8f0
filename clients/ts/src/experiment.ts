import { badInput } from './errors.js';
import type { ExperimentInput } from './generated/graphql.js';

/** A JSON value, as the server stores and returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** One parameter's value in a trial. */
export type ParameterValue = number | string | boolean | null;

/** A trial's parameters by name. */
export type Params = Record<string, ParameterValue>;

/** A numeric parameter's spec: uniform on [min, max], optionally stepped, or with a prior. */
export interface NumericSpec {
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly distribution?: 'uniform' | 'log_uniform' | 'normal' | 'log_normal';
  readonly mu?: number;
  readonly sigma?: number;
}

/** How one parameter is drawn: a numeric spec, a list of categories, or a constant. */
export type ParameterSpec = NumericSpec | readonly ParameterValue[] | ParameterValue;

/** The optimizers Oscar has (see the README's Optimizers). */
export type Algorithm = 'auto' | 'gp' | 'tpe' | 'cmaes' | 'nsga2' | 'quasi_random' | 'random';

/**
 * An experiment in the original Oscar format: the same keys as the Python client's dict. Only `name`
 * and `parameters` are required; any other key is refused before anything is sent.
 */
export interface Experiment<Parameters extends Record<string, ParameterSpec> = Record<string, ParameterSpec>> {
  /** The experiment's name; the same name continues the same experiment. */
  readonly name: string;
  /** Parameter name to spec, e.g. `{ x: { min: -10, max: 10 }, activation: ['relu', 'tanh'] }`. */
  readonly parameters: Parameters;
  /** Shown in the dashboard. */
  readonly description?: string;
  /** `false` archives the experiment's trials and starts afresh, once per client and name. Default `true`. */
  readonly resume?: boolean;
  /** The optimizer (`auto` for a new experiment, unchanged when resuming). */
  readonly algorithm?: Algorithm | (string & {});
  /** Optimizer seed: the same seed and history give the same suggestions. */
  readonly seed?: number;
  /** Seconds a running trial is kept without a heartbeat before its parameters are offered again (2 to 604,800; default 120). */
  readonly lease_seconds?: number;
  /**
   * How trials are stopped early from the intermediate values `report` sends: `'median'` (default),
   * `'none'`, `'percentile'`, `'asha'`, `'hyperband'`, or an object such as
   * `{ type: 'asha', min_step: 1, reduction: 3 }` (see the server's README). Unchanged when resuming and omitted.
   */
  readonly pruner?: PrunerName | ({ readonly type: PrunerName } & Readonly<Record<string, unknown>>);
  /** Result keys to minimise or maximise, e.g. `{ accuracy: 'maximize', latency_ms: 'minimize' }` (default `{ loss: 'minimize' }`). */
  readonly objectives?: Readonly<Record<string, 'minimize' | 'maximize'>>;
  /** Limits on result values, e.g. `{ memory_gb: { max: 16 } }`: trials outside them are kept, as infeasible. */
  readonly constraints?: Readonly<Record<string, { readonly min?: number; readonly max?: number }>>;
}

/** The pruners an experiment may name. */
export type PrunerName = 'median' | 'none' | 'percentile' | 'asha' | 'hyperband';

/** The value type a parameter spec draws: a number for a range, one of the categories, the constant itself. */
export type ValueOf<Spec> = Spec extends readonly (infer Value)[]
  ? Value extends ParameterValue ? Value : ParameterValue
  : Spec extends ParameterValue
    ? Spec
    : Spec extends NumericSpec
      ? number
      : ParameterValue;

/** The parameters a trial of an experiment gets, typed from its parameter specs. */
export type ParamsOf<E> = E extends { readonly parameters: infer Parameters }
  ? string extends keyof Parameters
    ? Params
    : { readonly [Name in keyof Parameters]: ValueOf<Parameters[Name]> }
  : Params;

/** The keys an experiment may have, in the Python client's order. */
const EXPERIMENT_KEYS = ['name', 'description', 'parameters', 'resume', 'algorithm', 'seed', 'lease_seconds', 'pruner', 'objectives', 'constraints'] as const;
const GRAPHQL_NAMES: Partial<Record<(typeof EXPERIMENT_KEYS)[number], keyof ExperimentInput>> = { lease_seconds: 'leaseSeconds' };

/**
 * Checks an experiment's keys (the server checks the values) and turns it into the GraphQL
 * `ExperimentInput`; throws BAD_USER_INPUT naming the key.
 */
export function validateExperiment(experiment: unknown): ExperimentInput {
  if (typeof experiment !== 'object' || experiment === null || Array.isArray(experiment)) {
    throw badInput('experiment', `experiment must be an object with 'name' and 'parameters', got ${describeType(experiment)}`);
  }
  const allowed: readonly string[] = EXPERIMENT_KEYS;
  const unknown = Object.keys(experiment).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw badInput(
      `experiment.${unknown[0]}`,
      `unknown experiment key${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => `'${key}'`).join(', ')} (allowed: ${EXPERIMENT_KEYS.join(', ')})`,
    );
  }
  const input: Record<string, unknown> = {};
  for (const key of EXPERIMENT_KEYS) {
    const value = (experiment as Record<string, unknown>)[key];
    if (value === undefined) {
      if (key === 'name' || key === 'parameters') throw badInput(`experiment.${key}`, `experiment must have '${key}'`);
      continue;
    }
    input[GRAPHQL_NAMES[key] ?? key] = value;
  }
  return input as ExperimentInput;
}

/** "an array", "null", "a string" ... for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
