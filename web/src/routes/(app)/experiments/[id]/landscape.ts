// The loss landscape charts' data: a contour of the charted objective over two numeric parameters,
// interpolated on a bounded grid or taken from the server's model prediction, and the empirical
// distribution (ECDF) of its values. Linear work in the trials (one pass to bin them, one sort for
// the ECDF); the grid's interpolation is bounded by its cells, so 100,000 trials cost no more than a
// few tens of milliseconds.

import { scatterSample } from './downsample';

/** Cells on each side of the contour's grid. */
export const GRID_SIZE = 30;
/** Trials drawn as points over the contour, at most: the best ones, then an even sample of the rest. */
export const MAX_POINTS = 2000;
/** Of {@link MAX_POINTS}, how many are the best trials. */
const BEST_POINTS = 200;
/** Points on the ECDF's line, at most (an even sample of the sorted values, both ends kept). */
export const MAX_ECDF_POINTS = 1000;
/** The power of the distance in the inverse-distance weighting that fills the grid. */
const IDW_POWER = 2;

/** The trials the charts use: their rows, x, y (parameter values) and z (the charted value). */
export interface Samples {
  readonly rows: readonly number[];
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly zs: readonly number[];
}

/** How an axis maps values to the grid: linear, or logarithmic for log-scale parameters. */
export interface AxisScale {
  readonly log: boolean;
  readonly min: number;
  readonly max: number;
}

/** A contour's grid: `columns` x `rows` cells over the two axes, each with an interpolated (or predicted) value. */
export interface ContourGrid {
  readonly columns: number;
  readonly rows: number;
  readonly x: AxisScale;
  readonly y: AxisScale;
  /** Cell edges in data units (columns + 1 and rows + 1). */
  readonly xEdges: readonly number[];
  readonly yEdges: readonly number[];
  /** Row-major by y then x: values[j * columns + i] is the cell of x edge i and y edge j. */
  readonly values: readonly number[];
  /** The model's standard deviation per cell, shaped as `values`; absent for an interpolation. */
  readonly sd?: readonly number[];
  readonly zMin: number;
  readonly zMax: number;
}

/** The server's model prediction over two parameters (Experiment.insights.landscape). */
export interface ModelPrediction {
  readonly x: { readonly values: readonly number[] };
  readonly y: { readonly values: readonly number[] };
  /** mean[j][i] at x.values[i], y.values[j]. */
  readonly mean: readonly (readonly number[])[];
  readonly sd: readonly (readonly number[])[];
}

/** Cell edges around grid values: midway between neighbours (geometrically on a log axis), half a gap beyond the ends. */
function edgesAround(values: readonly number[], log: boolean): number[] {
  const t = values.map((v) => (log ? Math.log(v) : v));
  if (t.length === 1) t.push(t[0]! + 1);
  const mid = t.slice(1).map((v, k) => (v + t[k]!) / 2);
  const edges = [t[0]! - (mid[0]! - t[0]!), ...mid, t.at(-1)! + (t.at(-1)! - mid.at(-1)!)].slice(0, values.length + 1);
  return edges.map((v) => (log ? Math.exp(v) : v));
}

/** A contour's grid from the model's prediction: a cell around each grid point. Null when its shape is not a grid. */
export function modelGrid(model: ModelPrediction, logX: boolean, logY: boolean): ContourGrid | null {
  const xs = model.x.values;
  const ys = model.y.values;
  if (!xs.length || !ys.length || model.mean.length !== ys.length || model.mean.some((row) => row.length !== xs.length)) return null;
  const xLog = logX && xs[0]! > 0;
  const yLog = logY && ys[0]! > 0;
  const xEdges = edgesAround(xs, xLog);
  const yEdges = edgesAround(ys, yLog);
  const values = model.mean.flat();
  const sd = model.sd.flat();
  let zMin = Infinity;
  let zMax = -Infinity;
  for (const v of values) {
    if (v < zMin) zMin = v;
    if (v > zMax) zMax = v;
  }
  return {
    columns: xs.length,
    rows: ys.length,
    x: { log: xLog, min: xEdges[0]!, max: xEdges.at(-1)! },
    y: { log: yLog, min: yEdges[0]!, max: yEdges.at(-1)! },
    xEdges,
    yEdges,
    values,
    sd,
    zMin,
    zMax,
  };
}

const toUnit = (value: number, scale: AxisScale): number => {
  const v = scale.log ? Math.log(value) : value;
  const lo = scale.log ? Math.log(scale.min) : scale.min;
  const hi = scale.log ? Math.log(scale.max) : scale.max;
  return hi > lo ? (v - lo) / (hi - lo) : 0.5;
};

const fromUnit = (unit: number, scale: AxisScale): number => {
  if (!scale.log) return scale.min + unit * (scale.max - scale.min);
  return Math.exp(Math.log(scale.min) + unit * (Math.log(scale.max) - Math.log(scale.min)));
};

/** The range of values an axis spans (log only when every value is positive); null without values. */
export function axisScale(values: readonly number[], log: boolean): AxisScale | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return null;
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return log && min > 0 ? { log, min: min / 2, max: max * 2 } : { log: false, min: min - pad, max: max + pad };
  }
  return { log: log && min > 0, min, max };
}

/**
 * The contour's grid from the samples: each trial falls in a cell, each cell with trials takes their
 * mean, and every cell's value is the inverse-distance-weighted mean of those cells (weighted by how
 * many trials each holds). O(trials + cells²), cells = size². Null without two distinct points.
 */
export function contourGrid(samples: Samples, logX: boolean, logY: boolean, size = GRID_SIZE): ContourGrid | null {
  const x = axisScale(samples.xs, logX);
  const y = axisScale(samples.ys, logY);
  if (!x || !y || samples.zs.length < 2) return null;
  const sums = new Float64Array(size * size);
  const counts = new Uint32Array(size * size);
  for (let k = 0; k < samples.zs.length; k++) {
    const i = Math.min(size - 1, Math.max(0, Math.floor(toUnit(samples.xs[k]!, x) * size)));
    const j = Math.min(size - 1, Math.max(0, Math.floor(toUnit(samples.ys[k]!, y) * size)));
    sums[j * size + i]! += samples.zs[k]!;
    counts[j * size + i]!++;
  }
  const known: { i: number; j: number; mean: number; count: number }[] = [];
  for (let c = 0; c < size * size; c++) if (counts[c]) known.push({ i: c % size, j: Math.floor(c / size), mean: sums[c]! / counts[c]!, count: counts[c]! });
  const values = new Array<number>(size * size);
  let zMin = Infinity;
  let zMax = -Infinity;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let weights = 0;
      let total = 0;
      let exact: number | null = null;
      for (const cell of known) {
        const d2 = (cell.i - i) ** 2 + (cell.j - j) ** 2;
        if (d2 === 0) {
          exact = cell.mean;
          break;
        }
        const w = cell.count / d2 ** (IDW_POWER / 2);
        weights += w;
        total += w * cell.mean;
      }
      const value = exact ?? total / weights;
      values[j * size + i] = value;
      if (value < zMin) zMin = value;
      if (value > zMax) zMax = value;
    }
  }
  const edges = (scale: AxisScale) => Array.from({ length: size + 1 }, (_, k) => fromUnit(k / size, scale));
  return { columns: size, rows: size, x, y, xEdges: edges(x), yEdges: edges(y), values, zMin, zMax };
}

/**
 * At most `max` of the samples to draw as points: the `best` lowest (or highest, when `maximize`)
 * values, then an even sample of the others. Indices into the samples.
 */
export function pointSample(zs: readonly number[], maximize: boolean, max = MAX_POINTS, best = BEST_POINTS): number[] {
  const all = Array.from(zs.keys());
  if (zs.length <= max) return all;
  const sign = maximize ? -1 : 1;
  const chosen = scatterSample(all, (k) => zs[k]!, sign, [], max, best);
  // The best first, as before: one typed pass picked them (no sort of every trial), only the chosen are ordered.
  return chosen.sort((a, b) => sign * (zs[a]! - zs[b]!));
}

/** An empirical distribution: sorted values and the fraction of values at or below each. */
export interface Ecdf {
  readonly values: readonly number[];
  readonly fractions: readonly number[];
  /** How many values it is of (before thinning). */
  readonly count: number;
}

/** The ECDF of some values, thinned to at most `max` points (an even sample, first and last kept). */
export function ecdf(values: readonly number[], max = MAX_ECDF_POINTS): Ecdf {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const out: { values: number[]; fractions: number[] } = { values: [], fractions: [] };
  if (!n) return { ...out, count: 0 };
  const step = n <= max ? 1 : (n - 1) / (max - 1);
  let last = -1;
  for (let k = 0; k < Math.min(n, max); k++) {
    const index = Math.min(n - 1, Math.round(k * step));
    if (index === last) continue;
    last = index;
    out.values.push(sorted[index]!);
    out.fractions.push((index + 1) / n);
  }
  return { ...out, count: n };
}
