/**
 * What each kind of parameter keeps in its own home (`numeric.ts`, `categorical.ts`, `constant.ts`),
 * as Optuna keeps validation, transform and sampling on its distribution classes: its canonical spec,
 * its sampling, and for the tunable kinds the number algorithms see for a value and back.
 */
import type { Rng } from '../rng.ts';
import type { Parameter, ParameterJson, ParamValue, TunableParameter } from './parameter.ts';

/** Everything about one kind of parameter that is not its parsing (each home exports its own `parse`). */
export interface ParameterHome<P extends Parameter> {
  /** Its spec in canonical Oscar form, which the validator accepts back. */
  toJson(param: P): ParameterJson;
  /** A value drawn from its declared distribution (categorical: a uniform choice; a constant: its value). */
  sample(param: P, rng: Rng): ParamValue;
}

/** A parameter an optimizer chooses values for, seen as one number of an algorithm's vector. */
export interface TunableHome<P extends TunableParameter> extends ParameterHome<P> {
  /**
   * The value at u in [0, 1] of the unit interval (a quasi-random point's coordinate): a numeric
   * parameter's quantile u (so normal priors are followed), a categorical's choice floor(u * choices).
   */
  fromCube(param: P, u: number): ParamValue;
  /**
   * The number for a value: its unit value in [0, 1] (numeric, values beyond the bounds clamped) or
   * its index in the choices (categorical).
   * @throws {InvalidTrialError} if the value is not a finite number, or not one of the choices.
   */
  encode(param: P, value: ParamValue): number;
  /**
   * The value for any number (the inverse of `encode`): the quantile of a unit value, snapped to the
   * step grid; the choice at the rounded, clamped index.
   * @throws {RangeError} if `v` is NaN.
   */
  decode(param: P, v: number): ParamValue;
  /** The number of the nearest value a trial can take (step grid, integer, bounds; a valid index). */
  snap(param: P, v: number): number;
  /** A uniformly random number of its representation: a unit value, or a choice index. */
  randomCoordinate(param: P, rng: Rng): number;
}
