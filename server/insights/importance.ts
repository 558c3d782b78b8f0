import { isLogDistribution } from '../optimizer/space/distributions.ts';
import { createRng } from '../optimizer/rng.ts';
import { parseSearchSpace, type ParamValue, type SearchSpace } from '../optimizer/space.ts';
import { walkActive } from '../optimizer/space/tree.ts';

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

/** Fewer completed trials than this give no importance estimate. */
export const MIN_TRIALS_FOR_IMPORTANCE = 8;

const TREES = 64;
const MAX_DEPTH = 8;
const MIN_LEAF = 2;
const BINS = 32;
const SAMPLE = 1024;

/** A parameter's column of the forest's data: bin codes, and for each trial whether the parameter was active in it. */
interface Feature {
  readonly codes: Uint8Array;
  /** Null when the parameter is active in every trial (it has no condition). */
  readonly active: Uint8Array | null;
}

/**
 * Estimates how much each tunable parameter matters to the loss, like Optuna's
 * `MeanDecreaseImpurityImportanceEvaluator`: a seeded random forest of regression trees on the
 * completed trials, each parameter scored by the loss variance its splits remove, normalised to sum
 * to 1. Log-scale parameters are split in log space; categories are ordered by their mean loss.
 * Constants are left out. Returns [] with fewer than {@link MIN_TRIALS_FOR_IMPORTANCE} usable trials.
 *
 * In a conditional space a sub-parameter is judged on the trials where it was active: its bins and
 * category order come from those trials, and a tree splits on it only in a node whose trials all have
 * it active, that is, below the splits that chose its branch. What separates the branches is credited
 * to the parent that chose them, never to the parameters inside a branch; a sub-parameter active in
 * too few trials to split gets 0. Every importance is finite.
 * Pure: the same space, trials and seed give the same answer.
 */
export function parameterImportance(space: SearchSpace, trials: readonly ScoredTrial[], seed: number): ParameterImportance[] {
  const tunable = space.parameters.filter((p) => p.kind !== 'constant');
  const usable = trials.filter((t) => Number.isFinite(t.loss));
  if (tunable.length === 0 || usable.length < MIN_TRIALS_FOR_IMPORTANCE) return [];
  if (tunable.length === 1) return [{ parameter: tunable[0]!.name, importance: 1 }];

  const n = usable.length;
  const y = Float64Array.from(usable, (t) => t.loss);
  // Which parameters each trial had active, walking its values down the tree.
  const activeSets = usable.map((t) => walkActive(space, (p) => (p.kind === 'constant' ? p.value : (t.params[p.name] as ParamValue | undefined))));
  // Each feature binned into at most BINS quantile bins (Uint8 codes) over the trials where it is
  // active, so a split is a scan over bins.
  const features = tunable.map((p): Feature => {
    const active = p.condition === undefined ? null : Uint8Array.from(activeSets, (set) => (set.has(p.name) ? 1 : 0));
    const isActive = (i: number) => active === null || active[i] === 1;
    let raw: Float64Array;
    if (p.kind === 'categorical') {
      const index = new Map(p.choices.map((c, i) => [JSON.stringify(c), i]));
      const codes = usable.map((t, i) => (isActive(i) ? (index.get(JSON.stringify(t.params[p.name])) ?? -1) : -1));
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
      const log = isLogDistribution(p.distribution);
      raw = Float64Array.from(usable, (t) => {
        const v = Number(t.params[p.name]);
        return Number.isFinite(v) ? (log ? Math.log(Math.max(v, Number.MIN_VALUE)) : v) : Number.NEGATIVE_INFINITY;
      });
    }
    return { codes: binned(raw, isActive), active };
  });

  const rng = createRng(seed);
  const totals = new Float64Array(tunable.length);
  const sampleSize = Math.min(n, SAMPLE);
  for (let tree = 0; tree < TREES; tree++) {
    const sample = Uint32Array.from({ length: sampleSize }, () => rng.int(0, n - 1));
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

/**
 * Splits `rows` on the feature and bin that remove the most squared error, and recurses. A feature is
 * a candidate only when every row of the node has it active.
 */
function growTree(rows: Uint32Array, depth: number, features: readonly Feature[], y: Float64Array, gains: Float64Array): void {
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
  features.forEach(({ codes, active }, f) => {
    if (active !== null && rows.some((r) => active[r] === 0)) return;
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
  const codes = features[best.feature]!.codes;
  const left = rows.filter((r) => codes[r]! <= best.bin);
  const right = rows.filter((r) => codes[r]! > best.bin);
  growTree(left, depth + 1, features, y, gains);
  growTree(right, depth + 1, features, y, gains);
}

/**
 * Quantile bin codes 0..BINS-1 of a feature (equal values always share a bin), the edges drawn from
 * the values where `included` holds; the others get 0 (a tree never splits on them).
 */
function binned(values: Float64Array, included: (i: number) => boolean): Uint8Array {
  const sorted = Float64Array.from(values.filter((_, i) => included(i))).sort();
  const edges: number[] = [];
  for (let b = 1; b < BINS && sorted.length > 0; b++) {
    const edge = sorted[Math.floor((b * sorted.length) / BINS)]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return Uint8Array.from(values, (v, i) => {
    if (!included(i)) return 0;
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


/** One importance estimate as plain data: what a worker thread receives (the space as stored JSON). */
export interface ImportanceTask {
  readonly parameters: unknown;
  readonly trials: readonly ScoredTrial[];
  readonly seed: number;
}

/** Runs an importance task: the compute pool's entry for it. A space that no longer parses gives []. */
export function runImportanceTask(task: ImportanceTask): ParameterImportance[] {
  let space: SearchSpace;
  try {
    space = parseSearchSpace(task.parameters);
  } catch {
    return [];
  }
  return parameterImportance(space, task.trials, task.seed);
}
