/** A constant parameter: a scalar spec, or a list of one choice; every trial gets the same value. */
import type { ParameterHome } from './home.ts';
import type { ConstantParameter, ParamValue } from './parameter.ts';
import { checkValue } from './spec.ts';

/** A constant from a scalar spec (a string, a finite number or a boolean). @throws {SearchSpaceError} if a string is too long or holds a NUL. */
export function parseConstant(name: string, value: ParamValue): ConstantParameter {
  checkValue(name, 'value', value);
  return constantOf(name, value);
}

/** A constant parameter, already checked. */
export function constantOf(name: string, value: ParamValue): ConstantParameter {
  return Object.freeze({ kind: 'constant', name, value });
}

/** The home of constants: they always take their value. */
export const constantHome: ParameterHome<ConstantParameter> = {
  toJson: (param) => param.value,
  sample: (param) => param.value,
};
