// Run by `npm install` / `npm ci`: generates the Prisma clients (SQLite, PostgreSQL) and Pothos types, then builds the
// TypeScript client and the dashboard when their build tools are installed (they are dev dependencies).
// Generation needs no schema engine, so the Prisma CLI is pointed at a stand-in to skip its download,
// which cannot reach the Prisma binaries host on offline machines.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// `npx oscar ...` in this folder makes npm "install" the project into its npx cache (a link back
// here) and run this script: nothing may be regenerated or rebuilt under a running server.
if (process.env.npm_command === 'exec') process.exit(0);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
// One client per provider, from one schema source (see scripts/postgresql-schema.mjs).
run('npx', ['prisma', 'generate', '--schema', 'prisma/schema.prisma'], { env });
const { writePostgresqlSchema } = await import('./postgresql-schema.mjs');
run('npx', ['prisma', 'generate', '--schema', writePostgresqlSchema()], { env });
// The TypeScript client's dist/ (not committed), so that `npm install ./clients/ts` works from a clone.
if (existsSync('node_modules/typescript')) run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'clients/ts/tsconfig.json']);
if (existsSync('node_modules/vite')) run('npm', ['run', 'build', '--silent']);
