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
    await server.listening(alice, 1);

    const trial = (await server.gql(SUGGEST, { name: 'Live', worker: 'w1' }, alice)).data?.suggest;
    await server.gql(SUGGEST, { name: 'Elsewhere' }, alice);
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 0.5, acc: 0.9}) { id } }`, { id: trial.id }, alice);
    // A last trial of this experiment: once it arrives, anything sent before it has arrived too.
    const sentinel = (await server.gql(SUGGEST, { name: 'Live', worker: 'sentinel' }, alice)).data?.suggest;

    await waitFor(() => feed.events.some((e) => e.trialUpdated.id === sentinel.id));
    expect(feed.errors).toEqual([]);
    expect(feed.events.map((e) => e.trialUpdated)).toEqual([
      { id: trial.id, number: 2, state: 'RUNNING', loss: null, metrics: {}, worker: 'w1' },
      { id: trial.id, number: 2, state: 'COMPLETED', loss: 0.5, metrics: { acc: 0.9 }, worker: 'w1' },
      { id: sentinel.id, number: 3, state: 'RUNNING', loss: null, metrics: {}, worker: 'sentinel' },
    ]);
    feed.stop();
    await client.dispose();
  });

  it('with `since`, first emits the trials changed after a trial table was read, so none falls in between', async () => {
    const first = (await server.gql(SUGGEST, { name: 'Catch up', worker: 'w0' }, alice)).data?.suggest;
    const id = first.experiment.id;
    const table = (await server.gql(`query ($id: ID!) { experiment(id: $id) { trialTable { numbers revision } } }`, { id }, alice)).data?.experiment.trialTable;
    expect(table.numbers).toEqual([1]);
    // Changed after the table was read, before anyone subscribed.
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 0.25}) { id } }`, { id: first.id }, alice);
    const missed = (await server.gql(SUGGEST, { name: 'Catch up', worker: 'w1' }, alice)).data?.suggest;

    const client = server.ws(alice);
    const feed = collect<any>(client, `subscription ($id: ID!, $since: Int) { trialUpdated(experimentId: $id, since: $since) { id number state loss } }`, { id, since: table.revision });
    await waitFor(() => feed.events.length >= 2);
    await server.listening(alice, 1);
    const sentinel = (await server.gql(SUGGEST, { name: 'Catch up', worker: 'sentinel' }, alice)).data?.suggest;
    await waitFor(() => feed.events.some((e) => e.trialUpdated.id === sentinel.id));
    expect(feed.errors).toEqual([]);
    expect(feed.events.map((e) => e.trialUpdated)).toEqual([
      { id: first.id, number: 1, state: 'COMPLETED', loss: 0.25 },
      { id: missed.id, number: 2, state: 'RUNNING', loss: null },
      { id: sentinel.id, number: 3, state: 'RUNNING', loss: null },
    ]);
    feed.stop();
    await client.dispose();
    // Ended while waiting for an event: the server stops listening at once.
    await server.listening(alice, 0);
  });

  it('with `since`, also emits a trial whose checkpoint was saved after the trial table was read', async () => {
    const saving = (await server.gql(SUGGEST, { name: 'Checkpointed', worker: 'w0' }, alice)).data?.suggest;
    const id = saving.experiment.id;
    const table = (await server.gql(`query ($id: ID!) { experiment(id: $id) { trialTable { revision } } }`, { id }, alice)).data?.experiment.trialTable;
    // Saved after the table was read, before anyone subscribed; then a last change to wait for.
    const saved = await server.gql(`mutation ($id: ID!) { checkpoint(trialId: $id, data: {epoch: 3}) { id } }`, { id: saving.id }, alice);
    expect(saved.errors).toBeUndefined();
    const sentinel = (await server.gql(SUGGEST, { name: 'Checkpointed', worker: 'sentinel' }, alice)).data?.suggest;

    const client = server.ws(alice);
    const feed = collect<any>(client, `subscription ($id: ID!, $since: Int) { trialUpdated(experimentId: $id, since: $since) { id checkpoint } }`, { id, since: table.revision });
    await waitFor(() => feed.events.some((e) => e.trialUpdated.id === sentinel.id));
    expect(feed.errors).toEqual([]);
    expect(feed.events.map((e) => e.trialUpdated)).toEqual([
      { id: saving.id, checkpoint: { epoch: 3 } },
      { id: sentinel.id, checkpoint: null },
    ]);
    feed.stop();
    await client.dispose();
  });

  it('refuses a subscription without a valid token', async () => {
    const first = (await server.gql(SUGGEST, { name: 'Guarded' }, alice)).data?.suggest;
    // The connection itself is refused when it signs in (graphql-ws's 4401 Unauthorized), saying why.
    for (const [token, why] of [
      [null, /Authorization: Bearer/],
      ['oscar_wrong', /not known/],
    ] as const) {
      const client = server.ws(token);
      const feed = collect<any>(client, WATCH, { id: first.experiment.id });
      await waitFor(() => feed.errors.length > 0 || feed.isDone());
      const closed = feed.errors[0] as { code?: number; reason?: string };
      expect(closed.code).toBe(4401);
      expect(closed.reason).toMatch(why);
      expect(feed.events).toEqual([]);
      await client.dispose();
    }
  });

  it('gives a bad subscription the error codes HTTP gives: a variable of the wrong type, an unknown field, a syntax error', async () => {
    const first = (await server.gql(SUGGEST, { name: 'Coded' }, alice)).data?.suggest;
    const client = server.ws(alice);
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['subscription ($id: ID!, $since: Int) { trialUpdated(experimentId: $id, since: $since) { id } }', { id: first.experiment.id, since: 2 ** 31 }, { code: 'BAD_USER_INPUT', field: 'since' }],
      ['subscription ($id: ID!) { trialUpdated(experimentId: $id) { nope } }', { id: first.experiment.id }, { code: 'GRAPHQL_VALIDATION_FAILED' }],
      ['subscription { trialUpdated(', {}, { code: 'GRAPHQL_PARSE_FAILED' }],
    ];
    for (const [query, variables, extensions] of cases) {
      const feed = collect<any>(client, query, variables);
      await waitFor(() => feed.errors.length > 0, 10_000);
      const [error] = feed.errors.flat() as { extensions?: Record<string, unknown> }[];
      expect(error?.extensions).toMatchObject(extensions);
      feed.stop();
    }
    await client.dispose();
  });

  it("refuses a subscription to another user's experiment", async () => {
    const first = (await server.gql(SUGGEST, { name: 'Secret' }, alice)).data?.suggest;
    const client = server.ws(bob);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await waitFor(() => feed.errors.length > 0 || feed.isDone());
    expect(JSON.stringify(feed.errors)).toContain('NOT_FOUND');
    // The refused subscription has ended: the server keeps nothing listening for him.
    await server.listening(bob, 0);
    await server.gql(SUGGEST, { name: 'Secret' }, alice);
    expect(feed.events).toEqual([]);
    await client.dispose();
  });
});

describe('experimentUpdated over graphql-ws', () => {
  it("emits the caller's experiments as their trials change, and never another user's", async () => {
    const client = server.ws(alice);
    const feed = collect<any>(client, `subscription { experimentUpdated { name trialCount } }`, {});
    await server.listening(alice, 1);
    await server.gql(SUGGEST, { name: 'Bob private', worker: 'b' }, bob);
    const trial = (await server.gql(SUGGEST, { name: 'Dashboard list', worker: 'a' }, alice)).data?.suggest;
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 1}) { id } }`, { id: trial.id }, alice);
    // A sentinel event of hers last: everything before it has arrived once it has.
    await server.gql(SUGGEST, { name: 'Sentinel', worker: 'a' }, alice);
    await waitFor(() => feed.events.some((e) => e.experimentUpdated.name === 'Sentinel'));
    expect(feed.errors).toEqual([]);
    expect(feed.events.map((e) => e.experimentUpdated)).toEqual([
      { name: 'Dashboard list', trialCount: 1 },
      { name: 'Dashboard list', trialCount: 1 },
      { name: 'Sentinel', trialCount: 1 },
    ]);
    feed.stop();
    await client.dispose();
  });

  it('with `startWith`, emits that experiment once listening has started, so a read on it misses no later change', async () => {
    const made = (await server.gql(SUGGEST, { name: 'Header first' }, alice)).data?.suggest;
    const id = made.experiment.id;
    const client = server.ws(alice);
    const feed = collect<any>(client, `subscription ($startWith: ID) { experimentUpdated(startWith: $startWith) { id name } }`, { startWith: id });
    // The first event comes before any change: the server was already listening when it was sent.
    await waitFor(() => feed.events.length >= 1, 10_000);
    expect(feed.events[0].experimentUpdated).toEqual({ id, name: 'Header first' });
    const renamed = await server.gql(`mutation ($id: ID!) { updateExperiment(id: $id, name: "Header renamed") { name } }`, { id }, alice);
    expect(renamed.errors).toBeUndefined();
    await waitFor(() => feed.events.some((e) => e.experimentUpdated.name === 'Header renamed'), 10_000);
    expect(feed.errors).toEqual([]);
    feed.stop();
    await client.dispose();

    // Another user's experiment: refused, naming the argument, and nothing left listening.
    const other = server.ws(bob);
    const refused = collect<any>(other, `subscription ($startWith: ID) { experimentUpdated(startWith: $startWith) { id } }`, { startWith: id });
    await waitFor(() => refused.errors.length > 0 || refused.isDone(), 10_000);
    expect(refused.errors.flat()).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND', field: 'startWith' }) })]);
    expect(refused.events).toEqual([]);
    await other.dispose();
  });
});
