import type { OperationBudget } from '../http/operation-budget.ts';
import type { Database } from '../runtime/database.ts';
import { asRecord } from '../json.ts';
import { objectiveVector, storedConstraints, storedObjectives, violation, type Constraint, type Objectives } from './objectives-config.ts';
import { paretoFront } from './pareto.ts';

/** A completed trial as its experiment's objectives and constraints see it. */
export interface Ranked {
  readonly id: string;
  readonly number: number;
  /** The objectives as values to minimise; null when the result lacks one (stored before they were named). */
  readonly vector: number[] | null;
  /** 0 when it meets every constraint. */
  readonly violation: number;
}

/** The values a trial's result holds: its metrics, and its loss under `loss`. */
export function resultValues(trial: { loss: number | null; metrics: unknown }): Record<string, unknown> {
  const metrics = asRecord(trial.metrics);
  return trial.loss === null ? metrics : { ...metrics, loss: trial.loss };
}

/** What {@link resultViolation} reads of a trial (with its experiment's constraints). */
export const VIOLATION_FIELDS = { state: true, loss: true, metrics: true, experiment: { select: { constraints: true } } } as const;

/** How far a trial's result is outside its experiment's constraints (0: feasible), or null until it has a result. */
export function resultViolation(trial: { state: string; loss: number | null; metrics: unknown; experiment: { constraints: unknown } }): number | null {
  if (trial.state !== 'COMPLETED' && trial.state !== 'DUPLICATE') return null;
  return violation(resultValues(trial), storedConstraints(trial.experiment.constraints));
}

/** Whether an experiment is the plain kind: minimise `loss`, no constraints (the database ranks its trials). */
export function isPlain(objectives: Objectives, constraints: readonly Constraint[]): boolean {
  return constraints.length === 0 && objectives.length === 1 && objectives[0]!.name === 'loss' && objectives[0]!.direction === 'minimize';
}

/** Reads an experiment's COMPLETED trials, charged to `budget`, with their objectives and feasibility. */
export async function rankCompleted(database: Database, experimentId: string, budget: OperationBudget, what: string) {
  const experiment = await database.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { objectives: true, constraints: true } });
  const objectives = storedObjectives(experiment.objectives);
  const constraints = storedConstraints(experiment.constraints);
  budget.charge(await database.storedBytes({ table: 'Trial', experimentId }), what);
  const rows = await database.db.trial.findMany({
    where: { experimentId, state: 'COMPLETED' },
    select: { id: true, number: true, loss: true, metrics: true },
    orderBy: { number: 'asc' },
  });
  const ranked: Ranked[] = rows.map((row) => {
    const values = resultValues(row);
    return { id: row.id, number: row.number, vector: objectiveVector(values, objectives), violation: violation(values, constraints) };
  });
  return { objectives, constraints, ranked };
}

/**
 * Fronts of at most this many points (or of two objectives, sorted once) are found on the event loop;
 * larger ones on a worker thread with a time bound: three objectives take a sort and a sweep (about a
 * second at 300,000 points), and with four or more the work grows with the points times the front,
 * and every point of a hostile experiment can be on it.
 */
export const FRONT_IN_PROCESS = 2_000;

/** Finds the Pareto front of objective vectors (indices, as {@link paretoFront} gives them), perhaps off the event loop. */
export type FrontFinder = (points: number[][]) => Promise<number[]>;

/** The ids of the feasible, non-dominated trials among `ranked`, in order of the first objective; large fronts through `offload`. */
export async function frontIds(ranked: readonly Ranked[], offload: FrontFinder): Promise<string[]> {
  const feasible = ranked.filter((r): r is Ranked & { vector: number[] } => r.vector !== null && r.violation === 0);
  const points = feasible.map((r) => r.vector);
  const inProcess = points.length <= FRONT_IN_PROCESS || points[0]!.length <= 2;
  return (inProcess ? paretoFront(points) : await offload(points)).map((i) => feasible[i]!.id);
}

/** The id of the feasible trial best in the first objective (earliest on ties), or null. */
export function bestId(ranked: readonly Ranked[]): string | null {
  let best: (Ranked & { vector: number[] }) | null = null;
  for (const r of ranked) {
    if (r.vector === null || r.violation > 0) continue;
    if (best === null || r.vector[0]! < best.vector[0]!) best = r as Ranked & { vector: number[] };
  }
  return best?.id ?? null;
}
