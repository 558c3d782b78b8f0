import type { HyperbandConfig } from './pruner-config.ts';

/**
 * Hyperband (Li et al., JMLR 2018) as Optuna runs it: brackets s = 0..n-1, bracket s starting its
 * successive halving at rung s (later first rungs: fewer, longer-running trials); trials are spread
 * over the brackets in proportion to each bracket's budget ceil(n · r^(n-1-s) / (n-s)), by a hash of
 * the trial's number, so every process puts a trial in the same bracket.
 */

/** How many brackets a Hyperband pruner has for `maxStep`. */
export function bracketCount(config: Pick<HyperbandConfig, 'minStep' | 'reduction'>, maxStep: number): number {
  // The count of rungs that fit in [minStep, maxStep]: floor(log_r(max/min)) + 1, in whole numbers (no rounding error).
  let count = 1;
  for (let step = config.minStep * config.reduction; step <= maxStep && count < 32; step *= config.reduction) count++;
  return count;
}

/** The share of trials each bracket gets (Optuna's trial allocation budget). */
export function bracketBudgets(brackets: number, reduction: number): number[] {
  return Array.from({ length: brackets }, (_, bracket) => {
    const s = brackets - 1 - bracket;
    return Math.ceil((brackets * reduction ** s) / (s + 1));
  });
}

/** A 32-bit FNV-1a hash of a string: spreads trial numbers over brackets, the same in every process. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The bracket of trial `number` of experiment `experimentId`. */
export function bracketOf(experimentId: string, number: number, budgets: readonly number[]): number {
  const total = budgets.reduce((sum, b) => sum + b, 0);
  let n = hash(`${experimentId}_${number}`) % total;
  for (let bracket = 0; bracket < budgets.length; bracket++) {
    n -= budgets[bracket]!;
    if (n < 0) return bracket;
  }
  return budgets.length - 1;
}
