/**
 * A search space: parsing the user's spec in the Oscar format (each kind of parameter parses itself
 * in its home under `space/`), its canonical form, and the vector of numbers algorithms work in.
 */
import { parseChoices } from './space/categorical.ts';
import { parseConstant } from './space/constant.ts';
import { homeOf, tunableHomeOf } from './space/homes.ts';
import { parseNumeric } from './space/numeric.ts';
import {
  MAX_PARAMETERS,
  type Parameter,
  type ParameterJson,
  type Params,
  type ParamValue,
  type SearchSpace,
  type TunableParameter,
} from './space/parameter.ts';
import { describe, isRecord, isScalar, SearchSpaceError } from './space/spec.ts';
import { activeParams, parseTree, treeToJson, walkActive } from './space/tree.ts';
import { InvalidTrialError } from './errors.ts';

export type {
  CategoricalParameter,
  Condition,
  ConstantParameter,
  Distribution,
  NormalParameter,
  NumericParameter,
  Parameter,
  ParameterJson,
  Params,
  ParamValue,
  SearchSpace,
  TunableParameter,
  UniformParameter,
} from './space/parameter.ts';

/**
 * Validates a search space in the Oscar format (a JSON object, parameter name ->
 * spec) into typed values. This is the only boundary check: code past it trusts
 * the types. A spec `{"choices": {choice: {name: spec, ...}}}` is a categorical
 * whose choices carry sub-parameters (see `space/tree.ts` for how they are named).
 * @throws {SearchSpaceError} naming the parameter's path (`model.svm.C`) and the problem.
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
  const parameters = parseTree(entries, parseParameter);
  parameters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Object.freeze({ parameters: Object.freeze(parameters) });
}

/** One parameter without sub-parameters, by the shape of its spec: a list of choices, a numeric object, or a constant. */
function parseParameter(name: string, spec: unknown): Parameter {
  if (Array.isArray(spec)) return parseChoices(name, spec);
  if (isRecord(spec)) return parseNumeric(name, spec);
  if (isScalar(spec)) return parseConstant(name, spec);
  throw new SearchSpaceError(
    name,
    `spec must be an object with min/max, a list of choices, an object with "choices", or a constant string, finite number or boolean, but got ${describe(spec)}`,
  );
}

/** The spec of one parameter in canonical Oscar form: explicit distribution, keys sorted, constants as scalars. */
export function parameterToJson(param: Parameter): ParameterJson {
  return homeOf(param).toJson(param);
}

/**
 * The whole space in canonical Oscar form (top-level parameters sorted by name, sub-parameters under
 * their choices); `parseSearchSpace` accepts it back and gives the same parameters.
 */
export function spaceToJson(space: SearchSpace): Readonly<Record<string, ParameterJson>> {
  return treeToJson(space, parameterToJson);
}

/**
 * A stable serialization: two spaces that parse to the same parameters give the
 * same string, whatever their key order, whether `"distribution": "uniform"` was
 * spelled out, and whether a constant was written as `x` or `[x]`.
 */
export function canonicalSpace(space: SearchSpace): string {
  return JSON.stringify(spaceToJson(space));
}

/** The parameters an optimizer chooses values for (all but constants), in the order `encode` and `decode` use. */
export function tunableParameters(space: SearchSpace): readonly TunableParameter[] {
  return space.parameters.filter((param): param is TunableParameter => param.kind !== 'constant');
}

/** The coordinate `encode` gives an inactive numeric parameter: the middle of its unit interval (its median). */
export const INACTIVE_UNIT = 0.5;

/** The coordinate `encode` gives an inactive categorical parameter: its first choice's index. */
export const INACTIVE_INDEX = 0;

/** The index of each tunable parameter in `encode`'s vector. */
function tunableIndexOf(space: SearchSpace): ReadonlyMap<string, number> {
  return new Map(tunableParameters(space).map((param, i) => [param.name, i]));
}

/**
 * The numeric representation algorithms work in: one number per tunable
 * parameter, in `tunableParameters` order. A numeric parameter gives
 * `toUnit(value)` in [0, 1]; a categorical one gives the index of its value in
 * `choices` (an integer; expand to one-hot in the algorithm if it needs that).
 * Constants are left out. Numeric values outside the bounds are clamped. In a
 * conditional space `params` holds only the active parameters; an inactive one
 * gets an imputed coordinate (`INACTIVE_UNIT`, `INACTIVE_INDEX`), the same for
 * every trial, which `decode` ignores; algorithms that care tell active from
 * inactive by the parent's coordinate (`activeMask` in `encoding.ts`). Values
 * given for inactive parameters are ignored.
 * @throws {InvalidTrialError} if an active parameter is missing, not a finite number, or not one of its choices.
 */
export function encode(space: SearchSpace, params: Params): number[] {
  const active = walkActive(space, (param) => (param.kind === 'constant' ? param.value : params[param.name]));
  return tunableParameters(space).map((param) => {
    if (!active.has(param.name)) return param.kind === 'categorical' ? INACTIVE_INDEX : INACTIVE_UNIT;
    const value: ParamValue | undefined = params[param.name];
    if (value === undefined) throw new InvalidTrialError(param.name, 'missing');
    return tunableHomeOf(param).encode(param, value);
  });
}

/**
 * The inverse of `encode`: an assignment of the active parameters (constants
 * included, keys in parameter-name order), parents decoded first. Unit values go
 * through `fromUnit`; categorical entries are rounded and clamped to a valid
 * index; entries of inactive parameters are ignored.
 * @throws {RangeError} if the vector's length is wrong or an active entry is NaN.
 */
export function decode(space: SearchSpace, vector: readonly number[]): Params {
  const tunable = tunableParameters(space);
  if (vector.length !== tunable.length) {
    throw new RangeError(`decode: expected ${tunable.length} numbers, one per tunable parameter, but got ${vector.length}`);
  }
  const index = tunableIndexOf(space);
  const values = walkActive(space, (param) =>
    param.kind === 'constant' ? param.value : tunableHomeOf(param).decode(param, vector[index.get(param.name)!] ?? Number.NaN),
  );
  return activeParams(space, values);
}

/**
 * Maps a point of [0, 1)^d to an assignment of the active parameters: the d
 * coordinates go, in parameter-name order, to the tunable parameters (numeric
 * ones through their quantile function, so normal priors are followed;
 * categorical ones to choice floor(u * choices)); missing coordinates are 0.5.
 * Coordinates of parameters left inactive by their parent's choice are unused.
 */
export function paramsFromCube(space: SearchSpace, point: readonly number[]): Params {
  const index = tunableIndexOf(space);
  const values = walkActive(space, (param) =>
    param.kind === 'constant' ? param.value : tunableHomeOf(param).fromCube(param, point[index.get(param.name)!] ?? 0.5),
  );
  return activeParams(space, values);
}
