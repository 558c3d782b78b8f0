import { resolveOptimizer } from './registry.ts';
import type { SearchSpace } from './space.ts';
import type { CompletedTrial, RunningTrial, SuggestResult } from './types.ts';

/** One suggestion job as plain, structured-cloneable data: what a worker thread receives. */
export interface SuggestTask {
  readonly algorithm: string;
  readonly space: SearchSpace;
  readonly completed: readonly CompletedTrial[];
  readonly running: readonly RunningTrial[];
  readonly seed: number;
  readonly count?: number;
  readonly state?: unknown;
}

/** Runs a task with the registry's optimizer; the worker thread's entry point and the in-process fallback. */
export function runSuggestTask(task: SuggestTask): SuggestResult {
  const { algorithm, ...request } = task;
  return resolveOptimizer(algorithm).suggest(request);
}
