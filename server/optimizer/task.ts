import { resolveOptimizer } from './registry.ts';
import type { SuggestRequest, SuggestResult } from './types.ts';

/** One suggestion job as plain, structured-cloneable data: what a worker thread receives. */
export type SuggestTask = SuggestRequest & { readonly algorithm: string };

/** Runs a task with the registry's optimizer; the worker thread's entry point and the in-process fallback. */
export function runSuggestTask(task: SuggestTask): SuggestResult {
  const { algorithm, ...request } = task;
  return resolveOptimizer(algorithm).suggest(request);
}
