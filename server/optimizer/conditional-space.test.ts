import { describe, expect, it } from 'vitest';
import { quasiRandomSuggestions } from './qmc.ts';
import { sampleParams } from './random.ts';
import { createRng } from './rng.ts';
import { canonicalSpace, decode, encode, parseSearchSpace, spaceToJson, tunableParameters, type Params } from './space.ts';
import { SearchSpaceError } from './space/spec.ts';

/** The example: three model families, with their own hyperparameters. */
const modelSelection = {
  model: {
    choices: {
      forest: { n_trees: { min: 10, max: 500, step: 10 }, max_depth: { min: 2, max: 32, step: 1 } },
      svm: { C: { min: 1e-3, max: 1e3, distribution: 'log_uniform' }, kernel: ['rbf', 'poly'] },
      linear: {},
    },
  },
  scale_features: [true, false],
};

function catchError(action: () => unknown): SearchSpaceError {
  try {
    action();
  } catch (error) {
    if (error instanceof SearchSpaceError) return error;
    throw error;
  }
  throw new Error('expected a SearchSpaceError');
}

describe('conditional spaces: parsing', () => {
  it('keeps the tree flat, sub-parameters with their parent and choice', () => {
    const space = parseSearchSpace(modelSelection);
    expect(space.parameters.map((p) => p.name)).toEqual(['C', 'kernel', 'max_depth', 'model', 'n_trees', 'scale_features']);
    const byName = Object.fromEntries(space.parameters.map((p) => [p.name, p]));
    // A choices object's keys are sorted: stores such as PostgreSQL's jsonb do not keep key order.
    expect(byName.model).toMatchObject({ kind: 'categorical', choices: ['forest', 'linear', 'svm'] });
    expect(byName.model!.condition).toBeUndefined();
    expect(byName.C!.condition).toEqual({ parent: 'model', values: ['svm'], specName: 'C' });
    expect(byName.max_depth!.condition).toEqual({ parent: 'model', values: ['forest'], specName: 'max_depth' });
    expect(byName.kernel).toMatchObject({ kind: 'categorical', choices: ['rbf', 'poly'] });
  });

  it('keys a name shared by two choices, or with the top level, as choice.name; unique names stay plain', () => {
    const space = parseSearchSpace({
      lr: { min: 0, max: 1 },
      optimizer: { choices: { adam: { lr: { min: 1e-5, max: 1e-1, distribution: 'log_uniform' }, beta1: { min: 0.8, max: 0.999 } }, sgd: { lr: { min: 1e-4, max: 1 }, momentum: { min: 0, max: 0.99 } } } },
      head: { choices: { mlp: { dropout: { min: 0, max: 0.5 } }, none: {} } },
      backbone: { choices: { cnn: { dropout: { min: 0, max: 0.3 } }, vit: { patch: [8, 16] } } },
    });
    expect(space.parameters.map((p) => p.name)).toEqual([
      'adam.lr', 'backbone', 'beta1', 'cnn.dropout', 'head', 'lr', 'mlp.dropout', 'momentum', 'optimizer', 'patch', 'sgd.lr',
    ]);
  });

  it('nests choices under choices, down to 4 levels', () => {
    const space = parseSearchSpace({
      a: { choices: { a1: { b: { choices: { b1: { c: { choices: { c1: { d: { choices: { d1: { e: { min: 0, max: 1 } }, d2: {} } } }, c2: {} } } }, b2: {} } } }, a2: {} } },
    });
    const e = space.parameters.find((p) => p.name === 'e')!;
    expect(e.condition).toEqual({ parent: 'd', values: ['d1'], specName: 'e' });
  });

  it('takes a mapping of one choice as a constant whose sub-parameters are always active', () => {
    const space = parseSearchSpace({ mode: { choices: { fast: { k: { min: 1, max: 5, step: 1 } } } } });
    const rng = createRng(1);
    const params = sampleParams(space, rng);
    expect(params.mode).toBe('fast');
    expect(typeof params.k).toBe('number');
    expect(canonicalSpace(parseSearchSpace(spaceToJson(space)))).toBe(canonicalSpace(space));
  });

  it('keeps a plain list a flat categorical, and choices without sub-parameters equal to it', () => {
    const flat = parseSearchSpace({ act: ['relu', 'tanh'] });
    expect(flat.parameters).toEqual([{ kind: 'categorical', name: 'act', choices: ['relu', 'tanh'] }]);
    const tree = parseSearchSpace({ act: { choices: { relu: {}, tanh: {} } } });
    expect(canonicalSpace(tree)).toBe(canonicalSpace(flat));
  });
});

describe('conditional spaces: validation names the path of the faulty spec', () => {
  const cases: readonly (readonly [string, unknown, string | null, RegExp])[] = [
    [
      'a bad sub-parameter',
      { model: { choices: { svm: { C: { min: 1, max: 0 } }, linear: {} } } },
      'model.svm.C',
      /^parameter "model\.svm\.C": min < max must hold, but got min=1, max=0$/,
    ],
    [
      'a bad sub-parameter two levels down',
      { model: { choices: { svm: { kernel: { choices: { poly: { degree: { min: 2, max: 5, step: 0 } }, rbf: {} } } } } } },
      'model.svm.kernel.poly.degree',
      /step must be > 0/,
    ],
    ['empty choices', { model: { choices: {} } }, 'model', /choices must not be empty/],
    ['choices as a list', { model: { choices: ['a', 'b'] } }, 'model', /choices must be an object mapping each choice to its sub-parameters.*but got an array \(a plain list/],
    ['a choice that is not an object', { model: { choices: { svm: 3, linear: {} } } }, 'model.svm', /sub-parameters of a choice must be an object .*but got number 3/],
    ['another key beside choices', { model: { choices: { a: {} }, min: 0 } }, 'model', /takes no other key, but got "min"/],
    ['a bad sub-parameter name', { model: { choices: { a: { '': 1 }, b: {} } } }, 'model.a.', /name must not be empty/],
    [
      'nesting past 4 levels',
      { a: { choices: { x: { b: { choices: { x: { c: { choices: { x: { d: { choices: { x: { e: { choices: { x: { f: 1 } } } } } } } } } } } } } } } },
      'a.x.b.x.c.x.d.x.e.x.f',
      /sub-parameters may nest at most 4 choices deep, but this one is 5 deep/,
    ],
    [
      'a key that still collides',
      { p: { choices: { adam: { lr: { min: 0, max: 1 } }, sgd: {} } }, q: { choices: { adam: { lr: { min: 0, max: 2 } }, sgd: {} } } },
      'q.adam.lr',
      /is keyed "adam\.lr" in a trial, as is the parameter at "p\.adam\.lr"; rename one of them/,
    ],
    [
      'a prefixed key equal to a top-level name',
      { 'adam.lr': 1, lr: 2, o: { choices: { adam: { lr: { min: 0, max: 1 } }, sgd: {} } } },
      'o.adam.lr',
      /is keyed "adam\.lr" in a trial, as is the parameter at "adam\.lr"/,
    ],
  ];

  it.each(cases)('%s', (_label, raw, parameter, message) => {
    const error = catchError(() => parseSearchSpace(raw));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toMatch(message);
  });

  it('counts sub-parameters towards the limit of 100 parameters', () => {
    const subs = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`p${i}`, { min: 0, max: 1 }]));
    const error = catchError(() => parseSearchSpace({ m: { choices: { a: subs, b: Object.fromEntries(Object.entries(subs).map(([k, v]) => [`q${k}`, v])) } } }));
    expect(error.parameter).toBeNull();
    expect(error.message).toMatch(/at most 100 parameters, counting those under choices/);
  });
});

describe('conditional spaces: canonical form and the vector', () => {
  it('round-trips the tree through spaceToJson, whatever the key order', () => {
    const space = parseSearchSpace(modelSelection);
    expect(spaceToJson(space)).toEqual({
      model: {
        choices: {
          forest: { max_depth: { distribution: 'uniform', max: 32, min: 2, step: 1 }, n_trees: { distribution: 'uniform', max: 500, min: 10, step: 10 } },
          svm: { C: { distribution: 'log_uniform', max: 1e3, min: 1e-3 }, kernel: ['rbf', 'poly'] },
          linear: {},
        },
      },
      scale_features: [true, false],
    });
    expect(parseSearchSpace(spaceToJson(space))).toEqual(space);
    const reordered = parseSearchSpace({ scale_features: [true, false], model: { choices: { forest: { max_depth: modelSelection.model.choices.forest.max_depth, n_trees: modelSelection.model.choices.forest.n_trees }, svm: modelSelection.model.choices.svm, linear: {} } } });
    expect(canonicalSpace(reordered)).toBe(canonicalSpace(space));
    // The choices in another key order (as PostgreSQL's jsonb hands them back) are the same space.
    const { forest, svm } = modelSelection.model.choices;
    const shuffled = parseSearchSpace({ ...modelSelection, model: { choices: { svm, linear: {}, forest } } });
    expect(shuffled).toEqual(space);
    // A sub-parameter moved to another choice is another space.
    const moved = parseSearchSpace({ ...modelSelection, model: { choices: { forest: modelSelection.model.choices.forest, svm: {}, linear: modelSelection.model.choices.svm } } });
    expect(canonicalSpace(moved)).not.toBe(canonicalSpace(space));
  });

  it('round-trips shared names and nesting', () => {
    const space = parseSearchSpace({
      lr: 0.1,
      o: { choices: { adam: { lr: { min: 0, max: 1 }, k: { choices: { x: { lr: [1, 2] }, y: {} } } }, sgd: { lr: { min: 0, max: 2 } } } },
    });
    expect(space.parameters.map((p) => p.name)).toEqual(['adam.lr', 'k', 'lr', 'o', 'sgd.lr', 'x.lr']);
    expect(parseSearchSpace(JSON.parse(JSON.stringify(spaceToJson(space))))).toEqual(space);
  });

  it('samples, maps the cube, encodes and decodes only the active parameters', () => {
    const space = parseSearchSpace(modelSelection);
    const rng = createRng(3);
    const seen = new Set<string>();
    const drawn: Params[] = [...Array.from({ length: 60 }, () => sampleParams(space, rng)), ...quasiRandomSuggestions({ space, completed: [], running: [], seed: 2 }, 60)];
    for (const params of drawn) {
      const expected = { forest: ['max_depth', 'model', 'n_trees', 'scale_features'], svm: ['C', 'kernel', 'model', 'scale_features'], linear: ['model', 'scale_features'] }[params.model as string];
      expect(Object.keys(params)).toEqual(expected);
      seen.add(params.model as string);
      expect(decode(space, encode(space, params))).toEqual(params);
    }
    expect(seen.size).toBe(3);
  });

  it('imputes inactive coordinates, the same for every trial', () => {
    const space = parseSearchSpace(modelSelection);
    const names = tunableParameters(space).map((p) => p.name);
    expect(names).toEqual(['C', 'kernel', 'max_depth', 'model', 'n_trees', 'scale_features']);
    expect(encode(space, { model: 'linear', scale_features: false })).toEqual([0.5, 0, 0.5, 1, 0.5, 1]);
    // A value given for an inactive parameter is ignored; a missing active one is refused.
    expect(encode(space, { model: 'linear', scale_features: false, C: 3 })).toEqual([0.5, 0, 0.5, 1, 0.5, 1]);
    expect(() => encode(space, { model: 'svm', scale_features: false, kernel: 'rbf' })).toThrow(/"C": missing/);
  });
});
