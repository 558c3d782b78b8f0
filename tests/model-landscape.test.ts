// The GP's predicted loss over two parameters (Experiment.insights.landscape): none below 8 completed
// trials (a reason instead), then a prediction whose best cell is near a known quadratic's optimum;
// parameter names checked at the boundary; another user's experiment is not found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id params experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;
const LANDSCAPE = `query ($id: ID!, $x: String!, $y: String!) {
  experiment(id: $id) { insights { landscape(x: $x, y: $y) { objective direction x { name values } y { name values } mean sd heldAt reason } } }
}`;

/** The loss is lowest at x = 1, lr = 0.01; `kind` adds a constant. */
const EXPERIMENT = {
  name: 'Quadratic bowl',
  parameters: { x: { min: -5, max: 5 }, lr: { min: 1e-4, max: 1, distribution: 'log_uniform' }, kind: ['a', 'b'] },
  algorithm: 'random',
  seed: 11,
};

interface Landscape {
  objective: string;
  direction: string;
  x: { name: string; values: number[] } | null;
  y: { name: string; values: number[] } | null;
  mean: number[][] | null;
  sd: number[][] | null;
  heldAt: Record<string, unknown> | null;
  reason: string | null;
}

let server: TestServer;
let token: string;
let experimentId = '';

beforeAll(async () => {
  server = await startServer();
  token = await server.token('landscape@example.com');
});
afterAll(() => server?.stop());

async function runTrials(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const suggested = await server.gql(SUGGEST, { experiment: EXPERIMENT }, token);
    expect(suggested.errors).toBeUndefined();
    const trial = suggested.data!.suggest;
    experimentId = trial.experiment.id;
    const { x, lr, kind } = trial.params as { x: number; lr: number; kind: string };
    const loss = (x - 1) ** 2 + (Math.log10(lr) + 2) ** 2 + (kind === 'a' ? 0 : 0.5);
    const updated = await server.gql(UPDATE, { id: trial.id, result: { loss } }, token);
    expect(updated.data?.update, JSON.stringify(updated.errors)).toEqual({ state: 'COMPLETED' });
  }
}

async function landscape(x: string, y: string, as = token) {
  return server.gql<{ experiment: { insights: { landscape: Landscape } } | null }>(LANDSCAPE, { id: experimentId, x, y }, as);
}

describe('Experiment.insights.landscape', () => {
  it('has no model below 8 completed trials, and says why', async () => {
    await runTrials(5);
    const response = await landscape('x', 'lr');
    expect(response.errors).toBeUndefined();
    expect(response.data?.experiment?.insights.landscape).toMatchObject({ objective: 'loss', mean: null, x: null, reason: expect.stringContaining('8 completed trials') });
  });

  it("predicts a known quadratic's optimum, on a log-spaced axis for a log-scale parameter", { timeout: 120_000 }, async () => {
    await runTrials(25);
    const response = await landscape('x', 'lr');
    expect(response.errors).toBeUndefined();
    const result = response.data!.experiment!.insights.landscape;
    expect(result.reason).toBeNull();
    expect(result.direction).toBe('minimize');
    const { x, y, mean, sd } = result as Required<{ [K in keyof Landscape]: NonNullable<Landscape[K]> }>;
    expect([x.name, y.name]).toEqual(['x', 'lr']);
    expect(mean).toHaveLength(y.values.length);
    expect(sd.flat().every((s) => s >= 0)).toBe(true);
    expect(y.values[1]! / y.values[0]!).toBeCloseTo(y.values.at(-1)! / y.values.at(-2)!, 6);
    let best = { x: 0, y: 0, value: Number.POSITIVE_INFINITY };
    mean.forEach((row, j) => row.forEach((value, i) => value < best.value && (best = { x: x.values[i]!, y: y.values[j]!, value })));
    expect(Math.abs(best.x - 1)).toBeLessThan(1.5);
    expect(Math.abs(Math.log10(best.y) + 2)).toBeLessThan(1);
    expect(Object.keys(result.heldAt!)).toEqual(['kind']);
  });

  it('names the argument of an unknown parameter, and gives a reason for a categorical one', async () => {
    const unknown = await landscape('x', 'momentum');
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'y' });
    expect(unknown.errors?.[0]?.message).toContain('"momentum"');
    const categorical = await landscape('kind', 'x');
    expect(categorical.data?.experiment?.insights.landscape).toMatchObject({ mean: null, reason: '"kind" is not numeric' });
  });

  it("finds no other user's experiment", async () => {
    const other = await server.token('someone-else@example.com');
    const response = await landscape('x', 'lr', other);
    expect(response.errors).toBeUndefined();
    expect(response.data?.experiment).toBeNull();
  });
});
