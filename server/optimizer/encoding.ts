import type { Rng } from './rng.ts';
import { INACTIVE_UNIT, tunableParameters, type SearchSpace, type TunableParameter } from './space.ts';
import { tunableHomeOf } from './space/homes.ts';
import { treeOf } from './space/tree.ts';

/** When a tunable parameter is active: while the tunable parameter `parent` is active and at one of the choice indices `choices`. */
export interface Gate {
  readonly parent: number;
  readonly choices: readonly number[];
}

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
  /** Whether some parameters are active only under some choices (a conditional space). */
  readonly conditional: boolean;
  /** Per tunable parameter, when it is active (null: always). */
  readonly gates: readonly (Gate | null)[];
  /** The tunable parameters' indices, parents before their sub-parameters. */
  readonly parentFirst: Int32Array;
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
  const tree = treeOf(space);
  const index = new Map(tunable.map((param, i) => [param.name, i]));
  const gates = tunable.map((param): Gate | null => {
    // A constant parent (a mapping of one choice) is transparent: its sub-parameters are active when it is.
    let condition = param.condition;
    let parent = condition === undefined ? undefined : tree.byName.get(condition.parent);
    while (condition !== undefined && parent?.kind === 'constant') {
      condition = parent.condition;
      parent = condition === undefined ? undefined : tree.byName.get(condition.parent);
    }
    if (condition === undefined || parent === undefined || parent.kind !== 'categorical') return null;
    return { parent: index.get(parent.name)!, choices: condition.values.map((v) => parent.choices.indexOf(v)).filter((k) => k >= 0) };
  });
  const parentFirst = tree.parentFirst.flatMap((param) => (index.has(param.name) ? [index.get(param.name)!] : []));
  return {
    tunable,
    width: columnParameter.length,
    columnParameter: Int32Array.from(columnParameter),
    firstColumn: Int32Array.from(firstColumn),
    numeric,
    categorical,
    conditional: gates.some((gate) => gate !== null),
    gates,
    parentFirst: Int32Array.from(parentFirst),
  };
}

/** The encoding of one parameter on its own (no condition): for per-parameter models. */
export function parameterEncoding(param: TunableParameter): Encoding {
  const categorical = param.kind === 'categorical';
  const width = categorical ? param.choices.length : 1;
  return {
    tunable: [param],
    width,
    columnParameter: new Int32Array(width),
    firstColumn: Int32Array.of(0),
    numeric: categorical ? [] : [0],
    categorical: categorical ? [{ index: 0, choices: param.choices.length }] : [],
    conditional: false,
    gates: [null],
    parentFirst: Int32Array.of(0),
  };
}

/**
 * Which tunable parameters a point (an `encode` vector, or any point of the search) makes active:
 * 1 when always active, or when its parent is active and the parent's coordinate rounds to one of its
 * choices. Linear in the number of parameters.
 */
export function activeMask(encoding: Encoding, point: readonly number[], out = new Uint8Array(encoding.tunable.length)): Uint8Array {
  for (const i of encoding.parentFirst) {
    const gate = encoding.gates[i]!;
    if (gate === null) {
      out[i] = 1;
      continue;
    }
    const parent = encoding.tunable[gate.parent]!;
    const k = parent.kind === 'categorical' ? Math.min(parent.choices.length - 1, Math.max(0, Math.round(point[gate.parent]!))) : -1;
    out[i] = out[gate.parent] === 1 && gate.choices.includes(k) ? 1 : 0;
  }
  return out;
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

/**
 * The feature vector of a (snapped) point. In a conditional space an inactive parameter's columns are
 * imputed: a numeric one is `INACTIVE_UNIT`, a categorical one all zeros (a one-hot with no choice);
 * the parent's one-hot columns then act as the indicator of which branch is active, so two points in
 * the same branch differ only in its active parameters.
 */
export function features(encoding: Encoding, point: readonly number[], out = new Float64Array(encoding.width)): Float64Array {
  out.fill(0);
  const active = encoding.conditional ? activeMask(encoding, point) : null;
  for (let i = 0; i < encoding.tunable.length; i++) {
    const param = encoding.tunable[i]!;
    const column = encoding.firstColumn[i]!;
    const on = active === null || active[i] === 1;
    if (param.kind === 'categorical') {
      if (on) out[column + Math.round(point[i]!)] = 1;
    } else {
      out[column] = on ? point[i]! : INACTIVE_UNIT;
    }
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
