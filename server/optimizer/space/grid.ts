/**
 * The values a numeric parameter can actually take: its domain (from its distribution's home) and its
 * step grid. Shared by the validator (which refuses domains and grids that double precision cannot
 * represent) and the unit-interval mapping (`numeric.ts`).
 */
import { distributionOf } from './distributions.ts';
import { PRIOR_SIGMAS } from './normal-prior.ts';
import type { Distribution } from './parameter.ts';

/** Fewest bits of double precision kept between two neighbouring values of a float step grid. */
export const GRID_PRECISION_BITS = 12;

/** Most values a step grid may have: 2^40 (about 1.1e12), so each keeps a distinct share of the unit interval. */
export const MAX_GRID_VALUES = 2 ** 40;

/** Closed-form grid indexes are off by at most this many steps (grids are kept representable). */
const GRID_CORRECTIONS = 8;

/** The numbers that fix a numeric parameter's domain, as the validator and the mapping both see them. */
export interface DomainSpec {
  readonly distribution: Distribution;
  readonly low: number | null;
  readonly high: number | null;
  /** Prior mean and standard deviation (of x, or of ln x for `log_normal`); unused for uniform ones. */
  readonly mu?: number;
  readonly sigma?: number;
}

/**
 * A closed interval [lowX, highX] of values, and the same interval in the space the distribution is
 * defined in (`y = ln x` for the log distributions, else `y = x`). Given bounds are kept exactly.
 */
export interface Domain {
  readonly lowX: number;
  readonly highX: number;
  readonly lowY: number;
  readonly highY: number;
}

/** The domain of a parameter, as its distribution defines it. Not validated: may be infinite or empty. */
export function domainOf(spec: DomainSpec): Domain {
  return distributionOf(spec.distribution).domain(spec);
}

/** A step grid: the values `value(k)` for integers k from kMin to kMax (anchor: min, else max, else 0). */
export interface Grid {
  readonly anchor: number;
  readonly step: number;
  readonly kMin: number;
  readonly kMax: number;
  readonly value: (k: number) => number;
}

function decimalPlaces(x: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(x)).split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  return Math.max(0, fraction.length - Number(exponent));
}

/**
 * The step grid inside a domain: found in closed form with a few bounded corrections, never by
 * walking the grid. Given bounds are hard (no value beyond them); a prior's window is soft. Empty
 * (kMin > kMax) when no grid value lies in the domain, which the validator refuses.
 */
export function gridOf(spec: DomainSpec, step: number, integer: boolean, domain: Domain = domainOf(spec)): Grid {
  const { low, high } = spec;
  const anchor = low ?? high ?? 0;
  const decimals = Math.max(decimalPlaces(anchor), decimalPlaces(step));
  const value = integer
    ? (k: number) => Math.round(anchor + k * step)
    : decimals <= 100
      ? (k: number) => Number((anchor + k * step).toFixed(decimals))
      : (k: number) => anchor + k * step;
  const index = (x: number) => (x - anchor) / step;
  const lowest = low !== null ? 0 : Number.NEGATIVE_INFINITY;
  let highest = Number.POSITIVE_INFINITY;
  if (high !== null) {
    // floor() of a rounded quotient is off by a few steps at most: correct it both ways, boundedly.
    highest = Math.max(lowest, Math.floor(index(high)));
    for (let i = 0; i < GRID_CORRECTIONS && value(highest + 1) <= high; i++) highest++;
    for (let i = 0; i < GRID_CORRECTIONS && highest > lowest && value(highest) > high; i++) highest--;
  }
  let kMin = domain.lowX === low ? lowest : Math.max(lowest, Math.ceil(index(domain.lowX)));
  let kMax = domain.highX === high ? highest : Math.min(highest, Math.floor(index(domain.highX)));
  for (let i = 0; i < GRID_CORRECTIONS && value(kMin) < domain.lowX; i++) kMin++;
  for (let i = 0; i < GRID_CORRECTIONS && value(kMax) > domain.highX; i++) kMax--;
  if (distributionOf(spec.distribution).log) {
    // Only positive values: from the first k with anchor + k * step > 0.
    let firstPositive = Math.floor(-anchor / step) + 1;
    for (let i = 0; i < GRID_CORRECTIONS && value(firstPositive) <= 0; i++) firstPositive++;
    for (let i = 0; i < GRID_CORRECTIONS && value(firstPositive - 1) > 0; i++) firstPositive--;
    kMin = Math.max(kMin, firstPositive);
  }
  return { anchor, step, kMin, kMax, value };
}

/**
 * Why a domain or step grid cannot be represented in double precision, or null when it can:
 * the domain must be finite and non-empty (positive for log distributions, without overflowing
 * exp); an integer grid must stay within the exactly representable integers (2^53); a float grid's
 * step must be at least 2^GRID_PRECISION_BITS units in the last place of its largest value (of its
 * logarithm, on a log scale), so neighbouring grid values stay distinct and rounding cannot merge
 * them; a grid holds at most MAX_GRID_VALUES values, at least one inside the domain, and the cells
 * around its end values stay finite. O(1).
 */
export function representationProblem(spec: DomainSpec, step: number | null, integer: boolean): string | null {
  const domain = domainOf(spec);
  const { lowX, highX, lowY, highY } = domain;
  if (![lowX, highX, lowY, highY].every(Number.isFinite) || !Number.isFinite(highY - lowY)) {
    return spec.mu !== undefined && spec.sigma !== undefined
      ? `the prior's range (mu +- ${PRIOR_SIGMAS} sigma) is beyond double precision: mu=${spec.mu}, sigma=${spec.sigma}`
      : `max - min must be a finite number, but got min=${spec.low}, max=${spec.high}`;
  }
  if (!(lowX < highX) || (distributionOf(spec.distribution).log && !(lowX > 0))) {
    return `the range of values is too narrow for double precision (from ${lowX} to ${highX})`;
  }
  if (step === null) return null;
  const anchor = spec.low ?? spec.high ?? 0;
  const magnitude = Math.max(Math.abs(lowX), Math.abs(highX), Math.abs(anchor));
  if (integer && magnitude > Number.MAX_SAFE_INTEGER) {
    return `integer values reach ${magnitude}, beyond 2^53, where double precision no longer holds every integer`;
  }
  const resolution = Number.EPSILON * 2 ** GRID_PRECISION_BITS;
  const finest = magnitude * resolution;
  if (!integer && step < finest) {
    return `step=${step} is too fine for values as large as ${magnitude}: neighbouring values would not be distinct in double precision (use a step of at least ${Number(finest.toPrecision(2))}, or a smaller range)`;
  }
  if ((highX - lowX) / step > MAX_GRID_VALUES) {
    return `step=${step} gives more than ${MAX_GRID_VALUES} values (2^40) between ${lowX} and ${highX}: use a larger step, or leave it out for a continuous parameter`;
  }
  if (distributionOf(spec.distribution).log && step / highX < Math.max(1, Math.abs(lowY), Math.abs(highY)) * resolution) {
    return `step=${step} is too fine for a log scale at values as large as ${highX}: their logarithms would not be distinct in double precision (use a larger step, or distribution "uniform")`;
  }
  const grid = gridOf(spec, step, integer, domain);
  if (grid.kMin > grid.kMax) {
    return `no value of the step grid (${anchor} + k * ${step}) lies within the prior's plausible range [${lowX}, ${highX}] (mu +- ${PRIOR_SIGMAS} sigma, cut by min and max): use a smaller step`;
  }
  // Each grid value owns the cell of width `step` around it: the cells at the ends must be finite too.
  if (!Number.isFinite(grid.value(grid.kMin) - step) || !Number.isFinite(grid.value(grid.kMax) + step)) {
    return `step=${step} is too large for values as large as ${magnitude}: the grid's end cells reach beyond double precision`;
  }
  return null;
}
