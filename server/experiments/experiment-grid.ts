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

/** Experiments whose grid size one process remembers (a number each). */
const MAX_REMEMBERED = 10_000;

/**
 * Grid sizes by experiment id (null: its space has no grid), most recently used last. An experiment's
 * space never changes (another space is another version, with an id of its own), so a size, once known,
 * holds: a list of experiments asking for theirs parses no space twice.
 */
const sizes = new Map<string, number | null>();

/** How many points grid search has to visit in an experiment: null unless its algorithm is `grid` (and its stored space has a grid). */
export function gridSizeOf(experiment: Pick<Experiment, 'id' | 'algorithm' | 'parameters'>): number | null {
  if (experiment.algorithm !== 'grid') return null;
  const known = sizes.get(experiment.id);
  if (known !== undefined) {
    sizes.delete(experiment.id);
    sizes.set(experiment.id, known);
    return known;
  }
  let size: number | null = null;
  try {
    const grid = gridPointsOf(parseSearchSpace(experiment.parameters));
    if (!isGridProblem(grid)) size = grid.size;
  } catch (error) {
    if (!(error instanceof SearchSpaceError)) throw error;
  }
  sizes.set(experiment.id, size);
  if (sizes.size > MAX_REMEMBERED) sizes.delete(sizes.keys().next().value!);
  return size;
}
