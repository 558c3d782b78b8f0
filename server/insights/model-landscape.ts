import { encodingOf, features } from '../optimizer/encoding.ts';
import { fitLikeliestWarp, fitSubset, lossFromTarget, trainingSubset } from '../optimizer/gp-optimizer.ts';
import { GaussianProcess } from '../optimizer/gp.ts';
import { createRng } from '../optimizer/rng.ts';
import { encode, parseSearchSpace, tunableParameters, type ParamValue, type Params, type SearchSpace } from '../optimizer/space.ts';
import { isLogDistribution } from '../optimizer/space/distributions.ts';
import { fromUnit, toUnit } from '../optimizer/space/numeric.ts';
import type { NumericParameter } from '../optimizer/space/parameter.ts';
import type { CompletedTrial } from '../optimizer/types.ts';
import type { ScoredTrial } from './importance.ts';

/** Fewer completed trials than this give no model landscape (the dashboard interpolates instead). */
export const MIN_TRIALS_FOR_LANDSCAPE = 8;

/** Grid points along each axis (fewer for an integer or stepped parameter with fewer values). */
export const LANDSCAPE_GRID = 30;

/** At most this many completed trials condition the GP (the best half and the latest), as the GP optimizer does. */
export const MAX_TRAINING_TRIALS = 200;

/** At most this many of them fit its hyperparameters. */
const MAX_FIT_TRIALS = 100;

/**
 * Losses larger than this in magnitude are divided by the largest before the GP sees them (and its
 * predictions multiplied back): sums and spreads of losses near ±1e308 overflow to infinity, which
 * would turn every prediction into NaN. Far below overflow, far above any loss this changes nothing for.
 */
const LARGEST_UNSCALED_LOSS = 1e100;

/** One axis of the grid: a parameter and the values it takes, ascending. */
export interface LandscapeAxis {
  readonly name: string;
  readonly values: readonly number[];
}

/** The GP's prediction of the charted objective over two parameters, the others held at the best trial's values. */
export interface ModelLandscape {
  readonly x: LandscapeAxis;
  readonly y: LandscapeAxis;
  /** Posterior mean in the objective's own units and direction: `mean[j][i]` at `x.values[i]`, `y.values[j]`. */
  readonly mean: readonly (readonly number[])[];
  /** Posterior standard deviation in the same units (for a log-warped loss, half the back-transformed ±1 sd band). */
  readonly sd: readonly (readonly number[])[];
  /** The values the other parameters are held at: the best trial's. */
  readonly heldAt: Params;
}

/** A model landscape, or why there is none. */
export type LandscapeOutcome = { readonly landscape: ModelLandscape; readonly reason: null } | { readonly landscape: null; readonly reason: string };

/** One landscape as plain data: what a worker thread receives (the space as stored JSON). */
export interface LandscapeTask {
  readonly parameters: unknown;
  /** Completed trials, oldest first, each with its value of the charted objective, lower is better. */
  readonly trials: readonly ScoredTrial[];
  /** Whether the charted objective is maximised (its scored values are negated). */
  readonly maximize: boolean;
  readonly x: string;
  readonly y: string;
  readonly seed: number;
}

/** `value` held within the finite doubles (NaN stays NaN). */
function clampFinite(value: number): number {
  return Math.min(Math.max(value, -Number.MAX_VALUE), Number.MAX_VALUE);
}

function none(reason: string): LandscapeOutcome {
  return { landscape: null, reason };
}

/** The grid of a numeric parameter: evenly spaced (in ln for a log scale) over its bounds, or its prior's 1-99 % range, snapped to its steps. */
export function axisValues(param: NumericParameter, count = LANDSCAPE_GRID): number[] {
  const low = param.low ?? fromUnit(param, 0.01);
  const high = param.high ?? fromUnit(param, 0.99);
  const log = isLogDistribution(param.distribution) && low > 0;
  const [a, b] = log ? [Math.log(low), Math.log(high)] : [low, high];
  const values = new Set<number>();
  for (let i = 0; i < count; i++) {
    const t = a + ((b - a) * i) / (count - 1);
    const raw = log ? Math.exp(t) : t;
    // Through the unit cube and back: snapped to the step grid and integers, inside the bounds.
    values.add(param.step === null ? raw : fromUnit(param, toUnit(param, raw)));
  }
  return [...values].sort((u, v) => u - v);
}

/**
 * Oscar's Gaussian process (as the `gp` optimizer fits it: Matern-5/2, MAP hyperparameters, the
 * standard or log warp of the losses, whichever is likelier) on the completed trials, predicted on a
 * grid over parameters `xName` and `yName` with every other parameter at the best trial's value.
 * No landscape (a reason instead) below {@link MIN_TRIALS_FOR_LANDSCAPE} usable trials, for a
 * parameter that is not numeric, or for one inactive in the best trial. Pure and seeded.
 */
export function modelLandscape(space: SearchSpace, trials: readonly ScoredTrial[], xName: string, yName: string, seed: number, maximize = false): LandscapeOutcome {
  const tunable = tunableParameters(space);
  const axes: NumericParameter[] = [];
  for (const name of [xName, yName]) {
    const param = tunable.find((p) => p.name === name);
    if (param === undefined) return none(`"${name}" is not a tunable parameter`);
    if (param.kind === 'categorical') return none(`"${name}" is not numeric`);
    axes.push(param);
  }
  if (xName === yName) return none('the two parameters are the same');
  const completed: CompletedTrial[] = [];
  for (const trial of trials) {
    if (!Number.isFinite(trial.loss)) continue;
    try {
      encode(space, trial.params as Params);
      completed.push({ params: trial.params as Params, loss: trial.loss });
    } catch {
      // A trial whose parameters no longer fit the space (an edited experiment) is left out.
    }
  }
  if (completed.length < MIN_TRIALS_FOR_LANDSCAPE) return none(`the model needs ${MIN_TRIALS_FOR_LANDSCAPE} completed trials, and ${completed.length} have completed`);
  const best = completed.reduce((a, b) => (b.loss < a.loss ? b : a));
  for (const param of axes) {
    if (best.params[param.name] === undefined) return none(`"${param.name}" is inactive in the best trial`);
  }

  const encoding = encodingOf(space);
  const training = trainingSubset(completed, MAX_TRAINING_TRIALS);
  const x = training.map((t) => features(encoding, encode(space, t.params)));
  const largest = training.reduce((m, t) => Math.max(m, Math.abs(t.loss)), 0);
  const scale = largest > LARGEST_UNSCALED_LOSS ? largest : 1;
  const losses = training.map((t) => t.loss / scale);
  const fitRows = fitSubset(losses, MAX_FIT_TRIALS);
  const rng = createRng(seed);
  const chosen = fitLikeliestWarp(encoding, x, losses, fitRows, ['standard', 'log'] as const, rng);
  const gp = new GaussianProcess(encoding, x, chosen.y, chosen.hyper);
  const targetLoss = lossFromTarget(losses, chosen.warp);
  const toLoss = (target: number) => targetLoss(target) * scale;
  const sign = maximize ? -1 : 1;

  const [xParam, yParam] = axes as [NumericParameter, NumericParameter];
  const xs = axisValues(xParam);
  const ys = axisValues(yParam);
  const point = encode(space, best.params);
  const xi = tunable.indexOf(xParam);
  const yi = tunable.indexOf(yParam);
  const buffer = new Float64Array(encoding.width);
  const mean: number[][] = [];
  const sd: number[][] = [];
  for (const yv of ys) {
    const meanRow: number[] = [];
    const sdRow: number[] = [];
    point[yi] = toUnit(yParam, yv);
    for (const xv of xs) {
      point[xi] = toUnit(xParam, xv);
      const prediction = gp.predict(features(encoding, point, buffer));
      const s = Math.sqrt(Math.max(prediction.variance, 0));
      // Held within the doubles (a prediction past the largest loss a double holds is at least that
      // loss); the band halved before the difference, as it can span more than a double holds.
      const value = sign * clampFinite(toLoss(prediction.mean));
      const spread = clampFinite(Math.abs(toLoss(prediction.mean + s) / 2 - toLoss(prediction.mean - s) / 2));
      if (Number.isNaN(value) || Number.isNaN(spread)) return none('the model could not be fitted to these losses (its predictions are not numbers)');
      meanRow.push(value);
      sdRow.push(spread);
    }
    mean.push(meanRow);
    sd.push(sdRow);
  }
  const heldAt: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(best.params)) if (name !== xName && name !== yName) heldAt[name] = value;
  return { landscape: { x: { name: xName, values: xs }, y: { name: yName, values: ys }, mean, sd, heldAt }, reason: null };
}

/** Runs a landscape task: the compute pool's entry for it. A space that no longer parses gives no landscape. */
export function runLandscapeTask(task: LandscapeTask): LandscapeOutcome {
  let space: SearchSpace;
  try {
    space = parseSearchSpace(task.parameters);
  } catch {
    return none("the experiment's parameters no longer parse");
  }
  return modelLandscape(space, task.trials, task.x, task.y, task.seed, task.maximize);
}
