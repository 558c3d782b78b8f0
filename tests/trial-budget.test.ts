import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {
  suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) { id number params retryOf { id } }
}`;
const RELEASE = `mutation ($id: ID!) { release(trialId: $id) { state } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;
const BUDGET = `query ($name: String!) { experiment(name: $name) { version maxTrials trialsLeft trialCount } }`;

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('budget@example.com');
});
afterAll(() => server?.stop());

const space = { x: { min: 0, max: 1 } };
const suggest = (experiment: Record<string, unknown>, extra: Record<string, unknown> = {}) => server.gql(SUGGEST, { experiment: { parameters: space, ...experiment }, ...extra }, token);
const budget = async (name: string) => (await server.gql(BUDGET, { name }, token)).data?.experiment;

describe('a trial budget (maxTrials)', () => {
  it('hands out exactly that many trials to workers asking at once, then TRIAL_BUDGET_SPENT naming the field', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => suggest({ name: 'Budget', maxTrials: 5 }, { worker: `w${i}`, instance: `i${i}` })));
    const given = answers.filter((a) => a.data?.suggest);
    const refused = answers.filter((a) => a.errors);
    expect(given).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const answer of refused) {
      // How many still run: a worker may wait for one of them to be lost or released, and run it.
      expect(answer.errors![0]!.extensions).toEqual({ code: 'TRIAL_BUDGET_SPENT', field: 'experiment.maxTrials', running: 5 });
      expect(answer.errors![0]!.message).toBe(
        'Experiment "Budget" has run its 5 trials (experiment.maxTrials): no new parameters are handed out; 5 still running or about to run again (one that is lost or released is offered again); resume it with a larger experiment.maxTrials to go on',
      );
    }
    expect(given.map((a) => a.data!.suggest.number).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await budget('Budget')).toEqual({ version: 1, maxTrials: 5, trialsLeft: 0, trialCount: 5 });
  });

  it('still offers a released or lost trial again, and answers a retried suggest, once the budget is spent', async () => {
    const first = (await suggest({ name: 'Spent', maxTrials: 2 }, { worker: 'a', instance: 'a', requestId: 'r1' })).data!.suggest;
    const second = (await suggest({ name: 'Spent' }, { worker: 'b', instance: 'b' })).data!.suggest;
    await server.gql(UPDATE, { id: second.id, result: { loss: 1 } }, token);
    expect((await suggest({ name: 'Spent' }, { worker: 'c', instance: 'c' })).errors?.[0]?.extensions?.code).toBe('TRIAL_BUDGET_SPENT');
    // A suggest whose answer was lost, sent again: the trial it got.
    expect((await suggest({ name: 'Spent' }, { worker: 'a', instance: 'a', requestId: 'r1' })).data?.suggest.id).toBe(first.id);
    // Given up: its parameters go to the next worker, as a copy that does not count.
    await server.gql(RELEASE, { id: first.id }, token);
    const copy = (await suggest({ name: 'Spent' }, { worker: 'c', instance: 'c' })).data!.suggest;
    expect(copy).toMatchObject({ params: first.params, retryOf: { id: first.id } });
    expect(await budget('Spent')).toEqual({ version: 1, maxTrials: 2, trialsLeft: 0, trialCount: 3 });
    expect((await suggest({ name: 'Spent' }, { worker: 'd', instance: 'd' })).errors?.[0]?.extensions?.code).toBe('TRIAL_BUDGET_SPENT');
  });

  it('is raised by resuming with a larger one, kept by a resume that leaves it out and by a fresh start, and has none by default', async () => {
    await suggest({ name: 'Raised', maxTrials: 1 });
    expect((await suggest({ name: 'Raised' })).errors?.[0]?.extensions?.code).toBe('TRIAL_BUDGET_SPENT');
    expect((await suggest({ name: 'Raised', maxTrials: 3 })).errors).toBeUndefined();
    expect(await budget('Raised')).toEqual({ version: 1, maxTrials: 3, trialsLeft: 1, trialCount: 2 });
    // Lowered below what has run: no new trials at once.
    expect((await suggest({ name: 'Raised', maxTrials: 2 })).errors?.[0]?.extensions?.code).toBe('TRIAL_BUDGET_SPENT');
    expect(await budget('Raised')).toEqual({ version: 1, maxTrials: 2, trialsLeft: 0, trialCount: 2 });
    expect((await suggest({ name: 'Raised', maxTrials: 3 })).errors).toBeUndefined();
    // A fresh start keeps the budget; its trials count afresh.
    expect((await suggest({ name: 'Raised', resume: false })).errors).toBeUndefined();
    expect(await budget('Raised')).toEqual({ version: 2, maxTrials: 3, trialsLeft: 2, trialCount: 1 });
    // The archived version keeps its own count.
    const versions = await server.gql(`query { experiment(name: "Raised") { versions { version maxTrials trialsLeft } } }`, {}, token);
    expect(versions.data?.experiment.versions).toEqual([
      { version: 2, maxTrials: 3, trialsLeft: 2 },
      { version: 1, maxTrials: 3, trialsLeft: 0 },
    ]);
    await suggest({ name: 'Unlimited' });
    expect(await budget('Unlimited')).toEqual({ version: 1, maxTrials: null, trialsLeft: null, trialCount: 1 });
    // The JSON export carries it, so an import into a new experiment sets it again.
    const exported = await server.gql(`query { experiment(name: "Raised") { export(format: JSON) { text } } }`, {}, token);
    expect(JSON.parse(exported.data?.experiment.export.text).experiment.maxTrials).toBe(3);
  });

  it('refuses a budget that is not a whole number from 1 to 1,000,000,000, naming the field, and creates nothing', async () => {
    for (const maxTrials of [0, -3, 1_000_000_001]) {
      const answer = await suggest({ name: 'Bad budget', maxTrials });
      expect(answer.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment.maxTrials' });
      expect(answer.errors?.[0]?.message).toBe(`experiment.maxTrials must be a whole number from 1 to 1000000000, but got ${maxTrials}`);
    }
    expect(await budget('Bad budget')).toBeNull();
  });

  it('hands out queued parameters only within the budget', async () => {
    await suggest({ name: 'Queued budget', maxTrials: 2 });
    for (const x of [0.25, 0.5]) {
      const queued = await server.gql(`mutation ($x: Float!) { enqueue(experimentName: "Queued budget", params: {x: $x}) { id } }`, { x }, token);
      expect(queued.errors).toBeUndefined();
    }
    expect((await suggest({ name: 'Queued budget' })).data?.suggest.params).toEqual({ x: 0.25 });
    expect((await suggest({ name: 'Queued budget' })).errors?.[0]?.extensions?.code).toBe('TRIAL_BUDGET_SPENT');
  });
});
