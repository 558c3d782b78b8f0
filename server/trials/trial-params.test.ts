import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../optimizer/space.ts';
import { parseParams } from './trial-params.ts';

function refusal(spec: unknown, params: unknown): { field: unknown; message: string } {
  try {
    parseParams(parseSearchSpace(spec), params);
  } catch (error) {
    if (error instanceof GraphQLError) return { field: error.extensions.field, message: error.message };
    throw error;
  }
  throw new Error('accepted');
}

describe('parseParams', () => {
  it('takes values the space holds, snapped to their grid, constants filled in, in name order', () => {
    const space = parseSearchSpace({ q: { min: 0, max: 1, step: 0.1 }, n: { min: 1, max: 9, step: 2 }, m: { distribution: 'normal', mu: 0, sigma: 1 }, k: 'const' });
    expect(parseParams(space, { q: 0.30000000000000004, n: 5, m: -5.9 })).toEqual({ k: 'const', m: -5.9, n: 5, q: 0.3 });
    expect(Object.keys(parseParams(space, { q: 1, n: 9, m: 0, k: 'const' }))).toEqual(['k', 'm', 'n', 'q']);
  });

  it('names the parameter at fault', () => {
    expect(refusal({ n: { min: 1, max: 9, step: 2 } }, { n: 4 })).toEqual({ field: 'params.n', message: 'params.n must be between 1 and 9 in steps of 2 from 1, but got 4' });
    expect(refusal({ m: { distribution: 'normal', mu: 0, sigma: 1 } }, { m: 7 }).message).toContain("(the prior's range)");
    expect(refusal({ lr: { min: 1e-3, max: 1, distribution: 'log_uniform' } }, { lr: 0 }).field).toBe('params.lr');
    expect(refusal({ b: [true, false] }, { b: 'true' }).message).toBe('params.b must be one of [true,false], but got "true" (a string)');
    expect(refusal({ x: { min: 0, max: 1 } }, [1]).field).toBe('params');
    expect(refusal({ x: { min: 0, max: 1 } }, JSON.parse('{"x": 0.5, "__proto__": {"x": 2}}')).field).toBe('params.__proto__');
  });

  it('takes the active parameters of a conditional space, and names one its parent leaves inactive', () => {
    const spec = {
      model: { choices: { svm: { C: { min: 0.1, max: 10 }, kernel: ['rbf', 'poly'] }, linear: {}, fixed: { stage: { choices: { only: { depth: 3 } } } } } },
      optimizer: { choices: { adam: { lr: { min: 0, max: 1 } }, sgd: { lr: { min: 0, max: 2 } } } },
    };
    const space = parseSearchSpace(spec);
    expect(parseParams(space, { optimizer: 'sgd', model: 'svm', kernel: 'poly', C: 1, 'sgd.lr': 1.5 })).toEqual({ C: 1, kernel: 'poly', model: 'svm', optimizer: 'sgd', 'sgd.lr': 1.5 });
    // A sub-parameter that is a constant (and a constant parent's sub-parameters) is filled in.
    expect(parseParams(space, { model: 'fixed', optimizer: 'adam', 'adam.lr': 0.5 })).toEqual({ 'adam.lr': 0.5, depth: 3, model: 'fixed', optimizer: 'adam', stage: 'only' });
    expect(refusal(spec, { model: 'linear', optimizer: 'adam', 'adam.lr': 0.5, C: 1 })).toEqual({
      field: 'params.C',
      message: 'params.C is not active under the choices given: it exists only when model is "svm", but model is "linear"; leave it out',
    });
    expect(refusal(spec, { model: 'svm', C: 1, optimizer: 'adam', 'adam.lr': 0.5 })).toEqual({ field: 'params.kernel', message: 'params.kernel is missing: it is active because model is "svm"' });
    expect(refusal(spec, { model: 'linear', optimizer: 'adam', 'adam.lr': 1.5 }).message).toBe('params.adam.lr must be between 0 and 1, but got 1.5');
    expect(refusal(spec, { model: 'linear', optimizer: 'adam', lr: 0.5 }).field).toBe('params.lr');
  });
});
