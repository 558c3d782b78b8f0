// What the Trials panel's loss charts plot: the loss, or the experiment's first objective when `loss`
// is not one of its objectives (see chartedObjective). Pure functions of the trial columns.
import { untrack } from 'svelte';
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

/** The latest {@link completedRows} of each table, and the version and column they are of: the charts share them. */
const latestRows = new WeakMap<TrialData, { readonly version: number; readonly values: readonly unknown[]; readonly rows: readonly number[] }>();

/**
 * Rows of completed trials with a finite plotted value, in trial order; computed once per change of
 * the table (the loss charts and the landscape ask for the same rows). Reading it adds no dependency.
 */
export function completedRows(data: TrialData, plotted: Plotted): readonly number[] {
  const version = untrack(() => data.version);
  const latest = latestRows.get(data);
  if (latest && latest.version === version && latest.values === plotted.values) return latest.rows;
  const rows: number[] = [];
  // Trials arrive numbered upwards, so rows are usually in trial order already: sorted only when not.
  let ordered = true;
  for (let row = 0; row < data.size; row++) {
    const value = plotted.values[row];
    if (data.states[row] === 'COMPLETED' && typeof value === 'number' && Number.isFinite(value)) {
      if (rows.length && data.numbers[row]! < data.numbers[rows[rows.length - 1]!]!) ordered = false;
      rows.push(row);
    }
  }
  if (!ordered) rows.sort((a, b) => data.numbers[a]! - data.numbers[b]!);
  latestRows.set(data, { version, values: plotted.values, rows });
  return rows;
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
