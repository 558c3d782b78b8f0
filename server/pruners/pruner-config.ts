import { isDeepStrictEqual } from 'node:util';
import { badInput } from '../errors.ts';
import { describe, MAX_REPORT_STEP } from '../trials/trial-result.ts';
import { MIN_CURVE_POINTS } from './learning-curve.ts';

/**
 * An experiment's pruner: how it decides, from the intermediate values trials report, which trials
 * to stop early. Validated once at the boundary ({@link parsePruner}); stored as this JSON.
 */
export type PrunerConfig =
  | { readonly type: 'none' }
  | PercentileConfig
  | HalvingConfig
  | HyperbandConfig;

/** Settings every pruner but `none` has. */
export interface WarmUp {
  /** No trial is stopped at a step below this. */
  readonly warmupSteps: number;
  /**
   * percentile/median: finished trials (COMPLETED) before any trial is stopped (Optuna's n_startup_trials).
   * asha/hyperband: other trials' values a rung needs before it stops a trial there.
   */
  readonly minTrials: number;
}

/** `median` (the 50th percentile) or `percentile`: stop a trial whose best value so far is worse than that percentile of finished trials' values at the same step. */
export interface PercentileConfig extends WarmUp {
  readonly type: 'median' | 'percentile';
  /** Trials below this percentile (of the loss, lower is better) go on: 25 keeps the best quarter. */
  readonly percentile: number;
  /** Judge every this many steps after the warm-up. */
  readonly intervalSteps: number;
}

/**
 * Asynchronous successive halving: at rungs min_step × reduction^k, a trial goes on only if the final
 * value its curve predicts (its value, on too short a curve) is in the best 1/reduction there.
 */
export interface HalvingConfig extends WarmUp {
  readonly type: 'asha';
  /** The first rung's step; by default the first at which a curve can be extrapolated ({@link ASHA_MIN_STEP}). */
  readonly minStep: number;
  readonly reduction: number;
}

/** Hyperband: several ASHA brackets with later first rungs, each trial in one bracket. */
export interface HyperbandConfig extends WarmUp {
  readonly type: 'hyperband';
  readonly minStep: number;
  /** The last step a trial runs to; null: the largest step a completed trial reported (once there is one). */
  readonly maxStep: number | null;
  readonly reduction: number;
}

/** The pruner of an experiment that names none: Optuna's default too. */
export const DEFAULT_PRUNER: PrunerConfig = { type: 'median', percentile: 50, warmupSteps: 0, minTrials: 5, intervalSteps: 1 };

/**
 * The default first rung of `asha`: the step by which a curve reported from step 0 or 1 has the
 * points its final value is extrapolated from (server/pruners/learning-curve.ts). Earlier, a rung
 * could only compare raw values, which on curves that cross keeps the fast starters, not the best.
 */
export const ASHA_MIN_STEP = MIN_CURVE_POINTS;

/** A step setting is at most the furthest step a trial can report. */
const MAX_STEP = MAX_REPORT_STEP;
const TYPES = ['none', 'median', 'percentile', 'asha', 'hyperband'] as const;
type PrunerType = (typeof TYPES)[number];

/** The keys each type takes, as the user writes them. */
const KEYS: Readonly<Record<PrunerType, readonly string[]>> = {
  none: ['type'],
  median: ['type', 'warmup_steps', 'min_trials', 'interval_steps'],
  percentile: ['type', 'percentile', 'warmup_steps', 'min_trials', 'interval_steps'],
  asha: ['type', 'min_step', 'reduction', 'warmup_steps', 'min_trials'],
  hyperband: ['type', 'min_step', 'max_step', 'reduction', 'warmup_steps', 'min_trials'],
};

function wholeNumber(field: string, raw: unknown, fallback: number, min: number, max = MAX_STEP): number {
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw badInput(field, `${field} must be a whole number from ${min} to ${max}, but got ${describe(raw)}`);
  }
  return raw;
}

/**
 * Validates an experiment's `pruner`: a type name (`'median'`, `'none'`, `'percentile'`, `'asha'`,
 * `'hyperband'`) or an object `{type, ...settings}` with snake_case keys as the README lists them;
 * absent: {@link DEFAULT_PRUNER}. Throws BAD_USER_INPUT naming the field.
 */
export function parsePruner(raw: unknown, field = 'experiment.pruner'): PrunerConfig {
  if (raw === undefined || raw === null) return DEFAULT_PRUNER;
  const spec: Readonly<Record<string, unknown>> =
    typeof raw === 'string' ? { type: raw } : typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const type = spec.type;
  if (typeof raw !== 'string' && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw badInput(field, `${field} must be a pruner name (${TYPES.join(', ')}) or an object such as {"type": "asha", "reduction": 3}`);
  }
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    const at = typeof raw === 'string' ? field : `${field}.type`;
    throw badInput(at, `${at} must be one of ${TYPES.join(', ')}, but got ${describe(type ?? null)}`);
  }
  const kind = type as PrunerType;
  for (const key of Object.keys(spec)) {
    if (!KEYS[kind].includes(key)) throw badInput(`${field}.${key}`, `${field}: unknown key "${key.slice(0, 40)}" for ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} pruner (allowed: ${KEYS[kind].join(', ')})`);
  }
  if (kind === 'none') return { type: 'none' };
  const at = (key: string) => `${field}.${key}`;
  const warmupSteps = wholeNumber(at('warmup_steps'), spec.warmup_steps, 0, 0);
  if (kind === 'median' || kind === 'percentile') {
    let percentile = 50;
    if (kind === 'percentile') {
      const value = spec.percentile;
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 100) {
        throw badInput(at('percentile'), `${at('percentile')} must be a number above 0 and below 100 (25 keeps the best quarter), but got ${describe(value ?? null)}`);
      }
      percentile = value;
    }
    return {
      type: kind,
      percentile,
      warmupSteps,
      minTrials: wholeNumber(at('min_trials'), spec.min_trials, 5, 0, 100_000),
      intervalSteps: wholeNumber(at('interval_steps'), spec.interval_steps, 1, 1),
    };
  }
  const minStep = wholeNumber(at('min_step'), spec.min_step, kind === 'asha' ? ASHA_MIN_STEP : 1, 1);
  const reduction = wholeNumber(at('reduction'), spec.reduction, 3, 2, 100);
  const minTrials = wholeNumber(at('min_trials'), spec.min_trials, 1, 0, 100_000);
  if (kind === 'asha') return { type: 'asha', minStep, reduction, warmupSteps, minTrials };
  const maxStep = spec.max_step === undefined || spec.max_step === null ? null : wholeNumber(at('max_step'), spec.max_step, 0, minStep);
  if (maxStep !== null && maxStep < minStep * reduction) {
    throw badInput(at('max_step'), `${at('max_step')} must be at least min_step × reduction (${minStep * reduction}) for hyperband to have a rung, but got ${maxStep}`);
  }
  return { type: 'hyperband', minStep, maxStep, reduction, warmupSteps, minTrials };
}

/** A stored pruner (the experiment's JSON column) read back; null or unreadable: the default. */
export function storedPruner(value: unknown): PrunerConfig {
  if (value === null || typeof value !== 'object' || !('type' in value)) return DEFAULT_PRUNER;
  return value as PrunerConfig;
}

/**
 * Whether a stored pruner is the one a request asks for. A hyperband pruner without max_step matches
 * the one stored with the max_step it found (server/trials/reports.ts fixes it once a trial completes).
 */
export function samePruner(stored: unknown, requested: PrunerConfig): boolean {
  const current = storedPruner(stored);
  if (current.type === 'hyperband' && requested.type === 'hyperband' && requested.maxStep === null) {
    return isDeepStrictEqual({ ...current, maxStep: null }, requested);
  }
  return isDeepStrictEqual(current, requested);
}

/** The pruner as the user would write it (snake_case), for the API and the dashboard. */
export function prunerSpec(config: PrunerConfig): Record<string, unknown> {
  switch (config.type) {
    case 'none':
      return { type: 'none' };
    case 'median':
    case 'percentile':
      return {
        type: config.type,
        ...(config.type === 'percentile' ? { percentile: config.percentile } : {}),
        warmup_steps: config.warmupSteps,
        min_trials: config.minTrials,
        interval_steps: config.intervalSteps,
      };
    case 'asha':
      return { type: 'asha', min_step: config.minStep, reduction: config.reduction, warmup_steps: config.warmupSteps, min_trials: config.minTrials };
    case 'hyperband':
      return {
        type: 'hyperband',
        min_step: config.minStep,
        max_step: config.maxStep,
        reduction: config.reduction,
        warmup_steps: config.warmupSteps,
        min_trials: config.minTrials,
      };
  }
}
