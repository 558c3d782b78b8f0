import { describe, expect, it } from 'vitest';
import { UnknownOptimizerError } from './errors.ts';
import { AUTO_GP_LIMIT, boundedHistory, chooseAlgorithm, HISTORY_BOUNDS, isOptimizerName, objectiveCount, optimizerNames, resolveOptimizer } from './registry.ts';
import { parseSearchSpace } from './space.ts';

describe('registry', () => {
  it('lists auto and every algorithm', () => {
    expect(optimizerNames).toEqual(['auto', 'random', 'quasi_random', 'tpe', 'gp', 'cmaes', 'nsga2', 'grid']);
    expect(isOptimizerName('random')).toBe(true);
    expect(isOptimizerName('toString')).toBe(false);
  });

  it('rejects unknown names, listing the known ones', () => {
    for (const name of ['TPE', 'bayes', '', 'constructor', '__proto__']) {
      expect(() => resolveOptimizer(name)).toThrow(UnknownOptimizerError);
    }
    expect(() => resolveOptimizer('TPE')).toThrow('unknown optimizer "TPE"; known optimizers are "auto", "random", "quasi_random", "tpe", "gp", "cmaes", "nsga2"');
  });

  it('auto picks the GP while the history is small, then CMA-ES (numeric spaces) or TPE', () => {
    const numeric = parseSearchSpace({ x: { min: 0, max: 1 }, y: { min: 0, max: 1, step: 0.1 } });
    const mixed = parseSearchSpace({ x: { min: 0, max: 1 }, c: ['a', 'b'] });
    const oneNumber = parseSearchSpace({ x: { min: 0, max: 1 }, k: 3 });
    expect(chooseAlgorithm(numeric, 0)).toBe('gp');
    expect(chooseAlgorithm(numeric, AUTO_GP_LIMIT - 1)).toBe('gp');
    expect(chooseAlgorithm(numeric, AUTO_GP_LIMIT)).toBe('cmaes');
    expect(chooseAlgorithm(mixed, AUTO_GP_LIMIT)).toBe('tpe');
    expect(chooseAlgorithm(oneNumber, 10_000)).toBe('tpe');
    expect(chooseAlgorithm(parseSearchSpace({ k: 1 }), 0)).toBe('quasi_random');
  });

  it('auto moves to NSGA-II past the GP limit when trials carry several objectives', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 }, y: { min: 0, max: 1 } });
    expect(chooseAlgorithm(space, AUTO_GP_LIMIT - 1, 2)).toBe('gp');
    expect(chooseAlgorithm(space, AUTO_GP_LIMIT, 2)).toBe('nsga2');
    const completed = Array.from({ length: AUTO_GP_LIMIT }, (_, i) => ({ params: { x: (i % 10) / 10, y: i / AUTO_GP_LIMIT }, loss: i, objectives: [i % 10, -i] }));
    const result = resolveOptimizer('auto').suggest({ space, completed, running: [], seed: 3 });
    expect(result.state).toMatchObject({ algorithm: 'nsga2' });
    expect(objectiveCount(completed)).toBe(2);
    expect(objectiveCount([{ params: {}, loss: 1 }])).toBe(1);
  });

  it('keeps the work bounded with three objectives when every earlier trial is on the front', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 } });
    const earlier = 30_000;
    // Points on the plane a + b + c = 1: none dominates another, so an unbounded front scan would be quadratic.
    const completed = Array.from({ length: earlier + HISTORY_BOUNDS.latest }, (_, i) => {
      const a = (i % 173) / 173;
      const b = (1 - a) * (((i * 7) % 101) / 101);
      return { params: { x: 0.5 }, loss: i % 1000, objectives: [a, b, 1 - a - b], violation: 0 };
    });
    const kept = boundedHistory('nsga2', space, completed);
    const front = kept.slice(0, kept.length - HISTORY_BOUNDS.latest);
    expect(front).toHaveLength(HISTORY_BOUNDS.front);
    // Candidates are the lowest scalarised losses; the latest trials follow untouched.
    expect(front.every((t) => t.loss < 100)).toBe(true);
    expect(kept.slice(-HISTORY_BOUNDS.latest)).toEqual(completed.slice(earlier));
  });

  it('bounds a long NSGA-II history to the latest trials and the earlier feasible front, spread along it', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 } });
    const n = HISTORY_BOUNDS.latest + 5000;
    // Earlier trials: 400 on a front (i, 400 - i) and the rest dominated or infeasible.
    const completed = Array.from({ length: n }, (_, i) => {
      if (i < 400) return { params: { x: 0.5 }, loss: 0, objectives: [i, 400 - i], violation: 0 };
      if (i < 4000) return { params: { x: 0.5 }, loss: 0, objectives: [i, 400], violation: 0 };
      return { params: { x: 0.5 }, loss: 0, objectives: [-1, -1], violation: i < n - HISTORY_BOUNDS.latest ? 1 : 0 };
    });
    const kept = boundedHistory('nsga2', space, completed);
    expect(kept).toHaveLength(HISTORY_BOUNDS.front + HISTORY_BOUNDS.latest);
    const earlier = kept.slice(0, HISTORY_BOUNDS.front);
    // Only front members, both ends included, in their original order; no infeasible earlier trial.
    expect(earlier.every((t) => t.objectives![0]! + t.objectives![1]! === 400 && t.violation === 0)).toBe(true);
    expect(earlier[0]!.objectives).toEqual([0, 400]);
    expect(earlier.at(-1)!.objectives).toEqual([399, 1]);
    expect(kept.slice(HISTORY_BOUNDS.front)).toEqual(completed.slice(n - HISTORY_BOUNDS.latest));
  });

  it('auto delegates and records the algorithm it used in its state', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 } });
    const request = { space, completed: [], running: [], seed: 5, count: 2 };
    const auto = resolveOptimizer('auto').suggest(request);
    expect(auto.suggestions).toEqual(resolveOptimizer('gp').suggest(request).suggestions);
    expect(auto.state).toMatchObject({ algorithm: 'gp' });
  });

  it('auto keeps the quasi-random sequence of the experiment across calls through its state', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 } });
    const auto = resolveOptimizer('auto');
    const first = auto.suggest({ space, completed: [], running: [], seed: 5 });
    const second = auto.suggest({ space, completed: [], running: first.suggestions.map((params) => ({ params })), seed: 6, state: first.state });
    const both = auto.suggest({ space, completed: [], running: [], seed: 5, count: 2 });
    expect([first.suggestions[0], second.suggestions[0]]).toEqual(both.suggestions);
  });
});
