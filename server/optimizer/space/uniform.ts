/**
 * `uniform` and `log_uniform`: a numeric parameter between `min` and `max` (both required), spread
 * evenly over the values, or over their logarithms (min > 0).
 */
import type { DistributionHome, DistributionSpec, SpecReader } from './distributions.ts';
import { linearLaw } from './law.ts';
import type { Domain, DomainSpec } from './grid.ts';

/** The domain given by the bounds alone (an absent bound is infinite), of x and of y = ln x when `log`. */
export function boundsDomain(spec: DomainSpec, log: boolean): Domain {
  const lowX = spec.low ?? Number.NEGATIVE_INFINITY;
  const highX = spec.high ?? Number.POSITIVE_INFINITY;
  return { lowX, highX, lowY: log ? Math.log(lowX) : lowX, highY: log ? Math.log(highX) : highX };
}

function uniformHome(name: 'uniform' | 'log_uniform', log: boolean): DistributionHome {
  return {
    name,
    log,
    read(spec: SpecReader): DistributionSpec {
      for (const key of ['mu', 'sigma'] as const) {
        if (spec.has(key)) spec.fail(`${key} is only allowed with distribution "normal" or "log_normal", but distribution is "${name}"`);
      }
      return { low: spec.required('min'), high: spec.required('max') };
    },
    domain: (spec) => boundsDomain(spec, log),
    law: (_spec, a, b) => linearLaw(a, b),
  };
}

/** Uniform on [min, max]. */
export const uniform = uniformHome('uniform', false);

/** Uniform in ln(x) on [min, max], min > 0: every order of magnitude equally likely. */
export const logUniform = uniformHome('log_uniform', true);
