import { prisma } from './db.ts';
import { parseSearchSpace, type SearchSpace } from './optimizer/space.ts';

/** One named column of a trial table: a value (or null) per trial, in trial order. */
export interface TrialColumn {
  readonly name: string;
  readonly values: readonly unknown[];
}

/** An experiment's trials as columns (one array per field), for the dashboard's table and charts. */
export interface TrialTable {
  readonly numbers: readonly number[];
  readonly states: readonly string[];
  readonly losses: readonly (number | null)[];
  readonly workers: readonly (string | null)[];
  /** Milliseconds since the epoch. */
  readonly createdAt: readonly number[];
  readonly completedAt: readonly (number | null)[];
  readonly parameters: readonly TrialColumn[];
  readonly metrics: readonly TrialColumn[];
}

/** How much of the loss's variation one parameter explains, from 0 to 1 (they sum to 1). */
export interface ParameterImportance {
  readonly parameter: string;
  readonly importance: number;
}

/** A completed trial as the importance estimate sees it. */
export interface ScoredTrial {
  readonly params: Readonly<Record<string, unknown>>;
  readonly loss: number;
}

/** Reads every trial of an experiment, oldest first, into columns: one query, no per-trial round trips. */
export async function loadTrialTable(experimentId: string): Promise<TrialTable> {
  const rows = await prisma.trial.findMany({
    where: { experimentId },
    orderBy: { number: 'asc' },
    select: { number: true, state: true, loss: true, worker: true, createdAt: true, completedAt: true, params: true, metrics: true },
  });
  const experiment = await prisma.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true } });
  const parameterNames = new Set(Object.keys(asRecord(experiment.parameters)));
  const metricNames = new Set<string>();
  for (const row of rows) {
    for (const name of Object.keys(asRecord(row.params))) parameterNames.add(name);
    for (const name of Object.keys(asRecord(row.metrics))) metricNames.add(name);
  }
  const column = (name: string, field: 'params' | 'metrics'): TrialColumn => ({
    name,
    values: rows.map((row) => asRecord(row[field])[name] ?? null),
  });
  return {
    numbers: rows.map((row) => row.number),
    states: rows.map((row) => row.state),
    losses: rows.map((row) => row.loss),
    workers: rows.map((row) => row.worker),
    createdAt: rows.map((row) => row.createdAt.getTime()),
    completedAt: rows.map((row) => row.completedAt?.getTime() ?? null),
    parameters: [...parameterNames].sort().map((name) => column(name, 'params')),
    metrics: [...metricNames].sort().map((name) => column(name, 'metrics')),
  };
}

const importanceCache = new Map<string, readonly ParameterImportance[]>();
const CACHE_SIZE = 64;

/**
 * Parameter importance of an experiment's completed trials (see {@link parameterImportance}),
 * cached until another trial completes.
 */
export async function experimentImportance(experimentId: string): Promise<readonly ParameterImportance[]> {
  const experiment = await prisma.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { parameters: true, seed: true } });
  const where = { experimentId, state: 'COMPLETED', loss: { not: null } };
  const stamp = await prisma.trial.aggregate({ where, _count: true, _max: { completedAt: true } });
  const key = `${experimentId}:${stamp._count}:${stamp._max.completedAt?.getTime() ?? 0}`;
  const cached = importanceCache.get(key);
  if (cached) return cached;
  let space: SearchSpace;
  try {
    space = parseSearchSpace(experiment.parameters);
  } catch {
    return [];
  }
  const rows = await prisma.trial.findMany({ where, select: { params: true, loss: true } });
  const trials = rows.map((row) => ({ params: asRecord(row.params), loss: row.loss ?? Number.NaN }));
  const result = parameterImportance(space, trials, experiment.seed);
  if (importanceCache.size >= CACHE_SIZE) importanceCache.delete(importanceCache.keys().next().value!);
  importanceCache.set(key, result);
  return result;
}

/** Fewer completed trials than this give no importance estimate. */
export const MIN_TRIALS_FOR_IMPORTANCE = 8;

const TREES = 64;
const MAX_DEPTH = 8;
const MIN_LEAF = 2;
const BINS = 32;
const SAMPLE = 1024;

/**
 * Estimates how much each tunable parameter matters to the loss, like Optuna's
 * `MeanDecreaseImpurityImportanceEvaluator`: a seeded random forest of regression trees on the
 * completed trials, each parameter scored by the loss variance its splits remove, normalised to sum
 * to 1. Log-scale parameters are split in log space; categories are ordered by their mean loss.
 * Constants are left out. Returns [] with fewer than {@link MIN_TRIALS_FOR_IMPORTANCE} usable trials.
 * Pure: the same space, trials and seed give the same answer.
 */
export function parameterImportance(space: SearchSpace, trials: readonly ScoredTrial[], seed: number): ParameterImportance[] {
  const tunable = space.parameters.filter((p) => p.kind !== 'constant');
  const usable = trials.filter((t) => Number.isFinite(t.loss));
  if (tunable.length === 0 || usable.length < MIN_TRIALS_FOR_IMPORTANCE) return [];
  if (tunable.length === 1) return [{ parameter: tunable[0]!.name, importance: 1 }];

  const n = usable.length;
  const y = Float64Array.from(usable, (t) => t.loss);
  // Each feature binned into at most BINS quantile bins (Uint8 codes), so a split is a scan over bins.
  const features = tunable.map((p) => {
    let raw: Float64Array;
    if (p.kind === 'categorical') {
      const index = new Map(p.choices.map((c, i) => [JSON.stringify(c), i]));
      const codes = usable.map((t) => index.get(JSON.stringify(t.params[p.name])) ?? -1);
      const sums = new Float64Array(p.choices.length);
      const counts = new Float64Array(p.choices.length);
      codes.forEach((c, i) => {
        if (c >= 0) {
          sums[c]! += y[i]!;
          counts[c]! += 1;
        }
      });
      const rank = [...p.choices.keys()].sort((a, b) => mean(sums[a]!, counts[a]!) - mean(sums[b]!, counts[b]!));
      const order = new Map(rank.map((c, r) => [c, r]));
      raw = Float64Array.from(codes, (c) => (c >= 0 ? order.get(c)! : -1));
    } else {
      const log = p.distribution === 'log_uniform' || p.distribution === 'log_normal';
      raw = Float64Array.from(usable, (t) => {
        const v = Number(t.params[p.name]);
        return Number.isFinite(v) ? (log ? Math.log(Math.max(v, Number.MIN_VALUE)) : v) : Number.NEGATIVE_INFINITY;
      });
    }
    return binned(raw);
  });

  const random = mulberry32(seed);
  const totals = new Float64Array(tunable.length);
  const sampleSize = Math.min(n, SAMPLE);
  for (let tree = 0; tree < TREES; tree++) {
    const sample = Uint32Array.from({ length: sampleSize }, () => Math.floor(random() * n));
    const gains = new Float64Array(tunable.length);
    growTree(sample, 0, features, y, gains);
    const sum = gains.reduce((a, b) => a + b, 0);
    if (sum > 0) gains.forEach((g, f) => (totals[f]! += g / sum));
  }
  const total = totals.reduce((a, b) => a + b, 0);
  return tunable
    .map((p, f) => ({ parameter: p.name, importance: total > 0 ? totals[f]! / total : 1 / tunable.length }))
    .sort((a, b) => b.importance - a.importance || a.parameter.localeCompare(b.parameter));
}

/** Splits `rows` on the feature and bin that remove the most squared error, and recurses. */
function growTree(rows: Uint32Array, depth: number, features: readonly Uint8Array[], y: Float64Array, gains: Float64Array): void {
  if (depth >= MAX_DEPTH || rows.length < 2 * MIN_LEAF) return;
  let total = 0;
  let totalSq = 0;
  for (const r of rows) {
    total += y[r]!;
    totalSq += y[r]! * y[r]!;
  }
  const parentError = totalSq - (total * total) / rows.length;
  if (parentError <= 1e-12 * Math.max(1, totalSq)) return;
  let best = { gain: 0, feature: -1, bin: -1 };
  const counts = new Float64Array(BINS);
  const sums = new Float64Array(BINS);
  features.forEach((codes, f) => {
    counts.fill(0);
    sums.fill(0);
    for (const r of rows) {
      counts[codes[r]!]! += 1;
      sums[codes[r]!]! += y[r]!;
    }
    let leftCount = 0;
    let leftSum = 0;
    for (let bin = 0; bin < BINS - 1; bin++) {
      leftCount += counts[bin]!;
      leftSum += sums[bin]!;
      const rightCount = rows.length - leftCount;
      if (leftCount < MIN_LEAF || rightCount < MIN_LEAF || counts[bin]! === 0) continue;
      const rightSum = total - leftSum;
      // Squared error removed = left n*mean^2 + right n*mean^2 - parent n*mean^2.
      const gain = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / rightCount - (total * total) / rows.length;
      if (gain > best.gain) best = { gain, feature: f, bin };
    }
  });
  if (best.feature < 0) return;
  gains[best.feature]! += best.gain;
  const codes = features[best.feature]!;
  const left = rows.filter((r) => codes[r]! <= best.bin);
  const right = rows.filter((r) => codes[r]! > best.bin);
  growTree(left, depth + 1, features, y, gains);
  growTree(right, depth + 1, features, y, gains);
}

/** Quantile bin codes 0..BINS-1 of a feature (equal values always share a bin). */
function binned(values: Float64Array): Uint8Array {
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let b = 1; b < BINS; b++) {
    const edge = sorted[Math.floor((b * sorted.length) / BINS)]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return Uint8Array.from(values, (v) => {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v >= edges[mid]!) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

function mean(sum: number, count: number): number {
  return count > 0 ? sum / count : Number.POSITIVE_INFINITY;
}

/** A small seeded PRNG (mulberry32): the forest is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
