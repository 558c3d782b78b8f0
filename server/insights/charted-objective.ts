import type { Objectives } from '../objectives/objectives-config.ts';

/** One of an experiment's objectives: a result key and which way is better. */
export type Objective = Objectives[number];

/**
 * The objective parameter importance (and the dashboard's loss charts, web/src/lib/objectives.ts)
 * follow: `loss` when the experiment names it (always, for the default), else its first objective.
 */
export function chartedObjective(objectives: Objectives): Objective {
  return objectives.find((objective) => objective.name === 'loss') ?? objectives[0] ?? { name: 'loss', direction: 'minimize' };
}

/** A trial's value of `objective` as importance scores it, lower is better (a maximised one negated); NaN when it has none. */
export function scoredValue(value: unknown, objective: Objective): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return Number.NaN;
  return objective.direction === 'maximize' ? -value : value;
}
