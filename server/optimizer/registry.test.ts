import { describe, expect, it } from 'vitest';
import { UnknownOptimizerError } from './errors.ts';
import { AUTO_GP_LIMIT, chooseAlgorithm, isOptimizerName, optimizerNames, resolveOptimizer } from './registry.ts';
import { parseSearchSpace } from './space.ts';

describe('registry', () => {
  it('lists auto and every algorithm', () => {
    expect(optimizerNames).toEqual(['auto', 'random', 'quasi_random', 'tpe', 'gp', 'cmaes']);
    expect(isOptimizerName('random')).toBe(true);
    expect(isOptimizerName('toString')).toBe(false);
  });

  it('rejects unknown names, listing the known ones', () => {
    for (const name of ['TPE', 'bayes', '', 'constructor', '__proto__']) {
      expect(() => resolveOptimizer(name)).toThrow(UnknownOptimizerError);
    }
    expect(() => resolveOptimizer('TPE')).toThrow('unknown optimizer "TPE"; known optimizers are "auto", "random", "quasi_random", "tpe", "gp", "cmaes"');
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
