/**
 * `npx tsx scripts/bench/final-step.ts`: what the pruners' final-step aggregate costs
 * (server/pruners/decide.ts, `furthestCompletedStep`: the furthest step a COMPLETED trial reported,
 * read when `asha` records a rung value and when any pruner would stop a trial), on an experiment with
 * 10,000 and then 100,000 completed trials, on SQLite (a temporary file) and on PostgreSQL
 * (`--postgresql URL`, a server database the script creates and drops; default the local one,
 * `--no-postgresql` to skip it). Prints the median and 95th percentile of 60 calls each, after the
 * database has analysed the table. `--index` first replaces the index on (experimentId, state) with one
 * on (experimentId, state, lastStep), to see what such an index would buy.
 *
 * usage: tsx scripts/bench/final-step.ts [--sizes 10000,100000] [--postgresql URL] [--no-postgresql] [--index]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { applyMigrations } from '../../server/db/migrate.ts';
import { furthestCompletedStep } from '../../server/pruners/decide.ts';
import { openDatabase, type Transaction } from '../../server/runtime/database.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    postgresql: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    'no-postgresql': { type: 'boolean', default: false },
    index: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const CALLS = 60;

async function measure(label: string, url: string): Promise<void> {
  await applyMigrations(url);
  const database = await openDatabase(url);
  try {
    const { db } = database;
    if (values.index) {
      await db.$executeRawUnsafe('DROP INDEX "Trial_experimentId_state_idx"');
      await db.$executeRawUnsafe('CREATE INDEX "Trial_experimentId_state_lastStep_idx" ON "Trial"("experimentId", "state", "lastStep")');
    }
    const user = await db.user.create({ data: { email: `final-step-${Date.now()}@example.com` } });
    const experiment = await db.experiment.create({ data: { ownerId: user.id, name: 'final step', parameters: {}, seed: 1 } });
    let stored = 0;
    for (const size of SIZES) {
      for (; stored < size; stored += 1000) {
        await db.trial.createMany({
          data: Array.from({ length: Math.min(1000, size - stored) }, (_, i) => ({
            experimentId: experiment.id,
            number: stored + i + 1,
            state: 'COMPLETED',
            params: {},
            loss: 1,
            optimizer: 'random',
            lastStep: 40 + ((stored + i) % 11),
          })),
        });
      }
      await db.$executeRawUnsafe('ANALYZE');
      const times: number[] = [];
      for (let call = 0; call < CALLS; call++) {
        const start = performance.now();
        await furthestCompletedStep(db as unknown as Transaction, experiment.id);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(CALLS - 1, Math.floor(q * CALLS))]!.toFixed(1);
      console.log(`${label}${values.index ? ' (with the index)' : ''}, ${size.toLocaleString('en')} completed trials: median ${at(0.5)} ms, p95 ${at(0.95)} ms`);
    }
  } finally {
    await database.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'oscar-final-step-'));
try {
  await measure('SQLite', `file:${join(dir, 'bench.db')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (!values['no-postgresql']) {
  const name = `oscar_final_step_${process.pid}`;
  const admin = new pg.Client({ connectionString: values.postgresql });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(values.postgresql);
    url.pathname = `/${name}`;
    await measure('PostgreSQL', url.toString());
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}
