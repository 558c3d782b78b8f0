/**
 * The two orderings NSGA-II selects by (Deb et al. 2002): constrained non-domination ranks and crowding
 * distances. Objectives are values to minimise.
 */

/** What a trial is ranked by. */
export interface Ranked {
  /** Values to minimise, all finite. */
  readonly objectives: readonly number[];
  /** 0 when the trial meets every constraint; else how far outside them it is. */
  readonly violation: number;
}

/**
 * Whether `a` constrained-dominates `b` (Deb 2000): a feasible trial dominates an infeasible one; of two
 * infeasible trials, the smaller violation dominates; of two feasible ones, Pareto dominance decides.
 */
export function constrainedDominates(a: Ranked, b: Ranked): boolean {
  const aFeasible = a.violation === 0;
  const bFeasible = b.violation === 0;
  if (aFeasible !== bFeasible) return aFeasible;
  if (!aFeasible) return a.violation < b.violation;
  let better = false;
  for (let i = 0; i < a.objectives.length; i++) {
    if (a.objectives[i]! > b.objectives[i]!) return false;
    if (a.objectives[i]! < b.objectives[i]!) better = true;
  }
  return better;
}

/**
 * Each trial's non-domination rank under {@link constrainedDominates}: 0 for the trials nothing
 * dominates, 1 for those only rank-0 trials dominate, and so on (Deb's fast non-dominated sort,
 * O(objectives · n²) time, O(n²) worst-case memory for the domination lists).
 */
export function constrainedRanks(trials: readonly Ranked[]): number[] {
  const n = trials.length;
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (constrainedDominates(trials[i]!, trials[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (constrainedDominates(trials[j]!, trials[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const ranks = new Array<number>(n).fill(0);
  let current = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  for (let rank = 0; current.length > 0; rank++) {
    const next: number[] = [];
    for (const i of current) {
      ranks[i] = rank;
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    current = next;
  }
  return ranks;
}

/**
 * The crowding distance of each point of one front: per objective, the points sorted, the two ends
 * infinitely far, the others the gap between their neighbours over the objective's range, summed.
 * Larger means lonelier, preferred to keep the front spread.
 */
export function crowdingDistances(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const distance = new Array<number>(n).fill(0);
  if (n === 0) return distance;
  const m = points[0]!.length;
  for (let k = 0; k < m; k++) {
    const order = points.map((_, i) => i).sort((a, b) => points[a]![k]! - points[b]![k]! || a - b);
    const low = points[order[0]!]![k]!;
    const high = points[order[n - 1]!]![k]!;
    distance[order[0]!] = Number.POSITIVE_INFINITY;
    distance[order[n - 1]!] = Number.POSITIVE_INFINITY;
    if (high === low) continue;
    for (let r = 1; r < n - 1; r++) distance[order[r]!]! += (points[order[r + 1]!]![k]! - points[order[r - 1]!]![k]!) / (high - low);
  }
  return distance;
}
