import { UnsupportedSpaceError } from './errors.ts';
import { gridPointsOf, isGridProblem } from './grid-points.ts';
import { Permutation } from './permutation.ts';
import { scrambleOf, type SequenceState } from './qmc.ts';
import type { Params } from './space.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';

/** Grid search's state: the experiment's shuffle seed, and how many grid points its trials covered after the last call. */
export interface GridState extends SequenceState {
  readonly taken: number;
}

/**
 * How many of the grid's points an experiment's trials covered when grid search last suggested (those
 * it then handed out included), from the state it saved; null when the state is not grid search's.
 */
export function gridPointsTaken(state: unknown): number | null {
  if (typeof state !== 'object' || state === null || !('taken' in state)) return null;
  return Number.isSafeInteger(state.taken) && (state.taken as number) >= 0 ? (state.taken as number) : null;
}

/**
 * Grid search: every point of the space's grid (every choice of each categorical, every step value of
 * each numeric parameter, through conditional spaces) once, in an order shuffled by the experiment's
 * seed (kept in the state), so a grid stopped early (by a trial budget, or by hand) has still covered
 * the space evenly rather than one corner. A point any finished, failed, pruned or running trial holds is
 * never suggested again (the server passes every other trial it has along with the running ones); so many workers share a grid without repeating a point, and a point enqueued
 * by hand counts as visited. Once every point is taken it returns fewer suggestions than asked, with
 * `exhausted`. O(trials + suggestions) a call, whatever the grid's size.
 * @throws {UnsupportedSpaceError} for a numeric parameter without a step, or a grid of more than a billion points.
 */
export function createGridOptimizer(): Optimizer {
  return {
    name: 'grid',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const grid = gridPointsOf(request.space);
      if (isGridProblem(grid)) throw new UnsupportedSpaceError('grid', grid.parameter === null ? grid.message : `parameter "${grid.parameter}": ${grid.message}`);
      const taken = new Set<number>();
      for (const trial of [...request.completed, ...request.running]) {
        const index = grid.indexOf(trial.params);
        if (index !== null) taken.add(index);
      }
      const scramble = scrambleOf(request);
      const order = new Permutation(grid.size, scramble);
      const suggestions: Params[] = [];
      // Each position is either a point already taken or one handed out now: at most trials + count positions.
      for (let position = 0; suggestions.length < count && taken.size < grid.size; position++) {
        const index = order.at(position);
        if (taken.has(index)) continue;
        taken.add(index);
        suggestions.push(grid.pointAt(index));
      }
      const state: GridState = { scramble, taken: taken.size };
      return suggestions.length < count ? { suggestions, state, exhausted: true } : { suggestions, state };
    },
  };
}
