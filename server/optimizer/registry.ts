import { UnknownOptimizerError, UnsupportedSpaceError } from './errors.ts';
import { createRandomOptimizer } from './random.ts';
import type { SearchSpace } from './space.ts';
import type { Optimizer, OptimizerFactory, SuggestRequest, SuggestResult } from './types.ts';

const algorithms = {
  random: createRandomOptimizer,
} as const satisfies Record<string, OptimizerFactory>;

/** A concrete search algorithm. */
export type AlgorithmName = keyof typeof algorithms;

/** A name users may choose for an experiment: an algorithm, or `auto`. */
export type OptimizerName = 'auto' | AlgorithmName;

/** Every accepted optimizer name, `auto` first (typed as strings so callers can test any input; narrow with `isOptimizerName`). */
export const optimizerNames: readonly string[] = Object.freeze(['auto', ...Object.keys(algorithms)]);

/** Whether `name` is an accepted optimizer name. */
export function isOptimizerName(name: string): name is OptimizerName {
  return optimizerNames.includes(name);
}

/**
 * The algorithm `auto` uses for this space after this many completed trials.
 * For now always `random`; model-based algorithms will take over once there is
 * enough history for them.
 */
export function chooseAlgorithm(_space: SearchSpace, _completedCount: number): AlgorithmName {
  return 'random';
}

interface AutoState {
  readonly algorithm: AlgorithmName;
  readonly state: unknown;
}

function isAutoState(state: unknown): state is AutoState {
  return typeof state === 'object' && state !== null && 'algorithm' in state && 'state' in state;
}

function createAutoOptimizer(): Optimizer {
  return {
    name: 'auto',
    suggest(request: SuggestRequest): SuggestResult {
      const algorithm = chooseAlgorithm(request.space, request.completed.length);
      const previous = isAutoState(request.state) && request.state.algorithm === algorithm ? request.state.state : undefined;
      const delegated = { ...request, state: previous };
      let result: SuggestResult;
      let used: AlgorithmName = algorithm;
      try {
        result = algorithms[algorithm]().suggest(delegated);
      } catch (error) {
        if (!(error instanceof UnsupportedSpaceError) || algorithm === 'random') throw error;
        used = 'random';
        result = algorithms.random().suggest({ ...request, state: undefined });
      }
      const state: AutoState = { algorithm: used, state: result.state ?? null };
      return { suggestions: result.suggestions, state };
    },
  };
}

/**
 * The optimizer for a name from `optimizerNames`. `auto` picks an algorithm on
 * every call from the space and the number of completed trials, and falls back
 * to `random` when that algorithm rejects the space; its state records which
 * algorithm produced it.
 * @throws {UnknownOptimizerError} listing the known names.
 */
export function resolveOptimizer(name: string): Optimizer {
  if (name === 'auto') return createAutoOptimizer();
  if (Object.hasOwn(algorithms, name)) return algorithms[name as AlgorithmName]();
  throw new UnknownOptimizerError(name, optimizerNames);
}
