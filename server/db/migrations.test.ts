import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../generated/prisma/client.ts';
import { newPostgresqlDatabase, type TestDatabase } from '../../tests/harness.ts';
import { applyMigrations, MIGRATIONS_DIR, migrationDrift, POSTGRESQL_MIGRATIONS_DIR, POSTGRESQL_SCHEMA_PATH, SCHEMA_PATH } from './migrate.ts';

let tmp: string;
let migrationNames: string[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'oscar-migrations-'));
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  migrationNames = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const dbUrl = (name: string) => `file:${path.join(tmp, name, 'nested', 'oscar.db')}`;

describe('committed migrations', { timeout: 30_000 }, () => {
  it('exist, with the SQLite lockfile', async () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    expect(await readFile(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toMatch(/^provider = "sqlite"$/m);
  });

  it('create on a fresh database the tables the generated client needs', async () => {
    const url = dbUrl('fresh');
    expect(await applyMigrations(url)).toEqual(migrationNames);
    // The folders it had to create are readable by their owner only (password hashes are in the file).
    expect((await stat(path.join(tmp, 'fresh', 'nested'))).mode & 0o777).toBe(0o700);

    const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }) });
    try {
      const created = await prisma.user.create({ data: { email: 'ada@example.com' } });
      const read = await prisma.user.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
      expect(read).toEqual(created);
      expect(read.createdAt).toBeInstanceOf(Date);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('apply once: a second run is a no-op, bookkept like prisma migrate deploy', async () => {
    const url = dbUrl('twice');
    expect(await applyMigrations(url)).toEqual(migrationNames);
    expect(await applyMigrations(url)).toEqual([]);

    const db = new Database(url.slice('file:'.length), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name')
        .all() as { migration_name: string; checksum: string; finished_at: string | null; rolled_back_at: string | null }[];
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
      for (const row of rows) {
        const sql = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
      }
    } finally {
      db.close();
    }
  });

  it('apply once when started concurrently', async () => {
    const url = dbUrl('concurrent');
    const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
    expect(results.flat().sort()).toEqual(migrationNames);
  });
});

describe('schema drift', { timeout: 30_000 }, () => {
  it('is empty: prisma/schema.prisma matches the committed migrations (else run npm run db:migration -- <name>)', async () => {
    expect(await migrationDrift()).toBe('');
  });

  it('is detected when the schema changes without a migration', async () => {
    const schema = await readFile(SCHEMA_PATH, 'utf8');
    const changed = schema.replace(/(model User \{\n)/, '$1  nickname String?\n');
    expect(changed).not.toBe(schema);
    const copy = path.join(tmp, 'schema.prisma');
    await writeFile(copy, changed);

    const drift = await migrationDrift({ schemaPath: copy });
    expect(drift).toContain('"nickname" TEXT');
  });
});

describe('PostgreSQL migrations', { timeout: 60_000 }, () => {
  let scratch: TestDatabase;
  let target: TestDatabase;
  beforeAll(async () => {
    scratch = await newPostgresqlDatabase({ redis: false });
    target = await newPostgresqlDatabase({ redis: false });
  });
  afterAll(async () => {
    await scratch?.drop();
    await target?.drop();
  });

  it('have no drift: prisma/postgresql/schema.prisma (derived from the one schema) matches its committed migrations', async () => {
    expect(await readFile(path.join(POSTGRESQL_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toMatch(/^provider = "postgresql"$/m);
    expect(await migrationDrift({ schemaPath: POSTGRESQL_SCHEMA_PATH, scratchDatabaseUrl: scratch.url })).toBe('');
  });

  it('detect drift when the schema changes without a migration', async () => {
    const schema = await readFile(POSTGRESQL_SCHEMA_PATH, 'utf8');
    const changed = schema.replace(/(model User \{\n)/, '$1  nickname String?\n');
    expect(changed).not.toBe(schema);
    const copy = path.join(tmp, 'postgresql-schema.prisma');
    await writeFile(copy, changed);
    expect(await migrationDrift({ schemaPath: copy, scratchDatabaseUrl: scratch.url, migrationsDir: POSTGRESQL_MIGRATIONS_DIR })).toContain('"nickname" TEXT');
  });

  it('apply once on a fresh database, and not again', async () => {
    const names = (await readdir(POSTGRESQL_MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(await applyMigrations(target.url)).toEqual(names);
    expect(await applyMigrations(target.url)).toEqual([]);
  });
});
