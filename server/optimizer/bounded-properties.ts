/**
 * Property checks that every computation on a user's search space is bounded: random (often hostile)
 * specs go to the validator, the unit-cube mapping and every optimizer, and each call must return or
 * refuse within a time bound. Run inside a worker thread by `bounded.test.ts`, so that a call that
 * never returns fails the test at a deadline instead of hanging it.
 */
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { PRIOR_SIGMAS } from './space/normal-prior.ts';
import { OptimizerError } from './errors.ts';
import { quasiRandomSuggestions } from './qmc.ts';
import { sampleParams } from './random.ts';
import { optimizerNames, resolveOptimizer } from './registry.ts';
import { createRng } from './rng.ts';
import { decode, encode, parseSearchSpace, type NumericParameter, type Parameter, type Params, type SearchSpace } from './space.ts';
import { fromUnit, toUnit } from './space/numeric.ts';

/** What a worker is asked to check. */
export interface PropertyTask {
  readonly kind: 'validator' | 'optimizers';
  readonly runs: number;
  readonly seed: number;
  /** Longest a single call may take, in milliseconds. */
  readonly boundMs: number;
}

/** Numbers a user (or an attacker) might put in a spec: edges of double precision and of the integers. */
const nastyNumber = fc.oneof(
  fc.constantFrom(
    0, -0, 1, -1, 3, 0.1, 0.3, 1e-5, 1e-17, 1e-300, 5e-324, 1e17, 1e300, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE,
    2 ** 52, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER,
  ),
  fc.double({ noDefaultInfinity: false }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ min: -10, max: 10, noNaN: true }),
);

const anyValue = fc.oneof(nastyNumber, fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.constant(Number.NaN));

const numericSpec = fc.record(
  {
    min: fc.oneof(nastyNumber, anyValue),
    max: fc.oneof(nastyNumber, anyValue),
    step: fc.oneof(nastyNumber, fc.constantFrom(1, 0.5, 3, 1e-3)),
    mu: nastyNumber,
    sigma: nastyNumber,
    distribution: fc.oneof(fc.constantFrom('uniform', 'log_uniform', 'normal', 'log_normal'), fc.string({ maxLength: 6 })),
  },
  { requiredKeys: [] },
);

const positive = fc.oneof(
  fc.constantFrom(1e-300, 1e-17, 1e-5, 0.05, 0.1, 1, 3, 10, 1e6, 1e17, 2 ** 53, 2 ** 60, 1e300, 1e307, Number.MAX_VALUE),
  fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
);
/** Specs shaped as users write them (so many pass the validator), with edge values in every slot. */
const plausibleSpec = fc.oneof(
  fc
    .record({ low: nastyNumber, width: positive, step: fc.option(positive, { nil: undefined }), log: fc.boolean() })
    .map(({ low, width, step, log }) => ({
      min: log ? Math.abs(low) || 1e-3 : low,
      max: (log ? Math.abs(low) || 1e-3 : low) + width,
      ...(step !== undefined ? { step } : {}),
      ...(log ? { distribution: 'log_uniform' } : {}),
    })),
  fc
    .record({
      mu: nastyNumber,
      sigma: positive,
      log: fc.boolean(),
      min: fc.option(nastyNumber, { nil: undefined }),
      max: fc.option(nastyNumber, { nil: undefined }),
      step: fc.option(positive, { nil: undefined }),
    })
    .map(({ mu, sigma, log, min, max, step }) => ({
      distribution: log ? 'log_normal' : 'normal',
      mu: log ? Math.max(-50, Math.min(50, mu)) : mu,
      sigma,
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(step !== undefined ? { step } : {}),
    })),
);

const choice = fc.oneof(fc.string({ maxLength: 12 }), nastyNumber, fc.boolean());
const spec = fc.oneof(
  { weight: 4, arbitrary: plausibleSpec },
  { weight: 2, arbitrary: numericSpec },
  { weight: 2, arbitrary: fc.array(choice, { maxLength: 12 }) },
  { weight: 1, arbitrary: anyValue },
);
const parameterName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('x', 'y', 'lr', 'layers', 'momentum', 'act') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', '', 'a\u0000b', 'tab\there', 'constructor', 'x'.repeat(200)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
/** An object from entries, as JSON.parse makes it (`__proto__` as an own key). */
function objectOf<T>(entry: fc.Arbitrary<readonly [string, T]>, maxLength: number): fc.Arbitrary<Record<string, T>> {
  return fc.array(entry, { maxLength }).map((entries) => Object.fromEntries(entries));
}
const choiceName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('adam', 'sgd', 'svm', 'forest', 'linear', 'x') },
  { weight: 1, arbitrary: fc.constantFrom('', 'a.b', '__proto__', 'n\u0000ul', 'c'.repeat(1001)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
/**
 * A categorical whose choices carry sub-parameters, `depth` levels of choices deep at most (past the
 * validator's limit of 4 when `depth` is 5 or more), sub-parameter names shared between choices and
 * with the top level; some malformed (choices a list or a scalar, a choice that is not an object, an
 * extra key).
 */
function treeSpec(depth: number): fc.Arbitrary<unknown> {
  const sub = depth <= 1 ? spec : fc.oneof({ weight: 3, arbitrary: spec }, { weight: 2, arbitrary: treeSpec(depth - 1) });
  const branches = objectOf(fc.tuple(choiceName, objectOf(fc.tuple(parameterName, sub), 3)), 4);
  return fc.oneof(
    { weight: 8, arbitrary: branches.map((choices) => ({ choices })) },
    { weight: 1, arbitrary: fc.oneof(fc.array(choice, { maxLength: 3 }), anyValue, objectOf(fc.tuple(choiceName, anyValue), 3)).map((choices) => ({ choices })) },
    { weight: 1, arbitrary: branches.map((choices) => ({ choices, min: 0 })) },
  );
}
/** A well-formed tree as users write it (most pass the validator), with plausible leaves and shared names. */
function plausibleTree(depth: number): fc.Arbitrary<unknown> {
  const leaf = fc.oneof({ weight: 3, arbitrary: plausibleSpec }, { weight: 1, arbitrary: fc.array(choice, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: choice });
  const sub = depth <= 1 ? leaf : fc.oneof({ weight: 3, arbitrary: leaf }, { weight: 1, arbitrary: plausibleTree(depth - 1) });
  const names = fc.constantFrom('x', 'y', 'lr', 'layers', 'momentum', 'act', 'c', 'gamma');
  return objectOf(fc.tuple(fc.constantFrom('adam', 'sgd', 'svm', 'forest', 'linear'), objectOf(fc.tuple(names, sub), 3)), 4).map((choices) => ({ choices }));
}
const anySpec = fc.oneof({ weight: 8, arbitrary: spec }, { weight: 3, arbitrary: plausibleTree(3) }, { weight: 1, arbitrary: treeSpec(5) });
/** A raw search space as JSON would carry it (`__proto__` as an own key, as JSON.parse makes it). */
const rawSpace = fc.array(fc.tuple(parameterName, anySpec), { minLength: 0, maxLength: 6, size: 'max' }).map((entries) => Object.fromEntries(entries));

/**
 * Why `params` does not hold exactly the active parameters of `space`, or null: every parameter
 * without a condition, and each sub-parameter whose parent is in `params` with one of its condition's
 * values. Written apart from the code under test.
 */
export function activeKeysProblem(space: SearchSpace, params: Params): string | null {
  const byName = new Map(space.parameters.map((param) => [param.name, param]));
  const isActive = (param: Parameter): boolean => {
    let current: Parameter | undefined = param;
    for (let level = 0; current?.condition !== undefined; level++) {
      const value = params[current.condition.parent];
      if (level > 10 || value === undefined || !current.condition.values.includes(value)) return false;
      current = byName.get(current.condition.parent);
    }
    return current !== undefined;
  };
  const expected = space.parameters.filter(isActive).map((param) => param.name).sort();
  const got = Object.keys(params).sort();
  return JSON.stringify(got) === JSON.stringify(expected) ? null : `keys ${JSON.stringify(got)}, but the active parameters are ${JSON.stringify(expected)}`;
}

/**
 * Runs `fn` within `bound` ms of wall time. A call over it is run once more (on the same input; a
 * sampler draws again) and fails only when it is over again: unbounded work repeats, a pause of a
 * busy machine (another process scheduled, a garbage collection) does not.
 */
function timed<T>(what: string, bound: number, fn: () => T): T {
  let took = Infinity;
  let result: T | undefined;
  for (let attempt = 0; attempt < 2 && took > bound; attempt++) {
    const started = performance.now();
    result = fn();
    took = performance.now() - started;
  }
  if (took > bound) throw new Error(`${what} took ${took.toFixed(0)} ms twice, over the bound of ${bound} ms`);
  return result as T;
}

function tryParse(raw: unknown): SearchSpace | null {
  try {
    return parseSearchSpace(raw);
  } catch (error) {
    if (error instanceof OptimizerError) return null;
    throw error;
  }
}

/** Every value of a numeric parameter must be finite, inside its bounds and prior window, on its grid. */
function checkValue(param: NumericParameter, x: number): void {
  const fail = (problem: string) => {
    throw new Error(`parameter ${JSON.stringify(param)}: value ${x} ${problem}`);
  };
  if (!Number.isFinite(x)) fail('is not finite');
  if (param.low !== null && x < param.low) fail('is below min');
  if (param.high !== null && x > param.high) fail('is above max');
  const log = param.distribution === 'log_uniform' || param.distribution === 'log_normal';
  if (log && !(x > 0)) fail('is not positive');
  if (param.kind === 'int' && !Number.isInteger(x)) fail('is not an integer');
  if ((param.distribution === 'normal' || param.distribution === 'log_normal') && param.low === null && param.high === null) {
    const y = log ? Math.log(x) : x;
    const slack = (Math.abs(param.mu) + PRIOR_SIGMAS * param.sigma + (log ? 1 : 0)) * 4 * Number.EPSILON + (param.step !== null ? (log ? Math.log1p(param.step / x) : param.step) : 0);
    if (Math.abs(y - param.mu) > PRIOR_SIGMAS * param.sigma + slack) fail(`is more than ${PRIOR_SIGMAS} sigma from the mean`);
  }
  // Grid values map back to themselves, as long as their cell holds a share of [0, 1] that double
  // precision resolves: always for uniform laws; not in the far tails of a prior narrower than its grid.
  const uniform = param.distribution === 'uniform' || param.distribution === 'log_uniform';
  if (param.step !== null && uniform && fromUnit(param, toUnit(param, x)) !== x) fail('does not map back to itself');
}

function checkSpace(space: SearchSpace, seed: number, bound: number): void {
  const rng = createRng(seed);
  for (const param of space.parameters) {
    if (param.kind !== 'int' && param.kind !== 'float') continue;
    for (const u of [0, 1, 0.5, 1e-300, 1 - 2 ** -53, rng.uniform(), rng.uniform()]) {
      const x = timed('fromUnit', bound, () => fromUnit(param, u));
      checkValue(param, x);
      const back = timed('toUnit', bound, () => toUnit(param, x));
      if (!(back >= 0 && back <= 1)) throw new Error(`toUnit gave ${back} for ${x}`);
      checkValue(param, fromUnit(param, back));
    }
  }
  const drawn: Params[] = [
    ...timed('quasi-random', bound, () => quasiRandomSuggestions({ space, completed: [], running: [], seed }, 3)),
    timed('random', bound, () => sampleParams(space, rng)),
  ];
  for (const params of drawn) {
    const keys = activeKeysProblem(space, params);
    if (keys !== null) throw new Error(`a sampler gave ${keys}`);
    timed('encode/decode', bound, () => decode(space, encode(space, params)));
  }
}

/** How many cases a check ran, and how many of them reached the code under test (not vacuous). */
export interface PropertyStats {
  runs: number;
  /** Validator: spaces (or single parameters) accepted. Optimizers: calls that returned suggestions from a model (past the quasi-random start). */
  reached: number;
  /** Of those, how many were on a conditional space (choices with sub-parameters). */
  conditional: number;
}

/** The validator returns or refuses within the bound, and every space it accepts maps and samples safely. */
function validatorProperty(task: PropertyTask): PropertyStats {
  const stats = { runs: 0, reached: 0, conditional: 0 };
  fc.assert(
    fc.property(rawSpace, fc.integer({ min: 0, max: 2 ** 31 }), (raw, seed) => {
      stats.runs++;
      // The whole space, then each parameter alone (one bad parameter refuses a space).
      const candidates = [raw, ...Object.entries(raw).map(([name, spec]) => ({ [name]: spec }))];
      for (const candidate of candidates) {
        const space = timed('parseSearchSpace', task.boundMs, () => tryParse(candidate));
        if (space === null) continue;
        stats.reached++;
        if (space.parameters.some((param) => param.condition !== undefined)) stats.conditional++;
        checkSpace(space, seed, task.boundMs);
      }
    }),
    { numRuns: task.runs, seed: task.seed },
  );
  return stats;
}

const loss = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1e308, 1e308, 0, 5e-324) },
);

/** Every optimizer returns a valid suggestion within the bound, or refuses with an OptimizerError, on any accepted space and history. */
function optimizersProperty(task: PropertyTask): PropertyStats {
  const stats = { runs: 0, reached: 0, conditional: 0 };
  const validSpace = rawSpace.map(tryParse).filter((space): space is SearchSpace => space !== null);
  const history = fc.record({
    completed: fc.array(loss, { maxLength: 24, size: 'max' }),
    running: fc.integer({ min: 0, max: 4 }),
    count: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    algorithm: fc.constantFrom(...optimizerNames),
  });
  fc.assert(
    fc.property(validSpace, history, (space, h) => {
      stats.runs++;
      if (h.completed.length >= 12) {
        stats.reached++;
        if (space.parameters.some((param) => param.condition !== undefined)) stats.conditional++;
      }
      const rng = createRng(h.seed);
      const completed = h.completed.map((value) => ({ params: sampleParams(space, rng), loss: value }));
      const running = Array.from({ length: h.running }, () => ({ params: sampleParams(space, rng) }));
      let result;
      try {
        result = timed(`optimizer ${h.algorithm}`, task.boundMs, () =>
          resolveOptimizer(h.algorithm).suggest({ space, completed, running, seed: h.seed, count: h.count }),
        );
      } catch (error) {
        if (error instanceof OptimizerError) return;
        throw error;
      }
      // Fewer only when a finite grid is used up (grid search).
      if (result.exhausted === true ? result.suggestions.length > h.count : result.suggestions.length !== h.count) {
        throw new Error(`${h.algorithm} returned ${result.suggestions.length} of ${h.count}`);
      }
      if (h.algorithm === 'grid') {
        // Grid search never repeats a point: not a trial's, not another batch member's.
        const seen = new Set([...completed, ...running].map((trial) => JSON.stringify(trial.params)));
        for (const params of result.suggestions) {
          const key = JSON.stringify(params);
          if (seen.has(key)) throw new Error(`grid repeated ${key}`);
          seen.add(key);
        }
      }
      for (const params of result.suggestions) {
        encode(space, params);
        const keys = activeKeysProblem(space, params);
        if (keys !== null) throw new Error(`${h.algorithm}: ${keys}`);
        for (const param of space.parameters) {
          if ((param.kind === 'int' || param.kind === 'float') && Object.hasOwn(params, param.name)) checkValue(param, params[param.name] as number);
        }
      }
    }),
    { numRuns: task.runs, seed: task.seed },
  );
  return stats;
}

/** Runs one property check; throws fast-check's report (with the counterexample) when it fails. */
export function runProperty(task: PropertyTask): PropertyStats {
  return task.kind === 'validator' ? validatorProperty(task) : optimizersProperty(task);
}
