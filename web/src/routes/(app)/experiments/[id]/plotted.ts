// What the Trials panel's loss charts plot: the loss, or the experiment's first objective when `loss`
// is not one of its objectives (see chartedObjective). Pure functions of the trial columns.
import type { Direction } from '$lib/objectives';
import { resultColumn } from './ranking';
import type { TrialData } from './trials.svelte';

/** An objective's value per trial row, and which way is better. */
export interface Plotted {
  /** The objective's name, as the charts title it: `loss`, `accuracy`. */
  readonly name: string;
  readonly direction: Direction;
  /** A value per row: the losses column, or a custom metric's (any JSON; only finite numbers are drawn). */
  readonly values: readonly unknown[];
}

/** The trials' values of the objective the charts follow (`data.objective`). */
export function plotted(data: TrialData): Plotted {
  const { name, direction } = data.objective;
  return { name, direction, values: resultColumn(data, name) };
}

/** Rows of completed trials with a finite plotted value, in trial order. */
export function completedRows(data: TrialData, plotted: Plotted): number[] {
  const rows: number[] = [];
  for (let row = 0; row < data.size; row++) {
    const value = plotted.values[row];
    if (data.states[row] === 'COMPLETED' && typeof value === 'number' && Number.isFinite(value)) rows.push(row);
  }
  return rows.sort((a, b) => data.numbers[a]! - data.numbers[b]!);
}

/** A row's plotted value: only for rows {@link completedRows} returned. */
export function valueAt(plotted: Plotted, row: number): number {
  return plotted.values[row] as number;
}

/** Multiplies a value so that lower is better: -1 for a maximised objective, else 1. */
export function sign(plotted: Pick<Plotted, 'direction'>): 1 | -1 {
  return plotted.direction === 'maximize' ? -1 : 1;
}

/** The charts' and headings' title for the plotted value: `Loss` (as always), else the objective's name as given. */
export function plottedTitle(plotted: Pick<Plotted, 'name'>): string {
  return plotted.name === 'loss' ? 'Loss' : plotted.name;
}
