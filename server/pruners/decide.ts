import type { Prisma } from '../generated/prisma/client.ts';
import type { Transaction } from '../runtime/database.ts';
import { bracketBudgets, bracketCount, bracketOf } from './hyperband.ts';
import { percentileShouldStop } from './percentile.ts';
import { extrapolate } from './learning-curve.ts';
import type { HalvingConfig, HyperbandConfig, PercentileConfig, PrunerConfig } from './pruner-config.ts';
import { interpolated, promoted, rungStep, rungsReached, type Rungs } from './successive-halving.ts';

/** The most values of other trials one decision reads (a step's or a rung's): bounds its work. */
export const MAX_PEER_VALUES = 20_000;

/** The report being judged: the trial's highest step so far. */
export interface Judged {
  readonly experimentId: string;
  readonly trialId: string;
  readonly number: number;
  readonly step: number;
  readonly value: number;
  /** The trial's highest step before this report (null: its first). */
  readonly previousStep: number | null;
}

/**
 * Whether the experiment's pruner stops a trial at the step it just reported (stored already, in
 * `tx`). Reads what it compares with in a few indexed, bounded queries; records the rung values of
 * successive halving as the trial reaches them. A trial that has reached the furthest step a
 * COMPLETED trial reported is never stopped: it has spent its budget, and its value there is final.
 * (Hyperband's `max_step` is not such a bound: found from the first COMPLETED trial and fixed, a short
 * first one would end pruning past it for good.)
 */
export async function shouldPrune(tx: Transaction, config: PrunerConfig, judged: Judged): Promise<boolean> {
  let read: Promise<number | null> | undefined;
  const finalStep: FinalStep = () => (read ??= furthestCompletedStep(tx, judged.experimentId));
  const stop = await pruneDecision(tx, config, judged, finalStep);
  if (!stop) return false;
  const last = await finalStep();
  return last === null || judged.step < last;
}

/** The furthest step a COMPLETED trial reported, read at most once per decision. */
type FinalStep = () => Promise<number | null>;

async function pruneDecision(tx: Transaction, config: PrunerConfig, judged: Judged, finalStep: FinalStep): Promise<boolean> {
  switch (config.type) {
    case 'none':
      return false;
    case 'median':
    case 'percentile':
      return percentileDecision(tx, config, judged);
    case 'asha':
      return halvingDecision(tx, config, { minStep: config.minStep, reduction: config.reduction, firstRung: 0 }, 0, judged, finalStep);
    case 'hyperband':
      return hyperbandDecision(tx, config, judged, finalStep);
  }
}

async function percentileDecision(tx: Transaction, config: PercentileConfig, judged: Judged): Promise<boolean> {
  if (judged.step < config.warmupSteps) return false;
  const completedTrials = await tx.trial.count({ where: { experimentId: judged.experimentId, state: 'COMPLETED' } });
  if (completedTrials < config.minTrials || completedTrials === 0) return false;
  const [own, peers] = await Promise.all([
    // Its best value so far, this report's included (stored already): one indexed aggregate.
    tx.trialReport.aggregate({ where: { trialId: judged.trialId }, _min: { value: true } }),
    tx.trialReport.findMany({
      where: { experimentId: judged.experimentId, step: judged.step, trial: { state: 'COMPLETED' } },
      select: { value: true },
      take: MAX_PEER_VALUES,
    }),
  ]);
  return percentileShouldStop(config, {
    step: judged.step,
    previousStep: judged.previousStep,
    best: Math.min(judged.value, own._min.value ?? judged.value),
    completedTrials,
    peersAtStep: peers.map((peer) => peer.value),
  });
}

/** The furthest step a COMPLETED trial of the experiment reported (null: none has reported a step). */
export async function furthestCompletedStep(tx: Transaction, experimentId: string): Promise<number | null> {
  const completed = await tx.trial.aggregate({ where: { experimentId, state: 'COMPLETED' }, _max: { lastStep: true } });
  return completed._max.lastStep;
}

/**
 * The trial's value at `step`, which it has reached (reported at or past): the value it reported
 * there, else the line between its nearest reports on either side, else (nothing reported before)
 * its first value after. Two indexed reads at most; none when `step` is the judged report's own.
 */
async function valueAtStep(tx: Transaction, judged: Judged, step: number): Promise<number> {
  if (step === judged.step) return judged.value;
  const [before, after] = await Promise.all([
    tx.trialReport.findFirst({ where: { trialId: judged.trialId, step: { lte: step } }, orderBy: { step: 'desc' }, select: { step: true, value: true } }),
    tx.trialReport.findFirst({ where: { trialId: judged.trialId, step: { gte: step } }, orderBy: { step: 'asc' }, select: { step: true, value: true } }),
  ]);
  return interpolated(before, after ?? { step: judged.step, value: judged.value }, step);
}

/**
 * The final value the trial's curve so far predicts (server/pruners/learning-curve.ts), or null with
 * too few points, or no COMPLETED trial yet to say where the curves end (the furthest step a running
 * trial has got is no final step: a prediction to it is of another quantity than one to the end).
 * (The optimizers' history, server/trials/history.ts, may predict to that furthest step before a trial
 * completes: it predicts every curve again at each suggestion, all to one step, while rung values
 * recorded at different times would each have had their own.)
 */
async function predictedFinal(tx: Transaction, judged: Judged, finalStep: FinalStep): Promise<number | null> {
  const [horizon, points] = await Promise.all([
    finalStep(),
    tx.trialReport.findMany({ where: { trialId: judged.trialId }, select: { step: true, value: true }, orderBy: { step: 'asc' } }),
  ]);
  return horizon === null || horizon <= judged.step ? null : extrapolate(points, horizon);
}

/**
 * The pools into which asha records its rung values, by what the value is: a trial is compared only
 * with values of its own kind. A predicted final value is lower than a value at the rung's step on a
 * falling curve, so in one pool the values recorded before any trial completed (values at the step)
 * would let every later trial through until its predictions outnumbered them several times over.
 */
const ASHA_POOL = { predicted: 0, atStep: -1 } as const;

/**
 * Successive halving in one bracket: records the trial's value at each rung its step reaches (a
 * report may pass several), and stops it at the first where it is not among the best 1/reduction.
 * What it records: with `extrapolateWith` (asha; the step curves end at), the final value its curve so far predicts, so that on
 * curves that cross a slow starter heading lower is kept over a fast one levelling off; otherwise, or
 * with too few points or no final step known yet, its value at the rung's step
 * ({@link valueAtStep}), so that a trial passing a rung late (a sparse reporter, or hyperband catching
 * up once its largest step is known) is not judged at an early rung by its later, lower value. asha
 * keeps the two kinds apart ({@link ASHA_POOL}).
 */
async function halvingDecision(tx: Transaction, config: HalvingConfig | HyperbandConfig, rungs: Rungs, bracket: number, judged: Judged, extrapolateWith: FinalStep | null = null): Promise<boolean> {
  const recorded = await tx.trialRung.count({ where: { trialId: judged.trialId } });
  const reached = rungsReached(rungs, recorded, judged.step);
  if (reached.length === 0) return false;
  const predicted = extrapolateWith === null ? null : await predictedFinal(tx, judged, extrapolateWith);
  const pool = extrapolateWith === null ? bracket : predicted === null ? ASHA_POOL.atStep : ASHA_POOL.predicted;
  for (const rung of reached) {
    const value = predicted ?? (await valueAtStep(tx, judged, rungStep(rungs, rung)));
    await tx.trialRung.create({ data: { trialId: judged.trialId, experimentId: judged.experimentId, bracket: pool, rung, value } });
    if (judged.step < config.warmupSteps) continue;
    const others = await tx.trialRung.findMany({
      where: { experimentId: judged.experimentId, bracket: pool, rung, trialId: { not: judged.trialId } },
      select: { value: true },
      take: MAX_PEER_VALUES,
    });
    if (others.length < config.minTrials) continue;
    if (!promoted(value, others.map((other) => other.value), rungs.reduction)) return true;
  }
  return false;
}

async function hyperbandDecision(tx: Transaction, config: HyperbandConfig, judged: Judged, finalStep: FinalStep): Promise<boolean> {
  let maxStep = config.maxStep;
  if (maxStep === null) {
    // As Optuna's max_resource="auto": the longest a completed trial ran; fixed from then on, so each
    // trial keeps its bracket.
    const found = await finalStep();
    if (found === null || found < config.minStep * config.reduction) return false;
    maxStep = found;
    const fixed: HyperbandConfig = { ...config, maxStep };
    await tx.experiment.update({ where: { id: judged.experimentId }, data: { pruner: fixed as unknown as Prisma.InputJsonObject } });
  }
  const budgets = bracketBudgets(bracketCount(config, maxStep), config.reduction);
  const bracket = bracketOf(judged.experimentId, judged.number, budgets);
  return halvingDecision(tx, config, { minStep: config.minStep, reduction: config.reduction, firstRung: bracket }, bracket, judged);
}
