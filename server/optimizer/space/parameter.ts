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

/**
 * Where a sub-parameter (a parameter under a choice of a categorical, in a spec written as a tree)
 * exists: only while its parent is active and takes one of `values`. A trial holds only its active
 * parameters.
 */
export interface Condition {
  /** The parent's name, as keyed in a trial: a categorical parameter, or a constant (a mapping of one choice). */
  readonly parent: string;
  /** The parent's values under which the parameter is active (from a spec: the one choice it sits under). */
  readonly values: readonly ParamValue[];
  /** Its own name under that choice in the spec: `lr` for the parameter keyed `adam.lr`. */
  readonly specName: string;
}

interface NumericBase {
  readonly name: string;
  /** Absent for a top-level parameter: it is always active. */
  readonly condition?: Condition;
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
  /** Absent for a top-level parameter: it is always active. */
  readonly condition?: Condition;
  readonly choices: readonly ParamValue[];
}

/** A parameter that always takes the same value (a scalar spec or a one-element list). */
export interface ConstantParameter {
  readonly kind: 'constant';
  readonly name: string;
  /** Absent for a top-level parameter: it is always active. */
  readonly condition?: Condition;
  readonly value: ParamValue;
}

/** One validated parameter of a search space. */
export type Parameter = NumericParameter | CategoricalParameter | ConstantParameter;

/** A parameter an optimizer chooses a value for (every kind but constants). */
export type TunableParameter = NumericParameter | CategoricalParameter;

/**
 * A validated search space. `parameters` is sorted by name, so key order in the user's JSON does not
 * matter; it holds every parameter of the tree, flat, sub-parameters with their `condition`.
 */
export interface SearchSpace {
  readonly parameters: readonly Parameter[];
}

/** A categorical parameter whose choices carry sub-parameters: choice -> (sub-parameter name -> spec). */
export interface ChoicesJson {
  readonly choices: Readonly<Record<string, Readonly<Record<string, ParameterJson>>>>;
}

/** One parameter's spec in canonical Oscar form: a constant, a list of choices, a numeric spec object, or choices with sub-parameters. */
export type ParameterJson = ParamValue | readonly ParamValue[] | Readonly<Record<string, number | string>> | ChoicesJson;

/** At most this many parameters in one search space, counting sub-parameters at every level. */
export const MAX_PARAMETERS = 100;

/** At most this many characters (UTF-16 code units) in a parameter name. */
export const MAX_NAME_LENGTH = 128;

/** At most this many choices in one categorical parameter. */
export const MAX_CHOICES = 1000;

/** At most this many characters in a string choice or constant. */
export const MAX_VALUE_LENGTH = 1000;

/** Sub-parameters nest at most this many choices deep (a top-level parameter is at depth 0). */
export const MAX_DEPTH = 4;
