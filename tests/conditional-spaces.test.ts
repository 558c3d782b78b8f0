import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) {
  suggest(experiment: $experiment, worker: "w") { id number params optimizer fallbackReason }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state loss } }`;

/** Three model families with their own hyperparameters; `lr` under two choices of the optimizer. */
function parameters(order: 'as written' | 'reordered'): Record<string, unknown> {
  const model = {
    choices: {
      forest: { n_trees: { min: 10, max: 500, step: 10 }, max_depth: { min: 2, max: 32, step: 1 } },
      svm: { C: { min: 1e-3, max: 1e3, distribution: 'log_uniform' }, kernel: ['rbf', 'poly'] },
      linear: {},
    },
  };
  const optimizer = { choices: { adam: { lr: { min: 1e-4, max: 1e-2, distribution: 'log_uniform' } }, sgd: { lr: { min: 1e-3, max: 1 }, momentum: { min: 0, max: 0.99 } } } };
  return order === 'as written'
    ? { model, optimizer, scale_features: [true, false] }
    : { scale_features: [true, false], optimizer, model: { choices: { forest: { max_depth: model.choices.forest.max_depth, n_trees: model.choices.forest.n_trees }, svm: model.choices.svm, linear: {} } } };
}

/** The parameters a job should hold: only the active ones, flat. */
function expectedKeys(params: Record<string, unknown>): string[] {
  const keys = ['model', 'optimizer', 'scale_features'];
  if (params.model === 'forest') keys.push('n_trees', 'max_depth');
  if (params.model === 'svm') keys.push('C', 'kernel');
  if (params.optimizer === 'adam') keys.push('adam.lr');
  if (params.optimizer === 'sgd') keys.push('sgd.lr', 'momentum');
  return keys.sort();
}

function loss(params: Record<string, any>): number {
  const model = params.model === 'svm' ? (Math.log10(params.C) - 1) ** 2 / 10 + (params.kernel === 'poly' ? 0.1 : 0) : params.model === 'forest' ? 0.3 + Math.abs(params.max_depth - 12) / 100 : 0.5;
  const optimizer = params.optimizer === 'adam' ? Math.abs(Math.log10(params['adam.lr']) + 3) / 10 : Math.abs(params['sgd.lr'] - 0.1) + (1 - params.momentum) / 10;
  return model + optimizer;
}

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('trees@example.com');
});
afterAll(() => server?.stop());

describe('conditional parameter spaces, end to end', () => {
  it('refuses a faulty sub-parameter, naming its path as the field', async () => {
    const bad = { model: { choices: { svm: { C: { min: 1, max: 0 } }, linear: {} } } };
    const response = await server.gql(SUGGEST, { experiment: { name: 'Bad tree', parameters: bad } }, token);
    expect(response.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment.parameters.model.svm.C' });
    expect(response.errors?.[0]?.message).toMatch(/parameter "model\.svm\.C": min < max must hold/);
  });

  it.each(['tpe', 'gp', 'cmaes', 'random'])('suggests only active parameters with %s, takes results, and resumes', async (algorithm) => {
    const name = `Model selection (${algorithm})`;
    const seenModels = new Set<string>();
    const run = async (order: 'as written' | 'reordered', from: number, to: number) => {
      for (let number = from; number <= to; number++) {
        const suggested = await server.gql(SUGGEST, { experiment: { name, parameters: parameters(order), algorithm, seed: 7 } }, token);
        expect(suggested.errors, server.logs()).toBeUndefined();
        const trial = suggested.data?.suggest;
        expect(trial.number).toBe(number);
        expect(trial.fallbackReason).toBeNull();
        expect(Object.keys(trial.params).sort()).toEqual(expectedKeys(trial.params));
        seenModels.add(trial.params.model);
        const updated = await server.gql(UPDATE, { id: trial.id, result: { loss: loss(trial.params) } }, token);
        expect(updated.errors).toBeUndefined();
        expect(updated.data?.update.state).toBe('COMPLETED');
      }
    };
    // Past the quasi-random start (9 trials for 7 tunable parameters), so the model suggests too.
    await run('as written', 1, 14);
    // The same tree written in another key order is the same experiment: it resumes.
    await run('reordered', 15, 18);
    expect(seenModels.size).toBeGreaterThan(1);
    const stored = await server.gql(`query ($name: String!) { experiment(name: $name) { trials(first: 50) { edges { node { number state params } } } } }`, { name }, token);
    const trials = stored.data?.experiment.trials.edges.map((edge: any) => edge.node);
    expect(trials).toHaveLength(18);
    for (const trial of trials) {
      expect(trial.state).toBe('COMPLETED');
      expect(Object.keys(trial.params).sort()).toEqual(expectedKeys(trial.params));
    }
  }, 120_000);
});
