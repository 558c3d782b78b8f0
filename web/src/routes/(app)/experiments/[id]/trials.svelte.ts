import { branchChoices, isSpecObject, specParameters } from '$lib/parameter-spec';
import { formatChoice } from '$lib/format';
import type { ExperimentPageQuery, TrialUpdatesSubscription } from '$lib/graphql/generated/graphql';
import { DEFAULT_OBJECTIVES, type Objective } from '$lib/objectives';
import { resultColumn } from './ranking';

type Table = NonNullable<ExperimentPageQuery['experiment']>['trialTable'];
type LoadedCurve = NonNullable<ExperimentPageQuery['experiment']>['learningCurves'][number];
type TrialEvent = TrialUpdatesSubscription['trialUpdated'];

/** A trial's intermediate values, steps ascending. */
export interface Curve {
  readonly steps: number[];
  readonly values: number[];
}

/** A curve that grows past this many points live is halved (every other point; the last one kept). */
const MAX_CURVE_POINTS = 400;
/** Curves kept besides the best completed ones: once twice as many are held, the oldest go. */
const KEPT_CURVES = 300;
/** The best completed trials whose curves are always kept. */
const KEPT_BEST_CURVES = 10;

/** What the charts need to know about a parameter, read from the experiment's parameter spec. */
export type ParameterKind =
  | { readonly kind: 'numeric'; readonly log: boolean }
  /** `choices` names each choice by {@link formatChoice}, distinctly: the number 1 as `1`, the text "1" as `"1"`. */
  | { readonly kind: 'categorical'; readonly choices: readonly string[] }
  | { readonly kind: 'constant' };

/**
 * Reads the kind of each parameter from the spec as the user wrote it (see the README's parameters
 * table), keyed as trials key it (sub-parameters of conditional ones included, see
 * $lib/parameter-spec). A `choices` mapping is a categorical of its choices, in name order.
 */
export function parameterKinds(spec: unknown): Map<string, ParameterKind> {
  const kinds = new Map<string, ParameterKind>();
  for (const { key, spec: value } of specParameters(spec)) {
    const branches = branchChoices(value);
    if (Array.isArray(value)) {
      kinds.set(key, value.length > 1 ? { kind: 'categorical', choices: [...new Set(value.map(formatChoice))] } : { kind: 'constant' });
    } else if (branches !== null) {
      kinds.set(key, branches.length > 1 ? { kind: 'categorical', choices: branches.map(formatChoice) } : { kind: 'constant' });
    } else if (isSpecObject(value)) {
      const distribution = value.distribution;
      kinds.set(key, { kind: 'numeric', log: distribution === 'log_uniform' || distribution === 'log_normal' });
    } else {
      kinds.set(key, { kind: 'constant' });
    }
  }
  return kinds;
}

/** Characters of a checkpoint record the table shows, as the server's trial table cuts them. */
const CHECKPOINT_SUMMARY = 200;

/** A checkpoint record as the table shows it: compact JSON, cut to its start and … when long; null when none. */
export function checkpointText(record: unknown): string | null {
  if (record === null || record === undefined) return null;
  const text = JSON.stringify(record);
  return text.length <= CHECKPOINT_SUMMARY ? text : `${text.slice(0, CHECKPOINT_SUMMARY)}…`;
}

/** States that end a trial: an older, still-open event that arrives late never replaces them. */
const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'DUPLICATE', 'PRUNED']);
const OPEN_STATES = new Set(['RUNNING', 'STALE']);

/**
 * An experiment's trials as columns, and the learning curves of those that report intermediate
 * values, updated in place as trial events arrive. The arrays are plain (10,000 deep proxies would be
 * slow); readers depend on `version`, which every change to a trial's row bumps, and on
 * `curvesVersion`, which every change to a curve bumps (a report alone leaves the rows as they are).
 */
export class TrialData {
  readonly numbers: number[];
  readonly states: string[];
  readonly losses: (number | null)[];
  readonly workers: (string | null)[];
  readonly createdAt: number[];
  readonly completedAt: (number | null)[];
  /** Each trial's latest checkpoint record, or null. */
  readonly checkpoints: (string | null)[];
  /** The step at which the pruner stopped each PRUNED trial, where known (loaded curves and events). */
  readonly prunedSteps: (number | null)[];
  /** Why each FAILED trial failed, or null. */
  readonly errors: (string | null)[];
  /** Learning curves by trial number: those the page loaded, then points as reports arrive. */
  readonly curves = new Map<number, Curve>();
  readonly params = new Map<string, unknown[]>();
  readonly metrics = new Map<string, unknown[]>();
  /** Trial number -> row. */
  readonly #rows = new Map<number, number>();
  /** Trials by state, kept as rows change (read on every change: counting 100,000 states each time would not do). */
  readonly #counts = new Map<string, number>();
  /** Bumped on every change to a trial's row. */
  version = $state(0);
  /** Bumped on every change to a learning curve. */
  curvesVersion = $state(0);

  #objective = $state.raw<Objective>(DEFAULT_OBJECTIVES[0]!);

  /**
   * Takes the loaded table's arrays as they are (no copy: with 100,000 trials each column is large);
   * they are the page's from then on.
   */
  constructor(table: Table, curves: readonly LoadedCurve[] = [], objective: Objective = DEFAULT_OBJECTIVES[0]!) {
    this.#objective = objective;
    const size = column<number>(table.numbers, 'numbers', 0).length;
    this.numbers = column(table.numbers, 'numbers', size);
    this.states = column(table.states, 'states', size);
    this.losses = column(table.losses, 'losses', size);
    this.workers = column(table.workers, 'workers', size);
    this.createdAt = column(table.createdAt, 'createdAt', size);
    this.completedAt = column(table.completedAt, 'completedAt', size);
    this.checkpoints = column(table.checkpoints, 'checkpoints', size);
    for (const { name, values } of table.parameters) this.params.set(name, column(values, name, size));
    for (const { name, values } of table.metrics) this.metrics.set(name, column(values, name, size));
    this.numbers.forEach((number, row) => this.#rows.set(number, row));
    for (const state of this.states) this.#count(state, 1);
    this.prunedSteps = column(table.prunedSteps, 'prunedSteps', size);
    this.errors = column(table.errors, 'errors', size);
    for (const curve of curves) {
      if (curve.steps.length) this.curves.set(curve.number, { steps: [...curve.steps], values: [...curve.values] });
    }
  }

  /**
   * What the loss charts plot and the best learning curves are best in: the loss, or the first
   * objective when `loss` is not one (`chartedObjective`).
   */
  get objective(): Objective {
    return this.#objective;
  }

  /** Charts `objective` from now on (a worker resumed the experiment with other objectives); nothing redraws when it is the same. */
  follow(objective: Objective): void {
    if (objective.name !== this.#objective.name || objective.direction !== this.#objective.direction) this.#objective = objective;
  }

  /** How many trials there are. */
  get size(): number {
    return this.numbers.length;
  }

  /** The row of a trial, by its number. */
  rowOf(number: number): number | undefined {
    return this.#rows.get(number);
  }

  /** Adds a new trial or updates a known one from a `trialUpdated` event, its learning curve included. */
  upsert(trial: TrialEvent): void {
    let row = this.#rows.get(trial.number);
    if (this.#extendCurve(trial)) {
      this.curvesVersion++;
      if (row !== undefined && this.#unchanged(row, trial)) return;
    }
    if (row === undefined) {
      row = this.numbers.length;
      this.#rows.set(trial.number, row);
      this.numbers.push(trial.number);
      for (const column of [this.states, this.losses, this.workers, this.createdAt, this.completedAt, this.checkpoints, this.prunedSteps, this.errors]) column.push(null as never);
      for (const column of this.params.values()) column.push(null);
      for (const column of this.metrics.values()) column.push(null);
    } else if ((FINAL_STATES.has(this.states[row]!) && OPEN_STATES.has(trial.state)) || this.#unchanged(row, trial)) {
      // A late event, or one that changes nothing in the row (a heartbeat): nothing to redraw.
      return;
    }
    if (this.states[row] !== null) this.#count(this.states[row]!, -1);
    this.#count(trial.state, 1);
    this.states[row] = trial.state;
    this.losses[row] = trial.loss ?? null;
    this.workers[row] = trial.worker ?? null;
    this.createdAt[row] = Date.parse(trial.createdAt);
    this.completedAt[row] = trial.completedAt ? Date.parse(trial.completedAt) : null;
    this.checkpoints[row] = checkpointText(trial.checkpoint);
    this.prunedSteps[row] = trial.prunedStep ?? null;
    this.errors[row] = trial.error ?? null;
    setColumns(this.params, trial.params, row, this.size);
    setColumns(this.metrics, trial.metrics, row, this.size);
    this.version++;
  }

  /** The numbers of the `count` completed trials with a learning curve and the best values of {@link objective}, best first. */
  bestCurves(count: number): number[] {
    const rows: number[] = [];
    for (const number of this.curves.keys()) {
      const row = this.#rows.get(number);
      if (row !== undefined && this.#completedValue(row) !== null) rows.push(row);
    }
    return rows
      .sort((a, b) => (this.#better(a, b) ? -1 : 1))
      .slice(0, count)
      .map((row) => this.numbers[row]!);
  }

  /** Whether any trial was stopped by the pruner (the table then shows where). */
  hasPruned(): boolean {
    return this.#counts.has('PRUNED');
  }
  /** Whether any trial has saved a checkpoint (the table then shows them). */
  hasCheckpoints(): boolean {
    return this.checkpoints.some((record) => record !== null && record !== undefined);
  }

  /** Trial counts by state (states with none left out). */
  countByState(): Map<string, number> {
    return new Map(this.#counts);
  }

  /** Adds `change` to a state's count, forgetting states that reach none. */
  #count(state: string, change: number): void {
    const count = (this.#counts.get(state) ?? 0) + change;
    if (count > 0) this.#counts.set(state, count);
    else this.#counts.delete(state);
  }

  /** A completed trial's finite value of {@link objective}, else null. */
  #completedValue(row: number): number | null {
    const value = resultColumn(this, this.objective.name)[row];
    return this.states[row] === 'COMPLETED' && typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  /** Whether completed trial `a` beats `b`: a better value of {@link objective} (lower, unless maximised), or the same and earlier. */
  #better(a: number, b: number): boolean {
    const sign = this.objective.direction === 'maximize' ? -1 : 1;
    const x = sign * this.#completedValue(a)!;
    const y = sign * this.#completedValue(b)!;
    return x < y || (x === y && this.numbers[a]! < this.numbers[b]!);
  }

  /**
   * Appends an event's latest intermediate value to its trial's curve, starting one if need be; a
   * step not above the last one known is ignored (events carry only the latest value). Whether it did.
   */
  #extendCurve(trial: TrialEvent): boolean {
    const { lastStep: step, lastValue: value } = trial;
    if (step === null || step === undefined || value === null || value === undefined) return false;
    let curve = this.curves.get(trial.number);
    if (!curve) {
      curve = { steps: [], values: [] };
      this.curves.set(trial.number, curve);
      this.#forgetOldCurves();
    } else if (curve.steps.length && step <= curve.steps[curve.steps.length - 1]!) {
      return false;
    }
    curve.steps.push(step);
    curve.values.push(value);
    if (curve.steps.length > MAX_CURVE_POINTS) halve(curve);
    return true;
  }

  /** Whether an event for a known trial leaves its row as it is (a report: only its curve moved). */
  #unchanged(row: number, trial: TrialEvent): boolean {
    return (
      this.states[row] === trial.state &&
      this.losses[row] === (trial.loss ?? null) &&
      this.workers[row] === (trial.worker ?? null) &&
      this.completedAt[row] === (trial.completedAt ? Date.parse(trial.completedAt) : null) &&
      this.prunedSteps[row] === (trial.prunedStep ?? null) &&
      this.errors[row] === (trial.error ?? null) &&
      this.checkpoints[row] === checkpointText(trial.checkpoint)
    );
  }

  /** Keeps memory bounded on a page left open: past twice {@link KEPT_CURVES} curves, the oldest go, the best completed ones stay. */
  #forgetOldCurves(): void {
    if (this.curves.size <= 2 * KEPT_CURVES) return;
    const best = new Set(this.bestCurves(KEPT_BEST_CURVES));
    const numbers = [...this.curves.keys()].sort((a, b) => a - b);
    for (const number of numbers.slice(0, numbers.length - KEPT_CURVES)) if (!best.has(number)) this.curves.delete(number);
  }
}

/**
 * A column of the trial table as the API sends it (`TrialTable`'s fields are JSON arrays whose element
 * types the schema describes): checked to be an array of the table's length (`size`; 0 takes any).
 */
function column<T>(values: unknown, name: string, size: number): T[] {
  if (!Array.isArray(values) || (size > 0 && values.length !== size)) throw new Error(`trialTable.${name} is not an array of one value per trial`);
  return values as T[];
}

/** Drops every other point of a curve, its first and last kept. */
function halve(curve: Curve): void {
  const keep = (_: number, i: number, all: readonly number[]) => i % 2 === 0 || i === all.length - 1;
  curve.steps.splice(0, Infinity, ...curve.steps.filter(keep));
  curve.values.splice(0, Infinity, ...curve.values.filter(keep));
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
