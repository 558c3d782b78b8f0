// Pareto dominance and fronts, as the server computes them (server/objectives/pareto.ts; pareto.test.ts checks they agree): the
// dashboard recomputes the front from its trial table as results arrive. Pure, no imports.

/** Whether `a` dominates `b` (both to minimise, same length): no worse in every objective, better in one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * The indices of the non-dominated points (every objective to minimise), in increasing order of the
 * first objective (ties: the second, ...); equal points are all kept. Two objectives: one sort and
 * one scan, O(n log n). Three: one sort and a sweep over a staircase of the front so far
 * ({@link sweepFront3}), O(n log n) comparisons. More: each point is checked against the front so
 * far, in sorted order (no later point can dominate an earlier one), O(n · front).
 */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  if (points.length === 0) return [];
  const order = points.map((_, i) => i);
  order.sort((i, j) => {
    const a = points[i]!;
    const b = points[j]!;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
    return i - j;
  });
  const front: number[] = [];
  if (points[0]!.length === 2) {
    let bestSecond = Number.POSITIVE_INFINITY;
    let last: readonly number[] | null = null;
    for (const i of order) {
      const point = points[i]!;
      // Sorted by the first objective: a point is on the front when its second beats every earlier
      // point's (or it equals the last point kept).
      if (point[1]! < bestSecond || (last !== null && last[0] === point[0] && last[1] === point[1])) {
        front.push(i);
        bestSecond = Math.min(bestSecond, point[1]!);
        last = point;
      }
    }
    return front;
  }
  if (points[0]!.length === 3) return sweepFront3(points, order);
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
