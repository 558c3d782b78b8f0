import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/runtime/database.ts';
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
    // A new address or token name that would pass for another (a zero-width space, a direction override).
    const hidden = await server.cli('user', 'create', '--email', 'car\u200bol@example.com', '--password', 'correct horse');
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toContain('email must not contain invisible or text-direction characters, but got U+200B at position 3');
    const turned = await server.cli('token', 'create', '--email', 'carol@example.com', '--name', 'lap\u202etop');
    expect(turned.code).not.toBe(0);
    expect(turned.stderr).toContain('U+202E');
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

  it('gives a user that token create made a password, with the command it names, so it can sign in', async () => {
    const SIGN_IN = `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { user { email } } }`;
    const created = await server.cli('token', 'create', '--email', 'frank@example.com');
    expect(created.code).toBe(0);
    const hint = /oscar user password --email frank@example.com --password PASSWORD/.exec(created.stdout);
    expect(hint).not.toBeNull();
    expect((await server.gql(SIGN_IN, { email: 'frank@example.com', password: 'frank is here' })).data?.signIn).toBeFalsy();

    const set = await server.cli('user', 'password', '--email', 'Frank@Example.com', '--password', 'frank is here');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('frank@example.com');
    const signedIn = await server.gql(SIGN_IN, { email: 'frank@example.com', password: 'frank is here' });
    expect(signedIn.data?.signIn.user.email).toBe('frank@example.com');

    const short = await server.cli('user', 'password', '--email', 'frank@example.com', '--password', 'short');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password');
    const nobody = await server.cli('user', 'password', '--email', 'nobody@example.com', '--password', 'long enough');
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('no user with email nobody@example.com');
  });

  it('reads the password from standard input with --password-stdin, so it stays out of the process list', async () => {
    const SIGN_IN = `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) { user { email } } }`;
    const created = await server.cliWithInput('piped secret one\nignored second line\n', 'user', 'create', '--email', 'hana@example.com', '--password-stdin');
    expect(created.code).toBe(0);
    expect((await server.gql(SIGN_IN, { email: 'hana@example.com', password: 'piped secret one' })).data?.signIn.user.email).toBe('hana@example.com');

    // A Windows line ending is not part of the password; the old one stops working.
    const changed = await server.cliWithInput('piped secret two\r\n', 'user', 'password', '--email', 'hana@example.com', '--password-stdin');
    expect(changed.code).toBe(0);
    expect((await server.gql(SIGN_IN, { email: 'hana@example.com', password: 'piped secret two' })).data?.signIn.user.email).toBe('hana@example.com');
    expect((await server.gql(SIGN_IN, { email: 'hana@example.com', password: 'piped secret one' })).data?.signIn).toBeFalsy();

    const both = await server.cliWithInput('piped secret three\n', 'user', 'password', '--email', 'hana@example.com', '--password', 'on the line', '--password-stdin');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const empty = await server.cliWithInput('', 'user', 'password', '--email', 'hana@example.com', '--password-stdin');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--password-stdin read an empty password');
    const short = await server.cliWithInput('short\n', 'user', 'password', '--email', 'hana@example.com', '--password-stdin');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 8 characters');
    // Past the longest password it stops reading: the pipe stays open, so a read to the end would never return.
    const huge = await server.cliWithInput({ open: 'x'.repeat(10_000) }, 'user', 'password', '--email', 'hana@example.com', '--password-stdin');
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('at most 1024 characters');
    // A byte order mark (as Notepad saves) is not part of it; bytes that are not UTF-8 are refused, not guessed.
    const marked = await server.cliWithInput('\uFEFFpiped secret two\n', 'user', 'password', '--email', 'hana@example.com', '--password-stdin');
    expect(marked.code).toBe(0);
    const latin1 = await server.cliWithInput(Buffer.from('caf\xe9 secret\n', 'latin1'), 'user', 'password', '--email', 'hana@example.com', '--password-stdin');
    expect(latin1.code).toBe(2);
    expect(latin1.stderr).toContain('not UTF-8');
    // None of the refused ones changed it.
    expect((await server.gql(SIGN_IN, { email: 'hana@example.com', password: 'piped secret two' })).data?.signIn.user.email).toBe('hana@example.com');
  });

  it('refuses token names and e-mails the API refuses, and lists names without raw control characters', async () => {
    const escape = await server.cli('token', 'create', '--email', 'gina@example.com', '--name', 'x\u001b[31mred');
    expect(escape.code).toBe(2);
    expect(escape.stderr).toContain('--name must not contain control characters');
    const long = await server.cli('token', 'create', '--email', 'gina@example.com', '--name', 'n'.repeat(101));
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('--name must be at most 100 characters');
    for (const email of ['gi\u001b[2Jna@example.com', 'gina@exa\u0085mple.com']) {
      const refused = await server.cli('token', 'create', '--email', email);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('email must not contain control characters');
    }
    const listed = await server.cli('token', 'list', '--email', 'gina@example.com');
    expect(listed.stdout).toBe('');

    const named = await server.cli('token', 'create', '--email', 'gina@example.com', '--name', '  laptop  ');
    expect(named.code).toBe(0);
    expect((await server.cli('token', 'list', '--email', 'gina@example.com')).stdout).toMatch(/\tlaptop\t/);

    // A name stored before names were checked is shown escaped, never sent raw to the terminal.
    const database = await openDatabase(server.databaseUrl);
    try {
      await database.db.apiToken.updateMany({ where: { user: { email: 'gina@example.com' } }, data: { name: 'x\u001b[31mred\nline' } });
    } finally {
      await database.close();
    }
    const escaped = await server.cli('token', 'list', '--email', 'gina@example.com');
    expect(escaped.stdout).not.toContain('\u001b');
    expect(escaped.stdout).toContain('\tx\\u001b[31mred\\u000aline\t');
  });

  it('creates each token different from the last', async () => {
    const a = await server.token('erin@example.com');
    const b = await server.token('erin@example.com');
    expect(a).not.toBe(b);
    expect((await server.gql('{ me { email } }', {}, a)).data?.me.email).toBe('erin@example.com');
    expect((await server.gql('{ me { email } }', {}, b)).data?.me.email).toBe('erin@example.com');
  });
});
