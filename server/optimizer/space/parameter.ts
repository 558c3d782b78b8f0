/**
 * The validated parameter types every optimizer works with, plain frozen data (they cross to the
 * compute pool's worker threads), and the limits the validator enforces on them.
 */

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

/** One parameter's spec in canonical Oscar form: a constant, a list of choices, or a numeric spec object. */
export type ParameterJson = ParamValue | readonly ParamValue[] | Readonly<Record<string, number | string>>;

/** At most this many parameters in one search space. */
export const MAX_PARAMETERS = 100;

/** At most this many characters (UTF-16 code units) in a parameter name. */
export const MAX_NAME_LENGTH = 128;

/** At most this many choices in one categorical parameter. */
export const MAX_CHOICES = 1000;

/** At most this many characters in a string choice or constant. */
export const MAX_VALUE_LENGTH = 1000;
