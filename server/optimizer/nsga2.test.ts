import { describe, expect, it } from 'vitest';
import { hypervolume2d, paretoFront } from '../objectives/pareto.ts';
import { createNsga2Optimizer } from './nsga2.ts';
import { constrainedRanks, crowdingDistances } from './nsga2-sorting.ts';
import { createRandomOptimizer } from './random.ts';
import { deriveSeed } from './rng.ts';
import { parseSearchSpace, type Params } from './space.ts';
import type { CompletedTrial, Optimizer } from './types.ts';

describe('NSGA-II sorting', () => {
  it('ranks by constrained non-domination: fronts of feasible trials, then infeasible ones by violation', () => {
    const trials = [
      { objectives: [1, 3], violation: 0 },
      { objectives: [2, 2], violation: 0 },
      { objectives: [3, 1], violation: 0 },
      { objectives: [2, 3], violation: 0 },
      { objectives: [3, 3], violation: 0 },
      { objectives: [0, 0], violation: 0.5 },
      { objectives: [0, 0], violation: 1 },
      { objectives: [2, 2], violation: 0 },
    ];
    expect(constrainedRanks(trials)).toEqual([0, 0, 0, 1, 2, 3, 4, 0]);
  });

  it('measures crowding as the normalised gap between neighbours, the ends infinitely far', () => {
    // Ranges are 4 in both objectives: (1,2) gets (3-0)/4 + (4-1)/4, (3,1) gets (4-1)/4 + (2-0)/4.
    expect(crowdingDistances([[0, 4], [1, 2], [3, 1], [4, 0]])).toEqual([Infinity, 1.5, 1.25, Infinity]);
    expect(crowdingDistances([[1, 1]])).toEqual([Infinity]);
  });
});

/** ZDT1 with 5 variables: a convex front f2 = 1 - sqrt(f1) at x2..x5 = 0. */
function zdt1(params: Params): number[] {
  const x = [0, 1, 2, 3, 4].map((i) => params[`x${i}`] as number);
  const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / 4;
  const f1 = x[0]!;
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}

const space = parseSearchSpace(Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`x${i}`, { min: 0, max: 1 }])));

/** Runs `trials` sequential suggestions; the constraint (when given) is a violation of the objectives. */
function run(optimizer: Optimizer, seed: number, trials: number, constraint?: (f: number[]) => number): CompletedTrial[] {
  const completed: CompletedTrial[] = [];
  for (let i = 0; i < trials; i++) {
    const [params] = optimizer.suggest({ space, completed, running: [], seed: deriveSeed(seed, i) }).suggestions;
    const objectives = zdt1(params!);
    completed.push({ params: params!, loss: objectives[0]! + objectives[1]!, objectives, violation: constraint?.(objectives) ?? 0 });
  }
  return completed;
}

function hypervolume(trials: readonly CompletedTrial[]): number {
  const feasible = trials.filter((t) => t.violation === 0).map((t) => t.objectives!);
  return hypervolume2d(paretoFront(feasible).map((i) => feasible[i]!), [1.1, 11]);
}

describe('NSGA-II', () => {
  it('approaches the ZDT1 front: a larger hypervolume than random search with the same budget, on every seed', () => {
    for (const seed of [1, 2, 3]) {
      const nsga2 = hypervolume(run(createNsga2Optimizer(), seed, 300));
      const random = hypervolume(run(createRandomOptimizer(), seed, 300));
      expect(nsga2).toBeGreaterThan(random + 0.5);
    }
  });

  it('learns where the feasible region is: most of its late trials meet the constraint', () => {
    const constraint = (f: number[]) => Math.max(0, f[0]! - 0.3);
    const late = run(createNsga2Optimizer(), 7, 300, constraint).slice(200);
    const randomLate = run(createRandomOptimizer(), 7, 300, constraint).slice(200);
    const share = (trials: CompletedTrial[]) => trials.filter((t) => t.violation === 0).length / trials.length;
    expect(share(late)).toBeGreaterThan(0.8);
    expect(share(randomLate)).toBeLessThan(0.45);
  });

  it('gives parallel workers different children, and the same request the same ones', () => {
    const completed = run(createNsga2Optimizer(), 4, 60);
    const request = { space, completed, running: [], seed: 11, count: 8 };
    const batch = createNsga2Optimizer().suggest(request).suggestions;
    expect(new Set(batch.map((p) => JSON.stringify(p))).size).toBe(8);
    expect(createNsga2Optimizer().suggest(request).suggestions).toEqual(batch);
  });
});
