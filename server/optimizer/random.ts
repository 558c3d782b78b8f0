import { createRng, type Rng } from './rng.ts';
import type { Params, ParamValue, SearchSpace } from './space.ts';
import { homeOf } from './space/homes.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';

/**
 * Draws one assignment, each parameter by its home: numeric ones from their declared distribution,
 * categorical ones uniformly from their choices, constants as given. Draws happen in parameter-name
 * order.
 */
export function sampleParams(space: SearchSpace, rng: Rng): Params {
  const entries = space.parameters.map((param): [string, ParamValue] => [param.name, homeOf(param).sample(param, rng)]);
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
