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

/**
 * A categorical whose choices bring their own parameters (a conditional space): each choice maps to
 * the parameters that exist only when it is drawn, e.g.
 * `{ choices: { svm: { C: { min: 1e-3, max: 1e3 } }, linear: {} } }`.
 */
export interface ChoicesSpec {
  readonly choices: { readonly [choice: string]: { readonly [name: string]: ParameterSpec } };
}

/** How one parameter is drawn: a numeric spec, a list of categories, a constant, or choices with sub-parameters. */
export type ParameterSpec = NumericSpec | readonly ParameterValue[] | ParameterValue | ChoicesSpec;

/** The optimizers Oscar has (see the README's Optimizers). */
export type Algorithm = 'auto' | 'gp' | 'tpe' | 'cmaes' | 'nsga2' | 'quasi_random' | 'random' | 'grid';

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
   * The most trials the experiment runs, over all workers (1 to 1,000,000,000; re-offered copies of a
   * lost or released trial not counted): then `suggest` rejects with `TRIAL_BUDGET_SPENT` and
   * `jobs()` ends. No limit by default; unchanged when resuming and omitted.
   */
  readonly max_trials?: number;
  /**
   * How many times in a row a lost trial (its worker stopped answering, with no new step reported and
   * no new checkpoint) is offered again before it is FAILED instead (0 to 1,000; default 3), so
   * parameters that crash every worker they reach are not offered for ever. Unchanged when resuming and omitted.
   */
  readonly max_retries?: number;
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

/** The value type a parameter spec draws: a number for a range, one of the categories or choices, the constant itself. */
export type ValueOf<Spec> = Spec extends { readonly choices: infer Choices }
  ? keyof Choices & string
  : Spec extends readonly (infer Value)[]
    ? Value extends ParameterValue ? Value : ParameterValue
    : Spec extends ParameterValue
      ? Spec
      : Spec extends NumericSpec
        ? number
        : ParameterValue;

/** A sub-parameter of a conditional space: the choice it sits under, its name there, and its spec. */
interface SubParameter {
  readonly choice: string;
  readonly name: string;
  readonly spec: unknown;
}

/** Every sub-parameter under the choices of `Parameters`, as a union of {@link SubParameter} (at most 4 levels, as the server allows). */
type SubParameters<Parameters, Depth extends readonly unknown[] = []> = Depth['length'] extends 4
  ? never
  : {
      [P in keyof Parameters]: Parameters[P] extends { readonly choices: infer Choices }
        ? {
            [C in keyof Choices & string]:
              | { [N in keyof Choices[C] & string]: { readonly choice: C; readonly name: N; readonly spec: Choices[C][N] } }[keyof Choices[C] & string]
              | SubParameters<Choices[C], [...Depth, unknown]>;
          }[keyof Choices & string]
        : never;
    }[keyof Parameters];

/**
 * The key a sub-parameter has in a trial, as the server names it: its own name when that name occurs
 * once in the whole space, else `choice.name` (`adam.lr`).
 */
type SubKey<Sub extends SubParameter, All extends SubParameter, TopLevel> = Sub['name'] extends TopLevel
  ? `${Sub['choice']}.${Sub['name']}`
  : [Exclude<Extract<All, { readonly name: Sub['name'] }>, { readonly choice: Sub['choice'] }>] extends [never]
    ? Sub['name']
    : `${Sub['choice']}.${Sub['name']}`;

/**
 * The parameters a trial of an experiment gets, typed from its parameter specs. In a conditional space
 * the sub-parameters are optional (a trial holds only those its choices make active), keyed as the
 * server keys them.
 */
export type ParamsOf<E> = E extends { readonly parameters: infer Parameters }
  ? string extends keyof Parameters
    ? Params
    : [SubParameters<Parameters>] extends [never]
      ? { readonly [Name in keyof Parameters]: ValueOf<Parameters[Name]> }
      : { readonly [Name in keyof Parameters]: ValueOf<Parameters[Name]> } & {
          readonly [Sub in SubParameters<Parameters> as SubKey<Sub, SubParameters<Parameters>, keyof Parameters>]?: ValueOf<Sub['spec']>;
        }
  : Params;

/** The keys an experiment may have, in the Python client's order. */
const EXPERIMENT_KEYS = ['name', 'description', 'parameters', 'resume', 'algorithm', 'seed', 'lease_seconds', 'max_trials', 'max_retries', 'pruner', 'objectives', 'constraints'] as const;
const GRAPHQL_NAMES: Partial<Record<(typeof EXPERIMENT_KEYS)[number], keyof ExperimentInput>> = {
  lease_seconds: 'leaseSeconds',
  max_trials: 'maxTrials',
  max_retries: 'maxRetries',
};

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
