// Pareto dominance and fronts, as the server computes them (server/objectives/pareto.ts): the
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
 * one scan, O(n log n). More: each point is checked against the front so far, in sorted order (no
 * later point can dominate an earlier one), O(n · front).
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
  for (const i of order) if (!front.some((j) => dominates(points[j]!, points[i]!))) front.push(i);
  return front;
}
