// Parameter importance for an experiment whose objectives do not include `loss`: computed on its first
// objective (results then hold no loss), shown once 8 trials have completed, and recomputed when the
// experiment is resumed with another first objective.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id params experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state loss } }`;
const IMPORTANCE = `query ($id: ID!) { experiment(id: $id) { insights { importance { parameter importance } } } }`;

/** Accuracy depends on x alone, latency on y alone; z matters to neither. */
const EXPERIMENT = {
  name: 'Accurate and fast',
  parameters: { x: { min: 0, max: 1 }, y: { min: 0, max: 1 }, z: { min: 0, max: 1 } },
  algorithm: 'random',
  seed: 5,
  objectives: { accuracy: 'maximize', latency_ms: 'minimize' },
};

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('importance@example.com');
});
afterAll(() => server?.stop());

/** Suggests a trial of `experiment`; its id, parameters and experiment id. */
async function suggest(experiment: object): Promise<{ id: string; params: Record<string, number>; experimentId: string }> {
  const response = await server.gql(SUGGEST, { experiment }, token);
  expect(response.errors).toBeUndefined();
  const trial = response.data?.suggest;
  return { id: trial.id, params: trial.params, experimentId: trial.experiment.id };
}

/** Runs one trial to completion, reporting both objectives and no loss; the experiment's id. */
async function runTrial(): Promise<string> {
  const trial = await suggest(EXPERIMENT);
  const { x, y } = trial.params as { x: number; y: number };
  const updated = await server.gql(UPDATE, { id: trial.id, result: { accuracy: 1 - (x - 0.3) ** 2, latency_ms: 5 + 100 * y } }, token);
  expect(updated.data?.update, JSON.stringify(updated.errors)).toEqual({ state: 'COMPLETED', loss: null });
  return trial.experimentId;
}

async function importance(id: string): Promise<{ parameter: string; importance: number }[]> {
  const response = await server.gql(IMPORTANCE, { id }, token);
  expect(response.errors).toBeUndefined();
  return response.data?.experiment.insights.importance;
}

describe('parameter importance on the first objective when loss is not an objective', () => {
  it('is empty below 8 completed trials, then ranks the parameter that drives the first objective first', async () => {
    let id = '';
    for (let i = 0; i < 7; i++) id = await runTrial();
    expect(await importance(id)).toEqual([]);

    // The 8th result changes what is cached: the estimate appears at once.
    await runTrial();
    const eight = await importance(id);
    expect(eight.map((p) => p.parameter).sort()).toEqual(['x', 'y', 'z']);

    for (let i = 0; i < 32; i++) await runTrial();
    const ranked = await importance(id);
    expect(ranked[0]!.parameter).toBe('x');
    expect(ranked[0]!.importance).toBeGreaterThan(0.5);
    expect(ranked.reduce((sum, p) => sum + p.importance, 0)).toBeCloseTo(1, 6);
    // Asked again with nothing new: the same answer.
    expect(await importance(id)).toEqual(ranked);
  });

  it('follows the first objective when the experiment is resumed with another one first', async () => {
    const resumed = { ...EXPERIMENT, objectives: { latency_ms: 'minimize', accuracy: 'maximize' } };
    // Resuming leaves a running trial: the completed trials are the same, only the first objective changed.
    const trial = await suggest(resumed);
    const ranked = await importance(trial.experimentId);
    expect(ranked[0]!.parameter).toBe('y');
    expect(ranked[0]!.importance).toBeGreaterThan(0.5);
  });
});
