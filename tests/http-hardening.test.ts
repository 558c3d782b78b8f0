// What one client can do to the HTTP layer: cross-origin calls with a user's cookie, oversized or
// slow requests, a page that is too heavy, a token that no longer works, and the headers a browser
// relies on. Each starts its own server (or shares one per describe) on a temporary database.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './harness.ts';

const SIGN_IN = `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { secret } }`;
const CREATE_TOKEN = `mutation { createApiToken(name: "minted") { secret } }`;

/** Resident memory of a process, in bytes (Linux). */
function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

let server: TestServer;
let origin: string;
let secret: string;

beforeAll(async () => {
  server = await startServer();
  origin = new URL(server.url).origin;
  expect((await server.cli('user', 'create', '--email', 'victim@example.com', '--password', 'correct horse')).code).toBe(0);
  secret = (await server.gql(SIGN_IN, { email: 'victim@example.com', password: 'correct horse' })).data?.signIn.secret;
});
afterAll(() => server?.stop());

/** POSTs an operation with the victim's session cookie, as a browser would from `from`. */
async function asBrowser(query: string, headers: Record<string, string>, target = server) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `oscar_session=${secret}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

describe('cookies from another origin', () => {
  it('never approves credentials in a CORS preflight, nor headers a browser page should not set', async () => {
    for (const from of ['http://127.0.0.1:5555', 'http://evil.example', origin]) {
      const preflight = await fetch(server.url, {
        method: 'OPTIONS',
        headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-forwarded-host' },
      });
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers') ?? '').not.toMatch(/forwarded/i);
    }
    // Bearer tokens from any page stay possible (no cookies involved).
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://notebook.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });

  it('treats a page on another port or host as signed out, whatever X-Forwarded-Host says', async () => {
    const ownOrigin = await asBrowser('{ me { email } }', { origin });
    expect(ownOrigin.data?.me.email).toBe('victim@example.com');
    for (const from of ['http://127.0.0.1:5555', `http://localhost:${new URL(origin).port}`, 'http://sub.example']) {
      const forged = await asBrowser(CREATE_TOKEN, { origin: from, 'x-forwarded-host': new URL(from).host });
      expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(forged.data?.createApiToken ?? null).toBeNull();
    }
  });

  it('believes X-Forwarded-Host and -Proto only with OSCAR_TRUST_PROXY=1', async () => {
    const proxied = await startServer({ env: { OSCAR_TRUST_PROXY: '1' } });
    try {
      await proxied.cli('user', 'create', '--email', 'victim@example.com', '--password', 'correct horse');
      const session = (await proxied.gql(SIGN_IN, { email: 'victim@example.com', password: 'correct horse' })).data?.signIn.secret;
      const viaProxy = await fetch(proxied.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `oscar_session=${session}`,
          origin: 'https://oscar.example.org',
          'x-forwarded-host': 'oscar.example.org',
          'x-forwarded-proto': 'https',
        },
        body: JSON.stringify({ query: '{ me { email } }' }),
      });
      expect(((await viaProxy.json()) as any).data?.me.email).toBe('victim@example.com');
      // The dashboard's own forms too: a proxy that sends its own Host (nginx's default) still gets the sign-in through.
      const form = (origin: string) =>
        fetch(`${new URL(proxied.url).origin}/signin`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'text/html',
            origin,
            'x-forwarded-host': 'oscar.example.org',
            'x-forwarded-proto': 'https',
          },
          body: 'email=victim%40example.com&password=correct+horse',
        });
      const signedIn = await form('https://oscar.example.org');
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('set-cookie')).toContain('oscar_session=');
      expect((await form('https://evil.example')).status).toBe(403);
    } finally {
      await proxied.stop();
    }
  });
});

describe('GET requests with the session cookie (as the Trials panel preloads its table)', () => {
  const get = (query: string) => fetch(`${server.url}?${new URLSearchParams({ query })}`, { headers: { cookie: `oscar_session=${secret}`, accept: 'application/json' } });

  it('never run a mutation (a link or an image on another site sends a GET with the cookie)', async () => {
    const tokens = async () => ((await (await get('{ apiTokens { id } }')).json()) as { data: { apiTokens: unknown[] } }).data.apiTokens;
    const before = await tokens();
    const response = await get(CREATE_TOKEN);
    expect(response.status).toBe(405);
    expect(((await response.json()) as { data?: unknown }).data ?? null).toBeNull();
    expect(await tokens()).toEqual(before);
  });

  it("answer with the viewer's data that no shared cache may store for the next user of the same address", async () => {
    const response = await get('{ me { email } }');
    expect(((await response.json()) as { data: { me: { email: string } } }).data.me.email).toBe('victim@example.com');
    expect(response.headers.get('cache-control') ?? '').toMatch(/\b(private|no-store)\b/);
  });
});

describe('security headers', () => {
  it('sets them on the API, GraphiQL, the health check and the dashboard', async () => {
    const responses = await Promise.all([
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }),
      fetch(server.url, { headers: { accept: 'text/html' } }),
      fetch(`${origin}/healthz`),
      fetch(`${origin}/signin`),
    ]);
    for (const response of responses) {
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    }
    const [api, graphiql, , dashboard] = responses;
    for (const response of [api!, graphiql!, dashboard!]) {
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toMatch(/frame-ancestors 'none'/);
      const scripts = /script-src ([^;]*)/.exec(policy)?.[1] ?? '';
      expect(scripts).not.toMatch(/unsafe-inline|unsafe-eval/);
    }
    // The dashboard's pages carry a nonce for SvelteKit's own inline script, a new one each time.
    const page = await dashboard!.text();
    const nonce = /nonce="([^"]+)"/.exec(page)?.[1];
    expect(nonce).toBeTruthy();
    expect(dashboard!.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
  });
});

describe('GraphiQL', () => {
  it('is a small page; its 9 MB of scripts are static files, compressed and cached for good', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html.length).toBeLessThan(4096);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const assets = [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    let total = 0;
    for (const asset of assets) {
      const compressed = await fetch(`${origin}${asset}`, { headers: { 'accept-encoding': 'br' } });
      expect(compressed.status).toBe(200);
      expect(compressed.headers.get('cache-control')).toContain('immutable');
      if (!asset.endsWith('.ico')) expect(compressed.headers.get('content-encoding')).toBe('br');
      total += Number(compressed.headers.get('content-length') ?? 0);
      await compressed.arrayBuffer();
    }
    expect(total).toBeLessThan(3 * 1024 * 1024);
    const config = JSON.parse(/<script type="application\/json" id="graphiql-config">([^<]*)<\/script>/.exec(html)?.[1] ?? '{}');
    for (const worker of Object.values(config.workers as Record<string, string>)) {
      expect((await fetch(`${origin}${worker}`)).status).toBe(200);
    }
    expect((await fetch(`${origin}/graphiql/nothing-here.js`)).status).toBe(404);
  });
});

describe('credentials that do not work', () => {
  it('says whether a token is unknown or revoked', async () => {
    const created = await server.cli('token', 'create', '--email', 'victim@example.com');
    const token = created.stdout.trim().split('\n').at(-1)!;
    const tokenId = /API token (\S+)/.exec(created.stdout)![1]!;
    expect((await server.gql('{ me { email } }', {}, token)).data?.me.email).toBe('victim@example.com');
    await server.cli('token', 'revoke', '--id', tokenId);
    const revoked = await server.gql('{ me { email } }', {}, token);
    const unknown = await server.gql('{ me { email } }', {}, `${token.slice(0, -4)}xxxx`);
    const none = await server.gql('{ me { email } }');
    for (const answer of [revoked, unknown, none]) expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(revoked.errors?.[0]?.message).toMatch(/revoked/);
    expect(unknown.errors?.[0]?.message).toMatch(/not known/);
    expect(none.errors?.[0]?.message).toMatch(/Authorization: Bearer/);
  });

  it('says why an operationName picks no operation, naming the ones the document has (escaped)', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as any };
    };
    const named = await post({ query: 'query Mine { __typename } query Theirs { __typename }', operationName: 'Nope"<b>' });
    expect(named.status).toBe(400);
    expect(named.body.errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(named.body.errors[0].message).toBe('operationName "Nope\\"<b>" names no operation of the document (it has "Mine", "Theirs")');
    const unnamed = await post({ query: 'query Mine { __typename } { __typename }' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.errors[0].message).toBe('the document has 2 operations ("Mine", an unnamed one): operationName must say which to run');
    const fragments = await post({ query: 'fragment F on Query { __typename }' });
    expect(fragments.body.errors[0].message).toContain('no operation to run');
    // The one it names runs, and the server keeps serving.
    expect((await post({ query: 'query Mine { __typename } query Theirs { __typename }', operationName: 'Theirs' })).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a GraphQL request sent to the base URL with a pointer to /graphql, not a bare 405', async () => {
    const response = await fetch(`${origin}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { email } }"}' });
    expect(response.status).toBe(404);
    const body = (await response.json()) as any;
    expect(body.errors[0].message).toContain('/graphql');
  });
});

/** Opens a raw TCP connection and writes `text`; resolves once connected. */
function rawConnection(port: number, text: string): Promise<{ socket: Socket; closed: Promise<number>; received: () => string }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      const started = Date.now();
      resolve({ socket, closed: new Promise((done) => socket.once('close', () => done(Date.now() - started))), received: () => data });
    });
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/**
 * A request from another client address on loopback (127.0.0.2): the per-address caps that hold back
 * one client's flood do not apply to it.
 */
function fromElsewhere(port: number, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        localAddress: '127.0.0.2',
        method: payload === undefined ? 'GET' : 'POST',
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('slow and oversized requests', () => {
  let slow: TestServer;
  let port: number;
  beforeAll(async () => {
    slow = await startServer({ env: { OSCAR_HEADERS_TIMEOUT_MS: '2000', OSCAR_REQUEST_TIMEOUT_MS: '4000' } });
    port = Number(new URL(slow.url).port);
  });
  afterAll(() => slow?.stop());

  it('closes a connection whose headers never finish, and one whose body never finishes', async () => {
    const headers = await rawConnection(port, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
    const body = await rawConnection(port, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"query":');
    // Node enforces the timeouts on a one-second check: wide margins for a busy machine.
    expect(await headers.closed).toBeLessThan(15_000);
    expect(await body.closed).toBeLessThan(20_000);
    expect(headers.received() + body.received()).toMatch(/^(HTTP\/1\.1 408|)/);
    expect((await slow.health()).status).toBe(200);
  }, 60_000);

  it('keeps memory bounded when hundreds of clients hold large bodies half-sent, and keeps serving', async () => {
    const token = await slow.token('busy@example.com');
    const before = rss(slow.pid());
    const chunk = 'x'.repeat(900 * 1024);
    const clients = await Promise.all(
      Array.from({ length: 300 }, () =>
        rawConnection(port, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n${chunk}`),
      ),
    );
    // Other clients' ordinary calls still get through while the bodies hang.
    const me = await fromElsewhere(port, '/graphql', { query: '{ me { email } }' }, token);
    expect(me.body.data?.me.email).toBe('busy@example.com');
    // Past the 8 MiB a client address may have in flight (and the 256 connections it may hold), each is
    // refused with a 503 it can read: the server drops the rest of the body rather than resetting the
    // connection under a client still sending (which lost the answer for a third of them). Wide margin
    // for 270 MB through loopback on a busy machine.
    await waitFor(() => clients.filter((c) => c.received().startsWith('HTTP/1.1 503')).length >= 240, 90_000);
    const grown = rss(slow.pid()) - before;
    expect(grown).toBeLessThan(150 * 1024 * 1024);
    expect(clients.find((c) => c.received().startsWith('HTTP/1.1 503'))?.received()).toContain('SERVER_BUSY');
    expect((await fromElsewhere(port, '/healthz')).status).toBe(200);
    for (const client of clients) client.socket.destroy();
  }, 150_000);
});

describe('oversized bodies sent to the dashboard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.stop());

  it('refuses a form post over 1 MiB with 413 before reading it, as the API does', async () => {
    const port = Number(new URL(server.url).port);
    const declared = await rawConnection(
      port,
      `POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\nemail=`,
    );
    await waitFor(() => declared.received().length > 0, 10_000);
    expect(declared.received()).toMatch(/^HTTP\/1\.1 413/);
    expect(declared.received()).toContain('PAYLOAD_TOO_LARGE');
    declared.socket.destroy();
    // A streamed body without a declared length is refused before it is read (411), as the API refuses it.
    const base = new URL(server.url).origin;
    const streamed = await fetch(`${base}/signin`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new Blob([`email=${'a'.repeat(10_000)}`]).stream(),
      duplex: 'half',
    } as RequestInit).catch((error: Error) => error);
    expect(streamed).toBeInstanceOf(Response);
    expect((streamed as Response).status).toBe(411);
    expect((await server.health()).status).toBe(200);
  }, 60_000);
});

describe("the dashboard's own calls to the API", () => {
  it('count against the browser that made them, so a flood from one address locks nobody else out', async () => {
    const proxied = await startServer({ env: { OSCAR_TRUST_PROXY: '1', OSCAR_RATE_LIMIT: '30' } });
    try {
      await proxied.cli('user', 'create', '--email', 'user@example.com', '--password', 'correct horse');
      const base = new URL(proxied.url).origin;
      // 60 anonymous page loads from one address: each makes the dashboard ask the API something.
      for (let i = 0; i < 60; i++) await fetch(`${base}/signin`, { headers: { 'x-forwarded-for': '198.51.100.66' } });
      const signIn = (from: string) =>
        fetch(`${base}/signin`, {
          method: 'POST',
          redirect: 'manual',
          headers: { origin: base, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
          body: new URLSearchParams({ email: 'user@example.com', password: 'correct horse' }),
        });
      const elsewhere = await signIn('192.0.2.10');
      expect(elsewhere.status).toBe(303);
      expect(elsewhere.headers.get('location')).toBe('/experiments');
      expect(elsewhere.headers.get('set-cookie')).toMatch(/oscar_session=/);
      // The flooding address itself has spent its budget.
      const flooder = await signIn('198.51.100.66');
      expect(flooder.status).not.toBe(303);
    } finally {
      await proxied.stop();
    }
  }, 60_000);
});
