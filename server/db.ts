import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient, type Prisma } from './generated/prisma/client.ts';
import { readConfig } from './config.ts';
import { userError } from './errors.ts';

/**
 * How long a statement may wait, blocking, for SQLite's write lock (better-sqlite3 waits synchronously,
 * so this is also the longest the event loop can stall on it); past it, the wait goes on asynchronously.
 */
const LOCK_WAIT_MS = 25;

/** How long an operation keeps retrying while another process holds the write lock, before DATABASE_BUSY. */
export const BUSY_RETRY_MS = 10_000;

const insideTransaction = new AsyncLocalStorage<true>();

/** Whether an error says that another connection holds SQLite's lock (SQLITE_BUSY, SQLITE_LOCKED). */
function isBusy(error: unknown): boolean {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
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
        const busy = userError('DATABASE_BUSY', `The database stayed locked by another process for ${BUSY_RETRY_MS / 1000} s; retry shortly`);
        Object.assign(busy.extensions, { http: { status: 503, headers: { 'retry-after': '5' } } });
        throw busy;
      }
      await sleep(delay * (0.5 + Math.random()));
    }
  }
}

/** Opens a Prisma client on a database URL (`file:` is the embedded SQLite default), retrying operations while it is busy. */
export function createPrismaClient(databaseUrl: string) {
  if (!databaseUrl.startsWith('file:')) {
    throw new Error(`DATABASE_URL must be a SQLite "file:" URL, but got "${databaseUrl.split(':')[0]}:"`);
  }
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: databaseUrl, timeout: LOCK_WAIT_MS }) });
  return client.$extends({
    query: {
      // Inside a transaction a busy statement fails the transaction, which `transaction()` retries whole.
      $allOperations: ({ args, query }) => (insideTransaction.getStore() ? query(args) : retryWhileBusy(() => query(args))),
    },
  });
}

/** The process-wide Prisma client, on DATABASE_URL. */
export const prisma = createPrismaClient(readConfig().databaseUrl);

/** A transaction's client. */
export type Transaction = Prisma.TransactionClient;

/** Runs `fn` in an interactive transaction, retried whole (without blocking) while another process holds the write lock. */
export function transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return retryWhileBusy(() => insideTransaction.run(true, () => prisma.$transaction((tx) => fn(tx as unknown as Transaction))));
}

/** Settings that make the embedded database safe under concurrent writers (WAL, busy timeout). */
export async function tuneDatabase(): Promise<void> {
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  // Every acknowledged write is on disk before the answer goes out, even if the machine loses power.
  await prisma.$queryRawUnsafe('PRAGMA synchronous = FULL');
}

/**
 * Null when the database answers a real query (a table read: a corrupt file fails it, `SELECT 1` would
 * not) within `timeoutMs`; else what went wrong.
 */
export async function databaseProblem(timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  // Whole rows: a query that an index alone could answer would not touch the tables' own pages.
  const query = Promise.all([prisma.user.findFirst(), prisma.trial.findFirst({ select: { id: true, params: true } })]).then(
    () => null,
    (error: unknown) => `query failed: ${(error instanceof Error ? error.message : String(error)).split('\n').filter(Boolean).at(-1)?.slice(0, 200)}`,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
