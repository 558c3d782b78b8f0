// The built dashboard over HTTP: where signing in sends the browser, and the Content-Security-Policy
// on its pages.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type TestServer } from './harness.ts';

const PASSWORD = 'a-long-password';
const SIGN_UP = `mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { secret } }`;

/** `redirectTo` as an attacker would write it in a link (already URL-encoded), and where it may lead (null: anywhere on this site). */
const TARGETS: [string, string | null][] = [
  ['/%09/evil.example', '/experiments'],
  ['/%09/%09evil.example', '/experiments'],
  ['/%0A/evil.example', '/experiments'],
  ['/%5Cevil.example', '/experiments'],
  ['/%09%5Cevil.example', '/experiments'],
  ['//evil.example', '/experiments'],
  ['%2F%2Fevil.example', '/experiments'],
  ['/%2F%2Fevil.example', '/experiments'],
  ['/%252F%252Fevil.example', '/%2F%2Fevil.example'],
  ['/..//evil.example', '/experiments'],
  ['/%2e%2e//evil.example', '/experiments'],
  ['/experiments%0D%0ASet-Cookie:%20a=b', '/experimentsSet-Cookie:%20a=b'],
  ['/%0D%0A/evil.example', '/experiments'],
  ['/%C3%A9t%C3%A9?q=%C3%BC', '/%C3%A9t%C3%A9?q=%C3%BC'],
  ['/%E2%80%A8%F0%9F%98%80', '/%E2%80%A8%F0%9F%98%80'],
  ['javascript:alert(1)', '/experiments'],
  ['http://evil.example/', '/experiments'],
  ['https:%2F%2Fevil.example', '/experiments'],
  ['/account', '/account'],
  ['/experiments%3Fsort%3Dloss%26page%3D2', '/experiments?sort=loss&page=2'],
];

/**
 * The targets also tried with a real sign-in each (the server allows some 30 sign-in attempts a minute
 * from one address, and each of these costs three): one of each kind.
 */
const SIGN_IN_TARGETS = TARGETS.filter(([target]) =>
  ['/%09/evil.example', '/%5Cevil.example', '/..//evil.example', '/experiments%0D%0ASet-Cookie:%20a=b', '/%E2%80%A8%F0%9F%98%80', 'http://evil.example/', '/experiments%3Fsort%3Dloss%26page%3D2'].includes(target),
);

let server: TestServer;
let origin: string;
let session: string;
let users = 0;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'web/build/handler.js'))) throw new Error('The dashboard is not built: run `npm run build` first.');
  server = await startServer({ env: { OSCAR_SIGNUP: '1' } });
  origin = new URL(server.url).origin;
  session = await signUp();
});
afterAll(() => server?.stop());

/** A new user (each has its own sign-in rate limit) through the API; returns the e-mail's session secret. */
async function signUp(email = `user${++users}@example.com`): Promise<string> {
  const result = await server.gql(SIGN_UP, { email, password: PASSWORD });
  const secret = result.data?.signUp.secret;
  if (!secret) throw new Error(`signUp failed: ${JSON.stringify(result.errors)}`);
  return secret;
}

/** Where a redirect answer sends the browser, resolved as a browser would. */
function destination(response: Response): URL {
  expect(response.status, `status ${response.status}`).toBe(303);
  return new URL(response.headers.get('location') ?? '', `${origin}/signin`);
}

describe('signing in with a redirectTo', () => {
  it.each(SIGN_IN_TARGETS)('with the sign-in form, redirectTo=%s stays on this server', async (target, expected) => {
    const email = `signin${++users}@example.com`;
    await signUp(email);
    const post = (headers: Record<string, string>) =>
      fetch(`${origin}/signin?redirectTo=${target}`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ email, password: PASSWORD }),
        redirect: 'manual',
      });
    // Without JavaScript: a 303 answer.
    const plain = await post({ accept: 'text/html' });
    expect(plain.headers.get('set-cookie')).toContain('oscar_session=');
    const to = destination(plain);
    expect(to.origin).toBe(origin);
    if (expected) expect(to.pathname + to.search).toBe(expected);
    // With JavaScript (`use:enhance`): the same place, as JSON the page then navigates to.
    const enhanced = await post({ accept: 'application/json', 'x-sveltekit-action': 'true' });
    expect(enhanced.status).toBe(200);
    const answer = (await enhanced.json()) as { type: string; location: string };
    expect(answer.type).toBe('redirect');
    expect(new URL(answer.location, `${origin}/signin`).href).toBe(to.href);
  });

  it.each(TARGETS)('already signed in, redirectTo=%s stays on this server', async (target, expected) => {
    const response = await fetch(`${origin}/signin?redirectTo=${target}`, { headers: { cookie: `oscar_session=${session}` }, redirect: 'manual' });
    const to = destination(response);
    expect(to.origin).toBe(origin);
    if (expected) expect(to.pathname + to.search).toBe(expected);
  });

  it('shows the sign-in form whatever redirectTo holds', async () => {
    for (const [target] of TARGETS) {
      const response = await fetch(`${origin}/signin?redirectTo=${target}`, { redirect: 'manual' });
      expect(response.status, target).toBe(200);
    }
  });
});

describe('the Content-Security-Policy', () => {
  /** The policy of a page and the nonces of its inline scripts. */
  async function policyOf(path: string, signedIn: boolean) {
    const response = await fetch(`${origin}${path}`, { headers: signedIn ? { cookie: `oscar_session=${session}` } : {}, redirect: 'manual' });
    const html = await response.text();
    return {
      status: response.status,
      policy: response.headers.get('content-security-policy') ?? '',
      nonces: [...html.matchAll(/<script\b[^>]*\bnonce="([^"]+)"/g)].map((m) => m[1]),
      inlineScripts: [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/g)].length,
    };
  }

  it.each([
    ['/signin', false, 200],
    ['/signup', false, 200],
    ['/experiments', true, 200],
    ['/experiments/no-such-id', true, 404],
    ['/account', true, 200],
    ['/no-such-page', true, 404],
  ] as const)('is on %s, with a fresh nonce on its one inline script', async (path, signedIn, status) => {
    const first = await policyOf(path, signedIn);
    expect(first.status).toBe(status);
    const directives = new Map(first.policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    const nonce = /^'nonce-(.+)'$/.exec(directives.get('script-src')?.find((v) => v.startsWith("'nonce-")) ?? '')?.[1];
    expect(nonce).toBeTruthy();
    expect(directives.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'self'"]);
    expect(directives.get('form-action')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(first.nonces).toEqual([nonce]);
    expect(first.inlineScripts).toBe(1);
    const second = await policyOf(path, signedIn);
    expect(second.nonces).toHaveLength(1);
    expect(second.nonces[0]).not.toBe(nonce);
  });
});
