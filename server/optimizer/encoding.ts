import type { Rng } from './rng.ts';
import { tunableParameters, type SearchSpace, type TunableParameter } from './space.ts';
import { tunableHomeOf } from './space/homes.ts';

/**
 * How model-based optimizers see a search space. A point is the `encode`
 * vector: per tunable parameter, a unit value in [0, 1] (numeric) or a choice
 * index (categorical). Features expand it for a kernel: one column per numeric
 * parameter, one-hot columns per categorical one; `groups` ties each column to
 * its parameter, so a categorical has one lengthscale.
 */
export interface Encoding {
  readonly tunable: readonly TunableParameter[];
  /** Number of feature columns. */
  readonly width: number;
  /** Parameter index of each feature column. */
  readonly columnParameter: Int32Array;
  /** First feature column of each parameter. */
  readonly firstColumn: Int32Array;
  /** Indices of numeric parameters. */
  readonly numeric: readonly number[];
  /** Indices of categorical parameters and their number of choices. */
  readonly categorical: readonly { readonly index: number; readonly choices: number }[];
}

/** The encoding of a space. */
export function encodingOf(space: SearchSpace): Encoding {
  const tunable = tunableParameters(space);
  const columnParameter: number[] = [];
  const firstColumn: number[] = [];
  const numeric: number[] = [];
  const categorical: { index: number; choices: number }[] = [];
  tunable.forEach((param, i) => {
    firstColumn.push(columnParameter.length);
    if (param.kind === 'categorical') {
      categorical.push({ index: i, choices: param.choices.length });
      for (let c = 0; c < param.choices.length; c++) columnParameter.push(i);
    } else {
      numeric.push(i);
      columnParameter.push(i);
    }
  });
  return {
    tunable,
    width: columnParameter.length,
    columnParameter: Int32Array.from(columnParameter),
    firstColumn: Int32Array.from(firstColumn),
    numeric,
    categorical,
  };
}

/**
 * Moves a point onto what a trial can actually take: numeric unit values to the
 * unit value of the nearest allowed value (step grid, integers, bounds),
 * categorical entries to a valid index. Acquisitions are evaluated at snapped
 * points, so a model never prefers a value between two integers.
 */
export function snap(encoding: Encoding, point: readonly number[]): number[] {
  return point.map((v, i) => {
    const param = encoding.tunable[i]!;
    return tunableHomeOf(param).snap(param, v);
  });
}

/** The feature vector of a (snapped) point. */
export function features(encoding: Encoding, point: readonly number[], out = new Float64Array(encoding.width)): Float64Array {
  out.fill(0);
  for (let i = 0; i < encoding.tunable.length; i++) {
    const param = encoding.tunable[i]!;
    const column = encoding.firstColumn[i]!;
    if (param.kind === 'categorical') out[column + Math.round(point[i]!)] = 1;
    else out[column] = point[i]!;
  }
  return out;
}

/** A uniformly random point: numeric units uniform (so parameters follow their priors), categorical choices uniform. */
export function randomPoint(encoding: Encoding, rng: Rng): number[] {
  return encoding.tunable.map((param) => tunableHomeOf(param).randomCoordinate(param, rng));
}

/** A standard normal draw (Box-Muller). */
export function gaussian(rng: Rng): number {
  const u = Math.max(rng.uniform(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}
