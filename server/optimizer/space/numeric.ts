/**
 * A numeric parameter: what every distribution shares (the spec's keys, bounds, the step grid,
 * integers) and its mapping onto the unit interval through its distribution's law. The distributions
 * themselves live in `uniform.ts` and `normal-prior.ts`.
 */
import { InvalidTrialError } from '../errors.ts';
import { distributionOf, numericKeys, type NumericKey, type SpecReader } from './distributions.ts';
import { domainOf, gridOf, representationProblem, type Grid } from './grid.ts';
import type { TunableHome } from './home.ts';
import type { Law } from './law.ts';
import { distributions, type Distribution, type NormalParameter, type NumericParameter, type UniformParameter } from './parameter.ts';
import { describe, quoteList, SearchSpaceError } from './spec.ts';

/**
 * A numeric parameter from an object spec: `distribution` (default `uniform`) reads its own keys,
 * then the shared checks: min < max, positive bounds on a log scale, a step > 0 and at most max - min,
 * and a domain and grid double precision can represent.
 * @throws {SearchSpaceError} naming the parameter and the problem.
 */
export function parseNumeric(name: string, spec: Readonly<Record<string, unknown>>): NumericParameter {
  for (const key of Object.keys(spec)) {
    if (!(numericKeys as readonly string[]).includes(key)) {
      throw new SearchSpaceError(name, `unknown key ${JSON.stringify(key)}; allowed keys are ${quoteList(numericKeys)}`);
    }
  }
  const fail = (problem: string): never => {
    throw new SearchSpaceError(name, problem);
  };
  const rawDistribution = Object.hasOwn(spec, 'distribution') ? spec.distribution : 'uniform';
  if (!(distributions as readonly unknown[]).includes(rawDistribution)) {
    fail(`distribution must be one of ${quoteList(distributions)}, but got ${describe(rawDistribution)}`);
  }
  const distribution = distributionOf(rawDistribution as Distribution);
  const reader: SpecReader = {
    has: (key: NumericKey) => Object.hasOwn(spec, key),
    numberAt(key: NumericKey) {
      if (!Object.hasOwn(spec, key)) return undefined;
      const value = spec[key];
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`${key} must be a finite number, but got ${describe(value)}`);
      return value;
    },
    required: (key: NumericKey) => reader.numberAt(key) ?? fail(`missing "${key}" (required for distribution "${distribution.name}")`),
    fail,
  };
  const step = reader.numberAt('step') ?? null;
  if (step !== null && !(step > 0)) fail(`step must be > 0, but got step=${step}`);
  const { low, high, mu, sigma } = distribution.read(reader);
  if (low !== null && high !== null && !(low < high)) fail(`min < max must hold, but got min=${low}, max=${high}`);
  if (distribution.log) {
    if (low !== null && !(low > 0)) fail(`min must be > 0 for distribution "${distribution.name}", but got min=${low}`);
    if (high !== null && !(high > 0)) fail(`max must be > 0 for distribution "${distribution.name}", but got max=${high}`);
  }
  if (step !== null && low !== null && high !== null && step > high - low) {
    fail(`step must be <= max - min, but got step=${step}, max - min=${high - low}`);
  }
  const isInt = step !== null && [step, low, high].every((v) => v === null || Number.isSafeInteger(v));
  const prior = mu !== undefined && sigma !== undefined ? { mu, sigma } : undefined;
  const problem = representationProblem({ distribution: distribution.name, low, high, ...prior }, step, isInt);
  if (problem !== null) fail(problem);
  const common = { name, kind: isInt ? 'int' : 'float', step } as const;
  if (prior === undefined) {
    if (low === null || high === null) return fail(`distribution "${distribution.name}" needs min and max`);
    return Object.freeze({ ...common, distribution: distribution.name as UniformParameter['distribution'], low, high });
  }
  return Object.freeze({ ...common, distribution: distribution.name as NormalParameter['distribution'], ...prior, low, high });
}

interface Plan {
  readonly log: boolean;
  readonly lowX: number;
  readonly highX: number;
  readonly grid: Grid | null;
  readonly law: Law;
}

const plans = new WeakMap<NumericParameter, Plan>();

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

function planOf(param: NumericParameter): Plan {
  const cached = plans.get(param);
  if (cached !== undefined) return cached;
  const distribution = distributionOf(param.distribution);
  const log = distribution.log;
  const domain = domainOf(param);
  const grid = param.step === null ? null : gridOf(param, param.step, param.kind === 'int', domain);
  let lowX = domain.lowX;
  let highX = domain.highX;
  if (grid !== null) {
    // Each grid value owns the cell of width `step` around it.
    lowX = grid.value(grid.kMin) - grid.step / 2;
    highX = grid.value(grid.kMax) + grid.step / 2;
    // ln(x) needs x > 0: the first cell starts at min, or, without one, at 0 (every small value rounds up to it).
    if (log && lowX <= 0) lowX = param.low ?? 0;
  }
  const plan: Plan = {
    log,
    lowX: grid === null ? domain.lowX : Math.min(domain.lowX, grid.value(grid.kMin)),
    highX: grid === null ? domain.highX : Math.max(domain.highX, grid.value(grid.kMax)),
    grid,
    law: distribution.law(param, log ? Math.log(lowX) : lowX, log ? Math.log(highX) : highX),
  };
  plans.set(param, plan);
  return plan;
}

function snapToGrid(grid: Grid, x: number): number {
  const k = clamp(Math.round((x - grid.anchor) / grid.step), grid.kMin, grid.kMax);
  return grid.value(k);
}

/** Where `y` (x, or ln x for log distributions) falls in [0, 1] under the parameter's law. */
function lawUnit(law: Law, y: number): number {
  const u = law.toUnit(y);
  return Number.isNaN(u) ? 0 : clamp(u, 0, 1);
}

/**
 * Maps a value of a numeric parameter to [0, 1] through the CDF of its declared
 * distribution: linear for `uniform`, linear in ln(x) for `log_uniform`, the
 * (truncated) normal CDF of x or ln(x) for `normal`/`log_normal`. So u ~ U(0, 1)
 * mapped back by `fromUnit` follows the declared distribution, and normal priors
 * act as priors. With a step, each grid value owns the cell of width `step`
 * around it and maps to the middle of that cell's share of [0, 1] (which `fromUnit`
 * maps back to it). Values outside the domain clamp to 0 or 1 (with a step: to the
 * first or last grid value).
 */
export function toUnit(param: NumericParameter, value: number): number {
  const { log, law, grid } = planOf(param);
  if (grid === null || !Number.isFinite(value)) return lawUnit(law, log ? Math.log(value) : value);
  const v = snapToGrid(grid, value);
  const low = v - grid.step / 2;
  const high = v + grid.step / 2;
  return (lawUnit(law, log ? (low > 0 ? Math.log(low) : Number.NEGATIVE_INFINITY) : low) + lawUnit(law, log ? Math.log(high) : high)) / 2;
}

/**
 * The inverse of `toUnit`: the value at quantile `u` (clamped to [0, 1]) of the
 * parameter's distribution, snapped to its step grid, inside its bounds, an
 * integer for `int` parameters, and always finite.
 * @throws {RangeError} if `u` is NaN.
 */
export function fromUnit(param: NumericParameter, u: number): number {
  if (Number.isNaN(u)) throw new RangeError(`fromUnit: u must be a number in [0, 1], but got NaN for parameter "${param.name}"`);
  const { log, law, lowX, highX, grid } = planOf(param);
  const y = law.fromUnit(clamp(u, 0, 1));
  const x = clamp(log ? Math.exp(y) : y, lowX, highX);
  return grid === null ? x : snapToGrid(grid, x);
}

/** The home of numeric parameters: their unit value is their quantile under their distribution. */
export const numericHome: TunableHome<NumericParameter> = {
  toJson(param) {
    const spec: Record<string, number | string> = { distribution: param.distribution };
    if (param.high !== null) spec.max = param.high;
    if (param.low !== null) spec.min = param.low;
    if ('mu' in param) {
      spec.mu = param.mu;
      spec.sigma = param.sigma;
    }
    if (param.step !== null) spec.step = param.step;
    return spec;
  },
  sample: (param, rng) => fromUnit(param, rng.uniform()),
  fromCube: fromUnit,
  encode(param, value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidTrialError(param.name, `must be a finite number, but got ${describe(value)}`);
    }
    return toUnit(param, value);
  },
  decode: fromUnit,
  snap(param, v) {
    const u = clamp(v, 0, 1);
    return param.step === null ? u : toUnit(param, fromUnit(param, u));
  },
  randomCoordinate: (_param, rng) => rng.uniform(),
};
