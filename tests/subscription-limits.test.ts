// One token must not stall everyone through subscriptions: caps per socket and per user, subscribe
// messages counted against the rate limit, and revocation that ends every transport within a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, rawSocket, rss, startServer, waitFor, waitUntil, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($name: String!) { suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}}) { id experiment { id } } }`;
const WATCH = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id state } }`;

let server: TestServer;
let token: string;
let experimentId: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('flood@example.com');
  experimentId = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest.experiment.id;
});
afterAll(() => server?.stop());

describe('subscription caps', () => {
  it('closes a connection that floods it with 5,000 subscribe messages, and keeps serving meanwhile', async () => {
    const before = rss(server.pid());
    const { socket, messages, closed } = await rawSocket(server, token);
    for (let i = 0; i < 5000; i++) {
      socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
    }
    // While the flood is handled, the API and the health check answer.
    const other = await server.token('bystander@example.com');
    const during = Date.now();
    expect((await server.gql(SUGGEST, { name: 'Bystander' }, other)).data?.suggest.id).toBeTruthy();
    expect((await server.health()).status).toBe(200);
    expect(Date.now() - during).toBeLessThan(5000);
    // The flooding connection is closed with 4429, having got no more than its 50 subscriptions.
    const { code, reason } = await closed;
    expect(code).toBe(4429);
    expect(reason).toMatch(/too many/i);
    // Refusals answered before the close are the socket cap's (the rest are never read).
    expect(messages.filter((m) => m.type === 'error').every((m) => m.payload[0]?.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS')).toBe(true);
    await server.listening(token, 0);
    expect(rss(server.pid()) - before).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);

  it('closes a connection whose subscription id is over 256 characters (4400), and takes one of 256', async () => {
    const { socket, messages } = await rawSocket(server, token);
    const id = 'i'.repeat(256);
    socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
    await server.listening(token, 1);
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    await waitFor(() => messages.some((m) => m.type === 'next' && m.id === id && m.payload.data?.trialUpdated.id === trial.id), 20_000);
    socket.close();
    await server.listening(token, 0);

    // Every event would carry a 60 KB id: the connection is closed before anything is subscribed (so it is at 257).
    for (const length of [257, 60_000]) {
      const long = await rawSocket(server, token);
      long.socket.send(JSON.stringify({ id: 'x'.repeat(length), type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
      const { code, reason } = await long.closed;
      expect(code).toBe(4400);
      expect(reason).toBe('Subscription id too long: at most 256 characters');
      expect(long.messages.filter((m) => m.type === 'next')).toEqual([]);
      await server.listening(token, 0);
    }
    expect((await server.health()).status).toBe(200);
  }, 60_000);

  it('refuses the 51st subscription on one connection with TOO_MANY_SUBSCRIPTIONS, and keeps the 50', async () => {
    const { socket, messages } = await rawSocket(server, token);
    for (let i = 0; i < 55; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
    await waitFor(() => messages.filter((m) => m.type === 'error').length === 5, 20_000);
    expect(messages.filter((m) => m.type === 'error').every((m) => /50 subscriptions per connection/.test(m.payload[0].message))).toBe(true);
    await server.listening(token, 50);
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    await waitFor(() => messages.filter((m) => m.type === 'next' && m.payload.data?.trialUpdated.id === trial.id).length === 50, 20_000);
    socket.close();
    await server.listening(token, 0);
  }, 60_000);

  it('refuses a subscription past the query limits with QUERY_TOO_COMPLEX, as over HTTP, and keeps the connection and its other subscriptions', async () => {
    const { socket, messages, closed } = await rawSocket(server, token);
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    socket.send(JSON.stringify({ id: 'kept', type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
    await server.listening(token, 1);
    const deep = `subscription { experimentUpdated { ${'versions { '.repeat(13)}id${' }'.repeat(13)} } }`;
    const aliased = `subscription { experimentUpdated { ${Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    socket.send(JSON.stringify({ id: 'deep', type: 'subscribe', payload: { query: deep } }));
    socket.send(JSON.stringify({ id: 'aliased', type: 'subscribe', payload: { query: aliased } }));
    await waitFor(() => messages.filter((m) => m.type === 'error').length === 2 || isClosed, 20_000);
    expect(isClosed).toBe(false);
    const refusals = Object.fromEntries(messages.filter((m) => m.type === 'error').map((m) => [m.id, m.payload[0]]));
    expect(refusals.deep).toMatchObject({ message: 'Query depth limit of 12 exceeded, found 15.', extensions: { code: 'QUERY_TOO_COMPLEX' } });
    expect(refusals.aliased).toMatchObject({ message: 'Aliases limit of 15 exceeded, found 20.', extensions: { code: 'QUERY_TOO_COMPLEX' } });
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    await waitFor(() => messages.some((m) => m.type === 'next' && m.id === 'kept' && m.payload.data?.trialUpdated.id === trial.id), 20_000);
    socket.close();
    await server.listening(token, 0);
  }, 60_000);

  it('caps one user at 200 subscriptions across sockets, and frees places as subscriptions end', async () => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => rawSocket(server, token)));
    sockets.forEach(({ socket }, s) => {
      for (let i = 0; i < 45; i++) socket.send(JSON.stringify({ id: `${s}-${i}`, type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
    });
    // Refused by the resolver: a result with errors (graphql-ws), then the end of that subscription.
    const refused = () => sockets.flatMap(({ messages }) => messages.filter((m) => m.type === 'next' && m.payload.errors));
    await waitFor(() => refused().length >= 25, 30_000);
    expect(refused()).toHaveLength(25);
    expect(refused().every((m) => m.payload.errors[0]?.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS')).toBe(true);
    expect(refused()[0].payload.errors[0].message).toMatch(/200 open subscriptions per user/);
    // Ending one socket's subscriptions frees its places for the others (the refusals fell on whichever
    // sockets' messages came last, so count this one's).
    const keptOnFirst = 45 - sockets[0]!.messages.filter((m) => m.type === 'next' && m.payload.errors).length;
    sockets[0]!.socket.close();
    await server.listening(token, 200 - keptOnFirst);
    const again = sockets[1]!;
    again.socket.send(JSON.stringify({ id: 'late', type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
    await server.listening(token, 200 - keptOnFirst + 1);
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    await waitFor(() => again.messages.some((m) => m.id === 'late' && m.type === 'next' && m.payload.data?.trialUpdated.id === trial.id), 10_000);
    for (const { socket } of sockets) socket.close();
    await server.listening(token, 0);
  }, 60_000);

  it('counts subscribe messages against the rate limit', async () => {
    const limited = await startServer({ env: { OSCAR_RATE_LIMIT: '20' } });
    try {
      const own = await limited.token('counted@example.com');
      const id = (await limited.gql(SUGGEST, { name: 'Counted' }, own)).data?.suggest.experiment.id;
      const { socket, messages } = await rawSocket(limited, own);
      for (let i = 0; i < 30; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: WATCH, variables: { id } } }));
      const limitedOnes = () => messages.filter((m) => m.type === 'error' && m.payload[0]?.extensions?.code === 'RATE_LIMITED');
      // 20 operations a minute: the suggest above and 19 subscriptions; the other 11 are refused.
      await waitFor(() => limitedOnes().length === 11, 20_000);
      expect((await limited.gql('{ me { email } }', {}, own)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      socket.close();
    } finally {
      await limited.stop();
    }
  }, 60_000);
});

describe('revocation ends subscriptions on every transport within a second', () => {
  it('ends an idle graphql-ws subscription and an idle SSE subscription when the token is revoked elsewhere', async () => {
    const created = await server.cli('token', 'create', '--email', 'flood@example.com');
    const revocable = created.stdout.trim().split('\n').at(-1)!;
    const tokenId = /API token (\S+)/.exec(created.stdout)![1]!;

    const baseline = (await server.gql('{ me { liveSubscriptions } }', {}, revocable)).data?.me.liveSubscriptions as number;
    const ws = server.ws(revocable);
    const feed = collect<any>(ws, WATCH, { id: experimentId });
    const controller = new AbortController();
    const query = encodeURIComponent(WATCH);
    const sse = await fetch(`${server.url}?query=${query}&variables=${encodeURIComponent(JSON.stringify({ id: experimentId }))}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${revocable}` },
      signal: controller.signal,
    });
    expect(sse.status).toBe(200);
    let sseText = '';
    const sseEnded = (async () => {
      const reader = sse.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return Date.now();
        sseText += new TextDecoder().decode(value);
        if (sseText.includes('event: complete')) return Date.now();
      }
    })();
    // Both are listening before the token goes.
    await server.listening(revocable, baseline + 2);

    expect((await server.cli('token', 'revoke', '--id', tokenId)).code).toBe(0);
    const revokedAt = Date.now();
    await waitFor(() => feed.errors.length > 0 || feed.isDone(), 10_000);
    const wsEnded = Date.now();
    const sseDone = await sseEnded;
    expect(wsEnded - revokedAt).toBeLessThan(2500);
    expect(sseDone - revokedAt).toBeLessThan(2500);
    // Either the subscription ends with the revocation error, or its socket closes with 4403 (both at the sweep).
    const reason = feed.errors[0] as { code?: number; message?: string };
    expect(reason.code === 4403 || /revoked/.test(reason.message ?? '')).toBe(true);
    expect(sseText).toMatch(/revoked|UNAUTHENTICATED|complete/);
    controller.abort();
    await ws.dispose();
  }, 60_000);
});
