/**
 * Reading the user's raw JSON spec of a parameter: the error that names the parameter and the
 * problem, and the small checks every parameter's validation shares.
 */
import { OptimizerError } from '../errors.ts';
import { textProblem } from '../../text.ts';
import { MAX_VALUE_LENGTH, type ParamValue } from './parameter.ts';

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

/** A short description of a raw JSON value for an error message (long strings cut). */
export function describe(value: unknown): string {
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

/** Whether a raw JSON value is an object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a raw JSON value can be a parameter's value: a string, a finite number or a boolean. */
export function isScalar(value: unknown): value is ParamValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** A list of names as `"a", "b"`. */
export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** @throws {SearchSpaceError} if a string value (a choice, a constant) is too long or holds a NUL. */
export function checkValue(name: string, what: string, value: ParamValue): void {
  const problem = typeof value === 'string' ? textProblem(value, MAX_VALUE_LENGTH) : null;
  if (problem !== null) throw new SearchSpaceError(name, `${what} ${problem}`);
}
