import { describe, expect, it } from 'vitest';
import { UnknownOptimizerError } from './errors.ts';
import { isOptimizerName, optimizerNames, resolveOptimizer } from './registry.ts';
import { parseSearchSpace } from './space.ts';

describe('registry', () => {
  it('lists auto and random', () => {
    expect(optimizerNames).toEqual(['auto', 'random']);
    expect(isOptimizerName('random')).toBe(true);
    expect(isOptimizerName('toString')).toBe(false);
  });

  it('rejects unknown names, listing the known ones', () => {
    for (const name of ['tpe', '', 'constructor', '__proto__']) {
      expect(() => resolveOptimizer(name)).toThrow(UnknownOptimizerError);
    }
    expect(() => resolveOptimizer('tpe')).toThrow('unknown optimizer "tpe"; known optimizers are "auto", "random"');
  });

  it('auto delegates to random for now and records it in its state', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 } });
    const request = { space, completed: [], running: [], seed: 5, count: 2 };
    const auto = resolveOptimizer('auto').suggest(request);
    expect(auto.suggestions).toEqual(resolveOptimizer('random').suggest(request).suggestions);
    expect(auto.state).toEqual({ algorithm: 'random', state: null });
  });
});
