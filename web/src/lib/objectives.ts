// An experiment's objectives and constraints as the dashboard reads them from the API
// (`Experiment.objectives`, `Experiment.constraints`), and the server's feasibility rule
// (server/objectives/objectives-config.ts). Pure, no imports.

/** Whether an objective is to be made small or large. */
export type Direction = 'minimize' | 'maximize';

/** A result key to minimise or maximise. */
export interface Objective {
  readonly name: string;
  readonly direction: Direction;
}

/** A limit on a reported value: a trial outside it is kept, and counted infeasible. */
export interface Constraint {
  readonly name: string;
  readonly min: number | null;
  readonly max: number | null;
}

/** Oscar's one rule when an experiment names no objectives: minimise the `loss` reported. */
export const DEFAULT_OBJECTIVES: readonly Objective[] = [{ name: 'loss', direction: 'minimize' }];

/** Reads `Experiment.objectives` (`{"accuracy": "maximize", ...}`, first one first); anything else: the default. */
export function readObjectives(spec: unknown): readonly Objective[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return DEFAULT_OBJECTIVES;
  const objectives = Object.entries(spec as Record<string, unknown>).map(
    ([name, direction]): Objective => ({ name, direction: direction === 'maximize' ? 'maximize' : 'minimize' }),
  );
  return objectives.length ? objectives : DEFAULT_OBJECTIVES;
}

/** Reads `Experiment.constraints` (`{"memory_gb": {"max": 16}, ...}`); anything else: none. */
export function readConstraints(spec: unknown): readonly Constraint[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return [];
  const bound = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  return Object.entries(spec as Record<string, { min?: unknown; max?: unknown } | null>).map(([name, limits]) => ({
    name,
    min: bound(limits?.min),
    max: bound(limits?.max),
  }));
}

/**
 * The objective the loss charts follow (and parameter importance, on the server): `loss` when the
 * experiment names it (always, by default), else its first objective.
 */
export function chartedObjective(objectives: readonly Objective[]): Objective {
  return objectives.find((objective) => objective.name === 'loss') ?? objectives[0] ?? DEFAULT_OBJECTIVES[0]!;
}

/** Whether an experiment is the plain kind: minimise `loss`, no constraints. */
export function isPlain(objectives: readonly Objective[], constraints: readonly Constraint[]): boolean {
  return constraints.length === 0 && objectives.length === 1 && objectives[0]!.name === 'loss' && objectives[0]!.direction === 'minimize';
}

/** An objective as the dashboard titles it: its name and an arrow pointing the better way (`accuracy ↑`). */
export function objectiveLabel(objective: Objective): string {
  return `${objective.name} ${objective.direction === 'maximize' ? '↑' : '↓'}`;
}

/** A constraint as the dashboard shows it: `memory_gb ≤ 16`, `0.9 ≤ accuracy`, `1 ≤ x ≤ 2`. */
export function constraintLabel({ name, min, max }: Constraint): string {
  return `${min === null ? '' : `${min} ≤ `}${name}${max === null ? '' : ` ≤ ${max}`}`;
}

/**
 * How far a result is outside one constraint: 0 inside, else the distance to the bound relative to
 * the bound's size; a missing or non-finite value counts 1.
 */
export function constraintViolation(value: unknown, { min, max }: Constraint): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 1;
  let total = 0;
  if (min !== null && value < min) total += (min - value) / Math.max(1, Math.abs(min));
  if (max !== null && value > max) total += (value - max) / Math.max(1, Math.abs(max));
  return total;
}

/** How far a result (its value under each name) is outside its constraints: 0 when feasible, else the sum over violated ones. */
export function violation(valueOf: (name: string) => unknown, constraints: readonly Constraint[]): number {
  let total = 0;
  for (const constraint of constraints) total += constraintViolation(valueOf(constraint.name), constraint);
  return total;
}
