import { describe, expect, it } from 'vitest';
import { createCmaEsOptimizer } from './cmaes.ts';
import { createRandomOptimizer } from './random.ts';
import { parseSearchSpace, type Params } from './space.ts';
import type { CompletedTrial, Optimizer } from './types.ts';

function bestAfter(optimizer: Optimizer, space: ReturnType<typeof parseSearchSpace>, f: (p: Params) => number, trials: number, seed: number): number {
  const completed: CompletedTrial[] = [];
  for (let i = 0; i < trials; i++) {
    const params = optimizer.suggest({ space, completed, running: [], seed: seed * 1000 + i }).suggestions[0]!;
    completed.push({ params, loss: f(params) });
  }
  return Math.min(...completed.map((t) => t.loss));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('CMA-ES', () => {
  it('converges on a 6-dimensional sphere, far better than random search', () => {
    const space = parseSearchSpace(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { min: -5, max: 5 }])));
    const f = (p: Params) => Object.values(p).reduce<number>((s, v) => s + (Number(v) - 1) ** 2, 0);
    const cma = bestAfter(createCmaEsOptimizer(), space, f, 300, 1);
    const random = bestAfter(createRandomOptimizer(), space, f, 300, 1);
    expect(cma).toBeLessThan(0.05);
    expect(cma).toBeLessThan(random / 20);
  });
});
