import { runImportanceTask, type ImportanceTask } from '../../insights/importance.ts';
import { runSuggestTask, type SuggestTask } from '../task.ts';

/** Work for the compute pool's threads, as plain structured-cloneable data. */
export type ComputeTask = { readonly kind: 'suggest'; readonly task: SuggestTask } | { readonly kind: 'importance'; readonly task: ImportanceTask };

/** Runs one task: the worker thread's entry point. Pure: no database, no clock. */
export function runComputeTask(work: ComputeTask): unknown {
  return work.kind === 'suggest' ? runSuggestTask(work.task) : runImportanceTask(work.task);
}
