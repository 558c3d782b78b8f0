import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

/** Which database integration tests run on: OSCAR_TEST_BACKEND=postgresql (with Redis), else embedded SQLite. */
export const BACKEND: 'sqlite' | 'postgresql' = process.env.OSCAR_TEST_BACKEND === 'postgresql' ? 'postgresql' : 'sqlite';

/** The PostgreSQL server test databases are made on (trust auth on loopback, as .ci/run sets up). */
export const POSTGRESQL_URL = process.env.OSCAR_TEST_POSTGRESQL || 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The Redis server the PostgreSQL backend's tests share (each server with its own key prefix). */
export const REDIS_URL = process.env.OSCAR_TEST_REDIS || 'redis://127.0.0.1:6379';

/** A new, empty database for one test: its URL, and how to drop it. */
export interface TestDatabase {
  readonly url: string;
  /** The environment a server on it needs: DATABASE_URL, and REDIS_URL with a prefix of its own for PostgreSQL. */
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRESQL_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new embedded SQLite database: a file in `dir`. */
export function newSqliteDatabase(dir: string): TestDatabase {
  const url = `file:${join(dir, 'oscar.db')}`;
  return { url, env: { DATABASE_URL: url }, drop: async () => undefined };
}

/** A new, empty PostgreSQL database of its own; with `redis`, the environment adds REDIS_URL and a prefix of its own. */
export async function newPostgresqlDatabase(options: { redis: boolean } = { redis: true }): Promise<TestDatabase> {
  const name = `oscar_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRESQL_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    env: { DATABASE_URL: url.href, ...(options.redis ? { REDIS_URL, OSCAR_REDIS_PREFIX: name } : {}) },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A new database on the tests' backend: a SQLite file in `dir`, or a PostgreSQL database of its own (with Redis). */
export async function newDatabase(dir: string): Promise<TestDatabase> {
  return BACKEND === 'sqlite' ? newSqliteDatabase(dir) : newPostgresqlDatabase();
}

/** The project's root folder. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A GraphQL response as the HTTP API returns it. */
export interface GraphQLResponse<T = Record<string, any>> {
  readonly data?: T | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string; field?: string } }[];
}

/** An Oscar server process on a free loopback port with its own temporary database. */
export interface TestServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly databaseUrl: string;
  /** The environment that points a process at this server's database (and Redis): for the CLI, replicas, tools. */
  readonly databaseEnv: Record<string, string>;
  readonly dir: string;
  /** Runs `oscar` CLI commands against the same database. */
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** As `cli`, with `input` as the command's standard input (`{ open }`: written, and the pipe left open). */
  cliWithInput(input: StdinInput, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** A fresh API token for `email` (the user is created if missing), via the CLI. */
  token(email: string): Promise<string>;
  /** POSTs a GraphQL operation. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client authenticated with `token`. */
  ws(token: string | null): Client;
  /** Everything the server printed so far. */
  logs(): string;
  /** The server process's id (for its memory, or to send it a signal). */
  pid(): number;
  /** GET /healthz: its status and JSON body. */
  health(): Promise<{ status: number; body: Record<string, any> }>;
  /** Resolves once exactly `count` of the token owner's subscriptions listen on the server (`me { liveSubscriptions }`): a fact, not a sleep. */
  listening(token: string, count: number, ms?: number): Promise<void>;
  /** Kills the server process with SIGKILL, as a crash would; the database stays. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and database (after `kill`). */
  restart(): Promise<void>;
  /** Stops the server and deletes its database. */
  stop(): Promise<void>;
}

/** How to start a test server. */
export interface ServerOptions {
  /** A fixed port (clients that retry need the same one after a restart); default: any free port. */
  readonly port?: number;
  /** Extra environment variables for the server. */
  readonly env?: Record<string, string>;
  /** Another replica of this server: the same database (and Redis), a process and port of its own. */
  readonly replicaOf?: TestServer;
  /** A database made by the test (which drops it), instead of a new one for this server. */
  readonly database?: TestDatabase;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A command's standard input: its whole text, or (`open`) text written with the pipe left open. */
export type StdinInput = string | Uint8Array | { readonly open: string };

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: StdinInput): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    // A command that exits before reading all of it closes the pipe: not the test's error.
    child.stdin?.on('error', () => undefined);
    if (typeof input === 'string' || input instanceof Uint8Array) child.stdin?.end(input);
    else if (input !== undefined) {
      child.stdin?.write(input.open); // and left open: only the command's own limit ends the read
      // A command that would read on for ever is killed (its test then fails on the exit), not left behind.
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('close', () => clearTimeout(guard));
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
}

/** Extra Node options for every server the tests start (`OSCAR_SERVER_NODE_ARGS`, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile one). */
const NODE_ARGS = (process.env.OSCAR_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * Starts `server/main.ts` as `npm start` would, on a free port and a new database of the tests' backend
 * (see BACKEND), or as another replica of `options.replicaOf`.
 */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'oscar-test-'));
  const shared = options.replicaOf ? { url: options.replicaOf.databaseUrl, env: options.replicaOf.databaseEnv } : options.database;
  const database: TestDatabase = shared ? { url: shared.url, env: shared.env, drop: async () => undefined } : await newDatabase(dir);
  const databaseUrl = database.url;
  const env = {
    ...process.env,
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    ...database.env,
    ...options.env,
  };
  const launch = () => spawn(process.execPath, [...NODE_ARGS, '--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const capture = (child: ChildProcess) => {
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    return child;
  };
  let child = capture(launch());
  const port = await waitForListening(child);
  env.PORT = String(port);
  const url = `http://127.0.0.1:${port}/graphql`;
  const wsUrl = `ws://127.0.0.1:${port}/graphql`;
  const server: TestServer = {
    url,
    wsUrl,
    databaseUrl,
    databaseEnv: database.env,
    dir,
    cli: (...args) => run(process.execPath, [join(ROOT, 'bin/oscar.mjs'), ...args], env),
    cliWithInput: (input, ...args) => run(process.execPath, [join(ROOT, 'bin/oscar.mjs'), ...args], env, input),
    async token(email) {
      const result = await server.cli('token', 'create', '--email', email);
      if (result.code !== 0) throw new Error(`token create failed: ${result.stderr}`);
      return result.stdout.trim().split('\n').at(-1) ?? '';
    },
    async gql(query, variables = {}, token = null) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
    ws: (token) =>
      createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
      }),
    logs: () => output,
    pid: () => child.pid!,
    async health() {
      const response = await fetch(url.replace('/graphql', '/healthz'));
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    },
    async listening(token, count, ms = 10_000) {
      await waitUntil(async () => (await server.gql('{ me { liveSubscriptions } }', {}, token)).data?.me.liveSubscriptions === count, ms);
    },
    async kill() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      child = capture(launch());
      await waitForListening(child);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await database.drop();
    },
  };
  return server;
}

/** Collects the events of a graphql-ws subscription until `stop()` is called. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown>) {
  const events: T[] = [];
  const errors: unknown[] = [];
  let done = false;
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.data) events.push(value.data as T);
        if (value.errors) errors.push(...value.errors);
      },
      error: (error) => errors.push(error),
      complete: () => (done = true),
    },
  );
  return { events, errors, isDone: () => done, stop: unsubscribe };
}

/** A process's resident memory in bytes (Linux). */
export function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** A bare graphql-transport-ws socket, signed in with `token`, to send what no well-behaved client would. */
export async function rawSocket(server: TestServer, token: string, url = server.wsUrl) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await waitFor(() => messages.some((m) => m.type === 'connection_ack'), 10_000);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { socket, messages, closed };
}

/** Polls `predicate` until it holds or `ms` pass. */
export async function waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls an asynchronous `predicate` until it holds or `ms` pass. */
export async function waitUntil(predicate: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A Redis server of a test's own (to stop and restart it without disturbing other tests). */
export interface TestRedis {
  readonly url: string;
  /** Kills it with SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: Redis keeps nothing here). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free loopback port, without persistence; resolves once it answers PING. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = started;
    await waitUntil(() => redisAnswers(port), 10_000);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await launch();
  return { url: `redis://127.0.0.1:${port}`, kill, restart: launch, stop: kill };
}

/** Whether a Redis server answers PING on `port`. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
