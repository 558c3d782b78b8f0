/**
 * A categorical parameter: a list of at least two distinct scalar choices, in the user's order (the
 * index is its number for algorithms). A list of one choice is a constant.
 */
import { InvalidTrialError } from '../errors.ts';
import { constantOf } from './constant.ts';
import type { TunableHome } from './home.ts';
import { MAX_CHOICES, type CategoricalParameter, type ConstantParameter, type ParamValue } from './parameter.ts';
import { checkValue, describe, isScalar, SearchSpaceError } from './spec.ts';

/** A categorical parameter (or a constant, for one choice) from a list spec. @throws {SearchSpaceError} naming the choice at fault. */
export function parseChoices(name: string, list: readonly unknown[]): CategoricalParameter | ConstantParameter {
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
  if (choices.length === 1 && only !== undefined) return constantOf(name, only);
  return Object.freeze({ kind: 'categorical', name, choices: Object.freeze(choices) });
}

function validIndex(param: CategoricalParameter, v: number): number {
  return Math.min(param.choices.length - 1, Math.max(0, Math.round(v)));
}

/** The home of categorical parameters: uniform over the choices, encoded as the choice's index. */
export const categoricalHome: TunableHome<CategoricalParameter> = {
  toJson: (param) => param.choices,
  sample: (param, rng) => param.choices[rng.int(0, param.choices.length - 1)]!,
  fromCube: (param, u) => param.choices[Math.min(param.choices.length - 1, Math.max(0, Math.floor(u * param.choices.length)))]!,
  encode(param, value) {
    const index = param.choices.indexOf(value);
    if (index === -1) throw new InvalidTrialError(param.name, `${JSON.stringify(value)} is not one of the choices ${JSON.stringify(param.choices)}`);
    return index;
  },
  decode(param, v) {
    if (Number.isNaN(v)) throw new RangeError(`decode: NaN for categorical parameter "${param.name}"`);
    return param.choices[validIndex(param, v)]!;
  },
  snap: validIndex,
  randomCoordinate: (param, rng) => rng.int(0, param.choices.length - 1),
};
