import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) {
  suggest(experiment: $experiment) { id number params fallbackReason experiment { objectives constraints } }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state loss feasible constraintViolation } }`;
const FRONT = `query ($name: String!) {
  experiment(name: $name) { paretoFront { number metrics } bestTrial { number } trials(first: 50) { edges { node { number state feasible constraintViolation } } } }
}`;

const SPACE = { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } };
const TRADE_OFF = { accuracy: 'maximize', latency_ms: 'minimize' };

let server: TestServer;
let token: string;

async function suggest(experiment: Record<string, unknown>) {
  const response = await server.gql(SUGGEST, { experiment: { parameters: SPACE, ...experiment } }, token);
  expect(response.errors).toBeUndefined();
  return response.data?.suggest as { id: string; number: number; params: { x: number; y: number }; fallbackReason: string | null; experiment: { objectives: unknown; constraints: unknown } };
}

async function update(id: string, result: Record<string, unknown>) {
  return server.gql(UPDATE, { id, result }, token);
}

beforeAll(async () => {
  server = await startServer();
  token = await server.token('pareto@example.com');
});
afterAll(() => server?.stop());

describe('several objectives and constraints', () => {
  it("gives each trial's value of the first objective (Trial.objective): the loss by default, none for a failure", async () => {
    const plain = await suggest({ name: 'Plain objective' });
    await update(plain.id, { loss: 0.25, accuracy: 0.5 });
    const first = await suggest({ name: 'First objective', objectives: TRADE_OFF });
    await update(first.id, { accuracy: 0.9, latency_ms: 20 });
    const failed = await suggest({ name: 'First objective', objectives: TRADE_OFF });
    const failure = await server.gql(`mutation ($id: ID!) { fail(trialId: $id, error: "out of memory", metrics: {accuracy: 0.99}) { state } }`, { id: failed.id }, token);
    expect(failure.errors).toBeUndefined();
    const running = await suggest({ name: 'First objective', objectives: TRADE_OFF });
    const values = async (name: string) => {
      const read = await server.gql(`query ($name: String!) { experiment(name: $name) { trials(first: 10) { edges { node { id state objective } } } } }`, { name }, token);
      return Object.fromEntries(read.data?.experiment.trials.edges.map((e: { node: { id: string; state: string; objective: number | null } }) => [e.node.id, [e.node.state, e.node.objective]]));
    };
    expect(await values('Plain objective')).toEqual({ [plain.id]: ['COMPLETED', 0.25] });
    expect(await values('First objective')).toEqual({ [first.id]: ['COMPLETED', 0.9], [failed.id]: ['FAILED', null], [running.id]: ['RUNNING', null] });
  });

  it('keeps the objectives and constraints, and refuses results that lack an objective, naming it', async () => {
    const experiment = { name: 'Refused', objectives: TRADE_OFF, constraints: { memory_gb: { max: 16 } } };
    const trial = await suggest(experiment);
    expect(trial.experiment).toEqual({ objectives: TRADE_OFF, constraints: { memory_gb: { max: 16 } } });
    for (const [result, field] of [
      [{ accuracy: 0.9 }, 'result.latency_ms'],
      [{ accuracy: 0.9, latency_ms: 'NaN' }, 'result.latency_ms'],
      [{ accuracy: 'high', latency_ms: 3 }, 'result.accuracy'],
    ] as const) {
      const refused = await update(trial.id, result);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    // No loss needed: it is not an objective here. Nothing half-stored by the refusals.
    const stored = await update(trial.id, { accuracy: 0.9, latency_ms: 3, memory_gb: 4 });
    expect(stored.data?.update).toMatchObject({ state: 'COMPLETED', loss: null, feasible: true, constraintViolation: 0 });

    const plain = await suggest({ name: 'Plain' });
    const missing = await update(plain.id, { accuracy: 0.9 });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'result.loss' });
    expect(missing.errors?.[0]?.message).toBe('result.loss is required: the number Oscar minimises');
  });

  it("keeps a finished trial's first outcome: the same again is stored once, another result or a failure is a CONFLICT", async () => {
    const experiment = { name: 'Once', objectives: TRADE_OFF };
    const done = await suggest(experiment);
    expect((await update(done.id, { accuracy: 0.9, latency_ms: 3 })).data?.update.state).toBe('COMPLETED');
    expect((await update(done.id, { accuracy: 0.9, latency_ms: 3 })).errors).toBeUndefined();
    expect((await update(done.id, { accuracy: 0.95, latency_ms: 3 })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await update(done.id, { error: 'out of memory', accuracy: 0.9, latency_ms: 3 })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // A failure that sent its values too is not a result: the same values as a result are refused.
    const failed = await suggest(experiment);
    expect((await update(failed.id, { error: 'out of memory', accuracy: 0.9, latency_ms: 3 })).data?.update.state).toBe('FAILED');
    expect((await update(failed.id, { accuracy: 0.9, latency_ms: 3 })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const { data } = await server.gql(FRONT, { name: 'Once' }, token);
    expect(data?.experiment.paretoFront.map((t: { number: number }) => t.number)).toEqual([done.number]);
  });

  it('gives the feasible non-dominated trials as the Pareto front, and the best feasible one in the first objective', async () => {
    const experiment = { name: 'Front', objectives: TRADE_OFF, constraints: { memory_gb: { max: 16 } }, algorithm: 'random' };
    const results = [
      { accuracy: 0.9, latency_ms: 10, memory_gb: 8 }, // 1: front
      { accuracy: 0.8, latency_ms: 5, memory_gb: 8 }, // 2: front
      { accuracy: 0.85, latency_ms: 12, memory_gb: 8 }, // 3: dominated by 1
      { accuracy: 0.95, latency_ms: 3, memory_gb: 32 }, // 4: dominates them all, but infeasible
      { accuracy: 0.9, latency_ms: 10, memory_gb: 16 }, // 5: equal to 1, feasible at the limit: kept
      { accuracy: 0.7, latency_ms: 5, memory_gb: 1 }, // 6: dominated by 2
    ];
    for (const result of results) {
      const trial = await suggest(experiment);
      const stored = await update(trial.id, result);
      expect(stored.errors).toBeUndefined();
    }
    const { data } = await server.gql(FRONT, { name: 'Front' }, token);
    expect(data?.experiment.paretoFront.map((t: { number: number }) => t.number)).toEqual([1, 5, 2]);
    expect(data?.experiment.bestTrial).toEqual({ number: 1 }); // the most accurate feasible, earliest on ties
    const infeasible = data?.experiment.trials.edges.find((e: { node: { number: number } }) => e.node.number === 4).node;
    expect(infeasible).toEqual({ number: 4, state: 'COMPLETED', feasible: false, constraintViolation: 1 }); // 16 over a limit of 16
  });

  it('maximises a single objective other than the loss', async () => {
    const experiment = { name: 'Accuracy', objectives: { accuracy: 'maximize' }, algorithm: 'random' };
    for (const accuracy of [0.7, 0.92, 0.85]) {
      const trial = await suggest(experiment);
      await update(trial.id, { accuracy });
    }
    const { data } = await server.gql(FRONT, { name: 'Accuracy' }, token);
    expect(data?.experiment.bestTrial).toEqual({ number: 2 });
    expect(data?.experiment.paretoFront.map((t: { number: number }) => t.number)).toEqual([2]);
  });

  it.each(['random', 'quasi_random', 'tpe', 'gp', 'cmaes', 'nsga2'])(
    'suggests with %s from objectives and constraints, within its time bound, the same for the same seed and history',
    async (algorithm) => {
      const runs: number[][][] = [];
      for (const copy of ['a', 'b']) {
        const experiment = { name: `Contract ${algorithm} ${copy}`, algorithm, seed: 11, objectives: TRADE_OFF, constraints: { memory_gb: { max: 16 } } };
        const seen: number[][] = [];
        for (let i = 0; i < 14; i++) {
          const trial = await suggest(experiment);
          expect(trial.fallbackReason).toBeNull();
          seen.push([trial.params.x, trial.params.y]);
          const { x, y } = trial.params;
          await update(trial.id, { accuracy: 1 - (x - 0.3) ** 2, latency_ms: 10 * y + x, memory_gb: 20 * x * y });
        }
        runs.push(seen);
      }
      expect(runs[1]).toEqual(runs[0]);
    },
  );
});
