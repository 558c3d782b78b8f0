import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '../server/db/migrate.ts';
import { createRuntime, type Runtime } from '../server/runtime/runtime.ts';
import { newDatabase } from './harness.ts';

/** Oscar's runtime in the test's own process, for tests that call server code directly. */
export interface TestRuntime {
  readonly runtime: Runtime;
  /** Closes the runtime and drops its database. */
  close(): Promise<void>;
}

/** A runtime on a new, migrated database of the tests' backend: SQLite, or a PostgreSQL database of its own (OSCAR_TEST_BACKEND). */
export async function startRuntime(name: string): Promise<TestRuntime> {
  const dir = mkdtempSync(join(tmpdir(), `oscar-${name}-`));
  const database = await newDatabase(dir);
  await applyMigrations(database.url);
  const runtime = await createRuntime({ databaseUrl: database.url });
  return {
    runtime,
    close: async () => {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
      await database.drop();
    },
  };
}
