/**
 * `npm run bench:load`: trials per second, and the latency of `suggest` and `update`, for K workers of
 * the Python client on one experiment of 6 continuous parameters (a sphere; the loss is computed at
 * once, so the figures are Oscar's and the client's own cost).
 *
 * Setups, each started by this script on loopback (tests/harness.ts: server/main.ts, as `npm start`):
 * - `sqlite`: one server on the embedded SQLite default;
 * - `postgresql`: one server on PostgreSQL (a new database on 127.0.0.1:5432);
 * - `replicas`: three servers on one PostgreSQL database with Redis; workers spread over them in turn.
 * For each: K = 1, 16, 64 worker threads (a process per 16 threads) on a new experiment holding 1,000
 * or 10,000 completed trials (written into the database first), with `random`, `tpe` and the default
 * (`auto`: CMA-ES past 150 trials), for 2 s of warm-up and 8 s measured; and the default's first 150
 * trials (its GP phase) from an empty experiment, against the time of one GP call in process with the
 * same history, running trials and batch (the goal: suggest p99 <= one optimizer call + 50 ms).
 * Beside them, when Debian's python3-optuna and python3-psycopg2 are there: Optuna 3.1's RDB storage
 * on the same PostgreSQL server and on an SQLite file, K processes doing ask/tell with TPE on a study
 * new and holding 1,000 trials.
 *
 * p50/p99 are nearest-rank over every call that started after the warm-up and ended in the window.
 * Prints a Markdown table and writes it to scripts/bench/results/load.md.
 *
 * usage: tsx scripts/bench/load.ts [--workers 1,16,64] [--history 1000,10000] [--optimizers random,tpe,auto]
 *          [--setups sqlite,postgresql,replicas] [--seconds 8] [--warmup 2] [--no-optuna] [--no-gp-phase]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  newPostgresqlDatabase,
  newSqliteDatabase,
  POSTGRESQL_URL,
  ROOT,
  startServer,
  type TestDatabase,
  type TestServer,
} from '../../tests/harness.ts';
import { openDatabase } from '../../server/runtime/database.ts';
import { resolveOptimizer } from '../../server/optimizer/registry.ts';
import { parseSearchSpace } from '../../server/optimizer/space.ts';
import { createRng } from '../../server/optimizer/rng.ts';
import { MAX_BATCH } from '../../server/trials/suggest-queue.ts';
import { percentile } from './common.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,16,64' },
    history: { type: 'string', default: '1000,10000' },
    optimizers: { type: 'string', default: 'random,tpe,auto' },
    setups: { type: 'string', default: 'sqlite,postgresql,replicas' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    'no-optuna': { type: 'boolean', default: false },
    'no-gp-phase': { type: 'boolean', default: false },
  },
});
const list = (text: string) => text.split(',').map((item) => item.trim()).filter(Boolean);
const WORKERS = list(values.workers).map(Number);
const HISTORIES = list(values.history).map(Number);
const OPTIMIZERS = list(values.optimizers);
const SETUPS = list(values.setups) as Setup[];
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const PYTHON = '/usr/bin/python3';
const THREADS_PER_PROCESS = 16;
/** The default optimizer's GP phase: `auto` uses the GP while fewer trials than this have completed. */
const GP_PHASE_TRIALS = 150;
/** Optuna's studies: a new one (as the issue's 17-19 trials/s were measured) and one of 1,000 trials. */
const OPTUNA_HISTORIES = [0, 1000];

type Setup = 'sqlite' | 'postgresql' | 'replicas';
const PARAMETERS = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { min: -5, max: 5 }]));
const sphere = (params: Record<string, number>) => Object.values(params).reduce((sum, v) => sum + v * v, 0);

/** What one measured run gives. */
interface Run {
  readonly results: number;
  readonly seconds: number;
  readonly suggest: number[];
  readonly update: number[];
  readonly errors: string[];
  readonly errorCount: number;
}

/** A row of the result table. */
interface Row {
  readonly system: string;
  readonly setup: string;
  readonly optimizer: string;
  readonly history: string;
  readonly workers: number;
  readonly run: Run;
  readonly note?: string;
}

const rows: Row[] = [];
/** Runs that could not be measured, shown after the table. */
const failures: string[] = [];

function ms(value: number): string {
  return Number.isNaN(value) ? 'n/a' : value < 10 ? value.toFixed(1) : value.toFixed(0);
}

function line(row: Row): string {
  const { run } = row;
  const perSecond = run.results / run.seconds;
  const errors = run.errorCount ? ` (${run.errorCount} errors: ${run.errors[0]})` : '';
  return `| ${row.system} | ${row.setup} | ${row.optimizer} | ${row.history} | ${row.workers} | ${perSecond.toFixed(perSecond < 10 ? 1 : 0)} | ${ms(percentile(run.suggest, 0.5))} | ${ms(percentile(run.suggest, 0.99))} | ${ms(percentile(run.update, 0.5))} | ${ms(percentile(run.update, 0.99))} |${row.note ?? ''}${errors}`;
}

function record(row: Row): void {
  rows.push(row);
  console.log(line(row));
}

/** Spawns a Python process that prints "ready", then waits for a line on stdin before it starts. */
function spawnReady(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; ready: Promise<void>; output: Promise<string> } {
  const child = spawn(PYTHON, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.on('close', (code) => reject(new Error(`${args[0]} exited ${code} before it was ready: ${stderr.slice(-2000)}`)));
  });
  // Both are awaited later, or not at all when an earlier process failed: never an unhandled rejection.
  ready.catch(() => undefined);
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.includes('ready\n')) onReady();
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const output = new Promise<string>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(stdout.slice(stdout.indexOf('ready\n') + 6)) : reject(new Error(`${args[0]} exited ${code}: ${stderr.slice(-2000)}`)))),
  );
  output.catch(() => undefined);
  return { child, ready, output };
}

/** Starts the processes, waits until all are ready, starts them together, and merges what they measured. */
async function runTogether(processes: ReturnType<typeof spawnReady>[]): Promise<Run> {
  await Promise.all(processes.map((p) => p.ready));
  for (const p of processes) p.child.stdin!.end('go\n');
  const runs = (await Promise.all(processes.map((p) => p.output))).map((out) => JSON.parse(out.trim().split('\n').at(-1)!) as Run);
  return {
    results: runs.reduce((sum, r) => sum + r.results, 0),
    seconds: Math.max(...runs.map((r) => r.seconds)),
    suggest: runs.flatMap((r) => r.suggest),
    update: runs.flatMap((r) => r.update),
    errors: runs.flatMap((r) => r.errors),
    errorCount: runs.reduce((sum, r) => sum + r.errorCount, 0),
  };
}

/** K worker threads of the Python client, a process per 16 threads, spread over the servers' URLs. */
function oscarWorkers(urls: string[], token: string, name: string, algorithm: string, workers: number, timing: { warmup: number; measure: number; maxTrials: number }) {
  const processes = Math.ceil(workers / THREADS_PER_PROCESS);
  const env = { ...process.env, PYTHONPATH: join(ROOT, 'clients/python') };
  return Array.from({ length: processes }, (_, p) => {
    const threads = Math.floor(workers / processes) + (p < workers % processes ? 1 : 0);
    const cap = timing.maxTrials ? Math.ceil(timing.maxTrials / processes) : 0;
    // Each process starts its threads on a different server, so the whole set is spread evenly.
    const rotated = urls.map((_, i) => urls[(i + p * threads) % urls.length]!);
    return spawnReady(
      ['scripts/bench/load_workers.py', token, name, algorithm, String(threads), String(timing.warmup), String(timing.measure), String(cap), ...rotated],
      env,
    );
  });
}

/** Creates the experiment (one suggest, its result sent) and writes `count - 1` more completed trials straight into the database. */
async function seedExperiment(server: TestServer, databaseUrl: string, token: string, name: string, algorithm: string, count: number): Promise<void> {
  const created = await server.gql(
    'mutation ($e: ExperimentInput!) { suggest(experiment: $e) { id params experiment { id } } }',
    { e: { name, parameters: PARAMETERS, algorithm } },
    token,
  );
  const first = created.data?.suggest;
  if (!first) throw new Error(`could not create ${name}: ${JSON.stringify(created.errors)}`);
  await server.gql('mutation ($id: ID!, $r: JSON!) { update(trialId: $id, result: $r) { id } }', { id: first.id, r: { loss: sphere(first.params) } }, token);
  if (count <= 1) return;
  const database = await openDatabase(databaseUrl);
  try {
    const experimentId = first.experiment.id as string;
    const { nextTrialNumber } = await database.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { nextTrialNumber: true } });
    const rng = createRng(count);
    const rowsToWrite = Array.from({ length: count - 1 }, (_, i) => {
      const params = Object.fromEntries(Object.keys(PARAMETERS).map((key) => [key, -5 + 10 * rng.uniform()]));
      return { experimentId, number: nextTrialNumber + i, state: 'COMPLETED', params, loss: sphere(params), optimizer: 'random', completedAt: new Date() };
    });
    for (let i = 0; i < rowsToWrite.length; i += 1000) await database.db.trial.createMany({ data: rowsToWrite.slice(i, i + 1000) });
    await database.db.experiment.update({ where: { id: experimentId }, data: { nextTrialNumber: nextTrialNumber + count - 1 } });
  } finally {
    await database.close();
  }
}

/** The time of one GP call in process (what a worker thread of the server does) with this history, running trials and batch. */
function gpCallMs(completedCount: number, running: number, batch: number): number {
  const space = parseSearchSpace(PARAMETERS);
  const rng = createRng(11);
  const point = () => Object.fromEntries(Object.keys(PARAMETERS).map((key) => [key, -5 + 10 * rng.uniform()]));
  const completed = Array.from({ length: completedCount }, () => {
    const params = point();
    return { params, loss: sphere(params) };
  });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    resolveOptimizer('gp').suggest({ space, completed, running: Array.from({ length: running }, () => ({ params: point() })), seed: i, count: batch });
    times.push(performance.now() - started);
  }
  return Math.max(...times);
}

/** Starts a setup's servers on a new database; returns them and how to stop them. */
async function startSetup(setup: Setup, dir: string): Promise<{ servers: TestServer[]; database: TestDatabase }> {
  const database = setup === 'sqlite' ? newSqliteDatabase(dir) : await newPostgresqlDatabase({ redis: setup === 'replicas' });
  // As in production (no development warnings); the per-user rate limit is lifted, as the load is one user's.
  const env = { NODE_ENV: 'production', OSCAR_RATE_LIMIT: '100000000' };
  const first = await startServer({ database, env });
  const others = setup === 'replicas' ? await Promise.all([1, 2].map(() => startServer({ replicaOf: first, env }))) : [];
  return { servers: [first, ...others], database };
}

async function benchSetup(setup: Setup): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oscar-load-'));
  const { servers, database } = await startSetup(setup, dir);
  const label = { sqlite: 'SQLite, 1 process', postgresql: 'PostgreSQL, 1 process', replicas: 'PostgreSQL + Redis, 3 replicas' }[setup];
  try {
    const token = await servers[0]!.token('load@example.com');
    const urls = servers.map((s) => s.url);
    let serial = 0;
    for (const history of HISTORIES) {
      for (const optimizer of OPTIMIZERS) {
        for (const workers of WORKERS) {
          const name = `load-${serial++}`;
          await seedExperiment(servers[0]!, database.url, token, name, optimizer, history);
          const run = await runTogether(oscarWorkers(urls, token, name, optimizer, workers, { warmup: WARMUP, measure: SECONDS, maxTrials: 0 }));
          record({ system: 'Oscar', setup: label, optimizer: optimizer === 'auto' ? 'default' : optimizer, history: history.toLocaleString('en'), workers, run });
        }
      }
    }
    if (!values['no-gp-phase']) {
      for (const workers of WORKERS) {
        const name = `gp-phase-${serial++}`;
        const run = await runTogether(oscarWorkers(urls, token, name, 'auto', workers, { warmup: 0, measure: 600, maxTrials: GP_PHASE_TRIALS }));
        const call = gpCallMs(GP_PHASE_TRIALS, Math.max(0, workers - 1), Math.min(workers, MAX_BATCH));
        const p99 = percentile(run.suggest, 0.99);
        record({
          system: 'Oscar',
          setup: label,
          optimizer: 'default (GP)',
          history: `0-${GP_PHASE_TRIALS}`,
          workers,
          run,
          note: ` one GP call: ${ms(call)} ms; p99 ${p99 <= call + 50 ? '<=' : '>'} call + 50 ms`,
        });
      }
    }
  } finally {
    await Promise.all(servers.slice(1).map((s) => s.stop()));
    await servers[0]!.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function optunaAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import optuna, psycopg2'], { stdio: 'ignore' }).status === 0;
}

async function benchOptuna(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oscar-load-optuna-'));
  const name = `optuna_load_${process.pid}`;
  const admin = new pg.Client({ connectionString: POSTGRESQL_URL });
  await admin.connect();
  try {
    for (const storage of ['postgresql', 'sqlite'] as const) {
      for (const history of OPTUNA_HISTORIES) for (const workers of WORKERS) {
        const database = `${name}_${history}_${workers}`;
        let url: string;
        if (storage === 'postgresql') {
          await admin.query(`CREATE DATABASE ${database}`);
          const server = new URL(POSTGRESQL_URL);
          url = `postgresql+psycopg2://${server.username || 'postgres'}@${server.host}/${database}`;
        } else {
          url = `sqlite:///${join(dir, `${database}.db`)}`;
        }
        const setup = storage === 'postgresql' ? 'PostgreSQL (RDB storage)' : 'SQLite file (RDB storage)';
        const processes: ReturnType<typeof spawnReady>[] = [];
        try {
          const seeded = spawnSync(PYTHON, ['scripts/bench/load_optuna.py', 'seed', url, 'load', String(history)], { cwd: ROOT, encoding: 'utf8' });
          if (seeded.status !== 0) throw new Error(`Optuna seed failed: ${seeded.stderr}`);
          // Started in groups: each process holds a second connection while it opens the storage.
          for (let started = 0; started < workers; started += THREADS_PER_PROCESS) {
            const group = Array.from({ length: Math.min(THREADS_PER_PROCESS, workers - started) }, () =>
              spawnReady(['scripts/bench/load_optuna.py', 'work', url, 'load', String(WARMUP), String(SECONDS)], process.env),
            );
            processes.push(...group);
            await Promise.all(group.map((p) => p.ready));
          }
          const run = await runTogether(processes);
          record({
            system: 'Optuna 3.1',
            setup,
            optimizer: 'tpe',
            history: history.toLocaleString('en'),
            workers,
            run,
            note: ` ${workers} process${workers > 1 ? 'es' : ''}`,
          });
        } catch (error) {
          // One failed run (PostgreSQL out of connections, say) is shown, and the others still run.
          for (const p of processes) p.child.kill();
          const reason = String(error instanceof Error ? error.message : error).split('\n').filter(Boolean).at(-1)?.slice(0, 200);
          failures.push(`| Optuna 3.1 | ${setup} | tpe | ${history.toLocaleString('en')} | ${workers} | failed: ${reason} |`);
          console.log(failures.at(-1));
        } finally {
          if (storage === 'postgresql') await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        }
      }
    }
  } finally {
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const header = [
  '| system | setup | optimizer | history (trials) | workers | trials/s | suggest p50 (ms) | suggest p99 (ms) | update p50 (ms) | update p99 (ms) |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
console.log(header.join('\n'));
const started = Date.now();
for (const setup of SETUPS) await benchSetup(setup);
const withOptuna = !values['no-optuna'] && optunaAvailable();
if (withOptuna) await benchOptuna();
else console.log(values['no-optuna'] ? '(Optuna skipped: --no-optuna)' : '(Optuna skipped: /usr/bin/python3 lacks optuna or psycopg2)');

const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const report = [
  '# `npm run bench:load`',
  '',
  `${new Date().toISOString().slice(0, 10)}, ${machine}; ${Math.round((Date.now() - started) / 60_000)} min. Command: \`npm run bench:load${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
  `K workers of the Python client (threads; a process per ${THREADS_PER_PROCESS}), suggest -> update with the loss computed at once, ${WARMUP} s warm-up then ${SECONDS} s measured;`,
  'the GP-phase rows run the default optimizer from an empty experiment until its first 150 results, and compare suggest p99 with one GP call in process.',
  '',
  ...header,
  ...rows.map(line),
  ...failures,
  '',
].join('\n');
mkdirSync(join(ROOT, 'scripts/bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'scripts/bench/results/load.md'), report);
console.log('\nwritten to scripts/bench/results/load.md');
