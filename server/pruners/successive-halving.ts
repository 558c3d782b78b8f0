/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", 2020), the decision Optuna's SuccessiveHalvingPruner makes: a trial reaching rung k (step
 * min_step × reduction^(k + first rung)) records its value there, and goes on only if that value is
 * among the best 1/reduction of the values recorded at that rung so far (its own included; with fewer
 * than `reduction` values, only the best goes on). No trial ever waits for a rung to fill. The value
 * recorded is the trial's value at the step (hyperband) or, for asha, the final value its curve so far
 * predicts (server/pruners/decide.ts, learning-curve.ts).
 */

/** How a successive-halving bracket is laid out. */
export interface Rungs {
  readonly minStep: number;
  readonly reduction: number;
  /** Rungs skipped at the start (Hyperband's bracket index; 0 for ASHA). */
  readonly firstRung: number;
}

/** The most rungs a trial passes: reduction ≥ 2 and steps ≤ 10^9 give at most 30. */
export const MAX_RUNGS = 32;

/** The step at which a trial reaches rung `rung` (0-based). */
export function rungStep(rungs: Rungs, rung: number): number {
  return rungs.minStep * rungs.reduction ** (rungs.firstRung + rung);
}

/** The rungs a trial at `step` has reached that it has no value for yet (it has values for rungs 0..recorded-1). */
export function rungsReached(rungs: Rungs, recorded: number, step: number): number[] {
  const reached: number[] = [];
  for (let rung = recorded; rung < MAX_RUNGS && step >= rungStep(rungs, rung); rung++) reached.push(rung);
  return reached;
}

/**
 * Whether a trial with `value` at a rung goes on, given the values other trials recorded there:
 * its value must be at most the (n / reduction)th best of all n (at least the best), as Optuna's
 * `_is_trial_promotable_to_next_rung` does.
 */
export function promoted(value: number, others: readonly number[], reduction: number): boolean {
  const all = Float64Array.from([...others, value]).sort();
  const index = Math.max(0, Math.floor(all.length / reduction) - 1);
  return value <= all[index]!;
}

/** The value at `step` on the line from `before` to `after` (`after` alone without `before`; either when they meet). */
export function interpolated(before: { step: number; value: number } | null, after: { step: number; value: number }, step: number): number {
  if (before === null || after.step === before.step) return (before ?? after).value;
  const value = before.value + ((after.value - before.value) * (step - before.step)) / (after.step - before.step);
  // Two huge values of opposite signs can overflow the difference: fall back to the nearer one.
  return Number.isFinite(value) ? value : step - before.step <= after.step - step ? before.value : after.value;
}
