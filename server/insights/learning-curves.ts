import type { OperationBudget } from '../http/operation-budget.ts';
import type { Database } from '../runtime/database.ts';
import { readParts } from '../db/read-parts.ts';

/** One trial's intermediate values, by step (thinned to at most {@link MAX_POINTS_PER_CURVE}). */
export interface LearningCurve {
  readonly number: number;
  readonly state: string;
  readonly prunedStep: number | null;
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

/** The most recent trials with reports whose curves are read, besides the best completed ones. */
export const MAX_CURVES = 300;
/** The best completed trials whose curves are always read. */
const BEST_CURVES = 10;
/** Points kept per curve: evenly spaced steps, the first and the last always. */
export const MAX_POINTS_PER_CURVE = 200;
/** Reports read for one experiment's curves, at most: the best curves first, then the latest, while they fit. */
export const MAX_CURVE_REPORTS = 200_000;
/** Bytes a stored report is counted for against an operation's budget. */
export const REPORT_BYTES = 64;

/** Keeps at most `max` of `n` indices, evenly spaced, the first and last included. */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
}

/** About how many reports one read of {@link learningCurves} asks for (a trial with more is read alone). */
export const READ_ROWS = 20_000;

/**
 * The learning curves the dashboard draws: the best {@link BEST_CURVES} completed trials that reported
 * intermediate values and the latest {@link MAX_CURVES}, oldest first, as many of them as fit in
 * {@link MAX_CURVE_REPORTS} reports (best first, then newest first). What is read is charged to the
 * operation's budget first.
 */
export async function learningCurves(database: Database, experimentId: string, budget: OperationBudget): Promise<LearningCurve[]> {
  const { db } = database;
  // Most experiments report nothing: one indexed look-up, not two scans of every trial.
  if (!(await db.trialReport.findFirst({ where: { experimentId }, select: { step: true } }))) return [];
  const select = { id: true, number: true, state: true, prunedStep: true } as const;
  const [recent, best] = await Promise.all([
    db.trial.findMany({ where: { experimentId, lastStep: { not: null } }, orderBy: { number: 'desc' }, take: MAX_CURVES, select }),
    db.trial.findMany({ where: { experimentId, lastStep: { not: null }, state: 'COMPLETED' }, orderBy: [{ loss: 'asc' }, { number: 'asc' }], take: BEST_CURVES, select }),
  ]);
  const candidates = [...new Map([...best, ...recent].map((t) => [t.id, t])).values()];
  const counts = await db.trialReport.groupBy({ by: ['trialId'], where: { trialId: { in: candidates.map((t) => t.id) } }, _count: { _all: true } });
  const countOf = new Map(counts.map((c) => [c.trialId, c._count._all]));
  let rows = 0;
  const trials = candidates
    .filter((t) => {
      const count = countOf.get(t.id) ?? 0;
      if (rows + count > MAX_CURVE_REPORTS) return false;
      rows += count;
      return true;
    })
    .sort((a, b) => a.number - b.number);
  const ids = trials.map((t) => t.id);
  budget.charge(rows * REPORT_BYTES, 'learningCurves'); // steps and values only
  const byTrial = new Map<string, { step: number; value: number }[]>();
  // Read in parts of about READ_ROWS reports: one read of 200,000 had held the event loop 1.4 s.
  for (const part of readParts(ids, (id) => id, (id) => countOf.get(id) ?? 0, READ_ROWS)) {
    const reports = await db.trialReport.findMany({ where: { trialId: { in: part } }, orderBy: [{ trialId: 'asc' }, { step: 'asc' }], select: { trialId: true, step: true, value: true } });
    for (const report of reports) {
      const curve = byTrial.get(report.trialId);
      if (curve) curve.push(report);
      else byTrial.set(report.trialId, [report]);
    }
  }
  return trials.map((trial) => {
    const points = byTrial.get(trial.id) ?? [];
    const kept = thin(points.length, MAX_POINTS_PER_CURVE).map((i) => points[i]!);
    return { number: trial.number, state: trial.state, prunedStep: trial.prunedStep, steps: kept.map((p) => p.step), values: kept.map((p) => p.value) };
  });
}
