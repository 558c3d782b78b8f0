import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Integration tests that start real servers, run again on PostgreSQL with Redis (the browser tests need only one backend). */
const INTEGRATION = ['tests/*.test.ts', 'server/trials/*.test.ts'];

/**
 * Unit tests sit beside their code; integration tests in tests/ start real servers. Two projects:
 * everything on the embedded SQLite default, then the integration tests on PostgreSQL with Redis
 * (OSCAR_TEST_BACKEND, read by tests/harness.ts).
 */
export default defineConfig({
  // graphql@16 has no "exports": Node loads its CommonJS entry for Pothos, so tests must use the same copy.
  // `$lib` as SvelteKit resolves it, for the dashboard's unit tests.
  resolve: { alias: { graphql: 'graphql/index.js', $lib: fileURLToPath(new URL('web/src/lib', import.meta.url)) } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['server/**/*.test.ts', 'schema/**/*.test.ts', 'tests/**/*.test.ts', 'web/src/**/*.test.ts'],
          // Replicas share a PostgreSQL database; SQLite is one process's database.
          exclude: ['tests/replicas.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'postgresql', include: INTEGRATION, env: { OSCAR_TEST_BACKEND: 'postgresql' } },
      },
    ],
  },
});
