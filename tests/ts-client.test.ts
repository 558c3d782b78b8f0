// The TypeScript client (clients/ts) against a real server: the Get Started example as a user installs
// it, retries (a lost answer, a restart, busy and rate-limited answers), automatic heartbeats, watch,
// checkpoints, errors, and the helpers. The browser side is in tests/browser/ts-client.test.ts.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../codegen.ts';
import { BUDGET_SPENT, Oscar, OscarError, type Job } from '../clients/ts/src/index.ts';
import { startGraphqlProxy } from './graphql-proxy.ts';
import { ROOT, startServer, waitFor, waitUntil, type TestServer } from './harness.ts';

const exec = promisify(execFile);
const CLIENT = join(ROOT, 'clients/ts');

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A trial as the server reports it. */
interface StoredTrial {
  id: string;
  number: number;
  state: string;
  loss: number | null;
  error: string | null;
  params: Record<string, number>;
  worker: string;
  heartbeatAt: string | null;
  leaseExpiresAt: string | null;
  retryOf: { id: string } | null;
  checkpoint: Record<string, unknown> | null;
}

async function storedTrials(token: string, name: string): Promise<StoredTrial[]> {
  const result = await server.gql(
    `query ($name: String!) { experiment(name: $name) { trials(first: 500) { edges { node {
       id number state loss error params worker heartbeatAt leaseExpiresAt retryOf { id } checkpoint } } } } }`,
    { name },
    token,
  );
  return (result.data?.experiment?.trials.edges ?? []).map((edge: { node: StoredTrial }) => edge.node);
}

async function storedTrial(token: string, name: string, id: string): Promise<StoredTrial> {
  const trial = (await storedTrials(token, name)).find((t) => t.id === id);
  if (!trial) throw new Error(`no trial ${id} in ${name}`);
  return trial;
}

/** Warnings a client logged (retries, failed heartbeats), to wait for instead of sleeping. */
function recorder() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => warnings.push(message) } };
}

/** The answer-losing proxy (tests/graphql-proxy.ts) in front of this file's server. */
function startProxy(decide: Parameters<typeof startGraphqlProxy>[1]) {
  return startGraphqlProxy(server.url, decide);
}

/** A proxy that lets the server do the first `field(...)` operation and loses its answer; everything else goes through. */
function losingFirstAnswerTo(field: string) {
  let lost = false;
  return startProxy((body) => {
    if (body.query.includes(`${field}(`) && !lost) {
      lost = true;
      return 'drop-answer';
    }
    return 'forward';
  });
}

describe('the TypeScript client', () => {
  it('runs the Get Started example as a user installs it (npm pack, npm install --prefer-offline), with typed parameters', async () => {
    const token = await server.token('ts-get-started@example.com');
    const work = mkdtempSync(join(tmpdir(), 'oscar-ts-'));
    // Packed from a copy (inside the project, so its build tools resolve): `npm pack` builds dist/ there,
    // leaving clients/ts/dist to the install that built it, and runs alone when two test projects run at once.
    const copy = join(ROOT, '.tmp', `ts-client-${process.pid}-${Date.now()}`);
    try {
      mkdirSync(copy, { recursive: true });
      for (const entry of ['package.json', 'tsconfig.json', 'README.md', 'src']) cpSync(join(CLIENT, entry), join(copy, entry), { recursive: true });
      await exec('npm', ['pack', '--silent', '--pack-destination', work], { cwd: copy });
      const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
      expect(tarball).toMatch(/^oscar-client-\d+\.\d+\.\d+\.tgz$/);

      const project = join(work, 'project');
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-experiments', private: true, type: 'module' }));
      await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)], { cwd: project });

      const example = readFileSync(join(CLIENT, 'examples/get-started.mjs'), 'utf8');
      expect(example).toContain("new Oscar('API_ACCESS_TOKEN')");
      writeFileSync(join(project, 'square.mjs'), example.replace('API_ACCESS_TOKEN', token));
      // It exits by itself: heartbeat timers do not hold the process.
      const { stdout } = await exec(process.execPath, ['square.mjs'], { cwd: project, env: { ...process.env, OSCAR_URL: server.url }, timeout: 60_000 });
      const printed = stdout.trim().split('\n');
      expect(printed).toHaveLength(10);
      for (const line of printed) expect(line).toMatch(/^\{ x: -?\d+(\.\d+)?(e-?\d+)? \}$/);
      const trials = await storedTrials(token, 'Square');
      expect(trials).toHaveLength(10);
      for (const trial of trials) {
        expect(trial.state).toBe('COMPLETED');
        expect(trial.loss).toBeCloseTo(trial.params.x! ** 2, 9);
      }

      // Its declarations stand alone (no skipLibCheck) and type the parameters from the experiment.
      writeFileSync(
        join(project, 'typed.ts'),
        `import { Oscar, OscarError, type Job, type Trial } from 'oscar-client';
const scientist = new Oscar('token', { url: 'http://127.0.0.1:1/graphql', maxWait: 0 });
export async function main(): Promise<Trial | null> {
  const job = await scientist.suggest({ name: 'T', parameters: { x: { min: 0, max: 1 }, activation: ['relu', 'tanh'], epochs: 10 }, lease_seconds: 60 });
  const x: number = job.params.x;
  const activation: 'relu' | 'tanh' = job.params.activation;
  const epochs: 10 = job.params.epochs;
  // @ts-expect-error: no such parameter
  job.params.y;
  // @ts-expect-error: a loss is a number
  await scientist.update(job, { loss: 'low' });
  await scientist.update(job, { loss: x * epochs, accuracy: activation === 'relu' ? 0.9 : 0.8 });
  const kept: Job<{ readonly x: number }> | null = null;
  void kept;
  for await (const trial of scientist.watch('T')) if (trial.state === 'COMPLETED') break;
  try { await scientist.checkpoint(job, { epoch: 3 }); } catch (error) { if (error instanceof OscarError && error.code === 'CONFLICT') return null; }
  return scientist.best('T');
}
`,
      );
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', lib: ['es2022', 'dom'], types: [] }, files: ['typed.ts'] }),
      );
      const typed = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error: { stdout: string }) => error);
      expect(typed.stdout).toBe('');
    } finally {
      rmSync(copy, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);

  it('retries a suggest whose answer was lost with the same requestId, and gets the trial the server made', async () => {
    const token = await server.token('ts-retry@example.com');
    const proxy = await losingFirstAnswerTo('suggest');
    // A connection cut before the answer is sent again at once (as the server closing an idle kept-alive one would be).
    const scientist = new Oscar(token, { url: proxy.url, logger: null, worker: 'retrier' });
    try {
      const job = await scientist.suggest({ name: 'Lost answer', parameters: { x: { min: 0, max: 1 } } });
      const suggests = proxy.bodies.filter((body) => body.query.includes('suggest('));
      expect(suggests).toHaveLength(2);
      expect(suggests[1]!.variables.requestId).toBe(suggests[0]!.variables.requestId);
      expect(suggests[0]!.variables).toMatchObject({ worker: 'retrier', instance: scientist.instance });
      // The answer the client never saw was this very trial.
      expect((proxy.answers[0] as { data: { suggest: { id: string } } }).data.suggest.id).toBe(job.id);
      expect(await storedTrials(token, 'Lost answer')).toHaveLength(1);
      // The next suggest is a new request: a new requestId, a new trial.
      await scientist.update(job, { loss: 1 });
      await scientist.suggest({ name: 'Lost answer', parameters: { x: { min: 0, max: 1 } } });
      const ids = proxy.bodies.filter((body) => body.query.includes('suggest(')).map((body) => body.variables.requestId);
      expect(new Set(ids).size).toBe(2);
      expect(await storedTrials(token, 'Lost answer')).toHaveLength(2);
    } finally {
      await scientist.close();
      await proxy.close();
    }
  });

  it('retries an enqueue whose answer was lost with the same requestId: one set queued, the experiment started afresh once', async () => {
    const token = await server.token('ts-enqueue-retry@example.com');
    const proxy = await losingFirstAnswerTo('enqueue');
    const scientist = new Oscar(token, { url: proxy.url, logger: null });
    try {
      const queued = await scientist.enqueue({ name: 'Lost enqueue', parameters: { x: { min: 0, max: 1 } }, resume: false }, { x: 0.25 });
      const enqueues = proxy.bodies.filter((body) => body.query.includes('enqueue('));
      expect(enqueues).toHaveLength(2);
      expect(enqueues[1]!.variables.requestId).toBe(enqueues[0]!.variables.requestId);
      expect(queued).toMatchObject({ place: 1, params: { x: 0.25 } });
      const { data } = await server.gql(`{ experiment(name: "Lost enqueue") { queueLength versions { id } } }`, {}, token);
      expect(data?.experiment).toMatchObject({ queueLength: 1, versions: [{}] });
    } finally {
      await scientist.close();
      await proxy.close();
    }
  });

  it('waits for a server that restarts, follows Retry-After on DATABASE_BUSY and 429, and gives CONNECTION_ERROR once retries run out', async () => {
    const token = await server.token('ts-restart@example.com');
    const experiment = { name: 'Restarted', parameters: { x: { min: 0, max: 1 } } };
    const { warnings, logger } = recorder();
    const scientist = new Oscar(token, { url: server.url, logger });
    try {
      await server.kill();
      const pending = scientist.suggest(experiment);
      await waitFor(() => warnings.some((warning) => /ECONNREFUSED/.test(warning)), 30_000);
      await server.restart();
      const job = await pending;
      expect((await scientist.update(job, { loss: 0.5 })).state).toBe('COMPLETED');
      expect(await storedTrials(token, 'Restarted')).toHaveLength(1);
    } finally {
      await scientist.close();
    }

    const busy = { errors: [{ message: 'The database is busy; try again shortly', extensions: { code: 'DATABASE_BUSY' } }] };
    const limited = { errors: [{ message: 'Too many requests', extensions: { code: 'RATE_LIMITED' } }] };
    const proxy = await startProxy((_body, index) =>
      index === 0 ? { status: 503, headers: { 'retry-after': '2' }, body: busy } : index === 1 ? { status: 429, headers: { 'retry-after': '2' }, body: limited } : 'forward',
    );
    const patient = new Oscar(token, { url: proxy.url, logger: null });
    try {
      const started = Date.now();
      const job = await patient.suggest(experiment);
      // Two waits of Retry-After's 2 s each (without it, backoff would have waited 0.5 s and 1 s).
      expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
      expect(proxy.bodies).toHaveLength(3);
      expect(new Set(proxy.bodies.map((body) => body.variables.requestId)).size).toBe(1);
      expect((await storedTrial(token, 'Restarted', job.id)).state).toBe('RUNNING');
    } finally {
      await patient.close();
      await proxy.close();
    }

    // Retries run out, after 1 + `retries` attempts: CONNECTION_ERROR, as in the other clients, with the last answer's errors.
    const alwaysBusy = await startProxy(() => ({ status: 503, headers: { 'retry-after': '0' }, body: busy }));
    const impatient = new Oscar(token, { url: alwaysBusy.url, logger: null, retries: 2 });
    try {
      const error = await impatient.suggest(experiment).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OscarError);
      expect(error).toMatchObject({ code: 'CONNECTION_ERROR', status: 503, errors: busy.errors });
      expect(alwaysBusy.bodies).toHaveLength(3);
    } finally {
      await impatient.close();
      await alwaysBusy.close();
    }

    // A result that stays rate-limited was never stored: trial() leaves the job to its lease, not FAILED.
    const limitedUpdates = await startProxy((body) => (body.query.includes('update(') ? { status: 429, headers: { 'retry-after': '0' }, body: limited } : 'forward'));
    const overLimit = new Oscar(token, { url: limitedUpdates.url, logger: null, retries: 1 });
    try {
      let id = '';
      const error = await overLimit
        .trial(experiment, (job) => {
          id = job.id;
          return 0.25;
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONNECTION_ERROR', status: 429 });
      expect(limitedUpdates.bodies.filter((body) => body.query.includes('fail('))).toHaveLength(0);
      expect((await storedTrial(token, 'Restarted', id)).state).toBe('RUNNING');
    } finally {
      await overLimit.close();
      await limitedUpdates.close();
    }
  });

  it('keeps a long job RUNNING with automatic heartbeats, until it is reported or released', async () => {
    const token = await server.token('ts-heartbeats@example.com');
    const experiment = { name: 'Long', parameters: { x: { min: 0, max: 1 } }, lease_seconds: 2 };
    const scientist = new Oscar(token, { url: server.url, worker: 'gpu-node-3' });
    try {
      const job = await scientist.suggest(experiment);
      expect(scientist.openTrials).toEqual([job.id]);
      const firstLease = Date.parse((await storedTrial(token, 'Long', job.id)).leaseExpiresAt!);
      // Past the first lease, and renewed by heartbeats beyond it twice over.
      await waitUntil(async () => Date.parse((await storedTrial(token, 'Long', job.id)).leaseExpiresAt!) > firstLease + 4000 && Date.now() > firstLease + 500, 30_000);
      expect((await storedTrial(token, 'Long', job.id)).state).toBe('RUNNING');
      const elsewhere = new Oscar(token, { url: server.url, worker: 'elsewhere' });
      const other = await elsewhere.suggest(experiment);
      await elsewhere.update(other, { loss: 3 }); // not left to go STALE: the copy below must be of the released job
      await elsewhere.close();
      expect(other.id).not.toBe(job.id);
      expect((await storedTrial(token, 'Long', other.id)).retryOf).toBeNull();

      expect((await scientist.update(job, { loss: 1 })).state).toBe('COMPLETED');
      expect(job.reported).toBe(true);
      expect(scientist.openTrials).toEqual([]);

      // A released job is given back at once (not left to its lease): STALE, its lease cleared, while this
      // client lives on, and its parameters go to the next suggest.
      const released = await scientist.suggest(experiment);
      expect((await scientist.release(released))?.state).toBe('STALE');
      expect(scientist.openTrials).toEqual([]);
      expect(await storedTrial(token, 'Long', released.id)).toMatchObject({ state: 'STALE', leaseExpiresAt: null });
      const again = await scientist.suggest(experiment);
      expect(again.params).toEqual(released.params);
      expect((await storedTrial(token, 'Long', again.id)).retryOf).toEqual({ id: released.id });
      await scientist.update(again, { loss: 2 });
      // It never rejects (callers of the old, plain release need not await it): refused, it resolves to null.
      expect(await scientist.release('no-such-trial')).toBeNull();
    } finally {
      await scientist.close();
    }
    // A server from before `release` does not know it: the job is left to its lease, as before.
    const old = await startProxy((body) =>
      body.query.includes('release(') ? { status: 400, body: { errors: [{ message: 'Cannot query field "release" on type "Mutation".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } } : 'forward',
    );
    const older = new Oscar(token, { url: old.url, worker: 'old-server' });
    try {
      const job = await older.suggest(experiment);
      expect(await older.release(job)).toBeNull();
      expect(older.openTrials).toEqual([]);
      expect(old.bodies.filter((b) => b.query.includes('release('))).toHaveLength(1);
    } finally {
      await older.close();
      await old.close();
    }
  });

  it('watches an experiment: trials arrive as another worker reports them, and break ends the subscription', async () => {
    const token = await server.token('ts-watch@example.com');
    const experiment = { name: 'Watched', parameters: { x: { min: -1, max: 1 } } };
    const watcher = new Oscar(token, { url: server.url });
    const worker = new Oscar(token, { url: server.url, worker: 'other-worker' });
    try {
      const first = await worker.suggest(experiment);
      await worker.update(first, { loss: 1 });
      const trials = watcher.watch('Watched');
      await server.listening(token, 1);

      const reported: number[] = [];
      for (let i = 0; i < 3; i++) {
        const job = await worker.suggest(experiment);
        await worker.update(job, { loss: job.params.x! ** 2, epoch: i });
        reported.push(job.number);
      }
      const seen: { number: number; state: string; worker: string | null; loss: number | null }[] = [];
      for await (const trial of trials) {
        seen.push({ number: trial.number, state: trial.state, worker: trial.worker, loss: trial.loss });
        if (seen.filter((t) => t.state === 'COMPLETED').length === 3) break;
      }
      expect(seen.filter((t) => t.state === 'COMPLETED').map((t) => t.number)).toEqual(reported);
      expect(seen.filter((t) => t.state === 'RUNNING').map((t) => t.number)).toEqual(reported);
      expect(new Set(seen.map((t) => t.worker))).toEqual(new Set(['other-worker']));
      await server.listening(token, 0);

      const missing = await watcher.watch('No such experiment').next().catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: 'NOT_FOUND' });

      // close() ends a watch that is waiting for its next trial.
      const waiting = watcher.watch('Watched');
      await server.listening(token, 1);
      const next = waiting.next();
      await watcher.close();
      expect(await next).toEqual({ value: undefined, done: true });
      await server.listening(token, 0);
    } finally {
      await watcher.close();
      await worker.close();
    }
  });

  it('reports intermediate values, stops a trial the pruner stops, and refuses bad steps before sending', async () => {
    const token = await server.token('ts-pruning@example.com');
    const scientist = new Oscar(token, { url: server.url, worker: 'curves' });
    try {
      const experiment = { name: 'Curves', parameters: { x: { min: 0, max: 1 } }, pruner: { type: 'asha', min_step: 1, reduction: 3 } } as const;
      const stopped: [number, number, boolean][] = [];
      for (const target of [1, 2, 0.5]) {
        const job = await scientist.suggest(experiment);
        let pruned = false;
        for (let step = 0; step < 5 && !pruned; step++) {
          pruned = await scientist.report(job, step, target + 1 / (step + 1), { epoch_time: 0.1 });
          if (pruned) stopped.push([job.number, step, job.pruned]);
        }
        if (!pruned) await scientist.update(job, { loss: target });
      }
      expect(stopped).toEqual([[2, 1, true]]);
      expect(scientist.openTrials).toEqual([]); // the pruned trial's heartbeats stopped too
      const job = await scientist.suggest(experiment);
      for (const [step, value, field] of [[-1, 1, 'step'], [1.5, 1, 'step'], [1_000_000_001, 1, 'step'], [1, Number.NaN, 'value'], [1, Number.POSITIVE_INFINITY, 'value']] as const) {
        const error = await scientist.report(job, step, value).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OscarError);
        expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
      // The server's limit, checked before sending.
      await expect(scientist.report(job, 1_000_000_001, 1)).rejects.toThrow('step must be a whole number from 0 to 1000000000, got a number 1000000001');
      const trials = [];
      for await (const trial of scientist.trials('Curves')) trials.push(trial);
      expect(trials.map((t) => [t.number, t.state])).toEqual([
        [4, 'RUNNING'],
        [3, 'COMPLETED'],
        [2, 'PRUNED'],
        [1, 'COMPLETED'],
      ]);
    } finally {
      scientist.close();
    }
  });

  it('tunes several objectives under a constraint and returns the Pareto front', async () => {
    const token = await server.token('ts-pareto@example.com');
    const scientist = new Oscar(token, { url: server.url });
    try {
      const experiment = {
        name: 'Trade-off',
        parameters: { x: { min: 0, max: 1 } },
        objectives: { accuracy: 'maximize', latency_ms: 'minimize' },
        constraints: { memory_gb: { max: 16 } },
      } as const;
      for (let i = 0; i < 8; i++) {
        const job = await scientist.suggest(experiment);
        const { x } = job.params;
        await scientist.update(job, { accuracy: x, latency_ms: 10 * x * x, memory_gb: 40 * x });
      }
      const refused = await scientist.update(await scientist.suggest(experiment), { accuracy: 0.5 }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', field: 'result.latency_ms' });
      const front = await scientist.paretoFront<{ x: number }>('Trade-off');
      const all = [];
      for await (const trial of scientist.trials<{ x: number }>('Trade-off')) all.push(trial);
      const feasible = all.filter((t) => t.state === 'COMPLETED' && t.params.x * 40 <= 16);
      expect(front.map((t) => t.number)).toEqual(feasible.sort((a, b) => b.params.x - a.params.x || a.number - b.number).map((t) => t.number));
    } finally {
      scientist.close();
    }
  });

  it('carries the latest checkpoint to the trial handed back after a reboot and to the copy offered after its release', async () => {
    const token = await server.token('ts-checkpoints@example.com');
    const experiment = { name: 'Spot', parameters: { lr: { min: 1e-4, max: 1, distribution: 'log_uniform' } }, lease_seconds: 2 } as const;
    const sent: string[] = [];
    const counting: typeof fetch = (input, init) => {
      sent.push(String(init?.body));
      return fetch(input, init);
    };

    // A spot machine saves where it got to, then is preempted (its process gone: no more heartbeats).
    const before = new Oscar(token, { url: server.url, worker: 'spot-7', fetch: counting });
    const job = await before.suggest(experiment);
    expect(job.checkpoint).toBeNull();
    await before.checkpoint(job, { epoch: 1, path: 's3://bucket/run/epoch-1' });
    const record = { epoch: 2, path: 's3://bucket/run/epoch-2', metrics: { val_loss: 0.31 }, step: 12_000n };
    const saved = await before.checkpoint(job, record);
    expect(saved.state).toBe('RUNNING');
    expect(job.checkpoint).toEqual({ epoch: 2, path: 's3://bucket/run/epoch-2', metrics: { val_loss: 0.31 }, step: 12_000 });

    // Refused before anything is sent: too large, or not an object.
    const count = sent.length;
    const tooLarge = await before.checkpoint(job, { weights: 'x'.repeat(16 * 1024) }).catch((e: unknown) => e);
    expect(tooLarge).toMatchObject({ code: 'BAD_USER_INPUT', field: 'data' });
    const notObject = await before.checkpoint(job, [1, 2] as unknown as Record<string, unknown>).catch((e: unknown) => e);
    expect(notObject).toMatchObject({ code: 'BAD_USER_INPUT', field: 'data' });
    expect(sent).toHaveLength(count);
    await before.close();

    // The reboot: the same worker asks again from a new process once the server has had no heartbeat for half the lease.
    await waitUntil(async () => Date.now() - Date.parse((await storedTrial(token, 'Spot', job.id)).heartbeatAt!) > 1100, 30_000);
    const after = new Oscar(token, { url: server.url, worker: 'spot-7' });
    const resumed = await after.suggest(experiment);
    expect(resumed.id).toBe(job.id);
    expect(resumed.params).toEqual(job.params);
    expect(resumed.checkpoint).toEqual(job.checkpoint);

    // Preempted again, and released: another machine gets the parameters at once, and the checkpoint.
    await after.checkpoint(resumed, { epoch: 3, path: 's3://bucket/run/epoch-3' });
    expect((await after.release(resumed))?.state).toBe('STALE');
    const elsewhere = new Oscar(token, { url: server.url, worker: 'spot-9' });
    try {
      const copy = await elsewhere.suggest(experiment);
      expect(copy.id).not.toBe(job.id);
      expect((await storedTrial(token, 'Spot', copy.id)).retryOf).toEqual({ id: job.id });
      expect(copy.params).toEqual(job.params);
      expect(copy.checkpoint).toEqual({ epoch: 3, path: 's3://bucket/run/epoch-3' });
      await elsewhere.update(copy, { loss: 0.2 });
      // A finished trial takes no checkpoint.
      const finished = await elsewhere.checkpoint(copy, { epoch: 4 }).catch((e: unknown) => e);
      expect(finished).toMatchObject({ code: 'CONFLICT' });
      expect((await elsewhere.best('Spot'))?.checkpoint).toEqual({ epoch: 3, path: 's3://bucket/run/epoch-3' });
    } finally {
      await after.close();
      await elsewhere.close();
    }
  });

  it("reports errors with the server's code and field, and refuses bad arguments before sending them", async () => {
    const token = await server.token('ts-errors@example.com');
    const scientist = new Oscar(token, { url: server.url });
    const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('no error'), (error: unknown) => error as OscarError);
    try {
      const invalid = await failure(scientist.suggest({ name: 'Bad', parameters: { lr: { min: 0, max: 1, distribution: 'log_uniform' } } }));
      expect(invalid).toBeInstanceOf(OscarError);
      expect(invalid).toMatchObject({ name: 'OscarError', code: 'BAD_USER_INPUT', field: 'experiment.parameters.lr' });
      expect(invalid.message).toMatch(/lr/);
      expect(invalid.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');

      const unknownKey = await failure(scientist.suggest({ name: 'Bad', parameters: {}, lease: 3 } as never));
      expect(unknownKey).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.lease' });
      expect(unknownKey.message).toMatch(/unknown experiment key 'lease'.*lease_seconds/);
      expect(await failure(scientist.suggest({ name: 'Bad' } as never))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.parameters' });
      expect(await storedTrials(token, 'Bad')).toEqual([]);

      const job = await scientist.suggest({ name: 'Errors', parameters: { x: { min: 0, max: 1 } } });
      expect(await failure(scientist.update(job, { accuracy: 0.9 } as never))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'result.loss' });
      expect(await failure(scientist.update(job, { loss: Number.NaN }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'result.loss' });
      expect((await storedTrial(token, 'Errors', job.id)).state).toBe('RUNNING');
      await scientist.update(job, { loss: 0.25, per_class: new Float32Array([0.5, 0.25]) });
      expect(await scientist.update(job, { loss: 0.25, per_class: new Float32Array([0.5, 0.25]) })).toMatchObject({ state: 'COMPLETED', loss: 0.25 });
      expect(await failure(scientist.update(job, { loss: 0.5 }))).toMatchObject({ code: 'CONFLICT' });
      expect(await failure(scientist.update('no-such-trial', { loss: 1 }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await failure(scientist.best('No such experiment'))).toMatchObject({ code: 'NOT_FOUND' });

      const stranger = new Oscar('oscar_not-a-token', { url: server.url });
      expect(await failure(stranger.suggest({ name: 'Errors', parameters: {} }))).toMatchObject({ code: 'UNAUTHENTICATED' });
      await stranger.close();
      expect(() => new Oscar(token, { url: 'ftp://example.com' })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'url' }));

      // Nobody listening: a connection error, at once when retrying is off.
      const unreachable = new Oscar(token, { url: 'http://127.0.0.1:1', maxWait: 0, logger: null });
      expect(unreachable.url).toBe('http://127.0.0.1:1/graphql');
      expect(await failure(unreachable.suggest({ name: 'Errors', parameters: {} }))).toMatchObject({ code: 'CONNECTION_ERROR' });
    } finally {
      await scientist.close();
    }
    expect(await failure(scientist.best('Errors'))).toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('joins an existing experiment by its name alone, follows it into a new space, and creates nothing once it is deleted', async () => {
    const token = await server.token('ts-join@example.com');
    const owner = new Oscar(token, { url: server.url });
    const worker = new Oscar(token, { url: server.url });
    const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('no error'), (error: unknown) => error as OscarError);
    try {
      expect(await failure(worker.suggest('Shared'))).toMatchObject({ code: 'NOT_FOUND', field: 'experiment.name' });
      const first = await owner.suggest({ name: 'Shared', parameters: { x: { min: 2, max: 3 } }, algorithm: 'random', lease_seconds: 40 });
      await owner.update(first, { loss: 1 });
      const joined = await worker.suggest('Shared');
      expect(Object.keys(joined.params)).toEqual(['x']);
      expect(Number(joined.params.x)).toBeGreaterThanOrEqual(2);
      expect(joined.leaseSeconds).toBe(40);
      await worker.update(joined, { loss: 2 });
      // Started afresh in another space: the worker goes on in it.
      const restarted = await owner.suggest({ name: 'Shared', parameters: { depth: [4, 8] }, resume: false });
      await owner.update(restarted, { loss: 3 });
      const moved = await worker.suggest('Shared');
      expect(Object.keys(moved.params)).toEqual(['depth']);
      expect(moved.experimentId).toBe(restarted.experimentId);
      await worker.update(moved, { loss: 4 });
      const deleted = await server.gql(`mutation ($id: ID!) { deleteExperiment(id: $id, allVersions: true) { versions } }`, { id: moved.experimentId }, token);
      expect(deleted.data?.deleteExperiment.versions).toEqual([1, 2]);
      expect(await failure(worker.suggest('Shared'))).toMatchObject({ code: 'NOT_FOUND', field: 'experiment.name' });
      expect((await server.gql(`{ experiments { name } }`, {}, token)).data?.experiments).toEqual([]);
    } finally {
      await owner.close();
      await worker.close();
    }
  });

  it('runs jobs() on two workers until the trial budget is spent, with typed parameters', async () => {
    const token = await server.token('ts-budget@example.com');
    const experiment = { name: 'Budgeted', parameters: { x: { min: -10, max: 10 } }, max_trials: 6 } as const;
    const worker = async (name: string) => {
      const scientist = new Oscar(token, { url: server.url, worker: name });
      let ran = 0;
      try {
        for await (const job of scientist.jobs(experiment, { pollMs: 200 })) {
          const x: number = job.params.x;
          await scientist.update(job, { loss: x ** 2 });
          ran++;
        }
        const after = await scientist.suggest(experiment).catch((e: unknown) => e);
        expect(after).toMatchObject({ code: BUDGET_SPENT, field: 'experiment.maxTrials' });
      } finally {
        await scientist.close();
      }
      return ran;
    };
    const ran = await Promise.all([worker('ts-a'), worker('ts-b')]);
    expect(ran[0]! + ran[1]!).toBe(6);
    expect((await storedTrials(token, 'Budgeted')).map((t) => t.state)).toEqual(Array.from({ length: 6 }, () => 'COMPLETED'));
    const other = new Oscar(token, { url: server.url, worker: 'ts-waiter' });
    try {
      const refused = await other.suggest({ ...experiment, name: 'Bad budget', max_trials: 0 }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.maxTrials' });
      // Spent while another worker's trial runs: the loop waits, runs that trial once it is given up, then ends.
      const waiting = { name: 'Waiting', parameters: { x: { min: 0, max: 1 } }, max_trials: 2, lease_seconds: 600 } as const;
      const holder = new Oscar(token, { url: server.url, worker: 'preempted' });
      const held = await holder.suggest(waiting);
      const ran: number[] = [];
      const loop = (async () => {
        for await (const job of other.jobs(waiting, { pollMs: 200 })) {
          await other.update(job, { loss: job.params.x });
          ran.push(job.params.x);
        }
      })();
      await waitUntil(async () => (await storedTrials(token, 'Waiting')).some((t) => t.state === 'COMPLETED'), 30_000);
      expect((await holder.release(held))?.state).toBe('STALE');
      await holder.close();
      await loop;
      expect(ran).toHaveLength(2);
      expect(ran[1]).toBe(held.params.x);
    } finally {
      await other.close();
    }
  });

  it('looks after a job in trial(), finds the best trial and pages through all trials', async () => {
    const token = await server.token('ts-helpers@example.com');
    const scientist = new Oscar(token, { url: server.url });
    const experiment = { name: 'Helpers', parameters: { x: { min: -10, max: 10 }, activation: ['relu', 'tanh'] }, lease_seconds: 2 } as const;
    try {
      for (let i = 0; i < 100; i++) {
        const outcome = await scientist.trial(experiment, (job) => ({ loss: job.params.x ** 2, relu: job.params.activation === 'relu' }));
        expect(outcome?.state).toBe('COMPLETED');
      }
      // A number is the loss.
      expect((await scientist.trial(experiment, (job) => job.params.x ** 2))?.state).toBe('COMPLETED');
      // By the name alone, in the space it has.
      expect((await scientist.trial('Helpers', (job) => Number(job.params.x) ** 2))?.state).toBe('COMPLETED');
      const diverged = await scientist.trial(experiment, () => Promise.reject(new RangeError('diverged at epoch 3'))).catch((e: unknown) => e);
      expect(diverged).toBeInstanceOf(RangeError);
      let left: Job | undefined;
      expect(await scientist.trial(experiment, (job) => void (left = job))).toBeNull();
      expect(scientist.openTrials).toEqual([]);
      await waitUntil(async () => (await storedTrial(token, 'Helpers', left!.id)).state === 'STALE', 30_000);

      const trials = [];
      for await (const trial of scientist.trials('Helpers')) trials.push(trial);
      expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 104 }, (_, i) => 104 - i)); // newest first, two pages
      const completed = trials.filter((t) => t.state === 'COMPLETED');
      expect(completed).toHaveLength(102);
      expect(trials.filter((t) => t.state === 'FAILED').map((t) => t.error)).toEqual(['RangeError: diverged at epoch 3']);
      const best = await scientist.best<{ x: number; activation: string }>('Helpers');
      expect(best?.loss).toBe(Math.min(...completed.map((t) => t.loss!)));
      expect(best!.params.x ** 2).toBeCloseTo(best!.loss!, 9);
      expect(completed.find((t) => t.number === 1)!.metrics).toEqual({ relu: completed.find((t) => t.number === 1)!.params.activation === 'relu' });
    } finally {
      await scientist.close();
    }
  }, 120_000);

  it('has typed documents that match the committed SDL (run `npm run codegen` after changing either)', async () => {
    const client = Object.fromEntries(Object.entries(config.generates).filter(([output]) => output.startsWith('clients/ts/')));
    const files = await generate({ ...config, generates: client, cwd: ROOT, silent: true, errorsOnly: true }, false);
    expect(files.map((file: { filename: string }) => file.filename).sort()).toEqual(['clients/ts/src/generated/gql.ts', 'clients/ts/src/generated/graphql.ts', 'clients/ts/src/generated/index.ts']);
    for (const file of files) expect(readFileSync(join(ROOT, file.filename), 'utf8'), file.filename).toBe(file.content);
  });
});
