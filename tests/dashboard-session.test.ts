import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type GraphQLResponse, type TestServer } from './harness.ts';

const SIGN_IN = `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { secret expiresAt user { email } } }`;

let server: TestServer;
let origin: string;

beforeAll(async () => {
  server = await startServer();
  origin = new URL(server.url).origin;
  const created = await server.cli('user', 'create', '--email', 'grace@example.com', '--password', 'hopper-1906');
  expect(created.code).toBe(0);
});
afterAll(() => server?.stop());

async function signIn(): Promise<string> {
  const result = await server.gql(SIGN_IN, { email: 'grace@example.com', password: 'hopper-1906' });
  return result.data?.signIn.secret;
}

/** POSTs an operation with the session cookie and any extra headers. */
async function withCookie(secret: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `oscar_session=${secret}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }))) as GraphQLResponse<any>;
}

const codes = (result: GraphQLResponse) => result.errors?.map((e) => e.extensions?.code);

describe('dashboard sessions', () => {
  it('signs in with the password from `oscar user create`, and refuses a wrong one', async () => {
    const ok = await server.gql(SIGN_IN, { email: 'Grace@Example.com', password: 'hopper-1906' });
    expect(ok.data?.signIn.user.email).toBe('grace@example.com');
    expect(ok.data?.signIn.secret).toMatch(/^[\w-]{40,}$/);
    expect(Date.parse(ok.data?.signIn.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    const wrong = await server.gql(SIGN_IN, { email: 'grace@example.com', password: 'hopper-1907' });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
  });

  it('authenticates JSON requests by the session cookie, and not cross-site or form-like ones', async () => {
    const secret = await signIn();
    expect((await withCookie(secret, '{ me { email } }')).data?.me.email).toBe('grace@example.com');
    expect((await withCookie(secret, '{ me { email } }', {}, { origin })).data?.me.email).toBe('grace@example.com');
    expect(codes(await withCookie(secret, '{ me { email } }', {}, { origin: 'https://evil.example' }))).toEqual(['UNAUTHENTICATED']);
    const form = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: `oscar_session=${secret}` },
      body: JSON.stringify({ query: 'mutation { createApiToken(name: "csrf") { secret } }' }),
    });
    const body = await form.text();
    expect(body).not.toContain('"secret"');
    expect(codes(await withCookie('not-a-session', '{ me { email } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('manages API tokens with a session only; a revoked token is refused at once', async () => {
    const secret = await signIn();
    const created = await withCookie(secret, 'mutation { createApiToken(name: "ci") { secret token { id name prefix } } }');
    const { secret: token, token: row } = created.data?.createApiToken;
    expect(token.startsWith(row.prefix)).toBe(true);
    expect((await server.gql('{ me { email } }', {}, token)).data?.me.email).toBe('grace@example.com');

    // An API token cannot list, create or revoke tokens.
    expect(codes(await server.gql('{ apiTokens { id } }', {}, token))).toEqual(['FORBIDDEN']);
    expect(codes(await server.gql('mutation { createApiToken { secret } }', {}, token))).toEqual(['FORBIDDEN']);

    const renamed = await withCookie(secret, 'mutation ($id: ID!) { renameApiToken(id: $id, name: "ci-main") { name } }', { id: row.id });
    expect(renamed.data?.renameApiToken.name).toBe('ci-main');
    const listed = await withCookie(secret, '{ apiTokens { id name revokedAt } }');
    expect(listed.data?.apiTokens).toContainEqual({ id: row.id, name: 'ci-main', revokedAt: null });

    const revoked = await withCookie(secret, 'mutation ($id: ID!) { revokeApiToken(id: $id) { revokedAt } }', { id: row.id });
    expect(revoked.data?.revokeApiToken.revokedAt).toBeTruthy();
    expect(codes(await server.gql('{ me { email } }', {}, token))).toEqual(['UNAUTHENTICATED']);

    // Someone else's token id is not found.
    const other = await server.token('other@example.com');
    const mine = await withCookie(secret, 'mutation ($id: ID!) { revokeApiToken(id: $id) { id } }', { id: 'nope' });
    expect(codes(mine)).toEqual(['NOT_FOUND']);
    expect((await server.gql('{ me { email } }', {}, other)).data?.me.email).toBe('other@example.com');
  });

  it('opens graphql-ws subscriptions with the cookie of the upgrade request, same-origin only', async () => {
    const secret = await signIn();
    const token = await server.token('grace@example.com');
    const suggest = `mutation { suggest(experiment: {name: "ws", parameters: {x: {min: 0, max: 1}}}) { id number experiment { id } } }`;
    const first = (await server.gql(suggest, {}, token)).data?.suggest;
    const socket = (headers: Record<string, string>) =>
      class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      };
    const watch = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { number state } }`;

    const listening = (await server.gql('{ me { liveSubscriptions } }', {}, token)).data?.me.liveSubscriptions as number;
    const client = createClient({ url: server.wsUrl, webSocketImpl: socket({ cookie: `oscar_session=${secret}`, origin }), retryAttempts: 0 });
    const feed = collect<any>(client, watch, { id: first.experiment.id });
    await server.listening(token, listening + 1);
    const second = (await server.gql(suggest, {}, token)).data?.suggest;
    await waitFor(() => feed.events.length > 0);
    expect(feed.events[0].trialUpdated).toEqual({ number: second.number, state: 'RUNNING' });
    feed.stop();
    await client.dispose();

    const foreign = createClient({ url: server.wsUrl, webSocketImpl: socket({ cookie: `oscar_session=${secret}`, origin: 'https://evil.example' }), retryAttempts: 0 });
    const refused = collect<any>(foreign, watch, { id: first.experiment.id });
    await waitFor(() => refused.errors.length > 0 || refused.isDone());
    // Another site's page is signed out: its connection is closed as unauthorized (graphql-ws's 4401).
    expect((refused.errors[0] as { code?: number }).code).toBe(4401);
    expect(refused.events).toEqual([]);
    await foreign.dispose();
  });

  it("refuses the dashboard's sign-in form posted from another site, and accepts it from its own page", async () => {
    const post = (from: string) =>
      fetch(`${origin}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: from },
        body: 'email=grace%40example.com&password=hopper-1906',
      });
    const forged = await post('http://evil.example');
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie')).toBeNull();
    const own = await post(origin);
    expect(own.status).toBe(303);
    expect(own.headers.get('set-cookie')).toContain('oscar_session=');
  });

  it('signs out: the session is deleted and its cookie refused', async () => {
    const secret = await signIn();
    expect((await withCookie(secret, 'mutation { signOut }')).data?.signOut).toBe(true);
    expect(codes(await withCookie(secret, '{ me { email } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('slows password guessing per e-mail and address, without locking the real user out, and limits spraying', async () => {
    // Behind a trusted proxy, X-Forwarded-For tells the clients apart.
    const proxied = await startServer({ env: { OSCAR_TRUST_PROXY: '1' } });
    try {
      expect((await proxied.cli('user', 'create', '--email', 'target@example.com', '--password', 'the-real-one')).code).toBe(0);
      const attempt = async (email: string, password: string, from: string) => {
        const response = await fetch(proxied.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.9, ${from}` },
          body: JSON.stringify({ query: SIGN_IN, variables: { email, password } }),
        });
        const body = (await response.json()) as GraphQLResponse<any>;
        return { status: response.status, error: body.errors?.[0], ok: Boolean(body.data?.signIn) };
      };
      const attacker = '198.51.100.7';
      const guesses = [];
      for (let i = 0; i < 6; i++) guesses.push(await attempt('target@example.com', `guess-${i}-guess`, attacker));
      // Five wrong passwords are answered as such; then each further attempt from there must wait, longer each time.
      expect(guesses.slice(0, 5).map((g) => g.error?.extensions?.code)).toEqual(Array(5).fill('UNAUTHENTICATED'));
      expect(guesses[5]!.error?.extensions).toMatchObject({ code: 'RATE_LIMITED', field: 'email' });
      expect(guesses[5]!.status).toBe(429);
      // Even the right password waits its turn from the attacker's address...
      expect((await attempt('target@example.com', 'the-real-one', attacker)).error?.extensions?.code).toBe('RATE_LIMITED');
      // ...while the real user, elsewhere, signs in at once.
      expect((await attempt('target@example.com', 'the-real-one', '192.0.2.44')).ok).toBe(true);
      // Once the wait is over, one more wrong guess doubles it.
      let next = await attempt('target@example.com', 'guess-6-guess', attacker);
      const deadline = Date.now() + 30_000;
      while (next.error?.extensions?.code === 'RATE_LIMITED' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        next = await attempt('target@example.com', 'guess-6-guess', attacker);
      }
      expect(next.error?.extensions?.code).toBe('UNAUTHENTICATED');
      const doubled = await attempt('target@example.com', 'guess-7-guess', attacker);
      expect(doubled.error?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(doubled.error?.message).toMatch(/retry in 2 s/);

      // Guesses sent all at once get no more checks than one after another: the free five and one more.
      const together = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt('target@example.com', `burst-${i}-guess`, '198.51.100.9')));
      const checked = together.filter((g) => g.error?.extensions?.code === 'UNAUTHENTICATED').length;
      expect(checked).toBeGreaterThanOrEqual(5);
      expect(checked).toBeLessThanOrEqual(6);
      expect(together.filter((g) => g.error?.extensions?.code === 'RATE_LIMITED')).toHaveLength(20 - checked);

      // Spraying one password over many e-mails from one address stops after 30 attempts a minute.
      const sprayer = '198.51.100.8';
      const sprayed = [];
      for (let i = 0; i < 31; i++) sprayed.push(await attempt(`user${i}@example.com`, 'Password1!', sprayer));
      expect(sprayed.slice(0, 30).every((a) => a.error?.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
      expect(sprayed[30]!.error?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(sprayed[30]!.error?.message).toMatch(/from your address/);
      // From IPv6, a new address of the same /64 for each attempt is still the same sprayer.
      const rotated = [];
      for (let i = 0; i < 31; i++) rotated.push(await attempt(`user${i}@example.com`, 'Password1!', `2001:db8:7:7:${(i + 1).toString(16)}::${i + 2}`));
      expect(rotated.slice(0, 30).every((a) => a.error?.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
      expect(rotated[30]!.error?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      // Another /64 is another client.
      expect((await attempt('user0@example.com', 'Password1!', '2001:db8:7:8::1')).error?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await proxied.stop();
    }
  });

  it('says a signed-in user is over the rate limit instead of sending them round the sign-in form', async () => {
    const limited = await startServer({ env: { OSCAR_RATE_LIMIT: '4' } });
    try {
      expect((await limited.cli('user', 'create', '--email', 'busy@example.com', '--password', 'busy-worker-1')).code).toBe(0);
      const secret = (await limited.gql(SIGN_IN, { email: 'busy@example.com', password: 'busy-worker-1' })).data?.signIn.secret as string;
      const token = await limited.token('busy@example.com');
      // The user's workers use up the minute's operations.
      let refused = false;
      for (let i = 0; i < 10 && !refused; i++) refused = codes(await limited.gql('{ me { email } }', {}, token))?.[0] === 'RATE_LIMITED';
      expect(refused).toBe(true);
      const page = await fetch(`${new URL(limited.url).origin}/experiments`, { redirect: 'manual', headers: { cookie: `oscar_session=${secret}`, accept: 'text/html' } });
      expect(page.status).toBe(429);
      expect(page.headers.get('location')).toBeNull();
      expect(await page.text()).toContain('used its requests for this minute');
      // The session is kept: the cookie is not cleared.
      expect(page.headers.get('set-cookie') ?? '').not.toContain('oscar_session=;');
    } finally {
      await limited.stop();
    }
  });

  it('shows the wait on the sign-in page when wrong passwords must wait', async () => {
    const post = (password: string) =>
      fetch(`${origin}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin },
        body: `email=waiting%40example.com&password=${password}`,
      });
    for (let i = 0; i < 5; i++) expect((await post(`wrong-${i}-wrong`)).status).toBe(400);
    const waiting = await post('wrong-5-wrong');
    expect(waiting.status).toBe(429);
    expect(await waiting.text()).toMatch(/Too many wrong passwords for this e-mail from your address; retry in \d+ s/);
  });

  it('refuses an e-mail or password longer than any real one before doing any work for it, and does not count it', async () => {
    const long = await server.gql(SIGN_IN, { email: `${'a'.repeat(100_000)}@example.com`, password: 'whatever-it-is' });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    const started = Date.now();
    const huge = await server.gql(SIGN_IN, { email: 'grace@example.com', password: 'p'.repeat(900_000) });
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(huge.errors?.[0]?.message).toMatch(/at most 1024/);
    expect(Date.now() - started).toBeLessThan(5000);
    // Refused at the boundary, so they cost the real user nothing: the right password still signs in.
    for (let i = 0; i < 10; i++) await server.gql(SIGN_IN, { email: 'grace@example.com', password: 'p'.repeat(2000) });
    expect(await signIn()).toBeTruthy();
  });

  it('refuses sign-up unless OSCAR_SIGNUP=1', async () => {
    const signUp = `mutation { signUp(email: "new@example.com", password: "long-enough") { user { email } } }`;
    expect(codes(await server.gql(signUp))).toEqual(['FORBIDDEN']);
    expect((await server.gql('{ signUpEnabled }')).data?.signUpEnabled).toBe(false);
    const open = await startServer({ env: { OSCAR_SIGNUP: '1' } });
    try {
      expect((await open.gql(signUp)).data?.signUp.user.email).toBe('new@example.com');
      expect(codes(await open.gql(signUp))).toEqual(['CONFLICT']);
      // Two sign-ups for one new e-mail at once: one account, and the other is told so.
      const twice = await Promise.all([0, 1].map(() => open.gql(`mutation { signUp(email: "twice@example.com", password: "long-enough") { user { email } } }`)));
      expect(twice.map((r) => r.data?.signUp?.user.email ?? r.errors?.[0]?.extensions?.code).sort()).toEqual(['CONFLICT', 'twice@example.com']);
      const short = await open.gql(`mutation { signUp(email: "x@example.com", password: "short") { secret } }`);
      expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    } finally {
      await open.stop();
    }
  });
});
