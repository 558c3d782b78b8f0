import { createRng, type Rng } from './rng.ts';
import type { Params, ParamValue, SearchSpace } from './space.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';
import { fromUnit } from './unit.ts';

/**
 * Draws one assignment: each numeric parameter from its declared distribution
 * (u ~ U(0, 1) through `fromUnit`), each categorical uniformly from its choices,
 * constants as given. Draws happen in parameter-name order.
 */
export function sampleParams(space: SearchSpace, rng: Rng): Params {
  const entries = space.parameters.map((param): [string, ParamValue] => {
    switch (param.kind) {
      case 'constant':
        return [param.name, param.value];
      case 'categorical':
        return [param.name, param.choices[rng.int(0, param.choices.length - 1)]!];
      default:
        return [param.name, fromUnit(param, rng.uniform())];
    }
  });
  return Object.freeze(Object.fromEntries(entries));
}

/** Independent draws from the space's declared distributions; ignores the history. Keeps no state. */
export function createRandomOptimizer(): Optimizer {
  return {
    name: 'random',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const rng = createRng(request.seed);
      return { suggestions: Array.from({ length: count }, () => sampleParams(request.space, rng)) };
    },
  };
}
