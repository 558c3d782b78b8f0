/**
 * Parameter sets a user chooses (enqueued to be tried next, or imported with their results), checked
 * against the experiment's space once, at the boundary: every value must be one the experiment could
 * have suggested.
 */
import { describe } from './trial-result.ts';
import { badInput } from '../errors.ts';
import type { NumericParameter, Parameter, Params, ParamValue, SearchSpace } from '../optimizer/space.ts';
import { domainOf, gridOf } from '../optimizer/space/grid.ts';
import { activeParams, treeOf, walkActive } from '../optimizer/space/tree.ts';

/** How far (relative to the step) a value may sit from its grid point and still be taken as it: rounding in a CSV, say. */
const GRID_TOLERANCE = 1e-9;

/** The value of a numeric parameter, snapped to its step grid; a message saying why not otherwise. */
function numericValue(param: NumericParameter, value: unknown): number | string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number, but got ${describe(value)}`;
  const domain = domainOf(param);
  // Given bounds are kept exactly; a prior without them covers mu +- 6 sigma (what suggest can draw).
  const low = param.low ?? domain.lowX;
  const high = param.high ?? domain.highX;
  const range = param.low !== null && param.high !== null ? `between ${low} and ${high}` : `between ${low} and ${high} (the prior's range)`;
  if (param.step === null) {
    if (value < low || value > high) return `must be ${range}, but got ${value}`;
    return value;
  }
  const grid = gridOf(param, param.step, param.kind === 'int', domain);
  const k = Math.round((value - grid.anchor) / grid.step);
  const snapped = grid.value(k);
  const onGrid = Math.abs(snapped - value) <= Math.max(GRID_TOLERANCE * grid.step, 4 * Number.EPSILON * Math.abs(value));
  if (!onGrid) {
    return param.kind === 'int' && !Number.isInteger(value)
      ? `must be a whole number ${range} in steps of ${grid.step}, but got ${value}`
      : `must be ${range} in steps of ${grid.step} from ${grid.anchor}, but got ${value}`;
  }
  if (k < grid.kMin || k > grid.kMax || snapped < low || snapped > high) return `must be ${range} in steps of ${grid.step}, but got ${value}`;
  return snapped;
}

/** The value a parameter takes from `value`, or a message saying why it cannot. */
function valueOf(param: Parameter, value: unknown): { readonly ok: ParamValue } | { readonly problem: string } {
  switch (param.kind) {
    case 'constant':
      return value === param.value ? { ok: param.value } : { problem: `is the constant ${JSON.stringify(param.value)}, but got ${describe(value)}` };
    case 'categorical': {
      const found = param.choices.find((choice) => choice === value);
      if (found !== undefined) return { ok: found };
      const shown = param.choices.length > 10 ? `${JSON.stringify(param.choices.slice(0, 10)).slice(0, -1)}, …]` : JSON.stringify(param.choices);
      return { problem: `must be one of ${shown}, but got ${describe(value)}` };
    }
    default: {
      const number = numericValue(param, value);
      return typeof number === 'number' ? { ok: number } : { problem: number };
    }
  }
}

/** Why a parameter given a value is not active: the choice of its parent it needs, and what the parent is. */
function inactiveProblem(param: Parameter, values: ReadonlyMap<string, ParamValue | undefined>): string {
  const { parent, values: when } = param.condition!;
  const needs = `is not active under the choices given: it exists only when ${parent} is ${when.map((value) => JSON.stringify(value)).join(' or ')}`;
  const actual = values.get(parent);
  return `${needs}, but ${parent} ${actual === undefined ? 'is not active either' : `is ${JSON.stringify(actual)}`}; leave it out`;
}

/**
 * Checks a parameter set chosen by a user against the experiment's space; returns it as stored (keys
 * in parameter-name order, step values snapped to their grid, constants filled in when left out).
 * In a conditional space the set holds the active parameters only: those without a condition, and
 * the sub-parameters of the choices it makes. A missing active parameter, an unknown one, one its
 * parent's choice leaves inactive, or a value the space does not hold is refused with BAD_USER_INPUT
 * naming it (`field.x`, with `field` as given, e.g. `params`).
 */
export function parseParams(space: SearchSpace, raw: unknown, field = 'params'): Params {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badInput(field, `${field} must be an object of parameter name to value, such as {"x": 0.5}, but got ${describe(raw)}`);
  }
  const given = raw as Readonly<Record<string, unknown>>;
  const names = new Set(space.parameters.map((param) => param.name));
  for (const key of Object.keys(given)) {
    if (!names.has(key)) {
      const known = [...names].slice(0, 20).map((name) => `"${name}"`).join(', ');
      throw badInput(`${field}.${key}`, `${field}.${key} is not a parameter of this experiment (its parameters: ${known})`);
    }
  }
  const taken = new Map<string, ParamValue>();
  const values = walkActive(space, (param) => {
    const path = `${field}.${param.name}`;
    if (!Object.hasOwn(given, param.name)) {
      if (param.kind === 'constant') {
        taken.set(param.name, param.value);
        return param.value;
      }
      const condition = param.condition;
      const why = condition === undefined ? 'every parameter needs a value' : `it is active because ${condition.parent} is ${JSON.stringify(taken.get(condition.parent))}`;
      throw badInput(path, `${path} is missing: ${why}`);
    }
    const checked = valueOf(param, given[param.name]);
    if ('problem' in checked) throw badInput(path, `${path} ${checked.problem}`);
    taken.set(param.name, checked.ok);
    return checked.ok;
  });
  for (const key of Object.keys(given)) {
    if (!values.has(key)) throw badInput(`${field}.${key}`, `${field}.${key} ${inactiveProblem(treeOf(space).byName.get(key)!, values)}`);
  }
  return activeParams(space, values);
}
