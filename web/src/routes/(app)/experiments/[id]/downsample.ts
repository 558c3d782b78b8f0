// What the Trials panel's charts draw of 100,000 trials: a bounded number of points, chosen so that
// what a user must see is always there (the best trials, the best-so-far staircase at each of its
// steps) and the rest is an even sample. Pure functions, linear in the trials.

/** Points a scatter chart (loss over trials, slice plots, metrics) draws at most. */
export const MAX_SCATTER_POINTS = 3000;
/** Of {@link MAX_SCATTER_POINTS}, how many are the best trials (always drawn). */
export const BEST_SCATTER_POINTS = 500;

/**
 * The rows a scatter chart draws: every row when there are at most `max`; else the `best` rows of
 * the best values (lowest after multiplying by `sign`; ties: the earliest rows), the `keep` rows
 * (evenly thinned when they would not fit in what is left), and an even sample of the others to make
 * up `max`. Never more than `max` rows (when `best <= max`); returned in the order of `rows`.
 */
export function scatterSample(
  rows: readonly number[],
  value: (row: number) => number,
  sign: 1 | -1,
  keep: Iterable<number> = [],
  max = MAX_SCATTER_POINTS,
  best = BEST_SCATTER_POINTS,
): number[] {
  if (rows.length <= max) return [...rows];
  const n = rows.length;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = sign * value(rows[i]!);
  const threshold = kthSmallest(Float64Array.from(scores), Math.min(best, n) - 1);
  const chosen = new Uint8Array(n);
  let count = 0;
  // Strictly better than the threshold first, then ties in row order up to `best`.
  for (let i = 0; i < n; i++) {
    if (scores[i]! < threshold) {
      chosen[i] = 1;
      count++;
    }
  }
  for (let i = 0; i < n && count < best; i++) {
    if (scores[i] === threshold && !chosen[i]) {
      chosen[i] = 1;
      count++;
    }
  }
  const wanted = new Set(keep);
  const kept: number[] = [];
  if (wanted.size) rows.forEach((row, i) => wanted.has(row) && !chosen[i] && kept.push(i));
  // The `keep` rows fill what the best left, evenly thinned (the first and last always) when they would not fit.
  const fits = Math.max(0, max - count);
  const thinned = kept.length <= fits ? kept : evenly(kept, fits);
  for (const i of thinned) {
    chosen[i] = 1;
    count++;
  }
  const room = Math.max(0, max - count);
  const others = n - count;
  if (room > 0 && others > 0) {
    const step = others / room;
    let other = 0;
    let next = 0;
    for (let i = 0; i < n && next < room; i++) {
      if (chosen[i]) continue;
      if (other === Math.floor(next * step)) {
        chosen[i] = 2;
        next++;
      }
      other++;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (chosen[i]) out.push(rows[i]!);
  return out;
}

/** Partitioning rounds {@link kthSmallest} allows before it sorts what is left (so no input makes it quadratic). */
const SELECT_ROUNDS = 64;

/**
 * The `k`-th smallest (from 0) of `values`, NaN counted as +Infinity, as `values.sort()[k]` would give
 * it: a quickselect (median-of-three pivots), expected linear; past {@link SELECT_ROUNDS} rounds it
 * sorts the part left, so its worst case is O(n log n). Reorders `values`.
 */
export function kthSmallest(values: Float64Array, k: number): number {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) values[i] = Infinity;
  let low = 0;
  let high = values.length - 1;
  for (let round = 0; high > low; round++) {
    if (round === SELECT_ROUNDS) {
      values.subarray(low, high + 1).sort();
      break;
    }
    const a = values[low]!;
    const b = values[(low + high) >>> 1]!;
    const c = values[high]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // Hoare partition: [low, j] holds values <= pivot, [i, high] values >= pivot, between them the pivot.
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** `count` of `items`, evenly spaced in their order, the first and the last included (when count >= 2). */
function evenly<T>(items: readonly T[], count: number): T[] {
  if (count <= 0) return [];
  if (count === 1) return [items[0]!];
  const out: T[] = [];
  for (let k = 0; k < count; k++) out.push(items[Math.round((k * (items.length - 1)) / (count - 1))]!);
  return out;
}

/** A step of the best-so-far line: the trial (x) where the best value (y) changed. */
export type Step = [x: number, y: number];

/**
 * The best-so-far staircase over rows in trial order: a point at every trial that improved on all
 * before it (lower after multiplying by `sign`), and one at the last trial holding the final best.
 * Exact whatever the number of trials; its points are `rows`' improvement points.
 */
export function bestSoFar(rows: readonly number[], x: (row: number) => number, value: (row: number) => number, sign: 1 | -1): { steps: Step[]; rows: number[] } {
  const steps: Step[] = [];
  const improved: number[] = [];
  let best = Infinity;
  let bestValue = Number.NaN;
  for (const row of rows) {
    const v = value(row);
    if (sign * v < best) {
      best = sign * v;
      bestValue = v;
      steps.push([x(row), v]);
      improved.push(row);
    }
  }
  if (rows.length) steps.push([x(rows[rows.length - 1]!), bestValue]);
  return { steps, rows: improved };
}
