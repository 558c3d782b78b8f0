/**
 * The quasi-random start that model-based optimizers (GP, TPE, CMA-ES) share by composition, as
 * Optuna's samplers do: the experiment's scrambled Halton sequence until the model has enough to learn
 * from.
 */
import { quasiRandomSuggestions, scrambleOf } from './qmc.ts';
import { tunableParameters } from './space.ts';
import type { SuggestRequest, SuggestResult } from './types.ts';

/** The number of quasi-random trials before a model takes over, for `parameters` tunable parameters. */
export function defaultInitialTrials(parameters: number): number {
  return Math.min(10, Math.max(4, parameters + 3));
}

/**
 * The quasi-random start that model-based optimizers share (by composition, as Optuna's samplers do):
 * the next points of the experiment's sequence while the space has nothing to tune, fewer than two
 * losses are finite, or `initialTrials` trials are not yet in (completed or running); else null, and
 * the model takes over.
 */
export function quasiRandomStart(request: SuggestRequest, count: number, finiteLosses: number, initialTrials: number): SuggestResult | null {
  const tunable = tunableParameters(request.space).length > 0;
  const seen = request.completed.length + request.running.length;
  if (tunable && finiteLosses >= 2 && seen + count > initialTrials) return null;
  return { suggestions: quasiRandomSuggestions(request, count), state: { scramble: scrambleOf(request) } };
}

