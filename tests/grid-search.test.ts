import { EventEmitter, once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!, $worker: String, $instance: String) {
  suggest(experiment: $experiment, worker: $worker, instance: $instance) { id number params optimizer retryOf { id } }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;
const FAIL = `mutation ($id: ID!) { fail(trialId: $id, error: "out of memory") { state } }`;
const RELEASE = `mutation ($id: ID!) { release(trialId: $id) { state } }`;
const GRID = `query ($name: String!) { experiment(name: $name) { version algorithm gridSize maxTrials trialsLeft trialCount } }`;

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('grid@example.com');
});
afterAll(() => server?.stop());

/** 3 learning rates x (a forest of 2 sizes, or a linear model) x 2 = 18 points. */
const space = {
  lr: { min: 0.01, max: 0.03, step: 0.01 },
  model: { choices: { forest: { trees: { min: 100, max: 200, step: 100 } }, linear: {} } },
  scale: [true, false],
  epochs: 5,
};
/** Every point of `space`, as the test computes it by hand. */
const points = [0.01, 0.02, 0.03].flatMap((lr) =>
  [true, false].flatMap((scale) => [
    { epochs: 5, lr, model: 'forest', scale, trees: 100 },
    { epochs: 5, lr, model: 'forest', scale, trees: 200 },
    { epochs: 5, lr, model: 'linear', scale },
  ]),
);
const key = (params: unknown) => JSON.stringify(Object.entries(params as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));

const suggest = (experiment: Record<string, unknown>, worker = 'w') => server.gql(SUGGEST, { experiment: { parameters: space, algorithm: 'grid', ...experiment }, worker, instance: worker }, token);
const grid = async (name: string) => (await server.gql(GRID, { name }, token)).data?.experiment;

describe('grid search (algorithm "grid")', () => {
  it('hands every point of the grid to 8 workers sharing it, each exactly once, then TRIAL_BUDGET_SPENT naming the algorithm', async () => {
    expect(points).toHaveLength(18);
    const given: unknown[] = [];
    const endings: Record<string, unknown>[] = [];
    // Results stored so far, and a wake-up for workers waiting for the next (instead of asking in a spin).
    let results = 0;
    const stored = new EventEmitter();
    // Eight workers, each looping as the clients' jobs() do: suggest, report, until the grid is spent;
    // told some still run, a worker asks again once another result is in.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const before = results;
          const answer = await suggest({ name: 'Grid' }, `w${w}`);
          if (answer.errors) {
            endings.push(answer.errors[0]!.extensions as Record<string, unknown>);
            if ((answer.errors[0]!.extensions as { running?: number }).running === 0) return;
            if (results === before) await once(stored, 'result');
            continue;
          }
          const trial = answer.data!.suggest;
          expect(trial.optimizer).toBe('grid');
          given.push(trial.params);
          const updated = await server.gql(UPDATE, { id: trial.id, result: { loss: Number(trial.params.lr) } }, token);
          expect(updated.errors).toBeUndefined();
          results++;
          stored.emit('result');
        }
      }),
    );
    expect(given).toHaveLength(18);
    expect(new Set(given.map(key))).toEqual(new Set(points.map(key)));
    for (const ending of endings) expect(ending).toMatchObject({ code: 'TRIAL_BUDGET_SPENT', field: 'experiment.algorithm' });
    const last = await suggest({ name: 'Grid' });
    expect(last.errors?.[0]?.message).toBe(
      'Experiment "Grid" has tried all 18 points of its grid (experiment.algorithm "grid"): no new parameters are handed out; resume it with another algorithm, or start it afresh (resume: false) with a larger grid, to go on',
    );
    expect(last.errors?.[0]?.extensions).toEqual({ code: 'TRIAL_BUDGET_SPENT', field: 'experiment.algorithm', running: 0 });
    expect(await grid('Grid')).toEqual({ version: 1, algorithm: 'grid', gridSize: 18, maxTrials: null, trialsLeft: 0, trialCount: 18 });
  });

  it('counts down the points left, says how many still run once all are handed out, and runs a released one again', async () => {
    const trials = [];
    for (let i = 0; i < 5; i++) trials.push((await suggest({ name: 'Countdown' })).data!.suggest);
    expect(await grid('Countdown')).toMatchObject({ gridSize: 18, trialsLeft: 13 });
    for (let i = 5; i < 18; i++) trials.push((await suggest({ name: 'Countdown' })).data!.suggest);
    const spent = await suggest({ name: 'Countdown' });
    expect(spent.errors?.[0]?.extensions).toEqual({ code: 'TRIAL_BUDGET_SPENT', field: 'experiment.algorithm', running: 18 });
    expect(spent.errors?.[0]?.message).toContain('; 18 still running or about to run again (one that is lost or released is offered again)');
    // One failed, one given up: the failed point is not run again, the released one is (as a copy).
    expect((await server.gql(FAIL, { id: trials[0]!.id }, token)).errors).toBeUndefined();
    expect((await server.gql(RELEASE, { id: trials[1]!.id }, token)).errors).toBeUndefined();
    const copy = (await suggest({ name: 'Countdown' })).data!.suggest;
    expect(copy).toMatchObject({ params: trials[1]!.params, retryOf: { id: trials[1]!.id } });
    expect((await suggest({ name: 'Countdown' })).errors?.[0]?.extensions).toMatchObject({ code: 'TRIAL_BUDGET_SPENT', running: 17 });
    expect(new Set(trials.map((t) => key(t.params))).size).toBe(18);
    expect(await grid('Countdown')).toMatchObject({ trialsLeft: 0, trialCount: 19 });
  });

  it('counts a point enqueued by hand as visited, so the grid still takes 18 trials', async () => {
    await suggest({ name: 'Enqueued grid' });
    const queued = await server.gql(
      `mutation { enqueue(experimentName: "Enqueued grid", params: {lr: 0.02, model: "linear", scale: false, epochs: 5}) { id } }`,
      {},
      token,
    );
    expect(queued.errors).toBeUndefined();
    const given = [];
    for (;;) {
      const answer = await suggest({ name: 'Enqueued grid' });
      if (answer.errors) break;
      given.push(answer.data!.suggest);
    }
    expect(given[0]!.optimizer).toBe('enqueued');
    expect(await grid('Enqueued grid')).toMatchObject({ trialCount: 18, trialsLeft: 0 });
  });

  it('never repeats a point of a trial the optimizers learn nothing from (its objective changed since)', async () => {
    const first = [];
    for (let i = 0; i < 6; i++) {
      const trial = (await suggest({ name: 'Changed objectives' })).data!.suggest;
      expect((await server.gql(UPDATE, { id: trial.id, result: { loss: i } }, token)).errors).toBeUndefined();
      first.push(trial.params);
    }
    // Now maximising accuracy: the six finished trials have none, so they score nothing.
    const rest = [];
    for (;;) {
      const answer = await suggest({ name: 'Changed objectives', objectives: { accuracy: 'maximize' } });
      if (answer.errors) {
        expect(answer.errors[0]!.extensions?.code).toBe('TRIAL_BUDGET_SPENT');
        break;
      }
      rest.push(answer.data!.suggest.params);
    }
    expect(rest).toHaveLength(12);
    expect(new Set([...first, ...rest].map(key)).size).toBe(18);
  });

  it('never hands out an enqueued point again in the same batch, to workers asking at once', async () => {
    const small = { x: { min: 1, max: 2, step: 1 } };
    for (let i = 0; i < 6; i++) {
      const name = `Enqueued batch ${i}`;
      const queued = await server.gql(
        `mutation ($experiment: ExperimentInput!) { enqueue(experiment: $experiment, params: {x: 1}) { id } }`,
        { experiment: { name, parameters: small, algorithm: 'grid' } },
        token,
      );
      expect(queued.errors).toBeUndefined();
      const both = await Promise.all([0, 1].map((w) => suggest({ name, parameters: small }, `w${w}`)));
      expect(both.map((a) => a.data?.suggest.params.x).sort()).toEqual([1, 2]);
    }
  });

  it('stops at a smaller trial budget first, and shows the lesser of what is left', async () => {
    await suggest({ name: 'Budgeted grid', maxTrials: 4 });
    expect(await grid('Budgeted grid')).toMatchObject({ gridSize: 18, maxTrials: 4, trialsLeft: 3 });
    for (let i = 0; i < 3; i++) expect((await suggest({ name: 'Budgeted grid' })).errors).toBeUndefined();
    expect((await suggest({ name: 'Budgeted grid' })).errors?.[0]?.extensions).toMatchObject({ code: 'TRIAL_BUDGET_SPENT', field: 'experiment.maxTrials' });
  });

  it('refuses a space without a grid, naming the field, and stores nothing', async () => {
    const continuous = await suggest({ name: 'No grid', parameters: { ...space, dropout: { min: 0, max: 0.5 } } });
    expect(continuous.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment.parameters.dropout' });
    expect(continuous.errors?.[0]?.message).toBe('parameter "dropout": grid search needs a step for every numeric parameter: give "step", or a list of values');
    const huge = await suggest({ name: 'No grid', parameters: { a: { min: 0, max: 1e5, step: 1 }, b: { min: 0, max: 1e5, step: 1 } } });
    expect(huge.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment.parameters' });
    expect(huge.errors?.[0]?.message).toContain('at most 1,000,000,000 points');
    expect(await grid('No grid')).toBeNull();
  });

  it('refuses to switch a continuous experiment to grid search, or to start a grid experiment afresh in a continuous space', async () => {
    const continuous = { x: { min: 0, max: 1 } };
    expect((await suggest({ name: 'Switch', parameters: continuous, algorithm: 'random' })).errors).toBeUndefined();
    const switched = await suggest({ name: 'Switch', parameters: continuous });
    expect(switched.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment.parameters.x' });
    expect(await grid('Switch')).toMatchObject({ algorithm: 'random', trialCount: 1 });
    // A grid experiment started afresh without naming an algorithm keeps grid search: its new space must have a grid.
    expect((await suggest({ name: 'Afresh' })).errors).toBeUndefined();
    const afresh = await server.gql(SUGGEST, { experiment: { name: 'Afresh', parameters: continuous, resume: false } }, token);
    expect(afresh.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment.parameters.x' });
    expect(await grid('Afresh')).toMatchObject({ version: 1, algorithm: 'grid' });
    // With another algorithm named, it may.
    const other = await server.gql(SUGGEST, { experiment: { name: 'Afresh', parameters: continuous, resume: false, algorithm: 'auto' } }, token);
    expect(other.errors).toBeUndefined();
    expect(await grid('Afresh')).toMatchObject({ version: 2, algorithm: 'auto', gridSize: null, trialsLeft: null });
  });
});
