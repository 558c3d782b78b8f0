import { defineConfig } from 'prisma/config';

/** Prisma CLI configuration: the schema and migrations live in prisma/. */
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/oscar.db' },
});
