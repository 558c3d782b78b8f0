import { describe, expect, it } from 'vitest';
import { optimizerNames, resolveOptimizer } from './registry.ts';
import { parseSearchSpace, type NumericParameter, type Params, type SearchSpace } from './space.ts';
import type { CompletedTrial, RunningTrial, SuggestRequest } from './types.ts';
import { encode, tunableParameters } from './space.ts';
import { activeKeysProblem } from './bounded-properties.ts';
import { UnsupportedSpaceError } from './errors.ts';

const flatSpace = parseSearchSpace({
  lr: { min: 1e-5, max: 1e-1, distribution: 'log_uniform' },
  dropout: { min: 0, max: 0.5 },
  momentum: { min: 0.5, max: 0.99, step: 0.01 },
  layers: { min: 1, max: 8, step: 1 },
  width: { min: 16, max: 1024, step: 16, distribution: 'log_uniform' },
  init: { distribution: 'normal', mu: 0, sigma: 0.1 },
  temperature: { distribution: 'normal', mu: 1, sigma: 0.5, min: 0, max: 2, step: 0.05 },
  batch: { distribution: 'log_normal', mu: 4, sigma: 1, step: 1 },
  decay: { distribution: 'log_normal', mu: -6, sigma: 2, max: 0.1 },
  optimizer: ['adam', 'sgd', 'rmsprop'],
  flags: [true, false, 0, 'auto'],
  activation: ['relu'],
  epochs: 10,
  dataset: 'cifar10',
  shuffle: true,
});

/** A tree: choices with sub-parameters, a name shared by two choices, nesting, an empty choice, a constant parent. */
const treeSpace = parseSearchSpace({
  lr: { min: 1e-5, max: 1e-1, distribution: 'log_uniform' },
  dropout: { min: 0, max: 0.5 },
  model: {
    choices: {
      forest: { n_trees: { min: 10, max: 500, step: 10 }, max_depth: { min: 2, max: 32, step: 1 } },
      svm: {
        C: { min: 1e-3, max: 1e3, distribution: 'log_uniform' },
        kernel: { choices: { rbf: { gamma: { min: 1e-4, max: 10, distribution: 'log_uniform' } }, poly: { degree: { min: 2, max: 5, step: 1 }, coef0: 1 } } },
      },
      linear: {},
    },
  },
  optimizer: { choices: { adam: { lr: { min: 1e-4, max: 1e-2 }, beta1: { distribution: 'normal', mu: 0.9, sigma: 0.03, max: 0.999 } }, sgd: { lr: { min: 1e-3, max: 1 } } } },
  schedule: { choices: { cosine: { warmup: { min: 0, max: 10, step: 1 } } } },
  epochs: 10,
});

/** Holds exactly the active parameters (every parameter, in a flat space), each a value it can take. */
function isValid(params: Params, target: SearchSpace): string | null {
  const keys = activeKeysProblem(target, params);
  if (keys !== null) return keys;
  for (const param of target.parameters) {
    if (!Object.hasOwn(params, param.name)) continue;
    const value = params[param.name];
    if (param.kind === 'constant') {
      if (value !== param.value) return `${param.name}: constant changed to ${value}`;
    } else if (param.kind === 'categorical') {
      if (value === undefined || !param.choices.includes(value)) return `${param.name}: ${value} not a choice`;
    } else if (typeof value !== 'number' || !numericValueFits(param, value)) {
      return `${param.name}: ${value} outside its domain`;
    }
  }
  return null;
}

function numericValueFits(param: NumericParameter, x: number): boolean {
  if (!Number.isFinite(x)) return false;
  if (param.low !== null && x < param.low) return false;
  if (param.high !== null && x > param.high) return false;
  if ((param.distribution === 'log_uniform' || param.distribution === 'log_normal') && !(x > 0)) return false;
  if (param.kind === 'int' && !Number.isInteger(x)) return false;
  if (param.step !== null) {
    const k = (x - (param.low ?? param.high ?? 0)) / param.step;
    if (Math.abs(k - Math.round(k)) > 1e-9) return false;
  }
  return true;
}

/** Same choices and every numeric parameter within 0.1% of its unit range. */
function nearlyEqual(space: SearchSpace, a: Params, b: Params): boolean {
  const x = encode(space, a);
  const y = encode(space, b);
  return tunableParameters(space).every((param, i) =>
    param.kind === 'categorical' ? x[i] === y[i] : Math.abs(x[i]! - y[i]!) < 1e-3,
  );
}

function request(space: SearchSpace, overrides: Partial<SuggestRequest> = {}): SuggestRequest {
  return { space, completed: [], running: [], seed: 1, ...overrides };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function history(space: SearchSpace, count: number): { completed: CompletedTrial[]; running: RunningTrial[] } {
  const random = resolveOptimizer('random');
  const { suggestions } = random.suggest({ space, completed: [], running: [], seed: 99, count: count + 3 });
  const completed = suggestions.slice(0, count).map((params, i) => ({
    params,
    loss: i === 1 ? Number.NaN : i === 2 ? Number.POSITIVE_INFINITY : Math.sin(i) + Number(params.dropout),
  }));
  return { completed, running: suggestions.slice(count).map((params) => ({ params })) };
}

/** `flatSpace` with a step for every numeric parameter, as grid search needs (about 3.4e8 points). */
const flatGridSpace = parseSearchSpace({
  lr: { min: 1e-5, max: 1e-1, step: 1e-3, distribution: 'log_uniform' },
  dropout: { min: 0, max: 0.5, step: 0.05 },
  momentum: { min: 0.5, max: 0.99, step: 0.07 },
  layers: { min: 1, max: 8, step: 1 },
  width: { min: 16, max: 1024, step: 64, distribution: 'log_uniform' },
  init: { distribution: 'normal', mu: 0, sigma: 0.1, step: 0.05 },
  optimizer: ['adam', 'sgd', 'rmsprop'],
  flags: [true, false, 0, 'auto'],
  activation: ['relu'],
  epochs: 10,
  dataset: 'cifar10',
  shuffle: true,
});

/** `treeSpace` with a step for every numeric parameter (about 1.9e8 points). */
const treeGridSpace = parseSearchSpace({
  lr: { min: 1e-5, max: 1e-1, step: 1e-3, distribution: 'log_uniform' },
  dropout: { min: 0, max: 0.5, step: 0.1 },
  model: {
    choices: {
      forest: { n_trees: { min: 10, max: 500, step: 50 }, max_depth: { min: 2, max: 32, step: 5 } },
      svm: {
        C: { min: 1e-3, max: 1e3, step: 10, distribution: 'log_uniform' },
        kernel: { choices: { rbf: { gamma: { min: 1e-4, max: 10, step: 1, distribution: 'log_uniform' } }, poly: { degree: { min: 2, max: 5, step: 1 }, coef0: 1 } } },
      },
      linear: {},
    },
  },
  optimizer: { choices: { adam: { lr: { min: 1e-4, max: 1e-2, step: 1e-3 } }, sgd: { lr: { min: 1e-3, max: 1, step: 0.1 } } } },
  schedule: { choices: { cosine: { warmup: { min: 0, max: 10, step: 1 } } } },
  epochs: 10,
});

const spaces = [
  ['flat', flatSpace, flatGridSpace],
  ['conditional', treeSpace, treeGridSpace],
] as const;

/** The optimizers that draw from the parameters' distributions (grid search enumerates step values instead). */
const samplers = optimizerNames.filter((name) => name !== 'grid');

describe('grid search declines a space without a grid', () => {
  it.each(spaces)('throws UnsupportedSpaceError on the %s space, whose numeric parameters lack steps', (_kind, space) => {
    expect(() => resolveOptimizer('grid').suggest(request(space))).toThrow(UnsupportedSpaceError);
  });
});

describe.each(spaces)('optimizer contract on a %s space', (_kind, anySpace, gridSpace) => describe.each(optimizerNames)('optimizer contract: %s', (name) => {
  /** The space this optimizer works on: grid search needs a step for every numeric parameter. */
  const space = name === 'grid' ? gridSpace : anySpace;

  it('is resolved under its name', () => {
    expect(resolveOptimizer(name).name).toBe(name);
  });

  it('suggests every parameter, in bounds, of the right kind, constants kept (empty history)', () => {
    for (let seed = 0; seed < 200; seed++) {
      const { suggestions } = resolveOptimizer(name).suggest(request(space, { seed }));
      expect(suggestions).toHaveLength(1);
      for (const params of suggestions) expect(isValid(params, space)).toBeNull();
    }
  });

  it('returns exactly `count` valid suggestions', () => {
    const { suggestions } = resolveOptimizer(name).suggest(request(space, { count: 7 }));
    expect(suggestions).toHaveLength(7);
    for (const params of suggestions) expect(isValid(params, space)).toBeNull();
  });

  it('gives the same suggestions for the same seed and request', () => {
    const past = history(space, 12);
    const first = resolveOptimizer(name).suggest(request(space, { seed: 42, count: 3, ...past }));
    const second = resolveOptimizer(name).suggest(request(space, { seed: 42, count: 3, ...past }));
    expect(second.suggestions).toEqual(first.suggestions);
  });

  it('gives different suggestions for different seeds', () => {
    const seeds = [0, 1, 2, 3, 1_000_003, -7];
    const results = seeds.map((seed) => JSON.stringify(resolveOptimizer(name).suggest(request(space, { seed })).suggestions));
    expect(new Set(results).size).toBe(seeds.length);
  });

  it('works with completed (including failed) and running trials, without changing them', () => {
    const past = deepFreeze(history(space, 25));
    for (let seed = 0; seed < 20; seed++) {
      const { suggestions } = resolveOptimizer(name).suggest(request(space, { seed, count: 2, ...past }));
      for (const params of suggestions) expect(isValid(params, space)).toBeNull();
    }
  });

  it('accepts its own state back', () => {
    const optimizer = resolveOptimizer(name);
    const past = history(space, 5);
    const first = optimizer.suggest(request(space, { seed: 1, ...past }));
    const next = optimizer.suggest(request(space, { seed: 2, ...past, state: JSON.parse(JSON.stringify(first.state ?? null)) }));
    expect(isValid(next.suggestions[0]!, space)).toBeNull();
  });

  it('takes running trials into account: no suggestion repeats or nearly repeats a running trial or a batch member', () => {
    const past = history(space, 25);
    const running = resolveOptimizer('random')
      .suggest({ space, completed: [], running: [], seed: 7, count: 8 })
      .suggestions.map((params) => ({ params }));
    const { suggestions } = resolveOptimizer(name).suggest(request(space, { seed: 11, count: 4, completed: past.completed, running }));
    const others = [...running.map((t) => t.params)];
    for (const params of suggestions) {
      for (const other of others) expect(nearlyEqual(space, params, other)).toBe(false);
      others.push(params);
    }
  });

  it('gives a different suggestion when trials are running than without them', () => {
    const past = history(space, 25);
    const alone = resolveOptimizer(name).suggest(request(space, { seed: 5, completed: past.completed }));
    const busy = resolveOptimizer(name).suggest(request(space, { seed: 5, completed: past.completed, running: alone.suggestions.map((params) => ({ params })) }));
    if (name === 'random') return; // random ignores the history by design
    expect(busy.suggestions[0]).not.toEqual(alone.suggestions[0]);
  });

  it('handles a space of constants only', () => {
    const constants = parseSearchSpace({ a: 1, b: ['x'], c: false });
    const { suggestions } = resolveOptimizer(name).suggest({ space: constants, completed: [], running: [], seed: 3 });
    expect(suggestions).toEqual([{ a: 1, b: 'x', c: false }]);
  });

  it('rejects a count that is not a positive integer', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) {
      expect(() => resolveOptimizer(name).suggest(request(space, { count }))).toThrow(RangeError);
    }
  });
}));

it.each(samplers)('%s follows normal and log-normal priors in its first suggestions', (name) => {
  const priors = parseSearchSpace({ init: { distribution: 'normal', mu: 2, sigma: 0.1 }, decay: { distribution: 'log_normal', mu: -6, sigma: 1 } });
  const inits: number[] = [];
  const logs: number[] = [];
  for (let seed = 0; seed < 300; seed++) {
    const [params] = resolveOptimizer(name).suggest({ space: priors, completed: [], running: [], seed }).suggestions;
    inits.push(Number(params!.init));
    logs.push(Math.log(Number(params!.decay)));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  expect(Math.abs(mean(inits) - 2)).toBeLessThan(0.02);
  expect(Math.abs(sd(inits) - 0.1)).toBeLessThan(0.02);
  expect(Math.abs(mean(logs) + 6)).toBeLessThan(0.2);
});
