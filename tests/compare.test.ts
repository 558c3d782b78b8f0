// The GraphQL behind the dashboard's Compare page: 2 to 8 of the caller's experiments (archived
// versions included), each with its best-so-far curve and best trial; nobody else's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const IMPORT = `mutation ($experiment: ExperimentInput!, $trials: [ImportedTrialInput!]!) {
  importTrials(experiment: $experiment, trials: $trials) { experiment { id version } numbers }
}`;
const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id number } }`;
const COMPARE = `query ($ids: [ID!]!) {
  compareExperiments(ids: $ids) {
    id name version archivedAt trialCount
    bestSoFar { objective direction numbers values completed valued improvements thinned bestNumber bestValue bestTrial { number params } }
  }
}`;

let server: TestServer;
let alice: string;
let bob: string;
/** Alice's "Square" v1 (archived), v2 (current), "Accuracy" (maximised, not loss); Bob's "Square". */
let v1: string;
let v2: string;
let accuracy: string;
let bobs: string;

const square = (resume = true) => ({ name: 'Square', parameters: { x: { min: 0, max: 10 } }, algorithm: 'random', resume });
const trials = (results: Record<string, unknown>[]) => results.map((result, i) => ({ params: { x: i }, result }));

async function gql(query: string, variables: Record<string, unknown>, token = alice) {
  const response = await server.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('alice@example.com'), server.token('bob@example.com')]);
  v1 = (await gql(IMPORT, { experiment: square(), trials: trials([{ loss: 5 }, { loss: 3 }, { loss: 4 }]) })).importTrials.experiment.id;
  const second = (await gql(IMPORT, { experiment: square(false), trials: trials([{ loss: 2 }, { error: 'diverged' }, { loss: 0.5 }, { loss: 0.7 }]) })).importTrials;
  expect(second.experiment.version).toBe(2);
  v2 = second.experiment.id;
  await gql(SUGGEST, { experiment: square() }); // a RUNNING trial: not on the curve
  accuracy = (
    await gql(IMPORT, {
      experiment: { name: 'Accuracy', parameters: { x: { min: 0, max: 10 } }, objectives: { accuracy: 'maximize' }, algorithm: 'random' },
      trials: trials([{ accuracy: 0.6 }, { accuracy: 0.9 }, { accuracy: 0.8 }]),
    })
  ).importTrials.experiment.id;
  bobs = (await gql(IMPORT, { experiment: square(), trials: trials([{ loss: 1 }]) }, bob)).importTrials.experiment.id;
});
afterAll(() => server?.stop());

describe('compareExperiments', () => {
  it('returns the experiments in the order asked, archived versions included, each with its best-so-far staircase', async () => {
    const compared = (await gql(COMPARE, { ids: [v2, v1, accuracy] })).compareExperiments;
    expect(compared.map((e: { id: string }) => e.id)).toEqual([v2, v1, accuracy]);
    const [second, first, maximised] = compared;
    expect(first).toMatchObject({ name: 'Square', version: 1, trialCount: 3 });
    expect(first.archivedAt).not.toBeNull();
    expect(first.bestSoFar).toMatchObject({ objective: 'loss', direction: 'minimize', numbers: [1, 2, 3], values: [5, 3, 3], completed: 3, bestNumber: 2, bestValue: 3 });
    expect(first.bestSoFar.bestTrial).toEqual({ number: 2, params: { x: 1 } });
    // v2: trial 2 failed, trial 5 is running; the staircase ends at the last completed trial (4).
    expect(second).toMatchObject({ version: 2, archivedAt: null, trialCount: 5 });
    expect(second.bestSoFar).toMatchObject({ numbers: [1, 3, 4], values: [2, 0.5, 0.5], completed: 3, valued: 3, improvements: 2, thinned: false, bestNumber: 3, bestValue: 0.5 });
    expect(maximised.bestSoFar).toMatchObject({ objective: 'accuracy', direction: 'maximize', numbers: [1, 2, 3], values: [0.6, 0.9, 0.9], bestNumber: 2, bestValue: 0.9 });
  });

  it('counts only feasible trials when the experiment has constraints, as its best trial does', async () => {
    const constrained = (
      await gql(IMPORT, {
        experiment: { name: 'Constrained', parameters: { x: { min: 0, max: 10 } }, constraints: { mem: { max: 1 } }, algorithm: 'random' },
        trials: trials([{ loss: 0.1, mem: 5 }, { loss: 0.5, mem: 0 }, { loss: 0.3, mem: 0.5 }, { loss: 0.2, mem: 2 }]),
      })
    ).importTrials.experiment.id;
    const [, curve] = (await gql(COMPARE, { ids: [v1, constrained] })).compareExperiments;
    expect(curve.bestSoFar).toMatchObject({ numbers: [2, 3], values: [0.5, 0.3], bestNumber: 3, bestValue: 0.3 });
    const best = await gql(`query ($id: ID!) { experiment(id: $id) { bestTrial { number } } }`, { id: constrained });
    expect(best.experiment.bestTrial.number).toBe(3);
  });

  it('answers the same NOT_FOUND for another user’s experiment and for a missing one', async () => {
    for (const id of [bobs, 'no-such-experiment']) {
      const response = await server.gql(COMPARE, { ids: [v1, id] }, alice);
      expect(response.data).toBeNull();
      expect(response.errors?.[0]?.message).toBe(`No experiment with id "${id}"`);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'ids' });
    }
    // And Bob sees Alice's as missing too.
    const response = await server.gql(COMPARE, { ids: [bobs, v1] }, bob);
    expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('compares 2 to 8 experiments, each once', async () => {
    const tooFew = await server.gql(COMPARE, { ids: [v1] }, alice);
    expect(tooFew.errors?.[0]?.message).toBe('ids: compare 2 to 8 experiments, but got 1');
    expect(tooFew.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    const tooMany = await server.gql(COMPARE, { ids: Array.from({ length: 9 }, (_, i) => `id-${i}`) }, alice);
    expect(tooMany.errors?.[0]?.message).toBe('ids: compare 2 to 8 experiments, but got 9');
    const twice = await server.gql(COMPARE, { ids: [v1, v2, v1] }, alice);
    expect(twice.errors?.[0]?.message).toBe(`ids: the experiment "${v1}" is listed twice`);
  });

  it('needs a signed-in caller', async () => {
    const response = await server.gql(COMPARE, { ids: [v1, v2] });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('bounds a long monotone run to 2,000 points, every one exact, the database finding the improvements', async () => {
    const experiment = { name: 'Long run', parameters: { x: { min: 0, max: 1 } }, algorithm: 'random' };
    const n = 3_000;
    let id = '';
    for (let start = 0; start < n; start += 1_000) {
      // Losses fall with every trial (ties with the best and a failure now and then do not count).
      const batch = Array.from({ length: 1_000 }, (_, i) => {
        const number = start + i + 1;
        const result = number % 500 === 0 ? { error: 'diverged' } : { loss: number % 7 === 0 ? 1 / (number - 1) : 1 / number };
        return { params: { x: 0.5 }, result };
      });
      id = (await gql(IMPORT, { experiment, trials: batch })).importTrials.experiment.id;
    }
    const [long] = (await gql(COMPARE, { ids: [id, v1] })).compareExperiments;
    const curve = long.bestSoFar;
    expect(curve).toMatchObject({ thinned: true, completed: n - 6, valued: n - 6, bestNumber: n - 1, bestValue: 1 / (n - 1) });
    // Neither the 6 failures nor the 427 ties improve (trial 1001, after failed trial 1000, does): 2,994 - 427.
    expect(curve.improvements).toBe(2_567);
    expect(curve.numbers.length).toBeLessThanOrEqual(2_000);
    expect(curve.numbers[0]).toBe(1);
    expect(curve.numbers.at(-1)).toBe(n - 1);
    curve.numbers.forEach((number: number, i: number) => expect(curve.values[i]).toBe(number % 7 === 0 ? 1 / (number - 1) : 1 / number));
  });

  it('follows new results', async () => {
    const trial = (await gql(SUGGEST, { experiment: square() })).suggest;
    await gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 0.1}) { id } }`, { id: trial.id });
    const [second] = (await gql(COMPARE, { ids: [v2, v1] })).compareExperiments;
    expect(second.bestSoFar).toMatchObject({ bestNumber: trial.number, bestValue: 0.1 });
    expect(second.bestSoFar.numbers.at(-1)).toBe(trial.number);
  });
});
