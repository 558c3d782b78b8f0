import type { Direction } from '../objectives/objectives-config.ts';

/** The most points a best-so-far curve carries, whatever the number of trials. */
export const MAX_CURVE_POINTS = 2_000;

/** A trial as the curve reads it: its number, its state, and its value of the charted objective (anything; only finite numbers count). */
export interface CurveTrial {
  readonly number: number;
  readonly state: string;
  readonly value: unknown;
}

/** A best-so-far curve, drawn as a staircase: at trial `numbers[i]` the best so far became `values[i]`. */
export interface BestSoFarCurve {
  /** Trial numbers, ascending: improvements, then the last completed trial's (the staircase's end). */
  readonly numbers: readonly number[];
  /** The best value so far at each of `numbers`. */
  readonly values: readonly number[];
  /** COMPLETED trials with a finite value of the objective. */
  readonly valued: number;
  /** Times the best so far improved (the points before thinning, the end aside). */
  readonly improvements: number;
  /** Whether improvements were left out to stay within the cap. */
  readonly thinned: boolean;
  /** The best trial's number and value (the first to reach it on ties), or null before any. */
  readonly best: { readonly number: number; readonly value: number } | null;
}

/**
 * The best so far of an objective over trial number, from trials in ascending number order: only
 * COMPLETED trials with a finite value count (running, failed, pruned ones are ignored). The curve is
 * monotone, so only the improvements and the last completed trial are needed. Past `cap` points, the
 * range of trial numbers is cut into `(cap - 1) / 2` equal buckets and each keeps its first and last
 * improvement: every kept point is exact, the staircase is exact at each bucket's ends and at the best,
 * and between two kept points it is at most one bucket late (under a pixel on any screen).
 */
export function bestSoFarCurve(trials: Iterable<CurveTrial>, direction: Direction, cap = MAX_CURVE_POINTS): BestSoFarCurve {
  if (!Number.isInteger(cap) || cap < 3) throw new RangeError(`cap must be an integer of at least 3, but got ${cap}`);
  const sign = direction === 'maximize' ? -1 : 1;
  const numbers: number[] = [];
  const values: number[] = [];
  let valued = 0;
  let last = 0;
  let best = Infinity;
  for (const trial of trials) {
    if (trial.state !== 'COMPLETED' || typeof trial.value !== 'number' || !Number.isFinite(trial.value)) continue;
    valued++;
    last = trial.number;
    if (sign * trial.value < best) {
      best = sign * trial.value;
      numbers.push(trial.number);
      values.push(trial.value);
    }
  }
  const improvements = numbers.length;
  if (improvements === 0) return { numbers, values, valued, improvements, thinned: false, best: null };
  const top = { number: numbers[improvements - 1]!, value: values[improvements - 1]! };
  const end = last > top.number ? 1 : 0;
  if (improvements + end <= cap) {
    if (end) {
      numbers.push(last);
      values.push(top.value);
    }
    return { numbers, values, valued, improvements, thinned: false, best: top };
  }
  const buckets = Math.floor((cap - 1) / 2);
  const first = numbers[0]!;
  const span = last - first + 1;
  const bucketOf = (number: number) => Math.floor(((number - first) * buckets) / span);
  const keptNumbers: number[] = [];
  const keptValues: number[] = [];
  for (let i = 0; i < improvements; i++) {
    const bucket = bucketOf(numbers[i]!);
    const opens = i === 0 || bucketOf(numbers[i - 1]!) !== bucket;
    const closes = i === improvements - 1 || bucketOf(numbers[i + 1]!) !== bucket;
    if (opens || closes) {
      keptNumbers.push(numbers[i]!);
      keptValues.push(values[i]!);
    }
  }
  if (end) {
    keptNumbers.push(last);
    keptValues.push(top.value);
  }
  return { numbers: keptNumbers, values: keptValues, valued, improvements, thinned: true, best: top };
}
