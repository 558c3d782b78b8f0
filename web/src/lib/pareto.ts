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
 * one scan, O(n log n). Three: one sort and a sweep with a Fenwick tree ({@link sweepFront3}),
 * O(n log n). More: each point is checked against the front so
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

/**
 * The front of 3-objective points visited in lexicographic `order`, in O(n log n). Every point met
 * before another is no greater in the first objective and not equal to it in all three (equal points
 * are met together), so a point is dominated exactly when one met before it is no worse in the other
 * two: a Fenwick tree over the second objective's ranks keeps the least third objective among the
 * points met so far, and a point is dominated when that minimum, up to its own second, is no greater
 * than its third. Equal points share one answer, and enter the tree only after it is given.
 */
function sweepFront3(points: readonly (readonly number[])[], order: readonly number[]): number[] {
  const ys = [...new Set(order.map((i) => points[i]![1]!))].sort((a, b) => a - b);
  const rank = new Map(ys.map((y, r) => [y, r + 1]));
  const least = new Float64Array(ys.length + 1).fill(Number.POSITIVE_INFINITY);
  const lowestUpTo = (r: number) => {
    let low = Number.POSITIVE_INFINITY;
    for (; r > 0; r -= r & -r) low = Math.min(low, least[r]!);
    return low;
  };
  const lower = (r: number, z: number) => {
    for (; r < least.length; r += r & -r) least[r] = Math.min(least[r]!, z);
  };
  const front: number[] = [];
  for (let start = 0; start < order.length; ) {
    const [x, y, z] = points[order[start]!]! as [number, number, number];
    let end = start + 1;
    while (end < order.length && points[order[end]!]![0] === x && points[order[end]!]![1] === y && points[order[end]!]![2] === z) end++;
    const r = rank.get(y)!;
    if (lowestUpTo(r) > z) {
      for (let k = start; k < end; k++) front.push(order[k]!);
      lower(r, z);
    }
    start = end;
  }
  return front;
}
