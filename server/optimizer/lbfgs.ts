/** A function to minimise and its gradient at x. */
export type ObjectiveWithGradient = (x: Float64Array) => { value: number; gradient: Float64Array };

/** Options of `minimizeBox`. */
export interface BoxOptions {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Iterations at most; 60 when omitted. */
  readonly maxIterations?: number;
  /** Stop when the projected gradient's largest entry is below this; 1e-5 when omitted. */
  readonly tolerance?: number;
}

function project(x: Float64Array, lower: Float64Array, upper: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(upper[i]!, Math.max(lower[i]!, x[i]!));
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Minimises a smooth function on a box with limited-memory BFGS (memory 8),
 * projecting every trial point onto the box and backtracking (Armijo) along the
 * projected path. Good enough for the handful of GP hyperparameters; not a
 * general-purpose L-BFGS-B. Non-finite values count as worse than any finite one.
 */
export function minimizeBox(f: ObjectiveWithGradient, start: Float64Array, options: BoxOptions): { x: Float64Array; value: number } {
  const { lower, upper } = options;
  const maxIterations = options.maxIterations ?? 60;
  const tolerance = options.tolerance ?? 1e-5;
  let x = project(start, lower, upper);
  let { value, gradient } = f(x);
  if (!Number.isFinite(value)) return { x, value };
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (let iter = 0; iter < maxIterations; iter++) {
    // Projected gradient norm: free variables, or pointing into the box.
    let pgMax = 0;
    for (let i = 0; i < x.length; i++) {
      const g = gradient[i]!;
      const blocked = (x[i]! <= lower[i]! && g > 0) || (x[i]! >= upper[i]! && g < 0);
      if (!blocked) pgMax = Math.max(pgMax, Math.abs(g));
    }
    if (pgMax < tolerance) break;
    // Two-loop recursion.
    const q = Float64Array.from(gradient);
    const alphas: number[] = [];
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = dot(ss[k]!, q) / dot(ys[k]!, ss[k]!);
      alphas[k] = a;
      for (let i = 0; i < q.length; i++) q[i]! -= a * ys[k]![i]!;
    }
    const last = ss.length - 1;
    const gamma = last >= 0 ? dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!) : 1 / Math.max(1, pgMax);
    for (let i = 0; i < q.length; i++) q[i]! *= gamma;
    for (let k = 0; k < ss.length; k++) {
      const b = dot(ys[k]!, q) / dot(ys[k]!, ss[k]!);
      for (let i = 0; i < q.length; i++) q[i]! += ss[k]![i]! * (alphas[k]! - b);
    }
    // Direction -q, with blocked coordinates frozen.
    const direction = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const d = -q[i]!;
      const blocked = (x[i]! <= lower[i]! && d < 0) || (x[i]! >= upper[i]! && d > 0);
      direction[i] = blocked ? 0 : d;
    }
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < x.length; i++) direction[i] = -gradient[i]! / Math.max(1, pgMax);
      slope = dot(direction, gradient);
      if (!(slope < 0)) break;
    }
    let step = 1;
    let accepted = false;
    for (let tries = 0; tries < 25; tries++) {
      const trial = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) trial[i] = x[i]! + step * direction[i]!;
      const projected = project(trial, lower, upper);
      const next = f(projected);
      let moved = 0;
      for (let i = 0; i < x.length; i++) moved += gradient[i]! * (projected[i]! - x[i]!);
      if (Number.isFinite(next.value) && next.value <= value + 1e-4 * Math.min(moved, 0)) {
        const s = new Float64Array(x.length);
        const y = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          s[i] = projected[i]! - x[i]!;
          y[i] = next.gradient[i]! - gradient[i]!;
        }
        if (dot(s, y) > 1e-12) {
          ss.push(s);
          ys.push(y);
          if (ss.length > 8) {
            ss.shift();
            ys.shift();
          }
        }
        const improvement = value - next.value;
        x = projected;
        value = next.value;
        gradient = next.gradient;
        accepted = true;
        if (improvement < 1e-10 * Math.max(1, Math.abs(value))) return { x, value };
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
  }
  return { x, value };
}
