import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sqliteAdapter } from './sqlite-statements.ts';
import { PrismaPg } from '@prisma/adapter-pg';
import pLimit from 'p-limit';
import { PrismaClient, type Prisma } from '../generated/prisma/client.ts';
import { PrismaClient as PostgresqlClient } from '../generated/prisma-postgresql/client.ts';
import { userError } from '../errors.ts';

/** The databases Oscar runs on: embedded SQLite (one process), or PostgreSQL (any number of replicas). */
export type DatabaseProvider = 'sqlite' | 'postgresql';

/** The provider a DATABASE_URL names; throws for anything else. */
export function providerOf(url: string): DatabaseProvider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(`DATABASE_URL must be a SQLite "file:" URL or a "postgresql://" URL, but got "${url.split(':')[0]}:"`);
}

/**
 * How long a SQLite statement waits, blocking, for the write lock: not at all. better-sqlite3 would wait
 * synchronously, stalling the event loop once per waiting request; the wait happens asynchronously in
 * retryWhileBusy instead. (This process's own statements never wait on each other: it has one connection.)
 */
const SQLITE_LOCK_WAIT_MS = 0;

/** How long an operation keeps retrying while the database is busy (locked, a deadlock), before DATABASE_BUSY. */
export const BUSY_RETRY_MS = 10_000;

/** How long one experiment's lock may be held (an optimizer call included), in PostgreSQL. */
const EXPERIMENT_LOCK_HOLD_MS = 120_000;

/** PostgreSQL connections per process. */
const POSTGRESQL_POOL_SIZE = 20;

/**
 * Experiment locks held at once by one process: each keeps a connection for its transaction while its
 * work needs others, so at most half the pool goes to locks (the rest wait their turn in the process).
 */
const POSTGRESQL_LOCKS_AT_ONCE = POSTGRESQL_POOL_SIZE / 2;

const insideTransaction = new AsyncLocalStorage<true>();

/**
 * Whether an error says the database is momentarily busy: another connection holds SQLite's lock
 * (SQLITE_BUSY, SQLITE_LOCKED), a transaction could not start within Prisma's wait (P2028), or PostgreSQL chose this transaction as a deadlock or write-conflict
 * victim (Prisma's P2034). Retrying the whole operation is right for all of them.
 */
function isBusy(error: unknown): boolean {
  const known = error as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null;
  if (known?.code === 'P2034') return true;
  // A transaction that waited its turn longer than Prisma's maxWait never started: nothing of it ran.
  if (known?.code === 'P2028' && typeof known.message === 'string' && known.message.includes('Unable to start a transaction in the given time')) return true;
  const code = known?.meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '40P01' || code === '40001');
}

/**
 * Runs `operation` again while the database is busy, waiting without blocking (5 ms doubling to
 * 250 ms, jittered) for up to {@link BUSY_RETRY_MS}; then refuses with DATABASE_BUSY (HTTP 503).
 */
async function retryWhileBusy<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_RETRY_MS;
  for (let delay = 5; ; delay = Math.min(250, delay * 2)) {
    try {
      return await operation();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() + delay > deadline) {
        const busy = userError('DATABASE_BUSY', `The database stayed busy (locked by another process) for ${BUSY_RETRY_MS / 1000} s; retry shortly`);
        Object.assign(busy.extensions, { http: { status: 503, headers: { 'retry-after': '5' } } });
        throw busy;
      }
      await sleep(delay * (0.5 + Math.random()));
    }
  }
}

function extend(client: PrismaClient) {
  return client.$extends({
    query: {
      // Inside a transaction a busy statement fails the transaction, which `transaction()` retries whole.
      $allOperations: ({ args, query }) => (insideTransaction.getStore() ? query(args) : retryWhileBusy(() => query(args))),
    },
  });
}

/**
 * The Prisma client, on either provider. Both generated clients have the same models; code is written
 * against the SQLite one's types and uses nothing provider-specific.
 */
export type Db = ReturnType<typeof extend>;

/** A transaction's client. */
export type Transaction = Prisma.TransactionClient;

/** A database Oscar runs on, and what its callers need beyond the Prisma client. */
export interface Database {
  readonly provider: DatabaseProvider;
  readonly db: Db;
  /** Runs `fn` in an interactive transaction, retried whole (without blocking) while the database is busy. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` while holding the lock named `key` (an experiment's id, or `name:<owner>:<name>` while
   * creating one): after every earlier call for it in this process, and, in PostgreSQL, under a
   * transaction-scoped advisory lock, so calls from every replica take turns. `fn` reads and writes
   * through `db` as usual; each of its writes commits on its own.
   */
  withExperimentLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction, takes the lock named `key` until it ends: in PostgreSQL a transaction-scoped
   * advisory lock, so transactions of every replica that take it run one at a time; in SQLite nothing
   * (its transactions already run one at a time).
   */
  lockWithin(tx: Transaction, key: string): Promise<void>;
  /**
   * The stored size of rows, before reading them: trials (by ids, or all of an experiment's),
   * experiments or queued parameters (by ids), their JSON and text columns plus a little per row. One
   * aggregate query.
   */
  storedBytes(rows: StoredRows): Promise<number>;
  /**
   * Null when the database answers a real query within `timeoutMs` (whole rows: a query an index alone
   * could answer would not touch a table's own pages, so a corrupt file would pass); else what went wrong.
   */
  problem(timeoutMs: number): Promise<string | null>;
  close(): Promise<void>;
}

/** Which rows {@link Database.storedBytes} measures. */
export type StoredRows =
  | { readonly table: 'Trial'; readonly ids: readonly string[] }
  /** `except`: columns the caller does not read (the trial table reads summaries of checkpoints). */
  | { readonly table: 'Trial'; readonly experimentId: string; readonly except?: readonly string[] }
  | { readonly table: 'Experiment'; readonly ids: readonly string[] }
  | { readonly table: 'TrialReport'; readonly trialIds: readonly string[] }
  | { readonly table: 'QueuedParams'; readonly ids: readonly string[] };

/** Bytes counted for a row beyond its JSON and text columns (ids, numbers, dates as the API sends them). */
const ROW_OVERHEAD_BYTES = 200;

const STORED_COLUMNS = {
  Trial: ['params', 'metrics', 'error', 'worker', 'fallbackReason', 'checkpoint'],
  Experiment: ['parameters', 'description', 'optimizerState', 'name', 'notes', 'tags'],
  TrialReport: ['metrics'],
  QueuedParams: ['params'],
} as const;

/** The SQL (and its arguments) that sums the stored size of some rows, for a provider. */
export function storedBytesQuery(provider: DatabaseProvider, rows: StoredRows): { sql: string; args: string[] } {
  const text = (column: string) => (provider === 'postgresql' ? `"${column}"::text` : `"${column}"`);
  const skipped: readonly string[] = 'except' in rows ? (rows.except ?? []) : [];
  const size = (STORED_COLUMNS[rows.table] as readonly string[])
    .filter((column) => !skipped.includes(column))
    .map((column) => `COALESCE(LENGTH(${text(column)}), 0)`)
    .join(' + ');
  const placeholder = (i: number) => (provider === 'postgresql' ? `$${i + 1}` : '?');
  const within = (column: string, ids: readonly string[]) => `"${column}" IN (${ids.map((_, i) => placeholder(i)).join(', ') || 'NULL'})`;
  const args = 'ids' in rows ? [...rows.ids] : 'trialIds' in rows ? [...rows.trialIds] : [rows.experimentId];
  const where = 'ids' in rows ? within('id', rows.ids) : 'trialIds' in rows ? within('trialId', rows.trialIds) : `"experimentId" = ${placeholder(0)}`;
  return { sql: `SELECT COALESCE(SUM(${size} + ${ROW_OVERHEAD_BYTES}), 0) AS "bytes" FROM "${rows.table}" WHERE ${where}`, args };
}

/** A 64-bit advisory-lock key for a lock name (an experiment id, ...), stable across processes and versions. */
export function advisoryKey(key: string): bigint {
  return createHash('sha256').update(`oscar:experiment:${key}`).digest().readBigInt64BE(0);
}

/**
 * Opens the database at `url`: embedded SQLite (`file:`; WAL, synchronous writes, busy waits off the
 * event loop) or PostgreSQL (`postgresql://`, through Prisma's `pg` driver adapter). Migrations are
 * applied separately (server/db/migrate.ts).
 */
export async function openDatabase(url: string): Promise<Database> {
  const provider = providerOf(url);
  const client =
    provider === 'sqlite'
      ? new PrismaClient({ adapter: sqliteAdapter(url, SQLITE_LOCK_WAIT_MS) })
      : (new PostgresqlClient({ adapter: new PrismaPg({ connectionString: url, max: POSTGRESQL_POOL_SIZE }) }) as unknown as PrismaClient);
  const db = extend(client);
  if (provider === 'sqlite') {
    await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    // Every acknowledged write is on disk before the answer goes out, even if the machine loses power.
    await db.$queryRawUnsafe('PRAGMA synchronous = FULL');
  }

  const transaction = <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> =>
    retryWhileBusy(() =>
      // A transaction waits for its turn as long as a busy database is waited for (Prisma's default is
      // 2 s): one that gave up would still take its turn, only to roll back, and lengthen the queue.
      insideTransaction.run(true, () => db.$transaction((tx) => fn(tx as unknown as Transaction), { maxWait: BUSY_RETRY_MS })),
    );

  const queues = new Map<string, Promise<unknown>>();
  const inProcess = async <T>(experimentId: string, fn: () => Promise<T>): Promise<T> => {
    const previous = queues.get(experimentId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(experimentId, settled);
    try {
      return await run;
    } finally {
      if (queues.get(experimentId) === settled) queues.delete(experimentId);
    }
  };
  const lockSlots = pLimit(POSTGRESQL_LOCKS_AT_ONCE);
  const withExperimentLock = <T>(experimentId: string, fn: () => Promise<T>): Promise<T> => {
    // SQLite: one process writes the file, so its own queue is the lock.
    if (provider === 'sqlite') return inProcess(experimentId, fn);
    return inProcess(experimentId, () =>
      lockSlots(() => retryWhileBusy(() =>
        client.$transaction(
          async (tx) => {
            await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock($1)', advisoryKey(experimentId));
            return fn();
          },
          { timeout: EXPERIMENT_LOCK_HOLD_MS, maxWait: BUSY_RETRY_MS },
        ),
      )),
    );
  };

  const problem = async (timeoutMs: number): Promise<string | null> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    });
    const query = Promise.all([db.user.findFirst(), db.trial.findFirst({ select: { id: true, params: true } })]).then(
      () => null,
      (error: unknown) => `query failed: ${(error instanceof Error ? error.message : String(error)).split('\n').filter(Boolean).at(-1)?.slice(0, 200)}`,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const storedBytes = async (rows: StoredRows): Promise<number> => {
    if ('ids' in rows && rows.ids.length === 0) return 0;
    const { sql, args } = storedBytesQuery(provider, rows);
    const [row] = await db.$queryRawUnsafe<{ bytes: number | bigint | string }[]>(sql, ...args);
    return Number(row?.bytes ?? 0);
  };

  const lockWithin = async (tx: Transaction, key: string): Promise<void> => {
    if (provider === 'postgresql') await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock($1)', advisoryKey(key));
  };

  return { provider, db, transaction, withExperimentLock, lockWithin, storedBytes, problem, close: () => db.$disconnect() };
}
