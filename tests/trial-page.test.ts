// The GraphQL behind the dashboard's trial page and trials filter: a trial by number, its group
// (retries and duplicates), the errors column of the trial table, heartbeats seen live; and none of
// it readable by another user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, waitUntil, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($worker: String) {
  suggest(experiment: {name: "Trial page", parameters: {x: {min: 0, max: 1}}, algorithm: "random", leaseSeconds: 2}, worker: $worker) {
    id number params leaseExpiresAt retryOf { id number } experiment { id }
  }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state } }`;
const FAIL = `mutation ($id: ID!, $error: String!) { fail(trialId: $id, error: $error) { id state } }`;
const HEARTBEAT = `mutation ($id: ID!) { heartbeat(trialId: $id) { id heartbeatAt } }`;
const TRIAL = `query ($id: ID!, $number: Int!) {
  experiment(id: $id) {
    trial(number: $number) {
      number state loss worker error optimizer leaseExpiresAt heartbeatAt params
      retryOf { number } retries { number state } group { number state }
    }
  }
}`;

let server: TestServer;
let alice: string;
let bob: string;
let experimentId: string;

/** Trials 1 (lost: its lease ran out, then its late result is a duplicate), 2 (its copy, completed) and 3 (failed). */
let lost: { id: string; number: number; params: unknown };
let copy: { id: string; number: number; retryOf: { number: number } | null; params: unknown };

async function gql(query: string, variables: Record<string, unknown>, token = alice) {
  const response = await server.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('alice@example.com'), server.token('bob@example.com')]);
  const first = (await gql(SUGGEST, { worker: 'spot-1' })).suggest;
  experimentId = first.experiment.id;
  lost = first;
  // The lease's end is a fact the server told us: wait past it, then another worker gets a copy.
  await waitFor(() => Date.now() > Date.parse(first.leaseExpiresAt) + 200, 10_000);
  copy = (await gql(SUGGEST, { worker: 'spot-2' })).suggest;
  await gql(UPDATE, { id: copy.id, result: { loss: 0.5 } });
  await gql(UPDATE, { id: lost.id, result: { loss: 0.7 } });
  const third = (await gql(SUGGEST, { worker: 'spot-3' })).suggest;
  await gql(FAIL, { id: third.id, error: 'CUDA out of memory <script>' });
});
afterAll(() => server?.stop());

describe('Experiment.trial and Trial.group', () => {
  it('reads a trial by number, with every field the page shows', async () => {
    const { trial } = (await gql(TRIAL, { id: experimentId, number: 3 })).experiment;
    expect(trial).toMatchObject({ number: 3, state: 'FAILED', worker: 'spot-3', error: 'CUDA out of memory <script>', optimizer: 'random', retryOf: null, retries: [] });
    expect(trial.group).toEqual([{ number: 3, state: 'FAILED' }]);
  });

  it('links a copy offered again to its original, and both to their group: one result counted, the late one a duplicate', async () => {
    expect(copy.retryOf?.number).toBe(lost.number);
    expect(copy.params).toEqual(lost.params);
    const original = (await gql(TRIAL, { id: experimentId, number: lost.number })).experiment.trial;
    expect(original).toMatchObject({ state: 'DUPLICATE', loss: 0.7, retryOf: null, retries: [{ number: copy.number, state: 'COMPLETED' }] });
    const group = [
      { number: lost.number, state: 'DUPLICATE' },
      { number: copy.number, state: 'COMPLETED' },
    ];
    expect(original.group).toEqual(group);
    const again = (await gql(TRIAL, { id: experimentId, number: copy.number })).experiment.trial;
    expect(again).toMatchObject({ state: 'COMPLETED', loss: 0.5, retryOf: { number: lost.number }, retries: [] });
    expect(again.group).toEqual(group);
  });

  it('answers null for a number the experiment has no trial of, and refuses a number below 1', async () => {
    expect((await gql(TRIAL, { id: experimentId, number: 99 })).experiment.trial).toBeNull();
    const response = await server.gql(TRIAL, { id: experimentId, number: 0 }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'number' });
    expect(response.errors?.[0]?.message).toBe('number must be at least 1, but got 0');
  });

  it("does not let another user read someone else's trial", async () => {
    const response = await server.gql(TRIAL, { id: experimentId, number: 1 }, bob);
    expect(response.errors).toBeUndefined();
    expect(response.data?.experiment).toBeNull();
  });
});

describe('Experiment.trialTable.errors', () => {
  it('carries why each failed trial failed, null for the others', async () => {
    const { trialTable } = (await gql(`query ($id: ID!) { experiment(id: $id) { trialTable { numbers errors } } }`, { id: experimentId })).experiment;
    expect(trialTable.numbers).toEqual([1, 2, 3]);
    expect(trialTable.errors).toEqual([null, null, 'CUDA out of memory <script>']);
  });
});

describe('heartbeats, live', () => {
  it("emits trialUpdated at a running trial's heartbeat to subscribers that ask for heartbeats, and only to them", async () => {
    const running = (await gql(SUGGEST, { worker: 'spot-4' })).suggest;
    type Event = { trialUpdated: { number: number; state: string; heartbeatAt: string | null } };
    const query = (heartbeats: boolean) => `subscription ($id: ID!) { trialUpdated(experimentId: $id, heartbeats: ${heartbeats}) { number state heartbeatAt } }`;
    const withBeats = collect<Event>(server.ws(alice), query(true), { id: experimentId });
    const table = collect<Event>(server.ws(alice), query(false), { id: experimentId });
    try {
      await server.listening(alice, 2, 10_000);
      const beat = (await gql(HEARTBEAT, { id: running.id })).heartbeat;
      await waitFor(() => withBeats.events.some((e) => e.trialUpdated.number === running.number && e.trialUpdated.heartbeatAt === beat.heartbeatAt), 10_000);
      // A result after the heartbeat: events of a topic arrive in order, so once the table's feed has the
      // result, a heartbeat event sent to it would already be there.
      await gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: 1 }) { id } }`, { id: running.id });
      await waitFor(() => table.events.some((e) => e.trialUpdated.number === running.number && e.trialUpdated.state === 'COMPLETED'), 10_000);
      expect(table.events.filter((e) => e.trialUpdated.number === running.number).map((e) => e.trialUpdated.state)).toEqual(['COMPLETED']);
    } finally {
      withBeats.stop();
      table.stop();
    }
  });

  it("sends none of it to another user watching someone else's experiment", async () => {
    const feed = collect(server.ws(bob), `subscription ($id: ID!) { trialUpdated(experimentId: $id) { number } }`, { id: experimentId });
    await waitUntil(async () => feed.errors.length > 0 || feed.isDone(), 10_000);
    expect(JSON.stringify(feed.errors)).toContain('NOT_FOUND');
    expect(feed.events).toEqual([]);
  });
});
