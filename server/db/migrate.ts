import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { MigrationDirectory, MigrationList } from '@prisma/schema-engine-wasm';
import {
  NO_FILTERS,
  type DatabaseProvider,
  type EngineLogger,
  providerForUrl,
  sqliteFilePath,
  withSchemaEngine,
} from './schema-engine.ts';

const prismaDir = fileURLToPath(new URL('../../prisma/', import.meta.url));

/** The committed Prisma schema, the one source of truth for the data model (SQLite). */
export const SCHEMA_PATH = path.join(prismaDir, 'schema.prisma');

/** The committed SQLite migrations, generated from {@link SCHEMA_PATH} by `npm run db:migration`. */
export const MIGRATIONS_DIR = path.join(prismaDir, 'migrations');

/** The same models for PostgreSQL, derived from {@link SCHEMA_PATH} at install (scripts/postgresql-schema.mjs). */
export const POSTGRESQL_SCHEMA_PATH = path.join(prismaDir, 'postgresql', 'schema.prisma');

/** The committed PostgreSQL migrations, generated from {@link POSTGRESQL_SCHEMA_PATH} by `npm run db:migration`. */
export const POSTGRESQL_MIGRATIONS_DIR = path.join(prismaDir, 'postgresql', 'migrations');

/** The schema and migrations of a provider. */
export function migrationSource(provider: DatabaseProvider): { readonly schemaPath: string; readonly migrationsDir: string } {
  return provider === 'sqlite'
    ? { schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR }
    : { schemaPath: POSTGRESQL_SCHEMA_PATH, migrationsDir: POSTGRESQL_MIGRATIONS_DIR };
}

/** Name of the lockfile recording the migrations' provider, as the Prisma CLI writes it. */
export const LOCKFILE_NAME = 'migration_lock.toml';

/** Options shared by {@link applyMigrations} and {@link migrationDrift}. */
export interface MigrationOptions {
  /** Migrations directory; defaults to {@link MIGRATIONS_DIR}. */
  migrationsDir?: string;
  /** Prisma schema file; defaults to {@link SCHEMA_PATH}. */
  schemaPath?: string;
  /** Receives the schema engine's log records. */
  log?: EngineLogger;
}

/** Options for {@link applyMigrations}. */
export interface ApplyMigrationsOptions extends MigrationOptions {
  /** How long to wait for another process migrating the same SQLite file (default 60 000 ms). */
  lockTimeoutMs?: number;
}

/**
 * Reads a migrations directory into the engine's input, exactly as the Prisma CLI does: every
 * subdirectory is a migration (sorted by name) whose script is `migration.sql`.
 */
export async function readMigrationsList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lockContent = await readFile(path.join(baseDir, LOCKFILE_NAME), 'utf8').catch(() => null);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const file = 'migration.sql';
    const content = await readFile(path.join(baseDir, entry.name, file), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (error: Error) => ({ tag: 'error' as const, value: error.message }),
    );
    migrationDirectories.push({ path: entry.name, migrationFile: { path: file, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir,
    lockfile: { path: LOCKFILE_NAME, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

const inProcess = new Map<string, Promise<unknown>>();

/** Takes the SQLite write lock on `lock` without blocking the event loop, polling until `deadline`. */
async function acquire(lock: Database.Database, deadline: number): Promise<boolean> {
  for (;;) {
    try {
      lock.exec('BEGIN EXCLUSIVE');
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Holds an exclusive cross-process lock for `dbFile` while `fn` runs: a SQLite write transaction on a
 * sibling `<db>-migrate-lock` file, which the OS drops if the holder dies (it never goes stale). Calls
 * in one process queue up first. PostgreSQL needs none: the engine takes an advisory lock itself.
 */
async function withFileLock<T>(dbFile: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const previous = inProcess.get(dbFile) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    const lock = new Database(`${dbFile}-migrate-lock`, { timeout: 0 });
    try {
      if (!(await acquire(lock, deadline))) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for another process to finish migrating ${dbFile}`);
      }
      return await fn();
    } finally {
      lock.close();
    }
  });
  inProcess.set(dbFile, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(dbFile) === run) inProcess.delete(dbFile);
  }
}

/**
 * True when every committed migration is recorded as finished, with the same checksum, in the SQLite
 * file's `_prisma_migrations` table. A plain read: it takes no write lock, so a CLI call beside a busy
 * server neither waits nor starts the schema engine.
 */
function sqliteIsUpToDate(file: string, migrationsList: MigrationList): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db
      .prepare('SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')
      .all() as { migration_name: string; checksum: string }[];
    return allApplied(rows, migrationsList);
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/** Whether every committed migration is recorded as finished, with the same checksum, in these rows of `_prisma_migrations`. */
function allApplied(rows: readonly { migration_name: string; checksum: string }[], migrationsList: MigrationList): boolean {
  const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
  return migrationsList.migrationDirectories.every(
    (dir) =>
      dir.migrationFile.content.tag === 'ok' &&
      applied.get(dir.path) === createHash('sha256').update(dir.migrationFile.content.value).digest('hex'),
  );
}

/**
 * The same check on PostgreSQL, with one plain query: a CLI call or a replica starting beside running
 * servers does not start the schema engine (seconds) when there is nothing to apply.
 */
async function postgresqlIsUpToDate(url: string, migrationsList: MigrationList): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    return allApplied(rows, migrationsList);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Applies the committed migrations not yet applied to the database at `databaseUrl`, exactly as
 * `prisma migrate deploy` does (same engine call, `_prisma_migrations` table and checksums), and
 * returns the names of those applied (empty when up to date). Creates a SQLite file's directory.
 * Safe at every start and from concurrent processes: they are serialised, the later ones apply nothing.
 */
export async function applyMigrations(databaseUrl: string, options: ApplyMigrationsOptions = {}): Promise<string[]> {
  const source = migrationSource(providerForUrl(databaseUrl));
  const migrationsList = await readMigrationsList(options.migrationsDir ?? source.migrationsDir);
  const run = () =>
    withSchemaEngine(
      { url: databaseUrl, schemaPath: options.schemaPath ?? source.schemaPath, log: options.log },
      async (engine) => (await engine.applyMigrations({ migrationsList, filters: NO_FILTERS })).appliedMigrationNames,
    );
  if (providerForUrl(databaseUrl) !== 'sqlite') return (await postgresqlIsUpToDate(databaseUrl, migrationsList)) ? [] : run();
  const file = sqliteFilePath(databaseUrl);
  if (file === ':memory:') return run();
  if (sqliteIsUpToDate(file, migrationsList)) return [];
  // Folders it creates are its owner's alone: the file holds password hashes and every experiment.
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  return withFileLock(file, options.lockTimeoutMs ?? 60_000, run);
}

/** Reads the `provider` of the `datasource` block of a Prisma schema. */
export async function schemaProvider(schemaPath: string = SCHEMA_PATH): Promise<DatabaseProvider> {
  const text = await readFile(schemaPath, 'utf8');
  const provider = /datasource\s+\w+\s*\{[^}]*?\bprovider\s*=\s*"([^"]+)"/.exec(text)?.[1];
  if (provider !== 'sqlite' && provider !== 'postgresql') {
    throw new Error(`${schemaPath}: unsupported datasource provider ${JSON.stringify(provider)}`);
  }
  return provider;
}

/** Options for {@link migrationDrift}. */
export interface DriftOptions extends MigrationOptions {
  /**
   * Database the engine may build its scratch (shadow) database with. Defaults to an in-memory SQLite
   * database for a SQLite schema; required for PostgreSQL (`SHADOW_DATABASE_URL` is used if set).
   */
  scratchDatabaseUrl?: string;
}

/**
 * SQL script that would take a database built from the migrations directory to the Prisma schema, as
 * generated by Prisma's engine (`migrate diff --from-migrations --to-schema --script`). Returns an
 * empty string when the migrations are in sync with the schema.
 */
export async function migrationDrift(options: DriftOptions = {}): Promise<string> {
  const schemaPath = path.resolve(options.schemaPath ?? SCHEMA_PATH);
  const provider = await schemaProvider(schemaPath);
  const url = options.scratchDatabaseUrl ?? (provider === 'sqlite' ? ':memory:' : process.env['SHADOW_DATABASE_URL']);
  if (!url) throw new Error('migrationDrift: a PostgreSQL schema needs scratchDatabaseUrl or SHADOW_DATABASE_URL');
  const migrationsList = await readMigrationsList(options.migrationsDir ?? migrationSource(provider).migrationsDir);
  const content = await readFile(schemaPath, 'utf8');
  const result = await withSchemaEngine({ url, schemaPath, log: options.log }, (engine) =>
    engine.diff({
      from: migrationsList.migrationDirectories.length ? { tag: 'migrations', ...migrationsList } : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content }] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    }),
  );
  return result.exitCode === 2 ? (result.stdout ?? '') : '';
}
