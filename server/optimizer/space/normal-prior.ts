/**
 * `normal` and `log_normal`: a numeric parameter with a prior N(mu, sigma) of x, or of ln x (values
 * > 0); `min` and `max` are optional and truncate it. Values follow the prior: the unit interval maps
 * through the truncated normal CDF.
 */
import type { DistributionHome, DistributionSpec, SpecReader } from './distributions.ts';
import { linearLaw, type Law } from './law.ts';
import type { Domain, DomainSpec } from './grid.ts';
import { normalCdf, normalQuantile } from '../normal.ts';
import { boundsDomain } from './uniform.ts';

/** Without a bound, a normal prior is cut this many standard deviations from its mean (mass beyond: 2e-9). */
export const PRIOR_SIGMAS = 6;

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/**
 * mu +- PRIOR_SIGMAS * sigma (of x or ln x) cut by the given bounds, or, when the bounds lie entirely
 * outside that window, the given bounds (one-sided: PRIOR_SIGMAS * sigma beyond the bound). Given
 * bounds are kept exactly.
 */
function priorDomain(spec: DomainSpec, log: boolean): Domain {
  if (spec.mu === undefined || spec.sigma === undefined) return boundsDomain(spec, log);
  const toY = (x: number) => (log ? Math.log(x) : x);
  const toX = (y: number) => (log ? Math.exp(y) : y);
  const { low, high } = spec;
  const width = PRIOR_SIGMAS * spec.sigma;
  const boundLowY = low === null ? Number.NEGATIVE_INFINITY : toY(low);
  const boundHighY = high === null ? Number.POSITIVE_INFINITY : toY(high);
  let lowY = Math.max(spec.mu - width, boundLowY);
  let highY = Math.min(spec.mu + width, boundHighY);
  if (!(lowY < highY)) {
    // The bounds exclude the prior's plausible range: keep them, one-sided ones PRIOR_SIGMAS sigma wide.
    lowY = low !== null ? boundLowY : boundHighY - width;
    highY = high !== null ? boundHighY : boundLowY + width;
  }
  return {
    lowX: low !== null && lowY === boundLowY ? low : toX(lowY),
    highX: high !== null && highY === boundHighY ? high : toX(highY),
    lowY,
    highY,
  };
}

/**
 * N(mu, sigma) truncated to [a, b]. Deep in the upper tail it works on the reflected CDF, which keeps
 * its digits there; when [a, b] holds no measurable mass it falls back to the linear law.
 */
function truncatedNormalLaw(mu: number, sigma: number, a: number, b: number): Law {
  const alpha = (a - mu) / sigma;
  const beta = (b - mu) / sigma;
  const reflect = alpha > 0;
  const base = reflect ? normalCdf(-alpha) : normalCdf(alpha);
  const mass = reflect ? base - normalCdf(-beta) : normalCdf(beta) - base;
  if (!(mass > 0 && beta - alpha > 1e-7)) return linearLaw(Number.isFinite(a) ? a : b - sigma, b);
  return {
    toUnit(y) {
      const z = (y - mu) / sigma;
      return reflect ? (base - normalCdf(-z)) / mass : (normalCdf(z) - base) / mass;
    },
    fromUnit(t) {
      // The ends of the cube are the ends of the domain exactly (the tail quantiles lose digits to 1 - p).
      if (t <= 0) return a;
      if (t >= 1) return b;
      const p = clamp(reflect ? base - t * mass : base + t * mass, Number.MIN_VALUE, 1 - 2 ** -53);
      const z = reflect ? -normalQuantile(p) : normalQuantile(p);
      return clamp(mu + sigma * z, a, b);
    },
  };
}

function normalHome(name: 'normal' | 'log_normal', log: boolean): DistributionHome {
  return {
    name,
    log,
    read(spec: SpecReader): DistributionSpec {
      const mu = spec.required('mu');
      const sigma = spec.required('sigma');
      if (!(sigma > 0)) spec.fail(`sigma must be > 0, but got sigma=${sigma}`);
      return { mu, sigma, low: spec.numberAt('min') ?? null, high: spec.numberAt('max') ?? null };
    },
    domain: (spec) => priorDomain(spec, log),
    law: (spec, a, b) => (spec.mu === undefined || spec.sigma === undefined ? linearLaw(a, b) : truncatedNormalLaw(spec.mu, spec.sigma, a, b)),
  };
}

/** A normal prior on x. */
export const normal = normalHome('normal', false);

/** A normal prior on ln(x): values > 0, spread over orders of magnitude. */
export const logNormal = normalHome('log_normal', true);
