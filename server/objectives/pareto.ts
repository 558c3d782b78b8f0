/**
 * Pareto dominance and fronts over objective vectors to minimise. A point dominates another when it is
 * no worse in every objective and better in at least one; the front is the points nothing dominates
 * (equal points are all kept).
 */

/** Whether `a` dominates `b` (both to minimise, same length). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * The indices of the non-dominated points, in increasing order of the first objective (ties: the
 * second, ...). Two objectives: one sort and one scan, O(n log n). Three: one sort and a sweep over a
 * staircase of the front so far ({@link sweepFront3}), O(n log n) comparisons. More: each point is
 * checked against the front so far, in sorted order (no later point can dominate an earlier one),
 * O(n · front).
 */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  const order = points.map((_, i) => i);
  order.sort((i, j) => {
    const a = points[i]!;
    const b = points[j]!;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
    return i - j;
  });
  if (points.length === 0) return [];
  if (points[0]!.length === 2) {
    const front: number[] = [];
    let bestSecond = Number.POSITIVE_INFINITY;
    let last: readonly number[] | null = null;
    for (const i of order) {
      const [, second] = points[i]!;
      const equalToLast = last !== null && last[0] === points[i]![0] && last[1] === second;
      // Sorted by the first objective: a point is on the front when its second beats every earlier
      // point's (or it equals the last point kept).
      if (second! < bestSecond || equalToLast) {
        front.push(i);
        bestSecond = Math.min(bestSecond, second!);
        last = points[i]!;
      }
    }
    return front;
  }
  if (points[0]!.length === 3) return sweepFront3(points, order);
  const front: number[] = [];
  for (const i of order) if (!front.some((j) => dominates(points[j]!, points[i]!))) front.push(i);
  return front;
}

/** A step of the staircase: a front point's second and third objectives, and the least first objective kept with them. */
interface Step {
  readonly y: number;
  readonly z: number;
  readonly x: number;
}

/**
 * The front of 3-objective points visited in lexicographic `order`. Every earlier point has a first
 * objective no greater, so a point is dominated exactly when an earlier front point is no worse in the
 * other two (and differs from it: equal points are all kept). The front so far is kept as a staircase
 * in those two, ascending in the second and strictly descending in the third: the last step at or
 * left of a point holds the least third objective among them, found by binary search.
 */
function sweepFront3(points: readonly (readonly number[])[], order: readonly number[]): number[] {
  const steps: Step[] = [];
  const front: number[] = [];
  for (const i of order) {
    const [x, y, z] = points[i]! as [number, number, number];
    // The first step whose second objective exceeds y: the one before it is the last at or left of y.
    let low = 0;
    let high = steps.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (steps[mid]!.y <= y) low = mid + 1;
      else high = mid;
    }
    const left = low > 0 ? steps[low - 1]! : null;
    if (left !== null && (left.z < z || (left.z === z && (left.y < y || left.x < x)))) continue;
    front.push(i);
    // Equal in y and z to a step (and so in x too, or it was dominated): the staircase has it already.
    if (left !== null && left.y === y && left.z === z) continue;
    // The steps this one is now in front of: one of the same second objective (its third is greater),
    // then those right of it whose third is no less.
    const from = left !== null && left.y === y ? low - 1 : low;
    let to = low;
    while (to < steps.length && steps[to]!.z >= z) to++;
    steps.splice(from, to - from, { y, z, x });
  }
  return front;
}

/**
 * The hypervolume a set of 2-objective points dominates up to `reference` (both to minimise): the area
 * between the front and the reference point. Points not better than the reference in both count nothing.
 */
export function hypervolume2d(points: readonly (readonly number[])[], reference: readonly [number, number]): number {
  const inside = points.filter((p) => p[0]! < reference[0] && p[1]! < reference[1]);
  let area = 0;
  let ceiling = reference[1];
  for (const i of paretoFront(inside)) {
    const [x, y] = inside[i]!;
    if (y! >= ceiling) continue;
    area += (reference[0] - x!) * (ceiling - y!);
    ceiling = y!;
  }
  return area;
}
