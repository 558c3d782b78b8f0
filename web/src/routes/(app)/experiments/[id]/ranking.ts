// The trials as the experiment's objectives and constraints see them: feasibility, the Pareto front
// and the best trial per objective, recomputed from the trial columns whenever a trial changes.
import { formatValue } from '$lib/format';
import { constraintLabel, constraintViolation, violation, type Constraint, type Objective } from '$lib/objectives';
import { paretoFront } from '$lib/pareto';
import type { TrialData } from './trials.svelte';

/** The trials ranked by the experiment's objectives and constraints (rows index the trial columns). */
export interface Ranking {
  /** Per row: how far a trial with a result (COMPLETED, DUPLICATE) is outside the constraints, 0 when inside; null for the others. */
  readonly violations: readonly (number | null)[];
  /** Rows of the COMPLETED trials that hold every objective as a finite number, in trial order. */
  readonly rows: readonly number[];
  /** Those trials' objective values as reported, one column per objective, `values[objective][i]` for `rows[i]`. */
  readonly values: readonly Float64Array[];
  /** Rows of the Pareto front (feasible, no other feasible trial better in every objective), best in the first objective first; empty with one objective. */
  readonly front: readonly number[];
  readonly onFront: ReadonlySet<number>;
  /** Per objective, the row of the feasible trial best in it (earliest on ties), or -1. */
  readonly best: readonly number[];
}

/** States whose trials carry a result, so a feasibility (as the server's `Trial.feasible`). */
const WITH_RESULT = new Set(['COMPLETED', 'DUPLICATE']);

/** A result key's column: `loss` is the losses column, any other name a custom metric's. */
export function resultColumn(data: TrialData, name: string): readonly unknown[] {
  return name === 'loss' ? data.losses : (data.metrics.get(name) ?? []);
}

/** What puts a trial outside its constraints, a line per violated one: `memory_gb = 20, outside memory_gb ≤ 16`. */
export function violatedConstraints(data: TrialData, row: number, constraints: readonly Constraint[]): string[] {
  return constraints
    .map((constraint) => ({ constraint, value: resultColumn(data, constraint.name)[row] }))
    .filter(({ constraint, value }) => constraintViolation(value, constraint) > 0)
    .map(({ constraint, value }) => `${constraint.name} = ${formatValue(value)}, outside ${constraintLabel(constraint)}`);
}

/** Ranks every trial: O(n · (objectives + constraints)), then one sort and one scan for the front of two objectives. */
export function rankTrials(data: TrialData, objectives: readonly Objective[], constraints: readonly Constraint[]): Ranking {
  const constraintColumns = new Map(constraints.map((c) => [c.name, resultColumn(data, c.name)]));
  const objectiveColumns = objectives.map((o) => resultColumn(data, o.name));
  const violations: (number | null)[] = new Array(data.size).fill(null);
  const rows: number[] = [];
  for (let row = 0; row < data.size; row++) {
    if (!WITH_RESULT.has(data.states[row]!)) continue;
    violations[row] = constraints.length ? violation((name) => constraintColumns.get(name)![row], constraints) : 0;
    if (data.states[row] === 'COMPLETED' && objectiveColumns.every((column) => isFiniteNumber(column[row]))) rows.push(row);
  }
  rows.sort((a, b) => data.numbers[a]! - data.numbers[b]!);
  const values = objectiveColumns.map((column) => Float64Array.from(rows, (row) => column[row] as number));

  const feasible: number[] = [];
  rows.forEach((row, i) => {
    if (violations[row] === 0) feasible.push(i);
  });
  const signs = objectives.map((o) => (o.direction === 'maximize' ? -1 : 1));
  const front =
    objectives.length < 2 ? [] : paretoFront(feasible.map((i) => values.map((column, k) => signs[k]! * column[i]!))).map((f) => rows[feasible[f]!]!);
  // Trial order: on ties the earliest stays best.
  const best = values.map((column, k) => {
    let chosen = -1;
    for (const i of feasible) if (chosen < 0 || signs[k]! * column[i]! < signs[k]! * column[chosen]!) chosen = i;
    return chosen < 0 ? -1 : rows[chosen]!;
  });
  return { violations, rows, values, front, onFront: new Set(front), best };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
