import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id } }`;
const COUNT = `{ experiments(includeArchived: true) { name trialCount } }`;

let server: TestServer;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('alice@example.com'), server.token('bob@example.com')]);
});
afterAll(() => server?.stop());

/** [what is wrong, parameters, the parameter the message must name, words the message must hold] */
const badSpaces: [string, unknown, string, RegExp][] = [
  ['min above max', { x: { min: 5, max: 1 } }, 'x', /min/],
  ['min equal to max', { x: { min: 1, max: 1 } }, 'x', /min/],
  ['missing max', { x: { min: 1 } }, 'x', /max/],
  ['min not a number', { x: { min: 'a', max: 1 } }, 'x', /min/],
  ['unknown key', { x: { min: 0, max: 1, stp: 1 } }, 'x', /stp/],
  ['negative step', { x: { min: 0, max: 10, step: -1 } }, 'x', /step/],
  ['zero step', { x: { min: 0, max: 10, step: 0 } }, 'x', /step/],
  ['log_uniform with min 0', { lr: { min: 0, max: 1, distribution: 'log_uniform' } }, 'lr', /min/],
  ['unknown distribution', { x: { min: 0, max: 1, distribution: 'gamma' } }, 'x', /gamma/],
  ['normal without sigma', { x: { distribution: 'normal', mu: 0 } }, 'x', /sigma/],
  ['normal with sigma 0', { x: { distribution: 'normal', mu: 0, sigma: 0 } }, 'x', /sigma/],
  ['log_normal with a negative bound', { x: { distribution: 'log_normal', mu: 0, sigma: 1, min: -1 } }, 'x', /min/],
  ['empty list', { act: [] }, 'act', /empty/],
  ['duplicate choices', { act: ['relu', 'relu'] }, 'act', /relu/],
  ['nested list', { act: [['a'], 'b'] }, 'act', /act/],
  ['null value', { x: null }, 'x', /x/],
];

describe('bad parameter spaces', () => {
  it.each(badSpaces)('refuses %s, naming the parameter, and stores nothing', async (_what, parameters, name, words) => {
    const response = await server.gql(SUGGEST, { experiment: { name: `Bad ${name}`, parameters } }, alice);
    const error = response.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.extensions?.field).toBe(`experiment.parameters.${name}`);
    expect(error?.message).toContain(`"${name}"`);
    expect(error?.message).toMatch(words);
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });

  it.each([
    ['parameters not an object', 'not a space', 'experiment.parameters'],
    ['no parameters at all', {}, 'experiment.parameters'],
  ])('refuses %s', async (_what, parameters, field) => {
    const response = await server.gql(SUGGEST, { experiment: { name: 'Bad', parameters } }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });

  it('refuses an empty name and an unknown algorithm', async () => {
    const space = { x: { min: 0, max: 1 } };
    const noName = await server.gql(SUGGEST, { experiment: { name: '  ', parameters: space } }, alice);
    expect(noName.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.name' });
    const algorithm = await server.gql(SUGGEST, { experiment: { name: 'A', parameters: space, algorithm: 'magic' } }, alice);
    expect(algorithm.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.algorithm' });
    expect(algorithm.errors?.[0]?.message).toContain('magic');
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });
});

describe('bad results', () => {
  let trialId: string;
  beforeAll(async () => {
    const response = await server.gql(SUGGEST, { experiment: { name: 'Results', parameters: { x: { min: 0, max: 1 } } } }, alice);
    trialId = response.data?.suggest.id;
  });

  it.each([
    ['a missing loss', { accuracy: 0.9 }, 'result.loss'],
    ['NaN', { loss: 'NaN' }, 'result.loss'],
    ['Infinity', { loss: 'Infinity' }, 'result.loss'],
    ['-Infinity', { loss: '-Infinity' }, 'result.loss'],
    ['a numeric string', { loss: '0.5' }, 'result.loss'],
    ['null', { loss: null }, 'result.loss'],
    ['a list instead of an object', [1, 2], 'result'],
    ['a bare number', 0.5, 'result'],
  ])('refuses %s and leaves the trial running', async (_what, result, field) => {
    const response = await server.gql(UPDATE, { id: trialId, result }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(response.errors?.[0]?.message).toContain(field);
    const trial = await server.gql(`{ experiment(name: "Results") { trials { edges { node { state loss metrics } } } } }`, {}, alice);
    expect(trial.data?.experiment.trials.edges[0].node).toEqual({ state: 'RUNNING', loss: null, metrics: {} });
  });

  it('refuses an unknown trial and another user\'s trial with NOT_FOUND', async () => {
    const unknown = await server.gql(UPDATE, { id: 'no-such-trial', result: { loss: 1 } }, alice);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'trialId' });
    const foreign = await server.gql(UPDATE, { id: trialId, result: { loss: 1 } }, bob);
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'trialId' });
    expect(foreign.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message.replace('no-such-trial', trialId));
  });

  it('keeps serving after all of the above', async () => {
    const response = await server.gql(UPDATE, { id: trialId, result: { loss: 0.25 } }, alice);
    expect(response.data?.update.id).toBe(trialId);
  });
});
