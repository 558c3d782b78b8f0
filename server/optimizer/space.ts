import { isLogDistribution, representationProblem } from './domain.ts';
import { OptimizerError } from './errors.ts';
import { nameProblem, textProblem } from '../text.ts';

/** One parameter's value in a trial: what the user's code receives. */
export type ParamValue = string | number | boolean;

/** A trial's parameter assignment, parameter name -> value. */
export type Params = Readonly<Record<string, ParamValue>>;

/** The distributions a numeric parameter can declare, in the Oscar spec's spelling. */
export const distributions = ['uniform', 'log_uniform', 'normal', 'log_normal'] as const;

/** A numeric parameter's declared distribution. */
export type Distribution = (typeof distributions)[number];

interface NumericBase {
  readonly name: string;
  /** `int` when a step is given and the step and every given bound are integers; values are then JS integers. */
  readonly kind: 'float' | 'int';
  /** Values are quantised to `low + k * step` (or `high - k * step` without `low`, or `k * step` without bounds); null: continuous. */
  readonly step: number | null;
}

/** A numeric parameter on [low, high], uniform either linearly or in ln(x) (`log_uniform`, low > 0). */
export interface UniformParameter extends NumericBase {
  readonly distribution: 'uniform' | 'log_uniform';
  readonly low: number;
  readonly high: number;
}

/**
 * A numeric parameter with a normal prior N(mu, sigma), of x (`normal`) or of
 * ln(x) (`log_normal`); `low`/`high` (null when not given) truncate it.
 */
export interface NormalParameter extends NumericBase {
  readonly distribution: 'normal' | 'log_normal';
  readonly mu: number;
  readonly sigma: number;
  readonly low: number | null;
  readonly high: number | null;
}

/** A parameter whose values are numbers. */
export type NumericParameter = UniformParameter | NormalParameter;

/** A parameter taking one of at least two distinct values; order is kept (it is the index encoding). */
export interface CategoricalParameter {
  readonly kind: 'categorical';
  readonly name: string;
  readonly choices: readonly ParamValue[];
}

/** A parameter that always takes the same value (a scalar spec or a one-element list). */
export interface ConstantParameter {
  readonly kind: 'constant';
  readonly name: string;
  readonly value: ParamValue;
}

/** One validated parameter of a search space. */
export type Parameter = NumericParameter | CategoricalParameter | ConstantParameter;

/** A parameter an optimizer chooses a value for (every kind but constants). */
export type TunableParameter = NumericParameter | CategoricalParameter;

/** A validated search space. `parameters` is sorted by name, so key order in the user's JSON does not matter. */
export interface SearchSpace {
  readonly parameters: readonly Parameter[];
}

/** At most this many parameters in one search space. */
export const MAX_PARAMETERS = 100;

/** At most this many characters (UTF-16 code units) in a parameter name. */
export const MAX_NAME_LENGTH = 128;

/** At most this many choices in one categorical parameter. */
export const MAX_CHOICES = 1000;

/** At most this many characters in a string choice or constant. */
export const MAX_VALUE_LENGTH = 1000;

const numericKeys = ['distribution', 'max', 'min', 'mu', 'sigma', 'step'] as const;
type NumericKey = (typeof numericKeys)[number];

/** The user's search space is invalid; `message` names the parameter (if any) and the problem. */
export class SearchSpaceError extends OptimizerError {
  /** @inheritdoc */
  override readonly code = 'INVALID_SEARCH_SPACE';
  override readonly name = 'SearchSpaceError';

  /**
   * @param parameter the parameter at fault, or null when the space as a whole is.
   * @param problem what is wrong, e.g. `sigma must be > 0, but got sigma=0`.
   */
  constructor(
    readonly parameter: string | null,
    readonly problem: string,
  ) {
    super(parameter === null ? problem : `parameter ${quoteName(parameter)}: ${problem}`);
  }
}

function quoteName(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `number ${value}`;
    case 'boolean':
      return `boolean ${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is ParamValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/**
 * Validates a search space in the Oscar format (a JSON object, parameter name ->
 * spec) into typed values. This is the only boundary check: code past it trusts
 * the types.
 * @throws {SearchSpaceError} naming the parameter and the problem.
 */
export function parseSearchSpace(raw: unknown): SearchSpace {
  if (!isRecord(raw)) {
    throw new SearchSpaceError(null, `search space must be an object mapping parameter names to specs, but got ${describe(raw)}`);
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new SearchSpaceError(null, 'search space must have at least one parameter, but got an empty object');
  if (entries.length > MAX_PARAMETERS) {
    throw new SearchSpaceError(null, `search space must have at most ${MAX_PARAMETERS} parameters, but got ${entries.length}`);
  }
  const parameters = entries.map(([name, spec]) => parseParameter(name, spec));
  parameters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Object.freeze({ parameters: Object.freeze(parameters) });
}

function checkValue(name: string, what: string, value: ParamValue): void {
  const problem = typeof value === 'string' ? textProblem(value, MAX_VALUE_LENGTH) : null;
  if (problem !== null) throw new SearchSpaceError(name, `${what} ${problem}`);
}

function parseParameter(name: string, spec: unknown): Parameter {
  const problem = nameProblem(name, MAX_NAME_LENGTH);
  if (problem !== null) throw new SearchSpaceError(name, `name ${problem}`);
  if (Array.isArray(spec)) return parseChoices(name, spec);
  if (isRecord(spec)) return parseNumeric(name, spec);
  if (isScalar(spec)) {
    checkValue(name, 'value', spec);
    return Object.freeze({ kind: 'constant', name, value: spec });
  }
  throw new SearchSpaceError(
    name,
    `spec must be an object with min/max, a list of choices, or a constant string, finite number or boolean, but got ${describe(spec)}`,
  );
}

function parseChoices(name: string, list: readonly unknown[]): CategoricalParameter | ConstantParameter {
  if (list.length === 0) throw new SearchSpaceError(name, 'list of choices must not be empty');
  if (list.length > MAX_CHOICES) throw new SearchSpaceError(name, `list of choices must have at most ${MAX_CHOICES} choices, but got ${list.length}`);
  const choices: ParamValue[] = [];
  for (const [index, choice] of list.entries()) {
    if (!isScalar(choice)) {
      throw new SearchSpaceError(name, `choice ${index} must be a string, a finite number or a boolean, but got ${describe(choice)}`);
    }
    checkValue(name, `choice ${index}`, choice);
    const first = choices.indexOf(choice);
    if (first !== -1) {
      throw new SearchSpaceError(name, `choices must be distinct, but choice ${index} repeats choice ${first} (${JSON.stringify(choice)})`);
    }
    choices.push(choice);
  }
  const [only] = choices;
  if (choices.length === 1 && only !== undefined) return Object.freeze({ kind: 'constant', name, value: only });
  return Object.freeze({ kind: 'categorical', name, choices: Object.freeze(choices) });
}

function parseNumeric(name: string, spec: Readonly<Record<string, unknown>>): NumericParameter {
  for (const key of Object.keys(spec)) {
    if (!(numericKeys as readonly string[]).includes(key)) {
      throw new SearchSpaceError(name, `unknown key ${JSON.stringify(key)}; allowed keys are ${quoteList(numericKeys)}`);
    }
  }
  const has = (key: NumericKey): boolean => Object.hasOwn(spec, key);
  const fail = (problem: string): never => {
    throw new SearchSpaceError(name, problem);
  };
  const numberAt = (key: NumericKey): number | undefined => {
    if (!has(key)) return undefined;
    const value = spec[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`${key} must be a finite number, but got ${describe(value)}`);
    return value;
  };
  const required = (key: NumericKey, distribution: Distribution): number =>
    numberAt(key) ?? fail(`missing "${key}" (required for distribution "${distribution}")`);

  const rawDistribution = has('distribution') ? spec.distribution : 'uniform';
  if (!(distributions as readonly unknown[]).includes(rawDistribution)) {
    fail(`distribution must be one of ${quoteList(distributions)}, but got ${describe(rawDistribution)}`);
  }
  const distribution = rawDistribution as Distribution;
  const step = numberAt('step');
  if (step !== undefined && !(step > 0)) fail(`step must be > 0, but got step=${step}`);

  let low: number | undefined;
  let high: number | undefined;
  let prior: { mu: number; sigma: number } | undefined;
  if (distribution === 'uniform' || distribution === 'log_uniform') {
    for (const key of ['mu', 'sigma'] as const) {
      if (has(key)) fail(`${key} is only allowed with distribution "normal" or "log_normal", but distribution is "${distribution}"`);
    }
    low = required('min', distribution);
    high = required('max', distribution);
  } else {
    const mu = required('mu', distribution);
    const sigma = required('sigma', distribution);
    if (!(sigma > 0)) fail(`sigma must be > 0, but got sigma=${sigma}`);
    prior = { mu, sigma };
    low = numberAt('min');
    high = numberAt('max');
  }
  if (low !== undefined && high !== undefined && !(low < high)) fail(`min < max must hold, but got min=${low}, max=${high}`);
  if (isLogDistribution(distribution)) {
    if (low !== undefined && !(low > 0)) fail(`min must be > 0 for distribution "${distribution}", but got min=${low}`);
    if (high !== undefined && !(high > 0)) fail(`max must be > 0 for distribution "${distribution}", but got max=${high}`);
  }
  if (step !== undefined && low !== undefined && high !== undefined && step > high - low) {
    fail(`step must be <= max - min, but got step=${step}, max - min=${high - low}`);
  }
  const isInt = step !== undefined && [step, low, high].every((v) => v === undefined || Number.isSafeInteger(v));
  const problem = representationProblem({ distribution, low: low ?? null, high: high ?? null, ...prior }, step ?? null, isInt);
  if (problem !== null) fail(problem);
  const common = { name, kind: isInt ? 'int' : 'float', step: step ?? null } as const;
  if (prior === undefined) {
    return Object.freeze({ ...common, distribution: distribution as UniformParameter['distribution'], low: low!, high: high! });
  }
  return Object.freeze({
    ...common,
    distribution: distribution as NormalParameter['distribution'],
    mu: prior.mu,
    sigma: prior.sigma,
    low: low ?? null,
    high: high ?? null,
  });
}

/** The spec of one parameter in canonical Oscar form: explicit distribution, keys sorted, constants as scalars. */
export function parameterToJson(param: Parameter): ParamValue | readonly ParamValue[] | Readonly<Record<string, number | string>> {
  switch (param.kind) {
    case 'constant':
      return param.value;
    case 'categorical':
      return param.choices;
    default: {
      const spec: Record<string, number | string> = { distribution: param.distribution };
      if (param.high !== null) spec.max = param.high;
      if (param.low !== null) spec.min = param.low;
      if (param.distribution === 'normal' || param.distribution === 'log_normal') {
        spec.mu = param.mu;
        spec.sigma = param.sigma;
      }
      if (param.step !== null) spec.step = param.step;
      return spec;
    }
  }
}

/** The whole space in canonical Oscar form (parameters sorted by name); `parseSearchSpace` accepts it back. */
export function spaceToJson(space: SearchSpace): Readonly<Record<string, ReturnType<typeof parameterToJson>>> {
  return Object.fromEntries(space.parameters.map((param) => [param.name, parameterToJson(param)]));
}

/**
 * A stable serialization: two spaces that parse to the same parameters give the
 * same string, whatever their key order, whether `"distribution": "uniform"` was
 * spelled out, and whether a constant was written as `x` or `[x]`.
 */
export function canonicalSpace(space: SearchSpace): string {
  return JSON.stringify(spaceToJson(space));
}
