// Derives prisma/postgresql/schema.prisma from prisma/schema.prisma (the one source of the data model):
// the same models for the PostgreSQL provider, with the client generated beside the SQLite one.
// Run by `npm install` (scripts/generate.mjs) and by the migration tools; the result is not committed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));
/** Where the derived schema is written; its migrations live beside it in migrations/. */
export const POSTGRESQL_SCHEMA = fileURLToPath(new URL('../prisma/postgresql/schema.prisma', import.meta.url));

/** The PostgreSQL schema text for a SQLite schema text. */
export function postgresqlSchema(text) {
  const derived = text
    .replace(/(datasource\s+\w+\s*\{[^}]*provider\s*=\s*)"sqlite"/, '$1"postgresql"')
    .replace(/(generator\s+client\s*\{[^}]*output\s*=\s*)"\.\.\/server\/generated\/prisma"/, '$1"../../server/generated/prisma-postgresql"')
    // The Pothos types describe the models once; the SQLite generation writes them.
    .replace(/generator\s+pothos\s*\{[^}]*\}\n*/, '');
  if (!derived.includes('"postgresql"') || !derived.includes('prisma-postgresql')) {
    throw new Error('prisma/schema.prisma: cannot derive the PostgreSQL schema (datasource or client generator not as expected)');
  }
  return `// Derived from prisma/schema.prisma by scripts/postgresql-schema.mjs: edit that file, not this one.\n${derived}`;
}

/** Writes the derived schema; returns its path. */
export function writePostgresqlSchema() {
  mkdirSync(fileURLToPath(new URL('../prisma/postgresql/', import.meta.url)), { recursive: true });
  writeFileSync(POSTGRESQL_SCHEMA, postgresqlSchema(readFileSync(source, 'utf8')));
  return POSTGRESQL_SCHEMA;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writePostgresqlSchema();
