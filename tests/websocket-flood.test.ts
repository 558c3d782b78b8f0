// A client that sends and never reads must not grow the server's memory: every message counts against
// the connection's allowance, and what a connection leaves unread is bounded.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, rawSocket, rss, startServer, waitFor, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($name: String!) { suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}}) { id experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id } }`;
const WATCH = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id state } }`;
const MiB = 1024 * 1024;

let server: TestServer;
let token: string;
let experimentId: string;

beforeAll(async () => {
  server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000' } });
  token = await server.token('flooder@example.com');
  experimentId = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest.experiment.id;
});
afterAll(() => server?.stop());

/** Opens a socket that sends `message` as fast as it can and never reads; resolves with how it was closed and the server's peak memory. */
async function flood(message: (socket: WebSocket) => void, signIn: boolean) {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve) => socket.once('open', resolve));
  if (signIn) {
    const acknowledged = new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await acknowledged;
  }
  // The attack: read nothing the server sends (no connection_init needed).
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  const before = rss(server.pid());
  let peak = before;
  // As fast as the server reads (this process's own queue kept small).
  const sending = setInterval(() => {
    peak = Math.max(peak, rss(server.pid()));
    for (let i = 0; i < 50 && socket.readyState === socket.OPEN && socket.bufferedAmount < 8 * MiB; i++) message(socket);
  }, 1);
  const { code, reason } = await closed;
  clearInterval(sending);
  return { code, reason, growth: peak - before };
}

describe('a client that floods and never reads', () => {
  const bigPing = (socket: WebSocket) => socket.send(JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(60_000) } }));
  const smallPing = (socket: WebSocket) => socket.send(JSON.stringify({ type: 'ping' }));
  const complete = (socket: WebSocket) => socket.send(JSON.stringify({ type: 'complete', id: 'none' }));
  const webSocketPing = (socket: WebSocket) => socket.ping('x'.repeat(100));

  it.each([
    { what: 'signed in, 60 kB pings', send: bigPing, signIn: true, code: 4429, reason: /too many messages/i },
    { what: 'signed in, complete messages', send: complete, signIn: true, code: 4429, reason: /too many messages/i },
    { what: 'signed in, WebSocket pings', send: webSocketPing, signIn: true, code: 4429, reason: /too many messages/i },
    { what: 'not signed in, small pings', send: smallPing, signIn: false, code: 4429, reason: /too many messages/i },
    { what: 'not signed in, 60 kB pings', send: bigPing, signIn: false, code: 1009, reason: /before signing in/i },
  ])('is closed ($what) while another client is served, and the server stays small', async ({ send, signIn, code, reason }) => {
    const watcher = server.ws(token);
    const feed = collect<any>(watcher, WATCH, { id: experimentId });
    await server.listening(token, 1);
    const flooding = flood(send, signIn);
    // Served meanwhile: a new trial reaches the other client.
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    await waitFor(() => feed.events.some((event) => event.trialUpdated.id === trial.id), 20_000);
    const closed = await flooding;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);
    // Before the allowance, 4 s of 60 kB pings grew the server by 400 MB to 1 GB.
    expect(closed.growth).toBeLessThan(100 * MiB);
    expect((await server.health()).status).toBe(200);
    feed.stop();
    await watcher.dispose();
    await server.listening(token, 0);
  }, 60_000);
});

describe('a subscriber that never reads', () => {
  it('is dropped once several MiB wait for it, and other subscribers keep getting events', async () => {
    // Each event about 750 kB (15 aliases of a 50 kB metric): a few results fill any socket buffer.
    const big = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { ${Array.from({ length: 15 }, (_, i) => `m${i}: metrics`).join(' ')} } }`;
    const stalled = await rawSocket(server, token);
    stalled.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: big, variables: { id: experimentId } } }));
    const watcher = server.ws(token);
    const feed = collect<any>(watcher, WATCH, { id: experimentId });
    await server.listening(token, 2);
    stalled.socket.pause();
    const before = rss(server.pid());
    let peak = before;
    // The server's own word that it dropped the connection (the paused client does not read the close).
    const live = async () => (await server.gql('{ me { liveSubscriptions } }', {}, token)).data?.me.liveSubscriptions as number;
    let results = 0;
    // 60 results are 45 MB for it: past what the server may queue and what the sockets' buffers hold.
    while ((await live()) === 2 && results < 60) {
      const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
      expect((await server.gql(UPDATE, { id: trial.id, result: { loss: 0.5, note: 'x'.repeat(50_000) } }, token)).errors).toBeUndefined();
      results++;
      peak = Math.max(peak, rss(server.pid()));
      // The other subscriber sees each result.
      await waitFor(() => feed.events.some((event) => event.trialUpdated.id === trial.id && event.trialUpdated.state === 'COMPLETED'), 20_000);
    }
    expect(await live()).toBe(1);
    expect(peak - before).toBeLessThan(150 * MiB);
    feed.stop();
    await watcher.dispose();
    stalled.socket.terminate();
    await server.listening(token, 0);
  }, 120_000);
});

describe('a dashboard-like client', () => {
  it('is not cut off by the bursts of subscribe and complete messages pages send as they mount', async () => {
    const client = server.ws(token);
    let closes = 0;
    client.on('closed', () => closes++);
    // Ten pages opened back to back, each with three subscriptions, the previous page's ended: 60 messages at once.
    let feeds: ReturnType<typeof collect<any>>[] = [];
    for (let page = 0; page < 10; page++) {
      for (const feed of feeds) feed.stop();
      feeds = Array.from({ length: 3 }, () => collect<any>(client, WATCH, { id: experimentId }));
    }
    await server.listening(token, 3);
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    await waitFor(() => feeds.every((feed) => feed.events.some((event) => event.trialUpdated.id === trial.id)), 20_000);
    expect(closes).toBe(0);
    for (const feed of feeds) feed.stop();
    await client.dispose();
    await server.listening(token, 0);
  }, 60_000);
});

describe('the API path with a trailing slash', () => {
  it('accepts a WebSocket at /graphql/ as at /graphql (a URL copied with the slash)', async () => {
    const { socket, messages } = await rawSocket(server, token, `${server.wsUrl}/`);
    const trial = (await server.gql(SUGGEST, { name: 'Flooded' }, token)).data?.suggest;
    // `since: 0` replays every trial so far: the new one arrives without racing the subscription's start.
    const query = `subscription ($id: ID!) { trialUpdated(experimentId: $id, since: 0) { id state } }`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { id: experimentId } } }));
    await waitFor(() => messages.some((m) => m.type === 'next' && m.payload?.data?.trialUpdated?.id === trial.id), 30_000);
    socket.close();
  });
});
