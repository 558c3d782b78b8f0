import { runImportanceTask, type ImportanceTask } from '../../insights/importance.ts';
import { runLandscapeTask, type LandscapeTask } from '../../insights/model-landscape.ts';
import { runSuggestTask, type SuggestTask } from '../task.ts';

/** Work for the compute pool's threads, as plain structured-cloneable data. */
export type ComputeTask =
  | { readonly kind: 'suggest'; readonly task: SuggestTask }
  | { readonly kind: 'importance'; readonly task: ImportanceTask }
  | { readonly kind: 'landscape'; readonly task: LandscapeTask };

/** Runs one task: the worker thread's entry point. Pure: no database, no clock. */
export function runComputeTask(work: ComputeTask): unknown {
  switch (work.kind) {
    case 'suggest':
      return runSuggestTask(work.task);
    case 'importance':
      return runImportanceTask(work.task);
    case 'landscape':
      return runLandscapeTask(work.task);
  }
}
