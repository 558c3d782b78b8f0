// Which trials the Trials panel's table shows: the filters above it (state, worker, parameter ranges,
// search) and a selection made in a chart. One filter per page, shared through Svelte's context: the
// page provides it, the table reads it, charts write their selection to it.
import { getContext, setContext } from 'svelte';
import { choiceKey, formatNumber, formatValue } from '$lib/format';
import type { TrialData } from './trials.svelte';

/** A closed interval of numbers; a null end is open. */
export interface Range {
  readonly min: number | null;
  readonly max: number | null;
}

/**
 * The trials a chart selects, as ranges of the table's columns, so trials that arrive later and fall
 * in the region are selected too. Column keys are the table's: `number` (the trial number), `loss`,
 * `completedAt` (ms since the epoch), `p:<parameter>` and `m:<metric>`. A trial is selected when its
 * value of every named column is a number within the range (a trial without one is not).
 *
 * For example, a brush over the loss-over-trials chart:
 * ```ts
 * const filter = useTrialFilter();
 * chart.on('brushEnd', (event) => {
 *   const [[x0, x1], [y0, y1]] = event.areas[0].coordRange;
 *   filter.select({ source: 'loss', label: `trials ${x0}–${x1}`, ranges: { number: { min: x0, max: x1 }, loss: { min: y0, max: y1 } } });
 * });
 * // and on a cleared brush: filter.clearSelection('loss')
 * ```
 */
export interface ChartSelection {
  /** The chart that made it (`contour`, `loss`, ...): {@link TrialFilter.clearSelection} with it clears only that chart's. */
  readonly source: string;
  /** What is selected, in words, for the table's filter bar ("lr 0.001–0.01 · layers 2–4"); shown as text. */
  readonly label: string;
  /** Column key to the range its values must be in. */
  readonly ranges: Readonly<Record<string, Range>>;
}

/** A trial's value of a table column, by the keys of {@link ChartSelection.ranges}. */
export function columnValue(data: TrialData, key: string, row: number): unknown {
  if (key === 'number') return data.numbers[row];
  if (key === 'loss') return data.losses[row];
  if (key === 'completedAt') return data.completedAt[row];
  if (key.startsWith('p:')) return data.params.get(key.slice(2))?.[row];
  if (key.startsWith('m:')) return data.metrics.get(key.slice(2))?.[row];
  return undefined;
}

/** Whether a value is a number within a range. */
export function inRange(value: unknown, { min, max }: Range): boolean {
  return typeof value === 'number' && (min === null || value >= min) && (max === null || value <= max);
}

/** A range as the filter bar says it: `0.1–0.3`, `≥ 0.1`, `≤ 0.3`. */
export function rangeLabel({ min, max }: Range): string {
  if (min !== null && max !== null) return `${formatNumber(min)}–${formatNumber(max)}`;
  return min !== null ? `≥ ${formatNumber(min)}` : `≤ ${formatNumber(max)}`;
}

/**
 * The Trials panel's filter. Every field is reactive state; {@link matcher} reads them all, so a
 * `$derived` over it follows every change. Empty fields filter nothing.
 */
export class TrialFilter {
  /** States to show (`COMPLETED`, ...); empty: every state. */
  states = $state<readonly string[]>([]);
  /** The worker to show; null: every worker. */
  worker = $state<string | null>(null);
  /** Numeric parameter name to the range its value must be in. */
  ranges = $state.raw<Readonly<Record<string, Range>>>({});
  /** Categorical parameter name to the one choice to show, by its {@link choiceKey} (the number 1 and the text "1" differ). */
  choices = $state.raw<Readonly<Record<string, string>>>({});
  /** Text to find (any case) in a trial's parameters, worker or error. */
  search = $state('');
  /** A chart's selection, or null. */
  selection = $state.raw<ChartSelection | null>(null);

  /** Whether anything filters the table. */
  get active(): boolean {
    return (
      this.states.length > 0 ||
      this.worker !== null ||
      Object.keys(this.ranges).length > 0 ||
      Object.keys(this.choices).length > 0 ||
      this.search.trim() !== '' ||
      this.selection !== null
    );
  }

  /** Shows or hides a state. */
  toggleState(state: string): void {
    this.states = this.states.includes(state) ? this.states.filter((s) => s !== state) : [...this.states, state];
  }

  /** Sets a numeric parameter's range; both ends null removes it. */
  setRange(parameter: string, range: Range): void {
    const { [parameter]: _, ...rest } = this.ranges;
    this.ranges = range.min === null && range.max === null ? rest : { ...rest, [parameter]: range };
  }

  /** Sets a categorical parameter's choice (its {@link choiceKey}); null removes it. */
  setChoice(parameter: string, choice: string | null): void {
    const { [parameter]: _, ...rest } = this.choices;
    this.choices = choice === null ? rest : { ...rest, [parameter]: choice };
  }

  /** Replaces the chart selection (one at a time: a new one from any chart replaces the last). */
  select(selection: ChartSelection): void {
    this.selection = selection;
  }

  /** Clears the chart selection; with `source`, only when that chart made it. */
  clearSelection(source?: string): void {
    if (source === undefined || this.selection?.source === source) this.selection = null;
  }

  /** Clears every filter and the selection. */
  clear(): void {
    this.states = [];
    this.worker = null;
    this.ranges = {};
    this.choices = {};
    this.search = '';
    this.selection = null;
  }

  /** Whether a trial (a row of `data`) passes; null when nothing filters. Reads every field now. */
  matcher(data: TrialData): ((row: number) => boolean) | null {
    const states = new Set(this.states);
    const worker = this.worker;
    const ranges = Object.entries(this.ranges).map(([name, range]) => [data.params.get(name), range] as const);
    const choices = Object.entries(this.choices).map(([name, choice]) => [data.params.get(name), choice] as const);
    const needle = this.search.trim().toLowerCase();
    const selected = Object.entries(this.selection?.ranges ?? {});
    if (!this.active) return null;
    const columns = [...data.params.values()];
    return (row) => {
      if (states.size && !states.has(data.states[row]!)) return false;
      if (worker !== null && data.workers[row] !== worker) return false;
      for (const [values, range] of ranges) if (!inRange(values?.[row], range)) return false;
      for (const [values, choice] of choices) if (values?.[row] === undefined || choiceKey(values[row]) !== choice) return false;
      for (const [key, range] of selected) if (!inRange(columnValue(data, key, row), range)) return false;
      if (needle) {
        const found =
          (data.workers[row] ?? '').toLowerCase().includes(needle) ||
          (data.errors[row] ?? '').toLowerCase().includes(needle) ||
          columns.some((values) => values[row] !== null && values[row] !== undefined && formatValue(values[row]).toLowerCase().includes(needle));
        if (!found) return false;
      }
      return true;
    };
  }
}

const KEY = Symbol('trial-filter');

/**
 * Creates the page's filter and shares it with the components below (call while the page
 * initialises); it is cleared whenever `experimentId` changes (SvelteKit reuses the page).
 */
export function provideTrialFilter(experimentId: () => string): TrialFilter {
  const filter = new TrialFilter();
  let current = experimentId();
  $effect.pre(() => {
    const id = experimentId();
    if (id !== current) {
      current = id;
      filter.clear();
    }
  });
  setContext(KEY, filter);
  return filter;
}

/** The page's filter (call while a component initialises); a filter of its own when no page provides one. */
export function useTrialFilter(): TrialFilter {
  return getContext<TrialFilter | undefined>(KEY) ?? new TrialFilter();
}
