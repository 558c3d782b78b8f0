import { InvalidTrialError } from './errors.ts';
import { domainOf, gridOf, isLogDistribution, type Domain, type Grid } from './domain.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import type { NumericParameter, Params, ParamValue, SearchSpace, TunableParameter } from './space.ts';

type Law =
  | { readonly type: 'linear'; readonly a: number; readonly b: number }
  | {
      readonly type: 'normal';
      readonly a: number;
      readonly b: number;
      readonly mu: number;
      readonly sigma: number;
      readonly reflect: boolean;
      readonly base: number;
      readonly mass: number;
    };

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

function lawOf(param: NumericParameter, log: boolean, domain: Domain, grid: Grid | null): Law {
  let lowX = domain.lowX;
  let highX = domain.highX;
  if (grid !== null) {
    // Each grid value owns the cell of width `step` around it.
    lowX = grid.value(grid.kMin) - grid.step / 2;
    highX = grid.value(grid.kMax) + grid.step / 2;
    // ln(x) needs x > 0: the first cell starts at min, or, without one, at 0 (every small value rounds up to it).
    if (log && lowX <= 0) lowX = param.low ?? 0;
  }
  const a = log ? Math.log(lowX) : lowX;
  const b = log ? Math.log(highX) : highX;
  if (param.distribution !== 'normal' && param.distribution !== 'log_normal') return { type: 'linear', a, b };
  const { mu, sigma } = param;
  const alpha = (a - mu) / sigma;
  const beta = (b - mu) / sigma;
  const reflect = alpha > 0;
  const base = reflect ? normalCdf(-alpha) : normalCdf(alpha);
  const mass = reflect ? base - normalCdf(-beta) : normalCdf(beta) - base;
  if (mass > 0 && beta - alpha > 1e-7) return { type: 'normal', a, b, mu, sigma, reflect, base, mass };
  return { type: 'linear', a: Number.isFinite(a) ? a : b - sigma, b };
}

function planOf(param: NumericParameter): Plan {
  const cached = plans.get(param);
  if (cached !== undefined) return cached;
  const log = isLogDistribution(param.distribution);
  const domain = domainOf(param);
  const grid = param.step === null ? null : gridOf(param, param.step, param.kind === 'int', domain);
  const plan: Plan = {
    log,
    lowX: grid === null ? domain.lowX : Math.min(domain.lowX, grid.value(grid.kMin)),
    highX: grid === null ? domain.highX : Math.max(domain.highX, grid.value(grid.kMax)),
    grid,
    law: lawOf(param, log, domain, grid),
  };
  plans.set(param, plan);
  return plan;
}

function snap(grid: Grid, x: number): number {
  const k = clamp(Math.round((x - grid.anchor) / grid.step), grid.kMin, grid.kMax);
  return grid.value(k);
}

/** Where `y` (x, or ln x for log distributions) falls in [0, 1] under the parameter's law. */
function lawUnit(law: Law, y: number): number {
  let u: number;
  if (law.type === 'linear') {
    u = (y - law.a) / (law.b - law.a);
  } else {
    const z = (y - law.mu) / law.sigma;
    u = law.reflect ? (law.base - normalCdf(-z)) / law.mass : (normalCdf(z) - law.base) / law.mass;
  }
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
  const v = snap(grid, value);
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
  const t = clamp(u, 0, 1);
  let y: number;
  if (law.type === 'linear') {
    y = t === 1 ? law.b : law.a + t * (law.b - law.a);
  } else if (t === 0 || t === 1) {
    // The ends of the cube are the ends of the domain exactly (the tail quantiles lose digits to 1 - p).
    y = t === 0 ? law.a : law.b;
  } else {
    const p = clamp(law.reflect ? law.base - t * law.mass : law.base + t * law.mass, Number.MIN_VALUE, 1 - 2 ** -53);
    const z = law.reflect ? -normalQuantile(p) : normalQuantile(p);
    y = clamp(law.mu + law.sigma * z, law.a, law.b);
  }
  const x = clamp(log ? Math.exp(y) : y, lowX, highX);
  return grid === null ? x : snap(grid, x);
}

/** The parameters an optimizer chooses values for (all but constants), in the order `encode` and `decode` use. */
export function tunableParameters(space: SearchSpace): readonly TunableParameter[] {
  return space.parameters.filter((param): param is TunableParameter => param.kind !== 'constant');
}

/**
 * The numeric representation algorithms work in: one number per tunable
 * parameter, in `tunableParameters` order. A numeric parameter gives
 * `toUnit(value)` in [0, 1]; a categorical one gives the index of its value in
 * `choices` (an integer; expand to one-hot in the algorithm if it needs that).
 * Constants are left out. Numeric values outside the bounds are clamped.
 * @throws {InvalidTrialError} if a parameter is missing, not a finite number, or not one of its choices.
 */
export function encode(space: SearchSpace, params: Params): number[] {
  return tunableParameters(space).map((param) => {
    const value: ParamValue | undefined = params[param.name];
    if (value === undefined) throw new InvalidTrialError(param.name, 'missing');
    if (param.kind === 'categorical') {
      const index = param.choices.indexOf(value);
      if (index === -1) {
        throw new InvalidTrialError(param.name, `${JSON.stringify(value)} is not one of the choices ${JSON.stringify(param.choices)}`);
      }
      return index;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidTrialError(param.name, `must be a finite number, but got ${JSON.stringify(value)}`);
    }
    return toUnit(param, value);
  });
}

/**
 * The inverse of `encode`: a full assignment (constants included, keys in
 * parameter-name order). Unit values go through `fromUnit`; categorical entries
 * are rounded and clamped to a valid index.
 * @throws {RangeError} if the vector's length is wrong or an entry is NaN.
 */
export function decode(space: SearchSpace, vector: readonly number[]): Params {
  const tunable = tunableParameters(space);
  if (vector.length !== tunable.length) {
    throw new RangeError(`decode: expected ${tunable.length} numbers, one per tunable parameter, but got ${vector.length}`);
  }
  const byName = new Map<string, number>(tunable.map((param, i) => [param.name, vector[i] ?? Number.NaN]));
  const entries = space.parameters.map((param): [string, ParamValue] => {
    if (param.kind === 'constant') return [param.name, param.value];
    const v = byName.get(param.name) ?? Number.NaN;
    if (param.kind !== 'categorical') return [param.name, fromUnit(param, v)];
    if (Number.isNaN(v)) throw new RangeError(`decode: NaN for categorical parameter "${param.name}"`);
    const index = clamp(Math.round(v), 0, param.choices.length - 1);
    return [param.name, param.choices[index]!];
  });
  return Object.freeze(Object.fromEntries(entries));
}
