import { describe, expect, it } from 'vitest';
import { resolveOptimizer } from './registry.ts';
import { deriveSeed } from './rng.ts';
import { parseSearchSpace, type Params } from './space.ts';
import { createTpeOptimizer } from './tpe.ts';
import type { CompletedTrial } from './types.ts';

/** A model-selection space: three families, each with its own hyperparameters. */
const space = parseSearchSpace({
  model: {
    choices: {
      forest: { n_trees: { min: 10, max: 500, step: 10 }, max_depth: { min: 2, max: 32, step: 1 } },
      svm: {
        C: { min: 1e-3, max: 1e3, distribution: 'log_uniform' },
        gamma: { min: 1e-4, max: 10, distribution: 'log_uniform' },
        kernel: ['rbf', 'poly'],
      },
      linear: { alpha: { min: 1e-4, max: 1, distribution: 'log_uniform' } },
    },
  },
  scale_features: [true, false],
});

/**
 * A synthetic model-selection loss with a known optimum of 0 (svm, rbf, C = 10, gamma = 0.01, scaled
 * features): the forest bottoms out at 0.3, the linear model at 0.4.
 */
function modelLoss(params: Params): number {
  const scale = params.scale_features === true ? 0 : 0.05;
  switch (params.model) {
    case 'forest':
      return scale + 0.3 + 0.2 * ((Number(params.max_depth) - 12) / 30) ** 2 + 0.1 * (1 - Number(params.n_trees) / 500) ** 2;
    case 'svm':
      return scale + 0.05 * (Math.log10(Number(params.C)) - 1) ** 2 + 0.05 * (Math.log10(Number(params.gamma)) + 2) ** 2 + (params.kernel === 'poly' ? 0.1 : 0);
    default:
      return scale + 0.4 + 0.05 * (Math.log10(Number(params.alpha)) + 2) ** 2;
  }
}

/** Runs one optimizer sequentially for `budget` trials; returns the best loss (the regret, as the optimum is 0). */
function bestAfter(name: string, seed: number, budget: number): number {
  const optimizer = resolveOptimizer(name);
  const completed: CompletedTrial[] = [];
  let state: unknown;
  for (let t = 0; t < budget; t++) {
    const result = optimizer.suggest({ space, completed, running: [], seed: deriveSeed(seed, t), state });
    state = result.state;
    const params = result.suggestions[0]!;
    completed.push({ params, loss: modelLoss(params) });
  }
  return Math.min(...completed.map((t) => t.loss));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('conditional spaces: optimizers', () => {
  it('TPE conditions each density on the trials where its parameter was active', () => {
    // The good trials are all svm with a small C; svm with a large C, forests and linear models are bad.
    const completed: CompletedTrial[] = [];
    for (let i = 0; i < 10; i++) {
      completed.push({ params: { model: 'svm', C: 10 ** (-3 + 0.1 * i), gamma: 10 ** (-4 + 0.5 * i), kernel: i % 2 ? 'rbf' : 'poly', scale_features: i % 2 === 0 }, loss: 0.01 * i });
      completed.push({ params: { model: 'svm', C: 10 ** (0.3 * i), gamma: 10 ** (-3 + 0.4 * i), kernel: i % 2 ? 'poly' : 'rbf', scale_features: i % 2 === 1 }, loss: 1 + 0.1 * i });
      completed.push({ params: { model: 'forest', n_trees: 10 + 40 * i, max_depth: 2 + 3 * i, scale_features: i % 2 === 0 }, loss: 1.05 + 0.1 * i });
      completed.push({ params: { model: 'linear', alpha: 10 ** (-4 + 0.4 * i), scale_features: i % 2 === 1 }, loss: 1.02 + 0.1 * i });
    }
    const tpe = createTpeOptimizer();
    const suggestions = Array.from({ length: 100 }, (_, seed) => tpe.suggest({ space, completed, running: [], seed }).suggestions[0]!);
    const svm = suggestions.filter((p) => p.model === 'svm');
    expect(svm.length).toBeGreaterThan(70);
    const smallC = svm.filter((p) => Number(p.C) < 0.1);
    expect(smallC.length).toBeGreaterThan(0.7 * svm.length);
    for (const params of suggestions) {
      if (params.model !== 'svm') expect(params).not.toHaveProperty('C');
    }
  });

  it('TPE and the GP beat random search on a model-selection problem (median regret over 5 seeds, 30 trials)', () => {
    const seeds = [1, 2, 3, 4, 5];
    const regret = Object.fromEntries(
      ['random', 'tpe', 'gp'].map((name) => [name, median(seeds.map((seed) => bestAfter(name, seed, 30)))] as const),
    );
    expect(regret.tpe).toBeLessThan(0.5 * regret.random!);
    expect(regret.gp).toBeLessThan(0.5 * regret.random!);
  }, 120_000);
});
