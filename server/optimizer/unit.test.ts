import { describe, expect, it } from 'vitest';
import { InvalidTrialError } from './errors.ts';
import { parseSearchSpace, type NumericParameter } from './space.ts';
import { decode, encode, tunableParameters } from './space.ts';
import { fromUnit, toUnit } from './space/numeric.ts';

function numeric(spec: unknown): NumericParameter {
  const [param] = parseSearchSpace({ p: spec }).parameters;
  if (param === undefined || param.kind === 'categorical' || param.kind === 'constant') throw new Error('not numeric');
  return param;
}

const units = Array.from({ length: 1001 }, (_, i) => i / 1000);

function isOnGrid(param: NumericParameter, x: number): boolean {
  if (param.step === null) return true;
  const anchor = param.low ?? param.high ?? 0;
  const k = (x - anchor) / param.step;
  return Math.abs(k - Math.round(k)) < 1e-9;
}

function inBounds(param: NumericParameter, x: number): boolean {
  const positive = param.distribution === 'log_uniform' || param.distribution === 'log_normal' ? x > 0 : true;
  return Number.isFinite(x) && positive && (param.low === null || x >= param.low) && (param.high === null || x <= param.high);
}

describe('toUnit / fromUnit on continuous parameters', () => {
  const specs: readonly (readonly [string, unknown])[] = [
    ['uniform', { min: -3, max: 7 }],
    ['log_uniform', { min: 1e-6, max: 1, distribution: 'log_uniform' }],
    ['normal', { distribution: 'normal', mu: 2, sigma: 3 }],
    ['log_normal', { distribution: 'log_normal', mu: -2, sigma: 0.7 }],
    ['truncated normal', { distribution: 'normal', mu: 0, sigma: 1, min: -1, max: 2 }],
    ['normal truncated far in the upper tail', { distribution: 'normal', mu: 0, sigma: 1, min: 10, max: 11 }],
    ['normal truncated far in the lower tail', { distribution: 'normal', mu: 0, sigma: 1, min: -11, max: -10 }],
    ['normal with only a lower bound', { distribution: 'normal', mu: 0, sigma: 1, min: 0 }],
    ['truncated log_normal', { distribution: 'log_normal', mu: 0, sigma: 1, min: 0.5, max: 3 }],
  ];

  it.each(specs)('%s: toUnit(fromUnit(u)) = u, values in bounds and increasing', (_label, spec) => {
    const param = numeric(spec);
    let previous = Number.NEGATIVE_INFINITY;
    for (const u of units.slice(1, -1)) {
      const x = fromUnit(param, u);
      expect(inBounds(param, x)).toBe(true);
      expect(x).toBeGreaterThan(previous);
      expect(toUnit(param, x)).toBeCloseTo(u, 9);
      previous = x;
    }
  });

  it.each(specs)('%s: u = 0 and u = 1 give finite values inside the bounds', (_label, spec) => {
    const param = numeric(spec);
    for (const u of [0, 1, -0.5, 1.5]) expect(inBounds(param, fromUnit(param, u))).toBe(true);
  });

  it('maps quantiles to the values the distributions put there', () => {
    expect(fromUnit(numeric({ min: -3, max: 7 }), 0.25)).toBeCloseTo(-0.5, 12);
    expect(fromUnit(numeric({ min: 1e-4, max: 1, distribution: 'log_uniform' }), 0.5)).toBeCloseTo(1e-2, 14);
    // Without bounds a prior is cut at 6 sigma (2e-9 of its mass): quantiles of N(mu, sigma) truncated there, from Python's NormalDist.
    expect(fromUnit(numeric({ distribution: 'normal', mu: 2, sigma: 3 }), 0.975)).toBeCloseTo(7.879891905510466, 12);
    expect(fromUnit(numeric({ distribution: 'normal', mu: 0, sigma: 1 }), 0.5)).toBeCloseTo(0, 14);
    expect(fromUnit(numeric({ distribution: 'log_normal', mu: 0, sigma: 1 }), 0.5)).toBeCloseTo(1, 14);
    expect(fromUnit(numeric({ distribution: 'log_normal', mu: 0, sigma: 1 }), 0.8413447460685429)).toBeCloseTo(2.718281820892623, 12);
    // half-normal cut at 6 sigma: median is Φ⁻¹((0.5 + Φ(6)) / 2)
    expect(fromUnit(numeric({ distribution: 'normal', mu: 0, sigma: 1, min: 0 }), 0.5)).toBeCloseTo(0.6744897486437524, 12);
    // normal(0, 1) truncated to [10, 11]: median from mpmath
    expect(fromUnit(numeric({ distribution: 'normal', mu: 0, sigma: 1, min: 10, max: 11 }), 0.5)).toBeCloseTo(10.068409369547619, 10);
  });

  it('keeps priors without a bound within 6 sigma of the mean, even at the corners of the cube', () => {
    // A GP proposing u = 0 once gave -1.02 for this spec: 38 sigma below the mean.
    const momentum = numeric({ distribution: 'normal', mu: 0.9, sigma: 0.05, max: 1 });
    expect(fromUnit(momentum, 0)).toBeCloseTo(0.6, 12);
    expect(fromUnit(momentum, 1)).toBe(1);
    expect(fromUnit(momentum, 1e-300)).toBeGreaterThanOrEqual(0.6 - 1e-12);
    const wd = numeric({ distribution: 'log_normal', mu: -9, sigma: 2 });
    expect(Math.log(fromUnit(wd, 0))).toBeCloseTo(-21, 10);
    expect(Math.log(fromUnit(wd, 1))).toBeCloseTo(3, 10);
    const layers = numeric({ distribution: 'normal', mu: 0, sigma: 10, step: 1 });
    expect([fromUnit(layers, 0), fromUnit(layers, 1)]).toEqual([-60, 60]);
  });

  it('clamps values outside the domain to 0 and 1', () => {
    const param = numeric({ min: 0, max: 1 });
    expect(toUnit(param, -5)).toBe(0);
    expect(toUnit(param, 5)).toBe(1);
    expect(toUnit(numeric({ min: 1, max: 10, distribution: 'log_uniform' }), -1)).toBe(0);
  });

  it('rejects NaN', () => {
    expect(() => fromUnit(numeric({ min: 0, max: 1 }), Number.NaN)).toThrow(RangeError);
  });
});

describe('quantisation', () => {
  const specs: readonly (readonly [string, unknown, readonly number[] | null])[] = [
    ['float step 0.1', { min: 0, max: 0.3, step: 0.1 }, [0, 0.1, 0.2, 0.3]],
    ['max off the grid', { min: 1, max: 11, step: 3 }, [1, 4, 7, 10]],
    ['negative float grid', { min: -1, max: 0.5, step: 0.5 }, [-1, -0.5, 0, 0.5]],
    ['log_uniform integers', { min: 1, max: 8, step: 1, distribution: 'log_uniform' }, [1, 2, 3, 4, 5, 6, 7, 8]],
    ['log_uniform with a coarse step', { min: 0.1, max: 1, step: 0.3, distribution: 'log_uniform' }, [0.1, 0.4, 0.7, 1]],
    ['truncated log_normal', { distribution: 'log_normal', mu: 0, sigma: 1, min: 0.5, max: 2, step: 0.25 }, [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]],
    ['unbounded normal', { distribution: 'normal', mu: 0, sigma: 10, step: 0.5 }, null],
    ['normal with only max', { distribution: 'normal', mu: 0, sigma: 10, max: 3.3, step: 1 }, null],
    ['unbounded log_normal integers', { distribution: 'log_normal', mu: 0, sigma: 2, step: 1 }, null],
    ['log_normal with only max', { distribution: 'log_normal', mu: 0, sigma: 2, max: 10, step: 3 }, [1, 4, 7, 10]],
  ];

  it.each(specs)('%s: values stay on the grid and inside the bounds', (_label, spec, grid) => {
    const param = numeric(spec);
    const seen = new Set<number>();
    for (const u of units) {
      const x = fromUnit(param, u);
      expect(inBounds(param, x)).toBe(true);
      expect(isOnGrid(param, x)).toBe(true);
      if (param.kind === 'int') expect(Number.isInteger(x)).toBe(true);
      seen.add(x);
    }
    if (grid !== null) expect([...seen].sort((a, b) => a - b)).toEqual(grid);
    for (const x of seen) expect(fromUnit(param, toUnit(param, x))).toBe(x);
  });

  it('gives each integer of a uniform int parameter an equal share of [0, 1]', () => {
    const param = numeric({ min: 1, max: 4, step: 1 });
    expect([0.01, 0.24, 0.26, 0.49, 0.51, 0.74, 0.76, 0.99].map((u) => fromUnit(param, u))).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect([1, 2, 3, 4].map((x) => toUnit(param, x))).toEqual([0.125, 0.375, 0.625, 0.875]);
  });

  it('prints grid values without floating-point noise', () => {
    const param = numeric({ min: 0, max: 1, step: 0.1 });
    expect(units.map((u) => fromUnit(param, u)).every((x) => String(x).length <= 3)).toBe(true);
  });
});

describe('encode / decode', () => {
  const space = parseSearchSpace({
    lr: { min: 1e-4, max: 1, distribution: 'log_uniform' },
    layers: { min: 1, max: 8, step: 1 },
    opt: ['adam', 'sgd', 'rmsprop'],
    seed: 7,
    act: ['relu'],
  });

  it('has one entry per tunable parameter, in name order', () => {
    expect(tunableParameters(space).map((p) => p.name)).toEqual(['layers', 'lr', 'opt']);
    expect(encode(space, { lr: 0.01, layers: 8, opt: 'rmsprop', seed: 7, act: 'relu' })).toEqual([0.9375, expect.closeTo(0.5, 12), 2]);
  });

  it('round-trips, adding the constants back', () => {
    const params = { act: 'relu', layers: 3, lr: 0.01, opt: 'sgd', seed: 7 };
    const decoded = decode(space, encode(space, params));
    expect(decoded).toEqual({ ...params, lr: expect.closeTo(0.01, 14) });
    expect(Object.keys(decoded)).toEqual(['act', 'layers', 'lr', 'opt', 'seed']);
  });

  it('rounds and clamps categorical indexes', () => {
    expect(decode(space, [0.5, 0.5, 1.4]).opt).toBe('sgd');
    expect(decode(space, [0.5, 0.5, 9]).opt).toBe('rmsprop');
    expect(decode(space, [0.5, 0.5, -3]).opt).toBe('adam');
  });

  it('rejects trials that do not fit the space, naming the parameter', () => {
    expect(() => encode(space, { lr: 0.01, opt: 'sgd' })).toThrow(new InvalidTrialError('layers', 'missing'));
    expect(() => encode(space, { lr: 0.01, layers: 2, opt: 'adagrad' })).toThrow(/trial parameter "opt": "adagrad" is not one of the choices/);
    expect(() => encode(space, { lr: '0.01', layers: 2, opt: 'sgd' })).toThrow(/trial parameter "lr": must be a finite number, but got string "0.01"/);
  });

  it('rejects a vector of the wrong length', () => {
    expect(() => decode(space, [0.5, 0.5])).toThrow(RangeError);
  });
});
