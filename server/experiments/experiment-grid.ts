import type { Experiment } from '../generated/prisma/client.ts';
import { badInput } from '../errors.ts';
import { gridPointsOf, isGridProblem } from '../optimizer/grid-points.ts';
import { parseSearchSpace, type SearchSpace } from '../optimizer/space.ts';
import { SearchSpaceError } from '../optimizer/space/spec.ts';

/**
 * Refuses grid search (`algorithm` "grid") on a space that has no grid: BAD_USER_INPUT naming the
 * parameter without a step (`experiment.parameters.lr`), or `experiment.parameters` for a grid of more
 * than a billion points. Any other algorithm passes. Writes nothing.
 */
export function checkGridSpace(algorithm: string, space: SearchSpace): void {
  if (algorithm !== 'grid') return;
  const grid = gridPointsOf(space);
  if (!isGridProblem(grid)) return;
  const field = grid.parameter === null ? 'experiment.parameters' : `experiment.parameters.${grid.parameter}`;
  throw badInput(field, grid.parameter === null ? grid.message : `parameter ${JSON.stringify(grid.parameter)}: ${grid.message}`);
}

/** How many points grid search has to visit in an experiment: null unless its algorithm is `grid` (and its stored space has a grid). */
export function gridSizeOf(experiment: Pick<Experiment, 'algorithm' | 'parameters'>): number | null {
  if (experiment.algorithm !== 'grid') return null;
  try {
    const grid = gridPointsOf(parseSearchSpace(experiment.parameters));
    return isGridProblem(grid) ? null : grid.size;
  } catch (error) {
    if (error instanceof SearchSpaceError) return null;
    throw error;
  }
}
