import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/prisma/client.ts';
import { readConfig } from './config.ts';

/** Opens a Prisma client on a database URL (`file:` is the embedded SQLite default). */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (!databaseUrl.startsWith('file:')) {
    throw new Error(`DATABASE_URL must be a SQLite "file:" URL, but got "${databaseUrl.split(':')[0]}:"`);
  }
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: databaseUrl, timeout: 10_000 }) });
}

/** The process-wide Prisma client, on DATABASE_URL. */
export const prisma = createPrismaClient(readConfig().databaseUrl);

/** Settings that make the embedded database safe under concurrent writers (WAL, busy timeout). */
export async function tuneDatabase(): Promise<void> {
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  // Every acknowledged write is on disk before the answer goes out, even if the machine loses power.
  await prisma.$queryRawUnsafe('PRAGMA synchronous = FULL');
}

/** True when the database answers a trivial query. */
export async function databaseIsReachable(): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
