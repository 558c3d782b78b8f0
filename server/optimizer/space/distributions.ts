/**
 * The contract each numeric distribution keeps in its own home (`uniform.ts`, `normal-prior.ts`):
 * which keys its spec takes, which values it covers, and how it spreads them over [0, 1]. This file
 * looks a distribution's home up by name; the numeric parameter (`numeric.ts`) adds what all of them
 * share (the step grid, integers, bounds).
 */
import type { Domain, DomainSpec } from './grid.ts';
import type { Law } from './law.ts';
import { logNormal, normal } from './normal-prior.ts';
import type { Distribution } from './parameter.ts';
import { logUniform, uniform } from './uniform.ts';

/** The keys of a numeric parameter's spec. */
export const numericKeys = ['distribution', 'max', 'min', 'mu', 'sigma', 'step'] as const;

/** One key of a numeric parameter's spec. */
export type NumericKey = (typeof numericKeys)[number];

/** What a distribution reads from the user's spec: bounds (null when not given) and, for priors, mu and sigma. */
export interface DistributionSpec {
  readonly low: number | null;
  readonly high: number | null;
  readonly mu?: number;
  readonly sigma?: number;
}

/** Reads one numeric spec for a distribution; every failure names the parameter (SearchSpaceError). */
export interface SpecReader {
  /** Whether the key is present. */
  has(key: NumericKey): boolean;
  /** The key's finite number, or undefined when absent; fails on anything else. */
  numberAt(key: NumericKey): number | undefined;
  /** The key's finite number; fails when absent, saying the distribution needs it. */
  required(key: NumericKey): number;
  /** Fails with this problem. */
  fail(problem: string): never;
}

/** Everything about one numeric distribution. */
export interface DistributionHome {
  readonly name: Distribution;
  /** Whether the distribution lives on ln(x) (values must be > 0). */
  readonly log: boolean;
  /** Reads and checks its own keys (bounds, prior); refuses the keys it does not take. */
  read(spec: SpecReader): DistributionSpec;
  /**
   * The values it covers: its bounds, or for a prior its plausible range cut by the bounds. Not
   * validated: may be infinite or empty for specs the validator refuses.
   */
  domain(spec: DomainSpec): Domain;
  /** Its law on [a, b] (values or logarithms), for a spec the validator accepted. */
  law(spec: DomainSpec, a: number, b: number): Law;
}

const HOMES: Readonly<Record<Distribution, DistributionHome>> = {
  uniform,
  log_uniform: logUniform,
  normal,
  log_normal: logNormal,
};

/** The home of a distribution. */
export function distributionOf(name: Distribution): DistributionHome {
  return HOMES[name];
}

/** Whether a distribution lives on ln(x). */
export function isLogDistribution(name: Distribution): boolean {
  return HOMES[name].log;
}
