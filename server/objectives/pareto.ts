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
 * second, ...). Two objectives: one sort and one scan, O(n log n). Three: one sort and a sweep with a
 * Fenwick tree ({@link sweepFront3}), O(n log n). More: each point is
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
