import { runImportanceTask, type ImportanceTask } from '../../insights/importance.ts';
import { runLandscapeTask, type LandscapeTask } from '../../insights/model-landscape.ts';
import { runSuggestTask, type SuggestTask } from '../task.ts';
import { predictCurve, type CurvePoint } from '../../pruners/learning-curve.ts';
import { paretoFront } from '../../objectives/pareto.ts';

/** Curves to extrapolate to one final step (server/pruners/learning-curve.ts). */
export interface ExtrapolateTask {
  readonly curves: readonly (readonly CurvePoint[])[];
  readonly finalStep: number;
}

/** Work for the compute pool's threads, as plain structured-cloneable data. */
export type ComputeTask =
  | { readonly kind: 'suggest'; readonly task: SuggestTask }
  | { readonly kind: 'importance'; readonly task: ImportanceTask }
  | { readonly kind: 'landscape'; readonly task: LandscapeTask }
  | { readonly kind: 'extrapolate'; readonly task: ExtrapolateTask }
  | { readonly kind: 'front'; readonly task: { readonly points: readonly (readonly number[])[] } };

/** Runs one task: the worker thread's entry point. Pure: no database, no clock. */
export function runComputeTask(work: ComputeTask): unknown {
  switch (work.kind) {
    case 'suggest':
      return runSuggestTask(work.task);
    case 'importance':
      return runImportanceTask(work.task);
    case 'landscape':
      return runLandscapeTask(work.task);
    case 'extrapolate':
      return work.task.curves.map((curve) => predictCurve(curve, work.task.finalStep));
    case 'front':
      return paretoFront(work.task.points);
  }
}
