import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

const WATCH = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id number state loss metrics worker } }`;
const SUGGEST = `mutation ($name: String!, $worker: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}}, worker: $worker) { id experiment { id } }
}`;

let server: TestServer;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('alice@example.com'), server.token('bob@example.com')]);
});
afterAll(() => server?.stop());

describe('trialUpdated over graphql-ws', () => {
  it('emits each created and completed trial of the experiment, and nothing of others', async () => {
    const first = (await server.gql(SUGGEST, { name: 'Live' }, alice)).data?.suggest;
    const client = server.ws(alice);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const trial = (await server.gql(SUGGEST, { name: 'Live', worker: 'w1' }, alice)).data?.suggest;
    await server.gql(SUGGEST, { name: 'Elsewhere' }, alice);
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 0.5, acc: 0.9}) { id } }`, { id: trial.id }, alice);

    await waitFor(() => feed.events.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(feed.errors).toEqual([]);
    expect(feed.events.map((e) => e.trialUpdated)).toEqual([
      { id: trial.id, number: 2, state: 'RUNNING', loss: null, metrics: {}, worker: 'w1' },
      { id: trial.id, number: 2, state: 'COMPLETED', loss: 0.5, metrics: { acc: 0.9 }, worker: 'w1' },
    ]);
    feed.stop();
    await client.dispose();
  });

  it('refuses a subscription without a valid token', async () => {
    const first = (await server.gql(SUGGEST, { name: 'Guarded' }, alice)).data?.suggest;
    for (const token of [null, 'oscar_wrong']) {
      const client = server.ws(token);
      const feed = collect<any>(client, WATCH, { id: first.experiment.id });
      await waitFor(() => feed.errors.length > 0 || feed.isDone());
      expect(JSON.stringify(feed.errors)).toContain('UNAUTHENTICATED');
      expect(feed.events).toEqual([]);
      await client.dispose();
    }
  });

  it("refuses a subscription to another user's experiment", async () => {
    const first = (await server.gql(SUGGEST, { name: 'Secret' }, alice)).data?.suggest;
    const client = server.ws(bob);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await waitFor(() => feed.errors.length > 0 || feed.isDone());
    expect(JSON.stringify(feed.errors)).toContain('NOT_FOUND');
    await server.gql(SUGGEST, { name: 'Secret' }, alice);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(feed.events).toEqual([]);
    await client.dispose();
  });
});

describe('experimentUpdated over graphql-ws', () => {
  it("emits the caller's experiments as their trials change, and never another user's", async () => {
    const client = server.ws(alice);
    const feed = collect<any>(client, `subscription { experimentUpdated { name trialCount } }`, {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.gql(SUGGEST, { name: 'Bob private', worker: 'b' }, bob);
    const trial = (await server.gql(SUGGEST, { name: 'Dashboard list', worker: 'a' }, alice)).data?.suggest;
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 1}) { id } }`, { id: trial.id }, alice);
    await waitFor(() => feed.events.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(feed.errors).toEqual([]);
    expect(feed.events.map((e) => e.experimentUpdated)).toEqual([
      { name: 'Dashboard list', trialCount: 1 },
      { name: 'Dashboard list', trialCount: 1 },
    ]);
    feed.stop();
    await client.dispose();
  });
});
