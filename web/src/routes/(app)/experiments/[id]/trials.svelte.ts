import type { ExperimentPageQuery, TrialUpdatesSubscription } from '$lib/graphql/generated/graphql';

type Table = NonNullable<ExperimentPageQuery['experiment']>['trialTable'];
type TrialEvent = TrialUpdatesSubscription['trialUpdated'];

/** What the charts need to know about a parameter, read from the experiment's parameter spec. */
export type ParameterKind =
  | { readonly kind: 'numeric'; readonly log: boolean }
  | { readonly kind: 'categorical'; readonly choices: readonly string[] }
  | { readonly kind: 'constant' };

/** Reads the kind of each parameter from the spec as the user wrote it (see the README's parameters table). */
export function parameterKinds(spec: unknown): Map<string, ParameterKind> {
  const kinds = new Map<string, ParameterKind>();
  if (spec === null || typeof spec !== 'object') return kinds;
  for (const [name, value] of Object.entries(spec as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      kinds.set(name, value.length > 1 ? { kind: 'categorical', choices: value.map(String) } : { kind: 'constant' });
    } else if (value !== null && typeof value === 'object') {
      const distribution = (value as { distribution?: unknown }).distribution;
      kinds.set(name, { kind: 'numeric', log: distribution === 'log_uniform' || distribution === 'log_normal' });
    } else {
      kinds.set(name, { kind: 'constant' });
    }
  }
  return kinds;
}

/** States that end a trial: an older, still-open event that arrives late never replaces them. */
const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'DUPLICATE']);
const OPEN_STATES = new Set(['RUNNING', 'STALE']);

/**
 * An experiment's trials as columns, updated in place as trial events arrive. The arrays are plain
 * (10,000 deep proxies would be slow); readers depend on `version`, which every change bumps.
 */
export class TrialData {
  readonly numbers: number[];
  readonly states: string[];
  readonly losses: (number | null)[];
  readonly workers: (string | null)[];
  readonly createdAt: number[];
  readonly completedAt: (number | null)[];
  /** Each trial's latest checkpoint record, or null. */
  readonly checkpoints: unknown[];
  readonly params = new Map<string, unknown[]>();
  readonly metrics = new Map<string, unknown[]>();
  /** Trial number -> row. */
  readonly #rows = new Map<number, number>();
  /** Bumped on every change. */
  version = $state(0);

  constructor(table: Table) {
    this.numbers = [...table.numbers];
    this.states = [...table.states];
    this.losses = [...table.losses];
    this.workers = [...table.workers];
    this.createdAt = [...table.createdAt];
    this.completedAt = [...table.completedAt];
    this.checkpoints = Array.isArray(table.checkpoints) ? [...(table.checkpoints as unknown[])] : this.numbers.map(() => null);
    for (const column of table.parameters) this.params.set(column.name, [...(column.values as unknown[])]);
    for (const column of table.metrics) this.metrics.set(column.name, [...(column.values as unknown[])]);
    this.numbers.forEach((number, row) => this.#rows.set(number, row));
  }

  /** How many trials there are. */
  get size(): number {
    return this.numbers.length;
  }

  /** Adds a new trial or updates a known one from a `trialUpdated` event. */
  upsert(trial: TrialEvent): void {
    let row = this.#rows.get(trial.number);
    if (row === undefined) {
      row = this.numbers.length;
      this.#rows.set(trial.number, row);
      this.numbers.push(trial.number);
      for (const column of [this.states, this.losses, this.workers, this.createdAt, this.completedAt, this.checkpoints]) column.push(null as never);
      for (const column of this.params.values()) column.push(null);
      for (const column of this.metrics.values()) column.push(null);
    } else if (FINAL_STATES.has(this.states[row]!) && OPEN_STATES.has(trial.state)) {
      return;
    }
    this.states[row] = trial.state;
    this.losses[row] = trial.loss ?? null;
    this.workers[row] = trial.worker ?? null;
    this.createdAt[row] = Date.parse(trial.createdAt);
    this.completedAt[row] = trial.completedAt ? Date.parse(trial.completedAt) : null;
    this.checkpoints[row] = trial.checkpoint ?? null;
    setColumns(this.params, trial.params, row, this.size);
    setColumns(this.metrics, trial.metrics, row, this.size);
    this.version++;
  }

  /** The row of the completed trial with the lowest loss (earliest on ties), or -1. */
  bestRow(): number {
    let best = -1;
    for (let row = 0; row < this.losses.length; row++) {
      const loss = this.losses[row];
      if (loss === null || loss === undefined || this.states[row] !== 'COMPLETED') continue;
      if (best < 0 || loss < this.losses[best]! || (loss === this.losses[best] && this.numbers[row]! < this.numbers[best]!)) best = row;
    }
    return best;
  }

  /** Whether any trial has saved a checkpoint (the table then shows them). */
  hasCheckpoints(): boolean {
    return this.checkpoints.some((record) => record !== null && record !== undefined);
  }

  /** Trial counts by state. */
  countByState(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const state of this.states) counts.set(state, (counts.get(state) ?? 0) + 1);
    return counts;
  }
}

/** Writes one trial's values into the columns, adding columns (null-filled) for names not seen before. */
function setColumns(columns: Map<string, unknown[]>, values: unknown, row: number, size: number): void {
  const record = values !== null && typeof values === 'object' ? (values as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(record)) {
    let column = columns.get(name);
    if (!column) {
      column = new Array<unknown>(size).fill(null);
      columns.set(name, column);
    }
    column[row] = value;
  }
}
