/**
 * The partial learning curves of an experiment's running trials, as the GP learns from them: read from
 * the database incrementally, kept thinned in memory, and handed to the optimizer with the final loss
 * each predicts (server/pruners/learning-curve.ts), so that parallel workers learn from each other's
 * curves instead of guessing their results.
 */
import type { Params } from '../optimizer/space.ts';
import { MAX_PREDICTED_RUNNING, type RunningTrial } from '../optimizer/types.ts';
import type { Db } from '../runtime/database.ts';
import { MAX_FIT_POINTS, MIN_CURVE_POINTS, type CurvePoint, type CurvePrediction } from '../pruners/learning-curve.ts';

/** The values a running trial reported, as far as they were read. */
export interface RunningCurve {
  /** The highest step read (-1: none yet); a later read asks only for steps above it. */
  through: number;
  /**
   * The steps kept are the multiples of this (it doubles whenever more than {@link MAX_KEPT_POINTS}
   * would be kept), so a long curve stays evenly spread over all its steps, however it was read.
   */
  stride: number;
  /** The kept points (steps that are multiples of `stride`), in the order read. */
  points: CurvePoint[];
  /** The point of the highest step read, kept whatever the stride. */
  last: CurvePoint | null;
  /** The last prediction made: for which final step, from the points through which step. */
  prediction?: { readonly finalStep: number; readonly through: number; readonly value: CurvePrediction | null };
}

/** The most points a running curve keeps (twice what a fit reads: learning-curve.ts thins them to that). */
export const MAX_KEPT_POINTS = 2 * MAX_FIT_POINTS;

/** The most running curves an experiment keeps in memory: those the optimizer gets, and as many more that may come back. */
export const MAX_KEPT_CURVES = 2 * MAX_PREDICTED_RUNNING;

/** How many trials' reports one read asks for: at most 50,000 rows (10,000 steps a trial). */
const READ_BATCH = 5;

/** An empty curve. */
export function newRunningCurve(): RunningCurve {
  return { through: -1, stride: 1, points: [], last: null };
}

/** Adds reports (steps above `curve.through`, any order) to a curve, keeping it thinned to at most {@link MAX_KEPT_POINTS} points plus its last. */
export function appendReports(curve: RunningCurve, reports: readonly CurvePoint[]): void {
  for (const report of reports) {
    if (report.step % curve.stride === 0) curve.points.push(report);
    if (curve.last === null || report.step > curve.last.step) curve.last = report;
    curve.through = Math.max(curve.through, report.step);
  }
  // Steps are below 2^31 (GraphQL Int), so the stride stops doubling by then.
  while (curve.points.length > MAX_KEPT_POINTS && curve.stride < 2 ** 31) {
    curve.stride *= 2;
    curve.points = curve.points.filter((point) => point.step % curve.stride === 0);
  }
}

/** The points to extrapolate a curve from: those kept, and its last. */
export function curvePoints(curve: RunningCurve): CurvePoint[] {
  const { last } = curve;
  return last === null || curve.points.some((point) => point.step === last.step) ? [...curve.points] : [...curve.points, last];
}

/**
 * Whether a running curve's prediction is out of date: none yet, another final step, or the curve has
 * grown by a tenth since (at least a step), so that workers reporting every step do not have every
 * curve extrapolated again at every suggestion.
 */
export function needsPrediction(curve: RunningCurve, finalStep: number): boolean {
  const last = curve.prediction;
  if (last === undefined || last.finalStep !== finalStep) return true;
  return curve.through >= last.through + Math.max(1, Math.ceil(0.1 * last.through));
}

/** A running trial whose curve may be extrapolated: its id, number and highest step. */
export interface CurveRow {
  readonly id: string;
  readonly number: number;
  readonly lastStep: number | null;
}

/**
 * The running trials of an experiment whose curves can be extrapolated to `finalStep` (at least
 * {@link MIN_CURVE_POINTS} distinct steps from 0 end at step MIN_CURVE_POINTS - 1 or later; not yet at
 * the final step): the {@link MAX_PREDICTED_RUNNING} furthest along. One indexed query.
 */
export function curveRows(db: Db, experimentId: string, finalStep: number): Promise<CurveRow[]> {
  return db.trial.findMany({
    where: { experimentId, state: 'RUNNING', lastStep: { gte: MIN_CURVE_POINTS - 1, lt: finalStep } },
    select: { id: true, number: true, lastStep: true },
    orderBy: [{ lastStep: 'desc' }, { number: 'asc' }],
    take: MAX_PREDICTED_RUNNING,
  });
}

/**
 * Brings the curves of `rows` (cached in `curves`, by trial number) up to their last step, reading only
 * the steps past those read before (a step reported late, below the highest read, is not read), in
 * bounded batches. Forgets the curves of trials no longer running, then, past {@link MAX_KEPT_CURVES},
 * the oldest of those not in `rows`.
 */
export async function readRunningCurves(db: Db, curves: Map<number, RunningCurve>, rows: readonly CurveRow[], running: ReadonlyMap<number, Params>): Promise<void> {
  for (const number of curves.keys()) if (!running.has(number)) curves.delete(number);
  for (const row of rows) if (!curves.has(row.number)) curves.set(row.number, newRunningCurve());
  const wanted = new Set(rows.map((row) => row.number));
  for (const number of curves.keys()) {
    if (curves.size <= MAX_KEPT_CURVES) break;
    if (!wanted.has(number)) curves.delete(number);
  }
  const stale = rows.filter((row) => curves.get(row.number)!.through < (row.lastStep ?? -1));
  for (let i = 0; i < stale.length; i += READ_BATCH) {
    const batch = stale.slice(i, i + READ_BATCH);
    const reports = await db.trialReport.findMany({
      where: { OR: batch.map((row) => ({ trialId: row.id, step: { gt: curves.get(row.number)!.through } })) },
      select: { trialId: true, step: true, value: true },
    });
    for (const row of batch) {
      appendReports(
        curves.get(row.number)!,
        reports.filter((report) => report.trialId === row.id),
      );
    }
  }
}

/**
 * The running trials for the optimizer, oldest first (as `running` holds them), those in `rows` whose
 * curve has a prediction for `finalStep` with the final loss it predicts and its sd.
 */
export function runningForOptimizer(running: ReadonlyMap<number, Params>, curves: ReadonlyMap<number, RunningCurve>, rows: readonly CurveRow[], finalStep: number | null): RunningTrial[] {
  const predicted = new Map<number, CurvePrediction>();
  for (const row of rows) {
    const prediction = curves.get(row.number)?.prediction;
    if (prediction?.value && prediction.finalStep === finalStep) predicted.set(row.number, prediction.value);
  }
  return [...running].map(([number, params]) => {
    const prediction = predicted.get(number);
    return prediction ? { params, loss: prediction.value, lossSd: prediction.sd } : { params };
  });
}
