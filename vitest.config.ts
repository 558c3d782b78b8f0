import { defineConfig } from 'vitest/config';

/** Unit tests sit beside their code; integration tests in tests/ start real servers. */
export default defineConfig({
  // graphql@16 has no "exports": Node loads its CommonJS entry for Pothos, so tests must use the same copy.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['server/**/*.test.ts', 'schema/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
