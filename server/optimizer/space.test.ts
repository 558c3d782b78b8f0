import { describe, expect, it } from 'vitest';
import { canonicalSpace, parseSearchSpace, spaceToJson, type Parameter } from './space.ts';
import { SearchSpaceError } from './space/spec.ts';

function parseOne(spec: unknown): Parameter {
  const [param] = parseSearchSpace({ p: spec }).parameters;
  if (param === undefined) throw new Error('no parameter parsed');
  return param;
}

describe('parseSearchSpace: valid parameters', () => {
  const cases: readonly (readonly [string, unknown, Parameter])[] = [
    ['uniform float', { min: 0, max: 1 }, { name: 'p', kind: 'float', distribution: 'uniform', low: 0, high: 1, step: null }],
    [
      'explicit uniform',
      { min: -2.5, max: 3, distribution: 'uniform' },
      { name: 'p', kind: 'float', distribution: 'uniform', low: -2.5, high: 3, step: null },
    ],
    ['integer (integer min, max and step)', { min: 1, max: 10, step: 1 }, { name: 'p', kind: 'int', distribution: 'uniform', low: 1, high: 10, step: 1 }],
    ['integer with step 2', { min: 0, max: 9, step: 2 }, { name: 'p', kind: 'int', distribution: 'uniform', low: 0, high: 9, step: 2 }],
    ['stepped float', { min: 0, max: 1, step: 0.1 }, { name: 'p', kind: 'float', distribution: 'uniform', low: 0, high: 1, step: 0.1 }],
    ['integer bounds, float step', { min: 0, max: 1, step: 0.5 }, { name: 'p', kind: 'float', distribution: 'uniform', low: 0, high: 1, step: 0.5 }],
    ['integer bounds, no step: float', { min: 0, max: 10 }, { name: 'p', kind: 'float', distribution: 'uniform', low: 0, high: 10, step: null }],
    [
      'log_uniform',
      { min: 1e-5, max: 0.1, distribution: 'log_uniform' },
      { name: 'p', kind: 'float', distribution: 'log_uniform', low: 1e-5, high: 0.1, step: null },
    ],
    [
      'log_uniform integer',
      { min: 1, max: 1024, step: 1, distribution: 'log_uniform' },
      { name: 'p', kind: 'int', distribution: 'log_uniform', low: 1, high: 1024, step: 1 },
    ],
    [
      'normal',
      { distribution: 'normal', mu: 0, sigma: 1 },
      { name: 'p', kind: 'float', distribution: 'normal', mu: 0, sigma: 1, low: null, high: null, step: null },
    ],
    [
      'truncated normal',
      { distribution: 'normal', mu: 0.5, sigma: 2, min: 0, max: 1 },
      { name: 'p', kind: 'float', distribution: 'normal', mu: 0.5, sigma: 2, low: 0, high: 1, step: null },
    ],
    [
      'normal integer, one bound',
      { distribution: 'normal', mu: 10, sigma: 3, min: 0, step: 1 },
      { name: 'p', kind: 'int', distribution: 'normal', mu: 10, sigma: 3, low: 0, high: null, step: 1 },
    ],
    [
      'log_normal',
      { distribution: 'log_normal', mu: -3, sigma: 0.5 },
      { name: 'p', kind: 'float', distribution: 'log_normal', mu: -3, sigma: 0.5, low: null, high: null, step: null },
    ],
    [
      'truncated log_normal',
      { distribution: 'log_normal', mu: 0, sigma: 1, min: 0.5, max: 4, step: 0.25 },
      { name: 'p', kind: 'float', distribution: 'log_normal', mu: 0, sigma: 1, low: 0.5, high: 4, step: 0.25 },
    ],
    ['categorical strings', ['adam', 'sgd'], { name: 'p', kind: 'categorical', choices: ['adam', 'sgd'] }],
    ['categorical mixed', [1, 'two', true, 0.5], { name: 'p', kind: 'categorical', choices: [1, 'two', true, 0.5] }],
    ['1 and true are distinct', [1, true], { name: 'p', kind: 'categorical', choices: [1, true] }],
    ['one-element list: constant', ['relu'], { name: 'p', kind: 'constant', value: 'relu' }],
    ['string constant', 'relu', { name: 'p', kind: 'constant', value: 'relu' }],
    ['number constant', 3.5, { name: 'p', kind: 'constant', value: 3.5 }],
    ['boolean constant', false, { name: 'p', kind: 'constant', value: false }],
    ['empty string constant', '', { name: 'p', kind: 'constant', value: '' }],
  ];

  it.each(cases)('%s', (_label, spec, want) => {
    expect(parseOne(spec)).toEqual(want);
  });

  it('sorts parameters by name and freezes the result', () => {
    const space = parseSearchSpace({ b: 1, a: { min: 0, max: 1 }, C: ['x', 'y'] });
    expect(space.parameters.map((p) => p.name)).toEqual(['C', 'a', 'b']);
    expect(Object.isFrozen(space.parameters)).toBe(true);
    expect(Object.isFrozen(space.parameters[0])).toBe(true);
  });

  it('accepts 100 parameters and 128-character names', () => {
    const raw = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, i]));
    expect(parseSearchSpace(raw).parameters).toHaveLength(100);
    expect(parseSearchSpace({ ['n'.repeat(128)]: 1 }).parameters).toHaveLength(1);
  });
});

describe('parseSearchSpace: invalid input', () => {
  const parameterCases: readonly (readonly [string, unknown, RegExp])[] = [
    ['unknown key', { min: 0, max: 1, maxx: 2 }, /unknown key "maxx"; allowed keys are "distribution", "max", "min", "mu", "sigma", "step"/],
    ['min is a string', { min: '0', max: 1 }, /min must be a finite number, but got string "0"/],
    ['max is null', { min: 0, max: null }, /max must be a finite number, but got null/],
    ['step is a boolean', { min: 0, max: 1, step: true }, /step must be a finite number, but got boolean true/],
    ['min is an object', { min: {}, max: 1 }, /min must be a finite number, but got an object/],
    ['min is NaN', { min: Number.NaN, max: 1 }, /min must be a finite number, but got number NaN/],
    ['max is Infinity', { min: 0, max: Number.POSITIVE_INFINITY }, /max must be a finite number, but got number Infinity/],
    ['min >= max', { min: 5, max: 1 }, /min < max must hold, but got min=5, max=1/],
    ['min == max', { min: 1, max: 1 }, /min < max must hold, but got min=1, max=1/],
    ['missing max', { min: 0 }, /missing "max" \(required for distribution "uniform"\)/],
    ['missing min', { max: 1 }, /missing "min" \(required for distribution "uniform"\)/],
    ['empty object', {}, /missing "min"/],
    ['step 0', { min: 0, max: 1, step: 0 }, /step must be > 0, but got step=0/],
    ['negative step', { min: 0, max: 1, step: -0.1 }, /step must be > 0, but got step=-0.1/],
    ['step wider than range', { min: 0, max: 1, step: 2 }, /step must be <= max - min, but got step=2, max - min=1/],
    ['log_uniform with min 0', { min: 0, max: 1, distribution: 'log_uniform' }, /min must be > 0 for distribution "log_uniform", but got min=0/],
    ['log_uniform without max', { min: 1, distribution: 'log_uniform' }, /missing "max" \(required for distribution "log_uniform"\)/],
    [
      'unknown distribution',
      { min: 0, max: 1, distribution: 'gaussian' },
      /distribution must be one of "uniform", "log_uniform", "normal", "log_normal", but got string "gaussian"/,
    ],
    ['distribution not a string', { min: 0, max: 1, distribution: 3 }, /distribution must be one of .*, but got number 3/],
    ['mu with uniform', { min: 0, max: 1, mu: 0.5 }, /mu is only allowed with distribution "normal" or "log_normal", but distribution is "uniform"/],
    [
      'sigma with log_uniform',
      { min: 1, max: 2, sigma: 1, distribution: 'log_uniform' },
      /sigma is only allowed with distribution "normal" or "log_normal", but distribution is "log_uniform"/,
    ],
    ['normal without mu', { distribution: 'normal', sigma: 1 }, /missing "mu" \(required for distribution "normal"\)/],
    ['normal without sigma', { distribution: 'normal', mu: 0 }, /missing "sigma" \(required for distribution "normal"\)/],
    ['sigma 0', { distribution: 'normal', mu: 0, sigma: 0 }, /sigma must be > 0, but got sigma=0/],
    ['negative sigma', { distribution: 'log_normal', mu: 0, sigma: -1 }, /sigma must be > 0, but got sigma=-1/],
    ['sigma a string', { distribution: 'normal', mu: 0, sigma: '1' }, /sigma must be a finite number, but got string "1"/],
    ['normal with min >= max', { distribution: 'normal', mu: 0, sigma: 1, min: 2, max: 1 }, /min < max must hold, but got min=2, max=1/],
    ['log_normal with min 0', { distribution: 'log_normal', mu: 0, sigma: 1, min: 0 }, /min must be > 0 for distribution "log_normal", but got min=0/],
    ['log_normal with max < 0', { distribution: 'log_normal', mu: 0, sigma: 1, max: -1 }, /max must be > 0 for distribution "log_normal", but got max=-1/],
    ['empty list', [], /list of choices must not be empty/],
    ['null choice', ['a', null], /choice 1 must be a string, a finite number or a boolean, but got null/],
    ['nested list choice', ['a', ['b']], /choice 1 must be a string, a finite number or a boolean, but got an array/],
    ['object choice', [{ a: 1 }, 'b'], /choice 0 must be a string, a finite number or a boolean, but got an object/],
    ['NaN choice', [1, Number.NaN], /choice 1 must be .*, but got number NaN/],
    ['duplicate choices', ['adam', 'sgd', 'adam'], /choices must be distinct, but choice 2 repeats choice 0 \("adam"\)/],
    ['null spec', null, /spec must be an object with min\/max, a list of choices, an object with "choices", or a constant .*, but got null/],
    ['Infinity constant', Number.POSITIVE_INFINITY, /but got number Infinity/],
  ];

  it.each(parameterCases)('%s', (_label, spec, message) => {
    const error = catchError(() => parseSearchSpace({ lr: spec }));
    expect(error).toBeInstanceOf(SearchSpaceError);
    expect(error.parameter).toBe('lr');
    expect(error.code).toBe('INVALID_SEARCH_SPACE');
    expect(error.message).toMatch(/^parameter "lr": /);
    expect(error.message).toMatch(message);
  });

  it('names an empty parameter name', () => {
    const error = catchError(() => parseSearchSpace({ '': 1 }));
    expect(error.parameter).toBe('');
    expect(error.message).toBe('parameter "": name must not be empty');
  });

  it('names (a prefix of) a name that is too long', () => {
    const name = 'n'.repeat(129);
    const error = catchError(() => parseSearchSpace({ [name]: 1 }));
    expect(error.parameter).toBe(name);
    expect(error.message).toBe(`parameter "${'n'.repeat(40)}…": name must be at most 128 characters, but got 129`);
  });

  const spaceCases: readonly (readonly [string, unknown, RegExp])[] = [
    ['an array', [{ min: 0, max: 1 }], /must be an object mapping parameter names to specs, but got an array/],
    ['null', null, /must be an object .*, but got null/],
    ['a string', '{"a": 1}', /must be an object .*, but got string/],
    ['undefined', undefined, /must be an object .*, but got undefined/],
    ['an empty object', {}, /must have at least one parameter, but got an empty object/],
    ['101 parameters', Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, i])), /at most 100 parameters, but got 101/],
  ];

  it.each(spaceCases)('rejects a space that is %s', (_label, raw, message) => {
    const error = catchError(() => parseSearchSpace(raw));
    expect(error.parameter).toBeNull();
    expect(error.message).toMatch(message);
  });
});

describe('canonicalSpace', () => {
  it('ignores key order, default distribution and constant spelling', () => {
    const a = parseSearchSpace({ lr: { min: 0.1, max: 1 }, act: ['relu'], opt: ['adam', 'sgd'] });
    const b = parseSearchSpace({ opt: ['adam', 'sgd'], act: 'relu', lr: { distribution: 'uniform', max: 1, min: 0.1 } });
    expect(canonicalSpace(a)).toBe(canonicalSpace(b));
  });

  it('tells different spaces apart', () => {
    const base = canonicalSpace(parseSearchSpace({ x: { min: 0, max: 1 }, c: ['a', 'b'] }));
    expect(canonicalSpace(parseSearchSpace({ x: { min: 0, max: 2 }, c: ['a', 'b'] }))).not.toBe(base);
    expect(canonicalSpace(parseSearchSpace({ x: { min: 0, max: 1 }, c: ['b', 'a'] }))).not.toBe(base);
    expect(canonicalSpace(parseSearchSpace({ x: { min: 0, max: 1, step: 0.5 }, c: ['a', 'b'] }))).not.toBe(base);
  });

  it('round-trips through parseSearchSpace', () => {
    const space = parseSearchSpace({
      a: { distribution: 'log_normal', mu: 0, sigma: 1, min: 0.5, step: 0.5 },
      b: { min: 1, max: 9, step: 2 },
      c: [true, 'x', 3],
      d: 'k',
    });
    expect(parseSearchSpace(spaceToJson(space))).toEqual(space);
  });
});

function catchError(action: () => unknown): SearchSpaceError {
  try {
    action();
  } catch (error) {
    if (error instanceof SearchSpaceError) return error;
    throw error;
  }
  throw new Error('expected a SearchSpaceError');
}
