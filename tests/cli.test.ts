import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

describe('npx oscar', () => {
  it('creates a user once, and refuses a second one with the same e-mail', async () => {
    const created = await server.cli('user', 'create', '--email', 'Carol@Example.com', '--password', 'correct horse');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('carol@example.com');
    const again = await server.cli('user', 'create', '--email', 'carol@example.com', '--password', 'another one');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already exists');
  });

  it('refuses a short password and a missing e-mail with usage help', async () => {
    const short = await server.cli('user', 'create', '--email', 'dan@example.com', '--password', 'short');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password');
    const missing = await server.cli('token', 'create');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--email');
  });

  it('prints a working token as the last line, stores only its hash, and revokes it', async () => {
    const created = await server.cli('token', 'create', '--email', 'carol@example.com', '--name', 'laptop');
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^oscar_[\w-]{40,}$/);
    const me = await server.gql('{ me { email } }', {}, token);
    expect(me.data?.me.email).toBe('carol@example.com');

    const listed = await server.cli('token', 'list', '--email', 'carol@example.com');
    expect(listed.stdout).toContain('laptop');
    expect(listed.stdout).not.toContain(token);

    const tokenId = /API token (\S+)/.exec(created.stdout)?.[1] ?? '';
    const revoked = await server.cli('token', 'revoke', '--id', tokenId);
    expect(revoked.code).toBe(0);
    const refused = await server.gql('{ me { email } }', {}, token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('creates each token different from the last', async () => {
    const a = await server.token('erin@example.com');
    const b = await server.token('erin@example.com');
    expect(a).not.toBe(b);
    expect((await server.gql('{ me { email } }', {}, a)).data?.me.email).toBe('erin@example.com');
    expect((await server.gql('{ me { email } }', {}, b)).data?.me.email).toBe('erin@example.com');
  });
});
