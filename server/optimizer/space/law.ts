/** How a numeric distribution maps its values onto the unit interval: the interface and the linear law. */

/**
 * How a distribution spreads the interval [a, b] (of x, or of ln x for log distributions) over [0, 1]:
 * its CDF there and the inverse. `fromUnit(0)` is a and `fromUnit(1)` is b exactly.
 */
export interface Law {
  /** Where y falls in [0, 1] (may leave [0, 1] or be NaN outside [a, b]: the caller clamps). */
  toUnit(y: number): number;
  /** The y at quantile t in [0, 1], within [a, b]. */
  fromUnit(t: number): number;
}

/** The linear law on [a, b]: uniform in y. */
export function linearLaw(a: number, b: number): Law {
  return {
    toUnit: (y) => (y - a) / (b - a),
    fromUnit: (t) => (t === 1 ? b : a + t * (b - a)),
  };
}
