import { createRng, type Rng } from './rng.ts';
import type { Params, SearchSpace } from './space.ts';
import { homeOf } from './space/homes.ts';
import { activeParams, walkActive } from './space/tree.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';

/**
 * Draws one assignment, each parameter by its home: numeric ones from their declared distribution,
 * categorical ones uniformly from their choices, constants as given. Draws happen in parameter-name
 * order, parents first: a sub-parameter is drawn only if its parent drew its choice, and the
 * assignment holds only the active parameters.
 */
export function sampleParams(space: SearchSpace, rng: Rng): Params {
  return activeParams(space, walkActive(space, (param) => homeOf(param).sample(param, rng)));
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
