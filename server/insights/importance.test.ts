import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../optimizer/space.ts';
import { MIN_TRIALS_FOR_IMPORTANCE, parameterImportance } from './importance.ts';

const space = parseSearchSpace({
  x: { min: -5, max: 5 },
  lr: { min: 1e-5, max: 1, distribution: 'log_uniform' },
  noise: { min: 0, max: 1 },
  kind: ['a', 'b', 'c'],
  epochs: 10,
});

function trials(count: number, loss: (p: { x: number; lr: number; noise: number; kind: string }) => number) {
  let seed = 1;
  const next = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  return Array.from({ length: count }, () => {
    const params = { x: -5 + 10 * next(), lr: 10 ** (-5 + 5 * next()), noise: next(), kind: ['a', 'b', 'c'][Math.floor(next() * 3)]!, epochs: 10 };
    return { params, loss: loss(params) };
  });
}

describe('parameterImportance', () => {
  it('ranks the parameter the loss depends on first, and the importances sum to 1', () => {
    const result = parameterImportance(space, trials(400, (p) => p.x ** 2), 1);
    expect(result[0]!.parameter).toBe('x');
    expect(result[0]!.importance).toBeGreaterThan(0.8);
    expect(result.reduce((sum, r) => sum + r.importance, 0)).toBeCloseTo(1, 9);
    expect(result.map((r) => r.parameter).sort()).toEqual(['kind', 'lr', 'noise', 'x']);
  });

  it('splits log-scale parameters in log space and orders categories by their loss', () => {
    const result = parameterImportance(space, trials(400, (p) => (Math.log10(p.lr) + 2) ** 2 + { a: 0, b: 6, c: 3 }[p.kind]!), 1);
    expect(result.slice(0, 2).map((r) => r.parameter).sort()).toEqual(['kind', 'lr']);
    expect(result.find((r) => r.parameter === 'noise')!.importance).toBeLessThan(0.05);
  });

  it('is reproducible for a seed, and empty below the minimum number of trials', () => {
    const data = trials(100, (p) => p.x + p.noise);
    expect(parameterImportance(space, data, 7)).toEqual(parameterImportance(space, data, 7));
    expect(parameterImportance(space, data.slice(0, MIN_TRIALS_FOR_IMPORTANCE - 1), 7)).toEqual([]);
  });

  it('ignores trials without a finite loss', () => {
    const data = [...trials(50, (p) => p.x ** 2), { params: { x: 0, lr: 0.1, noise: 0, kind: 'a' }, loss: Number.NaN }];
    expect(parameterImportance(space, data, 3)[0]!.parameter).toBe('x');
  });
});

describe('parameterImportance over a conditional space', () => {
  const tree = parseSearchSpace({
    model: { choices: { svm: { C: { min: 1e-3, max: 1e3, distribution: 'log_uniform' } }, forest: { depth: { min: 2, max: 32, step: 1 } }, linear: {} } },
    noise: { min: 0, max: 1 },
  });

  /** Trials holding only their active parameters, as suggest hands them out. */
  function conditionalTrials(count: number, loss: (p: { model: string; C?: number; depth?: number; noise: number }) => number) {
    let seed = 3;
    const next = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    return Array.from({ length: count }, () => {
      const model = ['svm', 'forest', 'linear'][Math.floor(next() * 3)]!;
      const params = { model, noise: next(), ...(model === 'svm' ? { C: 10 ** (-3 + 6 * next()) } : {}), ...(model === 'forest' ? { depth: 2 + Math.floor(next() * 31) } : {}) };
      return { params, loss: loss(params) };
    });
  }

  it('credits the separation of branches to the parent, not to the parameters inside them', () => {
    const result = parameterImportance(tree, conditionalTrials(300, (p) => ({ svm: 0, forest: 10, linear: 5 })[p.model]! + 0.01 * p.noise), 1);
    expect(result.map((r) => r.parameter).sort()).toEqual(['C', 'depth', 'model', 'noise']);
    expect(result[0]).toMatchObject({ parameter: 'model' });
    expect(result[0]!.importance).toBeGreaterThan(0.95);
    for (const r of result) expect(Number.isFinite(r.importance)).toBe(true);
  });

  it('scores a sub-parameter on the trials where it is active', () => {
    const result = parameterImportance(tree, conditionalTrials(300, (p) => (p.model === 'svm' ? (Math.log10(p.C!) - 1) ** 2 : 1) + 0.01 * p.noise), 1);
    const of = (name: string) => result.find((r) => r.parameter === name)!.importance;
    expect(of('C')).toBeGreaterThan(0.5);
    expect(of('depth')).toBeLessThan(0.05);
    expect(result.reduce((sum, r) => sum + r.importance, 0)).toBeCloseTo(1, 9);
  });

  it('stays finite when a sub-parameter is active in too few trials to split', () => {
    const data = conditionalTrials(40, (p) => p.noise + (p.model === 'linear' ? 1 : 0)).map((t) => (t.params.model === 'svm' ? { ...t, params: { ...t.params, model: 'linear', C: undefined } } : t));
    const result = parameterImportance(tree, data.map((t) => ({ ...t, params: Object.fromEntries(Object.entries(t.params).filter(([, v]) => v !== undefined)) })), 2);
    expect(result.find((r) => r.parameter === 'C')!.importance).toBe(0);
    for (const r of result) expect(Number.isFinite(r.importance)).toBe(true);
  });
});
