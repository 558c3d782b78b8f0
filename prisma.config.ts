import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL ?? 'file:./data/oscar.db';
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
