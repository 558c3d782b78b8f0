import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

/** As server/config.ts: the project's data/oscar.db unless DATABASE_URL says otherwise. */
const url = process.env.DATABASE_URL || `file:${fileURLToPath(new URL('./data/oscar.db', import.meta.url))}`;
const postgresql = /^postgres(ql)?:\/\//.test(url);

/**
 * Prisma CLI configuration: the SQLite schema and migrations in prisma/, or, when DATABASE_URL names a
 * PostgreSQL database, the derived PostgreSQL schema and its migrations in prisma/postgresql/ (so
 * `prisma migrate deploy` works on either).
 */
export default defineConfig({
  schema: postgresql ? 'prisma/postgresql/schema.prisma' : 'prisma/schema.prisma',
  migrations: { path: postgresql ? 'prisma/postgresql/migrations' : 'prisma/migrations' },
  datasource: { url },
});
