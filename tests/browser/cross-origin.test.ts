// Cross-origin attacks on a signed-in dashboard user, in Chromium: a page served from another port
// of the same host (same site, so the browser sends the SameSite=Lax session cookie along) and from
// another host name of the same machine (another site) tries to use the victim's session to mint an
// API token, read data over the WebSocket, and frame the Account page. The same requests from the
// dashboard's own origin succeed, so a leak would be seen.
import { createServer, type Server } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'victim@example.com';
const PASSWORD = 'a-long-password';
/** Starts a trial, which updates the victim's experiment. */
const SUGGEST = `mutation { suggest(experiment: { name: "cross-origin", parameters: { x: { min: 0, max: 1 } } }, worker: "w") { id } }`;

/** What a fetch told the page: the answer it could read, or why it could not. */
interface FetchOutcome {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** A graphql-ws message as the page received it. */
interface SocketMessage {
  readonly id?: string;
  readonly type: string;
  readonly payload?: { data?: unknown; errors?: { extensions?: { code?: string } }[] } | { extensions?: { code?: string } }[];
}

/** Everything a page's WebSocket to the API saw, updated as it happens (`window.socket`). */
interface SocketLog {
  acknowledged: boolean;
  /** The close code, once closed. */
  closed: number | null;
  readonly messages: SocketMessage[];
}

/** What a page learnt by calling the API with the browser's cookies. */
interface Outcome {
  /** By attack: `forwarded-host`, `json`, `text-plain`. */
  readonly fetches: Record<string, FetchOutcome>;
  readonly socket: SocketLog;
}

/**
 * Runs in a page (the attacker's, or the dashboard's for the control): the API calls an attacker
 * would make with the browser's cookies. Each fetch asks for a new API token named after it; the
 * WebSocket (graphql-ws protocol, by hand) subscribes to `experimentUpdated` (id `updates`) and asks
 * for the token list (id `tokens`). Resolves once every fetch has settled and the token list has
 * an answer (or the socket closed); the socket stays open, its log at `window.socket`.
 */
async function tryRequests(target: string): Promise<Outcome> {
  const endpoint = `${target}/graphql`;
  const mint = (name: string) => JSON.stringify({ query: `mutation { createApiToken(name: "attack-${name}") { secret } }` });
  const attempt = async (headers: Record<string, string>, body: string): Promise<FetchOutcome> => {
    try {
      const response = await fetch(endpoint, { method: 'POST', credentials: 'include', headers, body });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { error: String(error) };
    }
  };
  const fetches = {
    // A proxy header that would make the API take this page's host for its own.
    'forwarded-host': await attempt({ 'content-type': 'application/json', 'x-forwarded-host': location.host }, mint('forwarded-host')),
    // A plain JSON POST: needs a CORS preflight.
    json: await attempt({ 'content-type': 'application/json' }, mint('json')),
    // A "simple" request: no preflight; the browser sends it (with the cookie, from the same site) and only hides the answer.
    'text-plain': await attempt({ 'content-type': 'text/plain' }, mint('text-plain')),
  };

  const socket: SocketLog = { acknowledged: false, closed: null, messages: [] };
  (window as unknown as { socket: SocketLog }).socket = socket;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`${endpoint.replace(/^http/, 'ws')}`, 'graphql-transport-ws');
    const send = (message: object) => ws.send(JSON.stringify(message));
    ws.onopen = () => send({ type: 'connection_init', payload: {} });
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as SocketMessage;
      socket.messages.push(message);
      if (message.type === 'ping') send({ type: 'pong' });
      if (message.type === 'connection_ack') {
        socket.acknowledged = true;
        send({ id: 'updates', type: 'subscribe', payload: { query: 'subscription { experimentUpdated { id name } }' } });
        send({ id: 'tokens', type: 'subscribe', payload: { query: '{ apiTokens { id name } }' } });
      }
      if (message.id === 'tokens' && (message.type === 'complete' || message.type === 'error')) resolve();
    };
    ws.onclose = (event) => {
      socket.closed = event.code;
      resolve();
    };
  });
  return { fetches, socket };
}

/** Whether operation `id` has ended on the socket (complete or error), or the socket has closed. */
function ended(socket: SocketLog, id: string): boolean {
  return socket.closed !== null || socket.messages.some((m) => m.id === id && (m.type === 'complete' || m.type === 'error'));
}

/** The `data` of every `next` message for operation `id`. */
function dataOf(socket: SocketLog, id: string): unknown[] {
  return socket.messages.filter((m) => m.id === id && m.type === 'next').map((m) => (m.payload as { data?: unknown }).data ?? null);
}

/** The error codes of operation `id`'s `next` and `error` messages. */
function errorCodes(socket: SocketLog, id: string): string[] {
  return socket.messages
    .filter((m) => m.id === id)
    .flatMap((m) => (m.type === 'error' ? (m.payload as { extensions?: { code?: string } }[]) : m.type === 'next' ? ((m.payload as { errors?: { extensions?: { code?: string } }[] }).errors ?? []) : []))
    .map((e) => e.extensions?.code ?? '?');
}

/** Text safe in a double-quoted HTML attribute. */
function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The attacker's page: frames the dashboard's Account page (and, as a control, a page of its own),
 * offers a button that posts a classic HTML form to the API, and runs {@link tryRequests} at once,
 * putting its outcome in `window.outcome`.
 */
function attackPage(target: string): string {
  const formQuery = 'mutation { createApiToken(name: "attack-form") { secret } }';
  const loaded = 'window.framesLoaded = (window.framesLoaded || 0) + 1';
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Free GPU hours</title></head>
  <body>
    <iframe name="victim" src="${target}/account" onload="${loaded}"></iframe>
    <iframe name="own" src="/own" onload="${loaded}"></iframe>
    <form method="post" action="${target}/graphql">
      <input type="hidden" name="query" value="${escapeAttribute(formQuery)}">
      <button>Claim your free GPU hours</button>
    </form>
    <script>(${tryRequests.toString()})(${JSON.stringify(target)}).then((outcome) => { window.outcome = outcome; });</script>
  </body>
</html>`;
}

/** Serves the attacker's page on a free loopback port; `/own` is a page of its own to frame. */
async function startAttacker(target: string): Promise<{ port: number; close: () => Promise<void> }> {
  const attacker: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/own' ? '<!doctype html><p>the attacker’s own page</p>' : attackPage(target));
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  const address = attacker.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise((resolve) => attacker.close(() => resolve())),
  };
}

let server: TestServer;
let target: string;
let context: BrowserContext;
let dashboard: Page;
let closeBrowser: () => Promise<void>;
let attacker: Awaited<ReturnType<typeof startAttacker>>;
/** The victim's API token, made by the CLI, to cause experiment updates. */
let apiToken: string;

/** The names of the victim's API tokens, as `oscar token list` shows them. */
async function tokenNames(): Promise<string[]> {
  const listed = await server.cli('token', 'list', '--email', EMAIL);
  expect(listed.code, listed.stderr).toBe(0);
  return listed.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t')[2] ?? '');
}

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  target = origin(server);
  await createUser(server, EMAIL, PASSWORD);
  apiToken = await server.token(EMAIL);
  const browser = await launchChromium();
  closeBrowser = () => browser.close();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  dashboard = await context.newPage();
  await signIn(dashboard, server, EMAIL, PASSWORD);
  // The Account page holds no subscription, so the control below can count its own.
  await dashboard.goto(`${target}/account`);
  attacker = await startAttacker(target);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await closeBrowser?.();
  await attacker?.close();
  await server?.stop();
});

describe('a page of another origin, in the signed-in victim’s Chromium', () => {
  // 127.0.0.1 on another port is the same site: the browser sends the SameSite=Lax cookie, and only
  // the API's own checks (and CORS) stand in the way. localhost is another site: the browser keeps the
  // cookie to itself as well.
  for (const host of ['127.0.0.1', 'localhost']) {
    it(`at http://${host}:PORT2 can neither use nor read the session, nor frame the dashboard`, async () => {
      const namesBefore = await tokenNames();
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())));
      const attackOrigin = `http://${host}:${attacker.port}`;
      await page.goto(attackOrigin);
      const outcome = (await (await page.waitForFunction(() => (window as unknown as { outcome?: Outcome }).outcome, undefined, { timeout: 60_000, polling: 100 })).jsonValue()) as Outcome;

      // Not one answer could be read (the API's CORS never allows credentials), so no secret reached
      // the page. The JSON posts never left the browser (their preflight failed); the text/plain one did.
      expect(Object.keys(outcome.fetches).sort()).toEqual(['forwarded-host', 'json', 'text-plain']);
      for (const [name, result] of Object.entries(outcome.fetches)) {
        expect(result.body, `${name}: the page read the API's answer (${result.status})`).toBeUndefined();
        expect(result.error, name).toMatch(/TypeError/);
      }

      // The socket gets no data: the token list is refused (the outcome waited for its answer), and so
      // is the subscription: UNAUTHENTICATED, unless the server closed the socket instead.
      const refused = (socket: SocketLog, id: string) => {
        expect(dataOf(socket, id).filter((data) => data !== null), `${id}: data over the socket`).toEqual([]);
        if (socket.closed === null) expect(errorCodes(socket, id), id).toContain('UNAUTHENTICATED');
      };
      refused(outcome.socket, 'tokens');
      const socketLog = () => page.evaluate(() => (window as unknown as { socket: SocketLog }).socket) as Promise<SocketLog>;
      await expect.poll(async () => ended(await socketLog(), 'updates'), { message: 'the experimentUpdated subscription ended', timeout: 30_000 }).toBe(true);
      refused(await socketLog(), 'updates');

      // The Account page is refused inside the attacker's frame (frame-ancestors 'none'), whereas a
      // frame of the attacker's own page shows.
      await page.waitForFunction(() => (window as unknown as { framesLoaded?: number }).framesLoaded === 2, undefined, { timeout: 30_000, polling: 100 });
      expect(await page.frame({ name: 'own' })!.textContent('body')).toContain('the attacker’s own page');
      const framed = page.frame({ name: 'victim' })!;
      expect(framed.url().startsWith(target), `the frame shows ${framed.url()}`).toBe(false);
      expect(await framed.evaluate(() => document.body?.innerText ?? '')).not.toContain(EMAIL);
      expect(consoleErrors.join('\n')).toMatch(/frame-ancestors 'none'|X-Frame-Options/);

      // A classic form post to the API, sent as a top-level navigation when the victim clicks. From
      // the same site it carries the session cookie (so the API itself refuses it); from another site
      // the browser keeps the cookie back.
      const [posted] = await Promise.all([
        page.waitForRequest((request) => request.method() === 'POST' && request.url() === server.url, { timeout: 30_000 }),
        page.click('button:has-text("Claim your free GPU hours")'),
      ]);
      await page.waitForURL(server.url, { timeout: 30_000 });
      expect(/(^|;\s*)oscar_session=/.test((await posted.allHeaders()).cookie ?? ''), 'the form post carried the session cookie').toBe(host === '127.0.0.1');
      const answer = JSON.parse((await page.textContent('body')) ?? '') as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

      // No token was made, whatever the browser showed the page.
      expect(await tokenNames()).toEqual(namesBefore);

      await page.close();
    }, 180_000);
  }

  it('the same requests from the dashboard’s own origin do work, so the checks above would see a leak', async () => {
    await dashboard.waitForSelector(`header:has-text("${EMAIL}")`);
    const namesBefore = await tokenNames();
    await server.listening(apiToken, 0, 30_000);
    const outcome = (await dashboard.evaluate(tryRequests, target)) as Outcome;

    for (const name of ['forwarded-host', 'json']) {
      expect(JSON.parse(outcome.fetches[name]?.body ?? '{}'), name).toEqual({ data: { createApiToken: { secret: expect.stringMatching(/^oscar_/) } } });
    }
    // The API takes no text/plain POST (what a page can send without a preflight), not even from here.
    expect(outcome.fetches['text-plain']?.status).toBe(415);
    expect(await tokenNames()).toEqual([...namesBefore, 'attack-forwarded-host', 'attack-json']);

    // The socket answers with the victim's tokens, and delivers an experiment update.
    expect(outcome.socket.acknowledged).toBe(true);
    expect(dataOf(outcome.socket, 'tokens')).toEqual([{ apiTokens: expect.arrayContaining([expect.objectContaining({ name: 'attack-json' })]) }]);
    await server.listening(apiToken, 1, 30_000);
    const suggested = await server.gql(SUGGEST, {}, apiToken);
    expect(suggested.errors).toBeUndefined();
    await dashboard.waitForFunction(
      () => (window as unknown as { socket: SocketLog }).socket.messages.some((m) => m.id === 'updates' && m.type === 'next' && (m.payload as { data?: unknown }).data),
      undefined,
      { timeout: 30_000, polling: 100 },
    );
  }, 120_000);
});
