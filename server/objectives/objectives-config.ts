import { badInput } from '../errors.ts';
import { nameProblem } from '../text.ts';
import { describe, MAX_VALUE_MAGNITUDE } from '../trials/trial-result.ts';

/** Whether an objective is to be made small or large. */
export type Direction = 'minimize' | 'maximize';

/** An experiment's objectives: result keys and their directions, in the order given. */
export type Objectives = readonly { readonly name: string; readonly direction: Direction }[];

/** A limit on a reported value: a trial outside it is kept, and counted infeasible. */
export interface Constraint {
  readonly name: string;
  readonly min: number | null;
  readonly max: number | null;
}

/** Oscar's one rule: minimise the `loss` you report. */
export const DEFAULT_OBJECTIVES: Objectives = [{ name: 'loss', direction: 'minimize' }];

/** The most objectives and constraints an experiment may name. */
export const MAX_OBJECTIVES = 8;
export const MAX_CONSTRAINTS = 32;
const MAX_NAME = 128;

function entries(raw: unknown, field: string, example: string): [string, unknown][] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badInput(field, `${field} must be an object such as ${example}`);
  return Object.entries(raw as Record<string, unknown>);
}

/**
 * Result keys that are not values to minimise or limit: `{"error": "..."}` marks a result as a
 * failure (see trial-result.ts), so an objective or constraint of that name could never be met.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['error']);

function checkName(field: string, name: string): void {
  const problem = RESERVED_NAMES.has(name)
    ? `is reserved: a result with "${name}" is a failed trial`
    : nameProblem(name, MAX_NAME);
  if (problem !== null) throw badInput(field, `${field}: the name ${JSON.stringify(name.slice(0, 40))} ${problem}`);
}

/**
 * Validates an experiment's `objectives`: `{"loss": "minimize", "accuracy": "maximize"}`, 1 to 8 result
 * keys, the first one first (it orders the Pareto front and picks `bestTrial`); or, for languages whose
 * maps keep no order (Lua), a list of one-key objects `[{"loss": "minimize"}, {"accuracy": "maximize"}]`.
 * Absent: {@link DEFAULT_OBJECTIVES}. Throws BAD_USER_INPUT naming the field.
 */
export function parseObjectives(raw: unknown, field = 'experiment.objectives'): Objectives {
  if (raw === undefined || raw === null) return DEFAULT_OBJECTIVES;
  let list: [string, unknown][];
  if (Array.isArray(raw)) {
    if (raw.length > MAX_OBJECTIVES) throw badInput(field, `${field} must name 1 to ${MAX_OBJECTIVES} objectives, but names ${raw.length}`);
    list = raw.map((item, i) => {
      const pair = entries(item, `${field}[${i}]`, '{"accuracy": "maximize"}');
      if (pair.length !== 1) throw badInput(`${field}[${i}]`, `${field}[${i}] must be an object with one key, such as {"accuracy": "maximize"}`);
      return pair[0]!;
    });
  } else {
    list = entries(raw, field, '{"loss": "minimize", "accuracy": "maximize"}');
  }
  if (list.length === 0 || list.length > MAX_OBJECTIVES) throw badInput(field, `${field} must name 1 to ${MAX_OBJECTIVES} objectives, but names ${list.length}`);
  const seen = new Set<string>();
  return list.map(([name, direction]) => {
    checkName(field, name);
    if (seen.has(name)) throw badInput(`${field}.${name}`, `${field} names "${name}" twice`);
    seen.add(name);
    if (direction !== 'minimize' && direction !== 'maximize') {
      throw badInput(`${field}.${name}`, `${field}.${name} must be "minimize" or "maximize", but got ${describe(direction)}`);
    }
    return { name, direction };
  });
}

/**
 * Validates an experiment's `constraints`: `{"memory_gb": {"max": 16}, "accuracy": {"min": 0.9}}`, at
 * most 32, each with a finite `min`, `max` or both (min ≤ max); absent: none.
 */
export function parseConstraints(raw: unknown, field = 'experiment.constraints'): readonly Constraint[] {
  if (raw === undefined || raw === null) return [];
  const list = entries(raw, field, '{"memory_gb": {"max": 16}}');
  if (list.length > MAX_CONSTRAINTS) throw badInput(field, `${field} may name at most ${MAX_CONSTRAINTS} constraints, but names ${list.length}`);
  return list.map(([name, spec]) => {
    checkName(field, name);
    const at = `${field}.${name}`;
    const limits = Object.fromEntries(entries(spec, at, '{"max": 16}'));
    for (const key of Object.keys(limits)) if (key !== 'min' && key !== 'max') throw badInput(`${at}.${key}`, `${at}: unknown key "${key.slice(0, 40)}" (allowed: min, max)`);
    const bound = (key: 'min' | 'max'): number | null => {
      const value = limits[key];
      if (value === undefined || value === null) return null;
      if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_VALUE_MAGNITUDE) {
        throw badInput(`${at}.${key}`, `${at}.${key} must be a finite number within ±${MAX_VALUE_MAGNITUDE}, but got ${describe(value)}`);
      }
      return value;
    };
    const min = bound('min');
    const max = bound('max');
    if (min === null && max === null) throw badInput(at, `${at} needs a min, a max or both`);
    if (min !== null && max !== null && min > max) throw badInput(at, `${at}: min must not exceed max, but got min=${min}, max=${max}`);
    return { name, min, max };
  });
}

/** Stored objectives (the experiment's JSON column) read back; null: {@link DEFAULT_OBJECTIVES}. */
export function storedObjectives(value: unknown): Objectives {
  return Array.isArray(value) && value.length > 0 ? (value as Objectives) : DEFAULT_OBJECTIVES;
}

/** Stored constraints read back; null: none. */
export function storedConstraints(value: unknown): readonly Constraint[] {
  return Array.isArray(value) ? (value as Constraint[]) : [];
}

/** Objectives as the user writes them: `{"loss": "minimize", ...}`. */
export function objectivesSpec(objectives: Objectives): Record<string, Direction> {
  return Object.fromEntries(objectives.map(({ name, direction }) => [name, direction]));
}

/** Constraints as the user writes them: `{"memory_gb": {"max": 16}, ...}`. */
export function constraintsSpec(constraints: readonly Constraint[]): Record<string, { min?: number; max?: number }> {
  return Object.fromEntries(constraints.map(({ name, min, max }) => [name, { ...(min === null ? {} : { min }), ...(max === null ? {} : { max }) }]));
}

/** A result's objectives as values to minimise (a maximised one negated), or null for any that is missing or not finite. */
export function objectiveVector(result: Readonly<Record<string, unknown>>, objectives: Objectives): number[] | null {
  const vector: number[] = [];
  for (const { name, direction } of objectives) {
    const value = result[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    vector.push(direction === 'maximize' ? -value : value);
  }
  return vector;
}

/**
 * How far a result is outside its constraints: 0 when feasible, else the sum over violated constraints
 * of the distance to the bound, relative to the bound's size (a missing or non-finite value counts 1),
 * at most MAX_VALUE_MAGNITUDE.
 */
export function violation(result: Readonly<Record<string, unknown>>, constraints: readonly Constraint[]): number {
  let total = 0;
  for (const { name, min, max } of constraints) {
    const value = result[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      total += 1;
      continue;
    }
    if (min !== null && value < min) total += (min - value) / Math.max(1, Math.abs(min));
    if (max !== null && value > max) total += (value - max) / Math.max(1, Math.abs(max));
  }
  // Held within the values Oscar stores and sends: metrics near the doubles' limit would overflow the sum.
  return Math.min(total, MAX_VALUE_MAGNITUDE);
}
