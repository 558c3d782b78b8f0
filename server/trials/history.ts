import { isDeepStrictEqual } from 'node:util';
import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import type { ComputePool } from '../optimizer/pool/compute-pool.ts';
import { boundedHistory, learnsFromRunningCurves } from '../optimizer/registry.ts';
import { deriveSeed } from '../optimizer/rng.ts';
import type { Params, SearchSpace } from '../optimizer/space.ts';
import type { CompletedTrial } from '../optimizer/types.ts';
import type { Db } from '../runtime/database.ts';
import { fitPoints, predictCurve, type CurvePoint, type CurvePrediction } from '../pruners/learning-curve.ts';
import { curvePoints, curveRows, needsPrediction, readRunningCurves, runningForOptimizer, type RunningCurve } from './running-curves.ts';
import { asRecord } from '../json.ts';
import { MAX_REPORTS_PER_TRIAL } from './reports.ts';
import { readParts } from '../db/read-parts.ts';
import { objectiveVector, storedConstraints, storedObjectives, violation, type Constraint, type Objectives } from '../objectives/objectives-config.ts';
import { isPlain, resultValues } from '../objectives/ranking.ts';
import { scalarize, type Scored } from '../objectives/scalarize.ts';

/** Parameters to try next, the algorithm that chose them, and what to store with them. */
export interface Proposal {
  readonly params: Params;
  /** The algorithm that produced `params` (`auto` resolved to the one it used; `quasi_random` after a fallback). */
  readonly optimizer: string;
  /** Null normally; why the quasi-random fallback answered instead of the optimizer (time bound, failure). For `Trial.fallbackReason`. */
  readonly fallbackReason: string | null;
}

/**
 * The value an optimizer learns a trial by, or null when it has none: a COMPLETED trial's loss; a
 * PRUNED trial's final result if one arrived, else the last intermediate value it reported. A pruned
 * trial's curve, when long enough, is then extrapolated to its final value ({@link learnedScores});
 * otherwise its last value only orders it among the other pruned trials, every one of which ranks
 * after every trial that ran to its end (server/objectives/scalarize.ts), as in Optuna's TPE.
 */
export function learnedLoss(row: { state: string; loss: number | null; lastValue: number | null }): number | null {
  if (row.state === 'COMPLETED') return row.loss;
  if (row.state === 'PRUNED') return row.loss ?? row.lastValue;
  return null;
}

/** Tells the scalarisation's random stream from the optimizer's (both derive from the experiment's seed). */
const SCALARIZATION_STREAM = 0x5ca1a;

/** Experiments whose history one process keeps in memory. */
const MAX_CACHED_EXPERIMENTS = 64;

/**
 * Values (parameter values and curve points: about 25 bytes each in memory) the kept histories may hold
 * together, about 200 MB; past it the least recently used are forgotten (and read again when next
 * needed). The count alone let a user's 64 imported experiments of 10,000 trials and 100 parameters
 * hold 1.7 GB. The history in use is kept whatever its size.
 */
export const MAX_CACHED_VALUES = 8_000_000;

/** What a trial's entry weighs against {@link MAX_CACHED_VALUES}: its parameter values and curve points, and one. */
function weightOf(trial: KnownTrial | undefined): number {
  return trial === undefined ? 0 : 1 + Object.keys(trial.params).length + (trial.curve?.length ?? 0);
}

interface KnownTrial {
  readonly state: string;
  readonly params: Params;
  /** What the optimizers learn from it (see {@link scoreOf}), or null. */
  readonly score: Scored | null;
  /** A PRUNED trial without a result: the values it reported. */
  readonly curve?: readonly CurvePoint[];
}

/** At most this many trials' reports one query reads. */
const CURVE_BATCH = 20;

/**
 * At most about this many reports one query reads (each trial's counted at the most it can have, one a
 * step up to its last, at most {@link MAX_REPORTS_PER_TRIAL}), so one read of pruned curves holds the
 * event loop for a fraction of a second; 20 trials of 10,000 reports in one query had held it 1.5 s.
 * A trial with more than this many is read alone.
 */
const CURVE_ROWS = 20_000;

/** Trials to read the reports of, in batches of at most {@link CURVE_BATCH} trials and about {@link CURVE_ROWS} reports. */
export function curveBatches(trials: readonly { readonly id: string; readonly lastStep: number | null }[]): string[][] {
  return readParts(trials, (trial) => trial.id, (trial) => Math.min(MAX_REPORTS_PER_TRIAL, (trial.lastStep ?? 0) + 1), CURVE_ROWS, CURVE_BATCH);
}

/** A FAILED trial, and how many scored trials finished before it (its place in completion order). */
interface FailedTrial {
  readonly params: Params;
  readonly at: number;
}

/** A finished trial in completion order, as the optimizers learn from it. */
interface ScoredTrial extends Scored {
  readonly params: Params;
  /** A trial stopped before a result: the values it reported, to extrapolate. */
  readonly curve?: readonly CurvePoint[];
}

/**
 * What the optimizers learn from each trial: its score, except that a trial stopped before a result
 * whose curve can be extrapolated to `finalStep` (server/pruners/learning-curve.ts) counts with the
 * final value its curve predicts, as a trial that ran to the end would, so the optimizers learn where
 * partial curves were heading (multi-fidelity, as BOHB and Freeze-Thaw BO use them) instead of only
 * that they were stopped, with `sd`, how uncertain that prediction is (the GP's noise for that trial). Pure.
 */
export function learnedScores(trials: readonly (Scored & { readonly curve?: readonly CurvePoint[] })[], finalStep: number | null): (Scored & { readonly sd?: number })[] {
  return trials.map((trial) => {
    if (trial.prunedStep === undefined || trial.curve === undefined || finalStep === null) return trial;
    const predicted = predictedFinal(trial.curve, finalStep);
    return predicted === null ? trial : { vector: [predicted.value], violation: trial.violation, sd: predicted.sd };
  });
}

/** Extrapolations already made, by curve (a pruned trial's curve never changes) and final step. */
const predictions = new WeakMap<readonly CurvePoint[], { readonly finalStep: number; readonly value: CurvePrediction | null }>();

/**
 * Extrapolates, on a worker thread within its time bound, the curves of `trials` not yet extrapolated to
 * `finalStep`, so that {@link learnedScores} then finds them all done (and the event loop keeps turning
 * however many pruned trials there are). A curve the thread did not answer for counts as not extrapolable.
 * `running` curves (server/trials/running-curves.ts) are extrapolated to the same step in the same task
 * (one wait for the thread, not two); one the thread did not answer for keeps its last prediction.
 */
async function predictOffThread(
  pool: ComputePool,
  trials: readonly { readonly curve?: readonly CurvePoint[] }[],
  finalStep: number | null,
  running: readonly RunningCurve[],
  owner: string,
): Promise<void> {
  if (finalStep === null) return;
  const curves = trials.flatMap((trial) => (trial.curve !== undefined && predictions.get(trial.curve)?.finalStep !== finalStep ? [trial.curve] : []));
  if (curves.length + running.length === 0) return;
  let values: readonly (CurvePrediction | null)[];
  try {
    values = await pool.extrapolate({ curves: [...curves, ...running.map((curve) => fitPoints(curvePoints(curve)))], finalStep }, pool.suggestTimeoutMs, owner);
  } catch {
    values = [];
  }
  curves.forEach((curve, i) => predictions.set(curve, { finalStep, value: values[i] ?? null }));
  running.forEach((curve, i) => {
    const value = values[curves.length + i];
    if (value !== undefined) curve.prediction = { finalStep, through: curve.through, value };
  });
}

function predictedFinal(curve: readonly CurvePoint[], finalStep: number): CurvePrediction | null {
  const known = predictions.get(curve);
  if (known?.finalStep === finalStep) return known.value;
  const value = predictCurve(curve, finalStep);
  predictions.set(curve, { finalStep, value });
  return value;
}

/**
 * The finished trials as the optimizers get them: each with its number to minimise from `losses`; in a
 * plain experiment with `lossSd` where `learned` says its value is a prediction (a pruned trial's
 * extrapolated final value), otherwise with its objectives and violation, which multi-objective
 * optimizers (nsga2) compare directly. `trials`, `learned` and `losses` are index-aligned. Pure.
 */
export function optimizerTrials(
  trials: readonly { readonly params: Params; readonly vector: readonly number[]; readonly violation: number }[],
  learned: readonly { readonly sd?: number }[],
  losses: readonly number[],
  plain: boolean,
): CompletedTrial[] {
  return trials.map((trial, i) => {
    if (!plain) return { params: trial.params, loss: losses[i]!, objectives: trial.vector, violation: trial.violation };
    const sd = learned[i]!.sd;
    return sd === undefined ? { params: trial.params, loss: losses[i]! } : { params: trial.params, loss: losses[i]!, lossSd: sd };
  });
}

/**
 * `completed` with the FAILED trials in their places (each before the finished trial at its `at`), as
 * the optimizers' contract has them (server/optimizer/types.ts): an infinite loss, worse than every
 * result, and with several objectives (`objectiveCount`, null for a plain experiment) infinite ones,
 * which NSGA-II reads as infinitely infeasible. Pure.
 */
export function withFailed(completed: readonly CompletedTrial[], failed: readonly FailedTrial[], objectiveCount: number | null): CompletedTrial[] {
  if (failed.length === 0) return [...completed];
  const merged: CompletedTrial[] = [];
  let next = 0;
  for (let i = 0; i <= completed.length; i++) {
    for (; next < failed.length && failed[next]!.at <= i; next++) {
      const params = failed[next]!.params;
      merged.push(objectiveCount === null ? { params, loss: Number.POSITIVE_INFINITY } : { params, loss: Number.POSITIVE_INFINITY, objectives: new Array<number>(objectiveCount).fill(Number.POSITIVE_INFINITY) });
    }
    if (i < completed.length) merged.push(completed[i]!);
  }
  return merged;
}

/** What a history is scored by: the experiment's objectives and constraints. */
interface Scoring {
  readonly objectives: Objectives;
  readonly constraints: readonly Constraint[];
  readonly plain: boolean;
}

/**
 * What the optimizers learn from a trial row: for a plain experiment (minimise `loss`), its
 * {@link learnedLoss}; otherwise its objectives (values to minimise) and constraint violation, for a
 * COMPLETED trial or a PRUNED one that sent a result anyway; null for the rest.
 */
function scoreOf(row: { state: string; loss: number | null; lastValue: number | null; prunedStep: number | null; metrics?: unknown }, scoring: Scoring): Scored | null {
  if (scoring.plain) {
    const loss = learnedLoss(row);
    if (loss === null) return null;
    // Stopped before a result: ranked after the trials that finished (server/objectives/scalarize.ts).
    return row.state === 'PRUNED' && row.loss === null ? { vector: [loss], violation: 0, prunedStep: row.prunedStep ?? 0 } : { vector: [loss], violation: 0 };
  }
  const hasResult = row.state === 'COMPLETED' || (row.state === 'PRUNED' && (row.loss !== null || Object.keys(asRecord(row.metrics)).length > 0));
  if (!hasResult) return null;
  const values = resultValues({ loss: row.loss, metrics: row.metrics ?? null });
  const vector = objectiveVector(values, scoring.objectives);
  return vector === null ? null : { vector, violation: violation(values, scoring.constraints) };
}

function sameScore(a: Scored | null, b: Scored | null): boolean {
  if (a === null || b === null) return a === b;
  return a.violation === b.violation && a.prunedStep === b.prunedStep && a.vector.length === b.vector.length && a.vector.every((v, i) => v === b.vector[i]);
}

/**
 * An experiment's trial history, kept in memory and brought up to date incrementally: the trials whose
 * revision is above the last one read (server/trials/revisions.ts), whichever process wrote them.
 * `completed` is in the order trials completed, as optimizers expect (oldest first).
 */
interface History {
  /** The objectives and constraints it was scored by (a change starts it afresh). */
  readonly scoringKey: string;
  readonly trials: Map<number, KnownTrial>;
  readonly completed: ScoredTrial[];
  /**
   * FAILED trials, each with where it falls among `completed` (the index of the next finished trial):
   * the optimizers learn them as worse than every result, so they move away instead of proposing a
   * configuration that crashed again.
   */
  readonly failed: FailedTrial[];
  /** RUNNING trials by number. */
  readonly running: Map<number, Params>;
  /** Partial curves of running trials, by trial number (server/trials/running-curves.ts). */
  readonly runningCurves: Map<number, RunningCurve>;
  revision: number;
  /** What its trials weigh (see {@link weightOf}). */
  weight: number;
  /** The furthest step a COMPLETED trial reported, and that any trial reported (null: none yet). */
  completedStep: number | null;
  furthestStep: number | null;
}

/**
 * For grid search, which must never hand out a point twice: the trials the optimizers learn nothing
 * from and do not see as running or failed (STALE ones, DUPLICATE ones, and with several objectives a
 * PRUNED trial without a result), passed along with the running trials so their points count as taken.
 * Empty for every other algorithm. O(trials).
 */
function pointsTaken(algorithm: string, history: History): { readonly params: Params }[] {
  if (algorithm !== 'grid') return [];
  const taken: { params: Params }[] = [];
  for (const trial of history.trials.values()) {
    if (trial.score === null && trial.state !== 'RUNNING' && trial.state !== 'FAILED') taken.push({ params: trial.params });
  }
  return taken;
}

function algorithmUsed(name: string, state: unknown): string {
  if (name !== 'auto' || typeof state !== 'object' || state === null || !('algorithm' in state)) return name;
  return String(state.algorithm);
}

/**
 * Proposes new trials for experiments from their histories, which it caches (one process's view,
 * always caught up before use, so any number of processes can share the experiments).
 */
export class HistoryCache {
  private readonly histories = new Map<string, History>();

  constructor(
    private readonly db: Db,
    private readonly pool: ComputePool,
    private readonly maxValues = MAX_CACHED_VALUES,
  ) {}

  /** Drops a deleted experiment's history. */
  forget(experimentId: string): void {
    this.histories.delete(experimentId);
  }

  private historyOf(experimentId: string, scoringKey: string): History {
    let history = this.histories.get(experimentId);
    if (history && history.scoringKey !== scoringKey) history = undefined;
    if (history) {
      // Most recently used last: the first entry is the one to forget.
      this.histories.delete(experimentId);
      this.histories.set(experimentId, history);
      return history;
    }
    this.histories.delete(experimentId);
    history = { scoringKey, trials: new Map(), completed: [], failed: [], running: new Map(), runningCurves: new Map(), revision: -1, weight: 0, completedStep: null, furthestStep: null };
    this.histories.set(experimentId, history);
    this.evict();
    return history;
  }

  /** Forgets the least recently used histories past {@link MAX_CACHED_EXPERIMENTS} or `maxValues` ({@link MAX_CACHED_VALUES}); never the only one. */
  private evict(): void {
    let weight = 0;
    for (const history of this.histories.values()) weight += history.weight;
    while (this.histories.size > 1 && (this.histories.size > MAX_CACHED_EXPERIMENTS || weight > this.maxValues)) {
      const [oldest, history] = this.histories.entries().next().value!;
      weight -= history.weight;
      this.histories.delete(oldest);
    }
  }

  /** How many experiments' histories this process keeps now (for tests). */
  get cachedExperiments(): number {
    return this.histories.size;
  }

  private async refresh(experimentId: string, history: History, scoring: Scoring): Promise<void> {
    const rows = await this.db.trial.findMany({
      where: { experimentId, revision: { gt: history.revision } },
      // A plain experiment needs no metrics: only its loss is learned from.
      select: { id: true, number: true, state: true, params: true, loss: true, lastValue: true, lastStep: true, prunedStep: true, revision: true, metrics: !scoring.plain },
      orderBy: [{ revision: 'asc' }, { number: 'asc' }],
    });
    const curves = await this.curvesOf(curveBatches(rows.filter((row) => row.state === 'PRUNED' && row.loss === null && scoring.plain)));
    let completedChanged = false;
    for (const row of rows) {
      history.revision = Math.max(history.revision, row.revision);
      if (row.lastStep !== null) {
        history.furthestStep = Math.max(history.furthestStep ?? row.lastStep, row.lastStep);
        if (row.state === 'COMPLETED') history.completedStep = Math.max(history.completedStep ?? row.lastStep, row.lastStep);
      }
      const known = history.trials.get(row.number);
      const score = scoreOf(row, scoring);
      if (known && known.state === row.state && sameScore(known.score, score)) continue;
      const params = row.params as Params;
      // A finished trial changed (rare: an edit), or one failed for its losses came back (server/trials/lost-trials.ts).
      if (known?.score || (known?.state === 'FAILED' && row.state !== 'FAILED')) completedChanged = true;
      const curve = curves.get(row.id);
      const trial: KnownTrial = { state: row.state, params, score, ...(curve ? { curve } : {}) };
      history.weight += weightOf(trial) - weightOf(known);
      history.trials.set(row.number, trial);
      if (score !== null && !completedChanged) history.completed.push({ params, ...score, ...(curve ? { curve } : {}) });
      if (row.state === 'FAILED' && known?.state !== 'FAILED' && !completedChanged) history.failed.push({ params, at: history.completed.length });
      if (row.state === 'RUNNING') history.running.set(row.number, params);
      else history.running.delete(row.number);
    }
    if (completedChanged) {
      // Rebuild the lists from the map, by trial number.
      history.completed.length = 0;
      history.failed.length = 0;
      for (const [, t] of [...history.trials].sort((a, b) => a[0] - b[0])) {
        if (t.score !== null) history.completed.push({ params: t.params, ...t.score, ...(t.curve ? { curve: t.curve } : {}) });
        else if (t.state === 'FAILED') history.failed.push({ params: t.params, at: history.completed.length });
      }
    }
  }

  /** The values each of these (pruned) trials reported, by trial id, read in bounded batches. */
  private async curvesOf(batches: readonly (readonly string[])[]): Promise<Map<string, CurvePoint[]>> {
    const curves = new Map<string, CurvePoint[]>();
    for (const batch of batches) {
      const reports = await this.db.trialReport.findMany({
        where: { trialId: { in: [...batch] } },
        select: { trialId: true, step: true, value: true },
      });
      const read = new Map<string, CurvePoint[]>();
      for (const report of reports) {
        const curve = read.get(report.trialId) ?? [];
        curve.push({ step: report.step, value: report.value });
        read.set(report.trialId, curve);
      }
      // Only the points a fit reads are kept (at most MAX_FIT_POINTS a trial, not its 10,000 reports).
      for (const [trialId, curve] of read) curves.set(trialId, fitPoints(curve));
    }
    return curves;
  }

  /**
   * Asks the experiment's optimizer for `count` new parameter sets in one call, given every completed
   * and running trial, on a worker thread with a time bound; fewer (maybe none) once an optimizer over a
   * finite set of points (grid search) has handed every one out. `pending`: parameter sets the same batch
   * hands out besides these (enqueued ones, not yet trials), which the optimizer sees as running. Call it holding the experiment's lock,
   * with the experiment read under it; saves the optimizer's state to the experiment. The caller
   * stores the proposals as RUNNING trials before releasing the lock.
   */
  async propose(experiment: Experiment, space: SearchSpace, count: number, pending: readonly Params[] = []): Promise<Proposal[]> {
    const objectives = storedObjectives(experiment.objectives);
    const constraints = storedConstraints(experiment.constraints);
    const scoring: Scoring = { objectives, constraints, plain: isPlain(objectives, constraints) };
    const history = this.historyOf(experiment.id, JSON.stringify([objectives, constraints]));
    // Revisions commit in order (server/trials/revisions.ts): a cache at the experiment's revision is whole.
    if (history.revision < experiment.revision) {
      await this.refresh(experiment.id, history, scoring);
      // Most recently used again (others may have been used while it was read), so it is not the one forgotten.
      if (this.histories.get(experiment.id) === history) {
        this.histories.delete(experiment.id);
        this.histories.set(experiment.id, history);
      }
      this.evict();
    }
    // One number per trial for the optimizer: the loss, or (several objectives, constraints) a
    // scalarisation drawn for this call (server/objectives/scalarize.ts).
    // Grid search learns nothing from the values: no pruned curve is extrapolated for it.
    const finalStep = experiment.algorithm === 'grid' ? null : (history.completedStep ?? history.furthestStep);
    // Running trials' curves, for the GP only, once the final step is known (a completed trial's, so the
    // same `finalStep` as the pruned trials' here).
    const runningStep = scoring.plain && learnsFromRunningCurves(experiment.algorithm, space, history.completed.length + history.failed.length) ? history.completedStep : null;
    const rows = runningStep === null || history.running.size === 0 ? [] : await curveRows(this.db, experiment.id, runningStep);
    await readRunningCurves(this.db, history.runningCurves, rows, history.running);
    const stale = runningStep === null ? [] : rows.map((row) => history.runningCurves.get(row.number)!).filter((curve) => needsPrediction(curve, runningStep));
    await predictOffThread(this.pool, history.completed, finalStep, stale, experiment.ownerId);
    const learned = learnedScores(history.completed, finalStep);
    const losses = scalarize(learned, deriveSeed(experiment.seed, experiment.nextTrialNumber, SCALARIZATION_STREAM));
    const completed = withFailed(optimizerTrials(history.completed, learned, losses, scoring.plain), history.failed, scoring.plain ? null : objectives.length);
    const state = experiment.optimizerState ?? undefined;
    const result = await this.pool.suggest({
      algorithm: experiment.algorithm,
      space,
      // Only what the optimizer will use crosses to the worker thread (bounded for long histories).
      completed: boundedHistory(experiment.algorithm, space, completed),
      running: [
        ...runningForOptimizer(history.running, history.runningCurves, rows, runningStep),
        ...pointsTaken(experiment.algorithm, history),
        ...pending.map((params) => ({ params })),
      ],
      seed: deriveSeed(experiment.seed, experiment.nextTrialNumber),
      state,
      count,
    }, this.pool.suggestTimeoutMs, experiment.ownerId);
    // Fewer only from an optimizer whose finite set of points is used up (grid search).
    if (result.exhausted === true ? result.suggestions.length > count : result.suggestions.length !== count) {
      throw new Error(`optimizer "${experiment.algorithm}" returned ${result.suggestions.length} suggestions, not ${count}`);
    }
    if (result.fallbackReason === null && result.state !== undefined && !isDeepStrictEqual(result.state, state)) {
      await this.db.experiment.update({ where: { id: experiment.id }, data: { optimizerState: result.state as Prisma.InputJsonValue } });
    }
    const optimizer = result.fallbackReason === null ? algorithmUsed(experiment.algorithm, result.state) : 'quasi_random';
    return result.suggestions.map((params) => ({ params, optimizer, fallbackReason: result.fallbackReason }));
  }
}
