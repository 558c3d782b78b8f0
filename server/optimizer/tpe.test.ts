import { describe, expect, it } from 'vitest';
import { createRandomOptimizer } from './random.ts';
import { parseSearchSpace, type Params } from './space.ts';
import { createTpeOptimizer } from './tpe.ts';
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

describe('TPE', () => {
  it('beats random search on a mixed space (median over seeds)', () => {
    const space = parseSearchSpace({ x: { min: -5, max: 5 }, lr: { min: 1e-5, max: 1, distribution: 'log_uniform' }, c: ['a', 'b', 'c', 'd'] });
    const f = (p: Params) => (Number(p.x) - 1) ** 2 + (Math.log10(Number(p.lr)) + 3) ** 2 + (p.c === 'c' ? 0 : 2);
    const seeds = [1, 2, 3, 4, 5];
    const tpe = median(seeds.map((s) => bestAfter(createTpeOptimizer(), space, f, 60, s)));
    const random = median(seeds.map((s) => bestAfter(createRandomOptimizer(), space, f, 60, s)));
    expect(tpe).toBeLessThan(random);
  });
});

