import { UnknownOptimizerError, UnsupportedSpaceError } from './errors.ts';
import { createCmaEsOptimizer } from './cmaes.ts';
import { createGpOptimizer } from './gp-optimizer.ts';
import { createGridOptimizer } from './grid-search.ts';
import { createNsga2Optimizer } from './nsga2.ts';
import { paretoFront } from '../objectives/pareto.ts';
import { createQuasiRandomOptimizer } from './qmc.ts';
import { createRandomOptimizer } from './random.ts';
import { createTpeOptimizer } from './tpe.ts';
import type { SearchSpace } from './space.ts';
import type { CompletedTrial, Optimizer, OptimizerFactory, SuggestRequest, SuggestResult } from './types.ts';

const algorithms = {
  random: createRandomOptimizer,
  quasi_random: createQuasiRandomOptimizer,
  tpe: () => createTpeOptimizer(),
  gp: () => createGpOptimizer(),
  cmaes: () => createCmaEsOptimizer(),
  nsga2: () => createNsga2Optimizer(),
  grid: createGridOptimizer,
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

/** While fewer trials than this have completed, `auto` uses the GP; past it, CMA-ES, TPE or NSGA-II, whose cost stays bounded. */
export const AUTO_GP_LIMIT = 150;

/** How many objectives the trials are compared by: the length of their objective vectors, else 1. */
export function objectiveCount(completed: readonly CompletedTrial[]): number {
  return completed.at(-1)?.objectives?.length ?? 1;
}

/**
 * The algorithm `auto` uses for this space after this many completed trials:
 * `quasi_random` for a space of constants; `gp` while fewer than
 * `AUTO_GP_LIMIT` trials have completed (it starts with its own quasi-random
 * design, and learns several objectives through ParEGO scalarisations); then
 * `nsga2` with several objectives, else `cmaes` when every tunable parameter is
 * numeric and there are at least two, else `tpe`.
 */
export function chooseAlgorithm(space: SearchSpace, completedCount: number, objectives = 1): AlgorithmName {
  const tunable = space.parameters.filter((param) => param.kind !== 'constant');
  if (tunable.length === 0) return 'quasi_random';
  if (completedCount < AUTO_GP_LIMIT) return 'gp';
  if (objectives > 1) return 'nsga2';
  const continuous = tunable.every((param) => param.kind !== 'categorical');
  return continuous && tunable.length >= 2 ? 'cmaes' : 'tpe';
}

/**
 * Whether the optimizer `name` (with `auto`, the one it uses after this many completed trials) learns
 * from running trials' predicted losses (`RunningTrial.loss`): only the GP does, so the server reads and
 * extrapolates running trials' curves only for it. For an experiment with one objective.
 */
export function learnsFromRunningCurves(name: string, space: SearchSpace, completedCount: number): boolean {
  return (name === 'auto' ? chooseAlgorithm(space, completedCount) : name) === 'gp';
}

/** How many of the best trials, and of the latest, `boundedHistory` keeps (and at most how many earlier trials of the Pareto front for `nsga2`). */
export const HISTORY_BOUNDS = { best: 25, latest: 1000, front: 100 } as const;

/**
 * The earlier trials `nsga2` keeps: the feasible Pareto front of those before `cut` (at most
 * `HISTORY_BOUNDS.front`, evenly spread along it), as indices in the original order; null when none of
 * them is feasible (the caller then keeps the best losses). O(n log n) for two objectives; with more,
 * the front of the `FRONT_CANDIDATES` lowest scalarised losses, O(n log n + FRONT_CANDIDATES²).
 */
/** With three or more objectives, the most earlier trials `earlierFront` looks for the front among. */
const FRONT_CANDIDATES = 2000;

function earlierFront(completed: readonly CompletedTrial[], cut: number): number[] | null {
  const feasible: number[] = [];
  for (let i = 0; i < cut; i++) {
    const t = completed[i]!;
    if ((t.violation ?? 0) === 0 && Number.isFinite(t.loss)) feasible.push(i);
  }
  if (feasible.length === 0) return null;
  const objectivesOf = (i: number) => completed[i]!.objectives ?? [completed[i]!.loss];
  // Two objectives: one sort and a scan. More: the front costs O(n · front), and a front can be every
  // trial (this runs on the event loop, per suggestion), so only the best FRONT_CANDIDATES by the
  // trials' scalarised loss are candidates.
  const candidates =
    objectivesOf(feasible[0]!).length > 2 && feasible.length > FRONT_CANDIDATES
      ? [...feasible].sort((a, b) => completed[a]!.loss - completed[b]!.loss || a - b).slice(0, FRONT_CANDIDATES)
      : feasible;
  const front = paretoFront(candidates.map(objectivesOf)).map((k) => candidates[k]!);
  const { front: limit } = HISTORY_BOUNDS;
  const kept = front.length <= limit ? front : Array.from({ length: limit }, (_, r) => front[Math.round((r * (front.length - 1)) / (limit - 1))]!);
  return [...new Set(kept)].sort((a, b) => a - b);
}

/**
 * The part of a long history that an optimizer actually uses, so callers need
 * not copy all of it (e.g. to a worker thread): for `auto` past
 * `AUTO_GP_LIMIT`, `cmaes`, `tpe` and `nsga2`, the latest `HISTORY_BOUNDS.latest`
 * trials and, of the earlier ones, the best `HISTORY_BOUNDS.best` (for `nsga2`
 * the feasible Pareto front, at most `HISTORY_BOUNDS.front`), in their original
 * order (TPE's good group is at most 25 trials, its bad group and CMA-ES's replay
 * use the latest 1,000, and NSGA-II's population of 50 is drawn from the front
 * and the latest). Other optimizers get everything. Linear in the history's
 * length (n log n for the front).
 */
export function boundedHistory(name: string, space: SearchSpace, completed: readonly CompletedTrial[]): readonly CompletedTrial[] {
  const { best, latest } = HISTORY_BOUNDS;
  if (completed.length <= best + latest) return completed;
  const algorithm = name === 'auto' ? chooseAlgorithm(space, completed.length, objectiveCount(completed)) : name;
  if (algorithm !== 'cmaes' && algorithm !== 'tpe' && algorithm !== 'nsga2') return completed;
  const cut = completed.length - latest;
  const front = algorithm === 'nsga2' ? earlierFront(completed, cut) : null;
  if (front !== null) return [...front.map((i) => completed[i]!), ...completed.slice(cut)];
  // The `best` lowest losses before the cut, by a bounded insertion (no full sort).
  const top: { i: number; loss: number }[] = [];
  for (let i = 0; i < cut; i++) {
    const loss = Number.isFinite(completed[i]!.loss) ? completed[i]!.loss : Number.POSITIVE_INFINITY;
    if (top.length === best && loss >= top[best - 1]!.loss) continue;
    let at = top.length;
    while (at > 0 && top[at - 1]!.loss > loss) at--;
    top.splice(at, 0, { i, loss });
    if (top.length > best) top.pop();
  }
  top.sort((a, b) => a.i - b.i);
  return [...top.map((t) => completed[t.i]!), ...completed.slice(cut)];
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
      const algorithm = chooseAlgorithm(request.space, request.completed.length, objectiveCount(request.completed));
      // Every algorithm's state carries the experiment's quasi-random `scramble` seed, so it is handed on across a switch.
      const previous = isAutoState(request.state) ? request.state.state : undefined;
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
