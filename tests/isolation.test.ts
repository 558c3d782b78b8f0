import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($name: String!, $worker: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}}, worker: $worker) { id experiment { id } }
}`;
const WATCH = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id state } }`;
const SNAPSHOT = `query ($id: ID!) { experiment(id: $id) { name trialCount trials { edges { node { id state loss error leaseExpiresAt } } } } }`;

let server: TestServer;
let alice: string;
let bob: string;
let trialId: string;
let experimentId: string;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('alice@example.com'), server.token('bob@example.com')]);
  const trial = (await server.gql(SUGGEST, { name: 'Alice only', worker: 'a1' }, alice)).data?.suggest;
  trialId = trial.id;
  experimentId = trial.experiment.id;
});
afterAll(() => server?.stop());

/** Every operation Bob could try on Alice's experiment and trial: [name, query, variables, what he must get]. */
const attempts: [string, string, () => Record<string, unknown>, (response: any) => void][] = [
  ['experiment by id', `query ($id: ID!) { experiment(id: $id) { name } }`, () => ({ id: experimentId }), (r) => expect(r.data?.experiment).toBeNull()],
  ['experiment by name', `{ experiment(name: "Alice only") { name } }`, () => ({}), (r) => expect(r.data?.experiment).toBeNull()],
  ['experiments', `{ experiments(includeArchived: true) { name } }`, () => ({}), (r) => expect(r.data?.experiments).toEqual([])],
  ['update', `mutation ($id: ID!) { update(trialId: $id, result: {loss: 0}) { id } }`, () => ({ id: trialId }), notFound],
  ['fail', `mutation ($id: ID!) { fail(trialId: $id, error: "x") { id } }`, () => ({ id: trialId }), notFound],
  ['heartbeat', `mutation ($id: ID!) { heartbeat(trialId: $id) { id } }`, () => ({ id: trialId }), notFound],
  [
    'suggest under the same name (gets an experiment of his own)',
    SUGGEST,
    () => ({ name: 'Alice only', worker: 'a1' }),
    (r) => expect(r.data?.suggest.experiment.id).not.toBe(experimentId),
  ],
  ['me', `{ me { email } }`, () => ({}), (r) => expect(r.data?.me.email).toBe('bob@example.com')],
];

function notFound(response: any): void {
  expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'trialId' });
  expect(response.errors?.[0]?.message).not.toContain('Alice');
}

describe("a second user against the first user's data", () => {
  it.each(attempts)('%s: refused, nothing leaked', async (_name, query, variables, check) => {
    const before = await server.gql(SNAPSHOT, { id: experimentId }, alice);
    check(await server.gql(query, variables(), bob));
    const after = await server.gql(SNAPSHOT, { id: experimentId }, alice);
    expect(after).toEqual(before);
  });

  it('trialUpdated: refused, and no event of hers reaches him', async () => {
    const client = server.ws(bob);
    const feed = collect<any>(client, WATCH, { id: experimentId });
    await waitFor(() => feed.errors.length > 0 || feed.isDone());
    expect(JSON.stringify(feed.errors)).toContain('NOT_FOUND');
    // Refused and ended: nothing listens for him, so no later event of hers can reach him.
    expect(feed.isDone() || feed.errors.length > 0).toBe(true);
    await server.listening(bob, 0);
    await server.gql(SUGGEST, { name: 'Alice only', worker: 'a2' }, alice);
    expect(feed.events).toEqual([]);
    await client.dispose();
  });
});

describe("a second user's dashboard session against the first user's API tokens", () => {
  it('lists only his own tokens and cannot rename or revoke hers', async () => {
    await server.cli('user', 'create', '--email', 'dave@example.com', '--password', 'dave password');
    await server.cli('user', 'create', '--email', 'erin@example.com', '--password', 'erin password');
    const signIn = `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { secret } }`;
    const session = async (email: string, password: string) => (await server.gql(signIn, { email, password })).data?.signIn.secret;
    const asSession = async (secret: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `oscar_session=${secret}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as any;
    };
    const erin = await session('erin@example.com', 'erin password');
    const dave = await session('dave@example.com', 'dave password');
    const created = await asSession(erin, `mutation { createApiToken(name: "erin laptop") { token { id } secret } }`);
    const erinTokenId = created.data?.createApiToken.token.id;
    expect(erinTokenId).toEqual(expect.any(String));

    const listed = await asSession(dave, `{ apiTokens { id name } }`);
    expect(listed.data?.apiTokens.map((t: any) => t.id)).not.toContain(erinTokenId);
    for (const mutation of [
      `mutation ($id: ID!) { renameApiToken(id: $id, name: "mine now") { id } }`,
      `mutation ($id: ID!) { revokeApiToken(id: $id) { id } }`,
    ]) {
      const refused = await asSession(dave, mutation, { id: erinTokenId });
      expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const still = await server.gql('{ me { email } }', {}, created.data?.createApiToken.secret);
    expect(still.data?.me.email).toBe('erin@example.com');
    const mine = await asSession(erin, `{ apiTokens { id name revokedAt } }`);
    expect(mine.data?.apiTokens).toContainEqual({ id: erinTokenId, name: 'erin laptop', revokedAt: null });

    const withApiToken = await server.gql(`{ apiTokens { id } }`, {}, bob);
    expect(withApiToken.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('a revoked token', () => {
  it('is refused at once over HTTP, and its open subscription ends before the next event', async () => {
    const created = await server.cli('token', 'create', '--email', 'carol@example.com');
    const token = created.stdout.trim().split('\n').at(-1) ?? '';
    const tokenId = /API token (\S+)/.exec(created.stdout)?.[1] ?? '';
    const first = (await server.gql(SUGGEST, { name: 'Carol', worker: 'c1' }, token)).data?.suggest;
    const client = server.ws(token);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await server.listening(token, 1);
    const other = await server.token('carol@example.com');
    await server.gql(SUGGEST, { name: 'Carol', worker: 'c2' }, other);
    await waitFor(() => feed.events.length === 1);

    expect((await server.cli('token', 'revoke', '--id', tokenId)).code).toBe(0);
    const refused = await server.gql('{ me { email } }', {}, token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await server.gql(SUGGEST, { name: 'Carol', worker: 'c3' }, other);
    await waitFor(() => feed.errors.length > 0 || feed.isDone(), 10_000);
    expect(feed.events).toHaveLength(1);
    await client.dispose();
  });
});
