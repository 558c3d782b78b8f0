import { parseArgs } from 'node:util';
import { createApiToken, createUser, MAX_PASSWORD_LENGTH, newEmailProblem, normaliseEmail, setPassword, tokenName, tokenNameProblem, validateCredentials } from './accounts/auth.ts';
import { agentMain, AgentUsageError, AGENT_USAGE } from './agent/run.ts';
import { EXPORT_USAGE, exportMain, IMPORT_USAGE, importMain, TransferUsageError } from './agent/transfer.ts';
import { readConfig } from './config.ts';
import { printable } from './text.ts';
import { applyMigrations } from './db/migrate.ts';
import { openDatabase, type Db } from './runtime/database.ts';

const USAGE = `Usage:
  oscar user create --email EMAIL (--password PASSWORD | --password-stdin)
  oscar user password --email EMAIL (--password PASSWORD | --password-stdin)   (sets or replaces it; ends the user's dashboard sessions)
      --password-stdin reads the password from the first line of standard input (kept out of the shell's history and the process list)
  oscar token create --email EMAIL [--name NAME]   (creates the user if missing; the token is the last line)
  oscar token list --email EMAIL
  oscar token revoke --id TOKEN_ID
  oscar run --experiment SPEC.json [--trials N] [--parallel K] [--max-failures F] [--url URL] [--token TOKEN] -- COMMAND [ARGS...]
  oscar export --experiment NAME [--format csv|json] [--out FILE] [--url URL] [--token TOKEN]
  oscar import --experiment NAME|SPEC.json FILE.csv|FILE.json|FILE.db [--study STUDY] [--url URL] [--token TOKEN]

Environment: DATABASE_URL (default: the project's data/oscar.db, from any folder; or postgresql://...), as for the server;
\`oscar run\`, \`oscar export\` and \`oscar import\` talk to a server instead (oscar run --help, ...).`;

class UsageError extends Error {}

function option(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/**
 * The first line of standard input, without its line ending (and a UTF-8 byte order mark), as
 * UTF-8; refused from a terminal (it would echo), past the longest password's bytes (without reading
 * further), and when it is not UTF-8 (a Latin-1 file would silently become another password).
 */
async function readPasswordLine(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError(`--password-stdin reads a pipe or a file, not a terminal (it would show the password): printf '%s\\n' "$PASSWORD" | oscar user ... --password-stdin`);
  }
  const limit = MAX_PASSWORD_LENGTH * 4 + 4; // UTF-8 bytes of the longest password, a byte order mark (3) and a CR
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    const end = chunk.indexOf(0x0a);
    chunks.push(end === -1 ? chunk : chunk.subarray(0, end));
    size += end === -1 ? chunk.length : end;
    if (end !== -1 || size > limit) break;
  }
  process.stdin.destroy();
  if (size > limit) throw new UsageError(`password must be at most ${MAX_PASSWORD_LENGTH} characters long`);
  let line: string;
  try {
    line = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Buffer.concat(chunks));
  } catch {
    throw new UsageError('--password-stdin read bytes that are not UTF-8: save the password as UTF-8');
  }
  return line.replace(/\r$/, '');
}

/** The password from `--password`, or from standard input with `--password-stdin` (one of the two). */
async function passwordOption(values: Record<string, string | boolean | undefined>): Promise<string> {
  const fromStdin = values['password-stdin'] === true;
  if (fromStdin && values.password !== undefined) throw new UsageError('give --password or --password-stdin, not both');
  if (!fromStdin) {
    if (typeof values.password !== 'string' || values.password === '') throw new UsageError('--password (or --password-stdin) is required');
    return values.password;
  }
  const password = await readPasswordLine();
  if (password === '') throw new UsageError('--password-stdin read an empty password from standard input');
  return password;
}

async function findOrCreateUser(db: Db, email: string): Promise<{ id: string; email: string; created: boolean }> {
  const existing = await db.user.findUnique({ where: { email: normaliseEmail(email) } });
  if (existing) return { id: existing.id, email: existing.email, created: false };
  const problem = validateCredentials(email, 'x'.repeat(8)) ?? newEmailProblem(email);
  if (problem) throw new UsageError(problem);
  const user = await db.user.create({ data: { email: normaliseEmail(email) } });
  return { id: user.id, email: user.email, created: true };
}

async function run(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'run') {
    // The agent: a client of a running server, not of its database.
    if (argv[1] === '--help' || argv[1] === '-h') console.log(AGENT_USAGE);
    else process.exitCode = await agentMain(argv.slice(1));
    return;
  }
  if (argv[0] === 'export' || argv[0] === 'import') {
    // Clients of a running server too.
    const [main, usage] = argv[0] === 'export' ? [exportMain, EXPORT_USAGE] : [importMain, IMPORT_USAGE];
    if (argv[1] === '--help' || argv[1] === '-h') console.log(usage);
    else process.exitCode = await main(argv.slice(1));
    return;
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      id: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals.join(' ');
  if (values.help || command === '') {
    console.log(USAGE);
    return;
  }
  const { databaseUrl } = readConfig();
  await applyMigrations(databaseUrl);
  const database = await openDatabase(databaseUrl);
  try {
    await runCommand(database.db, command, values);
  } finally {
    await database.close();
  }
}

async function runCommand(db: Db, command: string, values: Record<string, string | boolean | undefined>): Promise<void> {
  switch (command) {
    case 'user create': {
      const email = option(values, 'email');
      const password = await passwordOption(values);
      const problem = validateCredentials(email, password) ?? newEmailProblem(email);
      if (problem) throw new UsageError(problem);
      if (await db.user.findUnique({ where: { email: normaliseEmail(email) } })) {
        throw new UsageError(`a user with email ${normaliseEmail(email)} already exists`);
      }
      const user = await createUser(db, email, password);
      console.log(`Created user ${user.email} (${user.id})`);
      return;
    }
    case 'user password': {
      const email = option(values, 'email');
      const password = await passwordOption(values);
      const problem = validateCredentials(email, password);
      if (problem) throw new UsageError(problem);
      const user = await setPassword(db, email, password);
      if (!user) throw new UsageError(`no user with email ${normaliseEmail(email)} (oscar user create makes one)`);
      console.log(`Set the password of ${user.email} (${user.id}); its dashboard sessions are ended`);
      return;
    }
    case 'token create': {
      const name = tokenName(typeof values.name === 'string' ? values.name : '');
      const nameIssue = tokenNameProblem(name);
      if (nameIssue !== null) throw new UsageError(`--${nameIssue}`);
      const user = await findOrCreateUser(db, option(values, 'email'));
      if (user.created) {
        console.log(`Created user ${user.email} (${user.id}) without a password; to sign in to the dashboard, give it one: oscar user password --email ${user.email} --password PASSWORD (or --password-stdin)`);
      }
      const { id, token } = await createApiToken(db, user.id, name);
      console.log(`Created API token ${id} for ${user.email}. It is shown only once:`);
      console.log(token);
      return;
    }
    case 'token list': {
      const email = normaliseEmail(option(values, 'email'));
      const tokens = await db.apiToken.findMany({ where: { user: { email } }, orderBy: { createdAt: 'asc' } });
      for (const t of tokens) {
        const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'active';
        console.log(`${t.id}\t${t.prefix}...\t${printable(t.name) || '-'}\t${state}\tlast used ${t.lastUsedAt?.toISOString() ?? 'never'}`);
      }
      return;
    }
    case 'token revoke': {
      const id = option(values, 'id');
      const revoked = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
      if (revoked.count === 0) throw new UsageError(`no active token with id ${id}`);
      console.log(`Revoked token ${id}`);
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ?? false;
  const command = process.argv[2];
  const agent = error instanceof AgentUsageError || (command === 'run' && parseError);
  const transfer = error instanceof TransferUsageError ? error.usage : parseError && command === 'export' ? EXPORT_USAGE : parseError && command === 'import' ? IMPORT_USAGE : null;
  const usage = agent || transfer !== null || error instanceof UsageError || parseError;
  console.error(`oscar: ${(error as Error).message}${usage ? `\n\n${agent ? AGENT_USAGE : (transfer ?? USAGE)}` : ''}`);
  process.exitCode = usage ? 2 : 1;
}
