/**
 * The points of a search space's grid, for grid search: every combination of every categorical's
 * choices and every numeric parameter's step values, through conditional spaces (a choice's
 * sub-parameters multiply only its own share). Points are numbered 0..size-1 and read one at a time,
 * both ways, so a grid of a billion points is never listed.
 */
import type { CategoricalParameter, ConstantParameter, NumericParameter, Parameter, Params, ParamValue, SearchSpace } from './space.ts';
import { gridOf, type Grid } from './space/grid.ts';
import { activeParams, childrenByParent, treeOf } from './space/tree.ts';

/** The most points a grid may have: as many trials as an experiment's budget can hold. */
export const MAX_GRID_POINTS = 1_000_000_000;

/** A numeric parameter's step values, from `kMin` to `kMax`. */
interface NumericNode {
  readonly kind: 'numeric';
  readonly param: NumericParameter;
  readonly grid: Grid;
  readonly size: number;
}

/** A categorical or constant parameter: each value, the sub-parameters active under it, and its share of the points. */
interface ChoiceNode {
  readonly kind: 'choice';
  readonly param: CategoricalParameter | ConstantParameter;
  readonly values: readonly ParamValue[];
  /** The sub-parameters active under each value (index-aligned with `values`). */
  readonly children: readonly (readonly GridNode[])[];
  /** Where each value's points start: `offsets[v]` to `offsets[v + 1]`; the last entry is the size. */
  readonly offsets: readonly number[];
  readonly size: number;
}

type GridNode = NumericNode | ChoiceNode;

/** Why a space has no grid: the parameter at fault (null: the space as a whole) and the problem. */
export interface GridProblem {
  readonly parameter: string | null;
  readonly message: string;
}

/** A space's grid: its size and its points by number. */
export interface GridPoints {
  /** How many points, from 1 to {@link MAX_GRID_POINTS}. */
  readonly size: number;
  /** The point numbered `index` (0 <= index < size): the active parameters' values, constants included. */
  pointAt(index: number): Params;
  /** The number of the point `params` is, or null when it is not a point of the grid (a value off the steps, a missing parameter). */
  indexOf(params: Params): number | null;
}

/** How many points sibling nodes make together (a double: past 2^53 only the bound check reads it). */
function product(nodes: readonly GridNode[]): number {
  let size = 1;
  for (const node of nodes) size *= node.size;
  return size;
}

function numericNode(param: NumericParameter): NumericNode {
  const grid = gridOf(param, param.step!, param.kind === 'int');
  return { kind: 'numeric', param, grid, size: grid.kMax - grid.kMin + 1 };
}

/** The numeric value at step `k` of a node, or null when `value` is not within a billionth of a step of one. */
function stepOf(node: NumericNode, value: ParamValue): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const { grid } = node;
  const k = Math.round((value - grid.anchor) / grid.step);
  if (k < grid.kMin || k > grid.kMax) return null;
  return Math.abs(grid.value(k) - value) <= grid.step * 1e-9 ? k : null;
}

/** Builds the grid, or says why there is none. */
function build(space: SearchSpace): GridPoints | GridProblem {
  const stepless = space.parameters.find((param) => (param.kind === 'int' || param.kind === 'float') && param.step === null);
  if (stepless !== undefined) {
    return { parameter: stepless.name, message: 'grid search needs a step for every numeric parameter: give "step", or a list of values' };
  }
  const { byName } = treeOf(space);
  const childrenOf = childrenByParent(space);
  const nodeOf = (param: Parameter): GridNode => {
    if (param.kind !== 'categorical' && param.kind !== 'constant') return numericNode(param);
    const values = param.kind === 'categorical' ? param.choices : [param.value];
    const subs = childrenOf.get(param.name) ?? [];
    const children = values.map((value) => subs.filter((sub) => sub.condition!.values.includes(value)).map(nodeOf));
    const offsets = [0];
    for (const list of children) offsets.push(offsets.at(-1)! + product(list));
    return { kind: 'choice', param, values, children, offsets, size: offsets.at(-1)! };
  };
  const roots = space.parameters.filter((param) => param.condition === undefined || !byName.has(param.condition.parent)).map(nodeOf);
  const size = product(roots);
  if (!(size <= MAX_GRID_POINTS)) {
    const about = Number.isFinite(size) ? `about ${Number(size.toPrecision(3)).toExponential()}` : 'more than 1e308';
    return {
      parameter: null,
      message: `grid search needs a grid of at most ${MAX_GRID_POINTS.toLocaleString('en')} points, but this space has ${about}: use larger steps or fewer choices, or quasi_random or another algorithm`,
    };
  }

  const decode = (nodes: readonly GridNode[], index: number, values: Map<string, ParamValue>): void => {
    let rest = index;
    for (const node of nodes) {
      const digit = rest % node.size;
      rest = Math.floor(rest / node.size);
      if (node.kind === 'numeric') {
        values.set(node.param.name, node.grid.value(node.grid.kMin + digit));
        continue;
      }
      // The value whose share holds `digit`: the last offset at or below it.
      let lo = 0;
      let hi = node.values.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (node.offsets[mid]! <= digit) lo = mid;
        else hi = mid - 1;
      }
      values.set(node.param.name, node.values[lo]!);
      decode(node.children[lo]!, digit - node.offsets[lo]!, values);
    }
  };

  const encode = (nodes: readonly GridNode[], params: Params): number | null => {
    let index = 0;
    let scale = 1;
    for (const node of nodes) {
      const value = params[node.param.name];
      if (value === undefined) return null;
      let digit: number;
      if (node.kind === 'numeric') {
        const k = stepOf(node, value);
        if (k === null) return null;
        digit = k - node.grid.kMin;
      } else {
        const v = node.values.indexOf(value);
        if (v < 0) return null;
        const inner = encode(node.children[v]!, params);
        if (inner === null) return null;
        digit = node.offsets[v]! + inner;
      }
      index += digit * scale;
      scale *= node.size;
    }
    return index;
  };

  return {
    size,
    pointAt(index: number): Params {
      if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`grid point must be a whole number below ${size}, but got ${index}`);
      const values = new Map<string, ParamValue>();
      decode(roots, index, values);
      return activeParams(space, values);
    },
    indexOf: (params: Params) => encode(roots, params),
  };
}

/**
 * The grid of `space`, or why it has none (a numeric parameter without a step; more than
 * {@link MAX_GRID_POINTS} points). Built per call, in O(parameters × choices): spaces reach it freshly
 * parsed or cloned to a thread, so a cache by space would never hit.
 */
export function gridPointsOf(space: SearchSpace): GridPoints | GridProblem {
  return build(space);
}

/** Whether {@link gridPointsOf} answered with a problem. */
export function isGridProblem(grid: GridPoints | GridProblem): grid is GridProblem {
  return 'message' in grid;
}
