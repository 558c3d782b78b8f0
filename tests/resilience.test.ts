// The server keeps serving whatever one request, one file or one other process does: heavy queries
// are bounded, heavy work runs off the event loop, a locked or corrupt database gets a clear answer,
// a vanished dashboard file is a 404, and SIGTERM stops it in time without losing what it answered.
import { cpSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/runtime/database.ts';
import { BACKEND, freePort, ROOT, startServer, waitUntil, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $loss: Float!) { update(trialId: $id, result: { loss: $loss }) { id state } }`;

/** Writes `count` completed trials with `width` parameters straight into the database (the API would take minutes). */
async function seedWide(databaseUrl: string, experimentId: string, count: number, width: number): Promise<void> {
  const database = await openDatabase(databaseUrl);
  const prisma = database.db;
  try {
    const { nextTrialNumber } = await prisma.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { nextTrialNumber: true } });
    const rows = Array.from({ length: count }, (_, i) => {
      const params = Object.fromEntries(Array.from({ length: width }, (_, p) => [`p${String(p).padStart(3, '0')}`, ((i * 7919 + p * 104729) % 1000) / 1000]));
      return {
        experimentId,
        number: nextTrialNumber + i,
        state: 'COMPLETED',
        params,
        loss: Object.values(params).reduce((a, b) => a + (b - 0.3) ** 2, 0),
        optimizer: 'random',
        completedAt: new Date(),
      };
    });
    for (let i = 0; i < rows.length; i += 1000) await prisma.trial.createMany({ data: rows.slice(i, i + 1000) });
    await prisma.experiment.update({ where: { id: experimentId }, data: { nextTrialNumber: nextTrialNumber + count } });
  } finally {
    await database.close();
  }
}

/** Writes `count` completed trials whose metrics hold `bytes` of text each (the most a result may hold is 64 KiB). */
async function seedHeavyMetrics(databaseUrl: string, experimentId: string, count: number, bytes: number): Promise<void> {
  const database = await openDatabase(databaseUrl);
  try {
    const { nextTrialNumber } = await database.db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { nextTrialNumber: true } });
    const note = 'n'.repeat(bytes);
    await database.db.trial.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        experimentId,
        number: nextTrialNumber + i,
        state: 'COMPLETED',
        params: { x: i / count },
        loss: i,
        metrics: { note },
        optimizer: 'random',
        completedAt: new Date(),
      })),
    });
    await database.db.experiment.update({ where: { id: experimentId }, data: { nextTrialNumber: nextTrialNumber + count } });
  } finally {
    await database.close();
  }
}

function wideSpace(width: number) {
  return Object.fromEntries(Array.from({ length: width }, (_, p) => [`p${String(p).padStart(3, '0')}`, { min: 0, max: 1 }]));
}

describe('heavy queries and heavy work', () => {
  let server: TestServer;
  let token: string;
  let experimentId: string;
  beforeAll(async () => {
    server = await startServer();
    token = await server.token('heavy@example.com');
    const first = await server.gql(SUGGEST, { experiment: { name: 'Wide', parameters: wideSpace(100) } }, token);
    experimentId = first.data?.suggest.experiment.id;
    await seedWide(server.databaseUrl, experimentId, 3000, 100);
  }, 120_000);
  afterAll(() => server?.stop());

  it('answers one trial table, and refuses fifteen aliased copies of it with QUERY_TOO_COMPLEX', async () => {
    const one = await server.gql(`query ($id: ID!) { experiment(id: $id) { trialTable { numbers parameters { name } } } }`, { id: experimentId }, token);
    expect(one.data?.experiment.trialTable.numbers).toHaveLength(3001);
    expect(one.data?.experiment.trialTable.parameters).toHaveLength(100);
    const aliases = Array.from({ length: 15 }, (_, i) => `t${i}: experiments { trialTable { numbers states losses parameters { name values } } }`).join(' ');
    const started = Date.now();
    const many = await server.gql(`{ ${aliases} }`, {}, token);
    expect(many.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(many.errors?.[0]?.message).toMatch(/trialTable/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await server.health()).status).toBe(200);
  }, 60_000);

  it('answers the trial table afresh after each change (the JSON text of its columns is kept between reads, never stale)', async () => {
    const TABLE = `query ($id: ID!) { experiment(id: $id) { trialTable { numbers states losses revision } } }`;
    const first = await server.gql(SUGGEST, { experiment: { name: 'Kept columns', parameters: { x: { min: 0, max: 1 } } } }, token);
    const id = first.data?.suggest.experiment.id;
    const running = (await server.gql(TABLE, { id }, token)).data?.experiment.trialTable;
    expect(running).toMatchObject({ numbers: [1], states: ['RUNNING'], losses: [null] });
    expect((await server.gql(TABLE, { id }, token)).data?.experiment.trialTable).toEqual(running);
    await server.gql(UPDATE, { id: first.data?.suggest.id, loss: 0.25 }, token);
    const second = await server.gql(SUGGEST, { experiment: { name: 'Kept columns', parameters: { x: { min: 0, max: 1 } } } }, token);
    expect(second.errors).toBeUndefined();
    const after = (await server.gql(TABLE, { id }, token)).data?.experiment.trialTable;
    expect(after).toMatchObject({ numbers: [1, 2], states: ['COMPLETED', 'RUNNING'], losses: [0.25, null] });
    expect(after.revision).toBeGreaterThan(running.revision);
  });

  it('answers a page of trials with large metrics, and refuses fifteen aliased pages of them with QUERY_TOO_COMPLEX', async () => {
    const first = await server.gql(SUGGEST, { experiment: { name: 'Heavy metrics', parameters: { x: { min: 0, max: 1 } } } }, token);
    const heavyId = first.data?.suggest.experiment.id;
    // 100 trials of 60 KB each: one page is 6 MB, fifteen of them are 90 MB, over the 64 MiB an operation may load.
    await seedHeavyMetrics(server.databaseUrl, heavyId, 100, 60_000);
    const page = `experiment(id: $id) { trials(first: 100) { edges { node { metrics } } } }`;
    const one = await server.gql(`query ($id: ID!) { ${page} }`, { id: heavyId }, token);
    expect(one.errors).toBeUndefined();
    expect(one.data?.experiment.trials.edges).toHaveLength(100);
    expect(one.data?.experiment.trials.edges[0].node.metrics.note).toHaveLength(60_000);
    const aliases = Array.from({ length: 15 }, (_, i) => `p${i}: ${page}`).join(' ');
    const started = Date.now();
    const many = await server.gql(`query ($id: ID!) { ${aliases} }`, { id: heavyId }, token);
    expect(many.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(many.errors?.[0]?.message).toMatch(/^trials: .*64 MiB/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await server.health()).status).toBe(200);
  }, 60_000);

  it("charges each trial's experiment as it is sent: a page of trials each with a large experiment is refused with QUERY_TOO_COMPLEX", async () => {
    const first = await server.gql(SUGGEST, { experiment: { name: 'Large spec', parameters: { x: { min: 0, max: 1 } } } }, token);
    const largeId = first.data?.suggest.experiment.id;
    await seedHeavyMetrics(server.databaseUrl, largeId, 100, 10);
    // A 900 KB description stands for a large parameter space (up to 1,000 long choices per parameter).
    const database = await openDatabase(server.databaseUrl);
    try {
      await database.db.experiment.update({ where: { id: largeId }, data: { description: 'd'.repeat(900_000) } });
    } finally {
      await database.close();
    }
    const page = (first: number) => `query ($id: ID!) { experiment(id: $id) { trials(first: ${first}) { edges { node { number experiment { description } } } } } }`;
    const few = await server.gql(page(10), { id: largeId }, token);
    expect(few.errors).toBeUndefined();
    expect(few.data?.experiment.trials.edges[9].node.experiment.description).toHaveLength(900_000);
    // 100 copies are 90 MB to send, over the 64 MiB an operation may load.
    const started = Date.now();
    const many = await server.gql(page(100), { id: largeId }, token);
    expect(many.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(many.errors?.[0]?.message).toMatch(/^experiment: .*64 MiB/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await server.health()).status).toBe(200);
  }, 60_000);

  it('computes parameter importance off the event loop: the health check answers quickly meanwhile', async () => {
    const latencies: number[] = [];
    let computing = true;
    const importance = server
      .gql(`query ($id: ID!) { experiment(id: $id) { insights { importance { parameter importance } } } }`, { id: experimentId }, token)
      .finally(() => (computing = false));
    while (computing) {
      const started = Date.now();
      await server.health();
      latencies.push(Date.now() - started);
    }
    const result = await importance;
    const ranked = result.data?.experiment.insights.importance as { parameter: string; importance: number }[];
    expect(ranked).toHaveLength(100);
    expect(ranked.reduce((sum, p) => sum + p.importance, 0)).toBeCloseTo(1, 6);
    // Several health checks ran while the forest grew, none of them waiting for it.
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 120_000);
});

// Another process holding SQLite's write lock, and a damaged file, are the embedded database's own troubles.
if (BACKEND === 'sqlite') describe('a locked or broken SQLite database', () => {
  it('waits for a write lock held by another process without freezing, then answers DATABASE_BUSY', async () => {
    const server = await startServer();
    try {
      const token = await server.token('locked@example.com');
      const experiment = { name: 'Locked', parameters: { x: { min: 0, max: 1 } } };
      expect((await server.gql(SUGGEST, { experiment }, token)).data?.suggest.id).toBeTruthy();
      const other = new Database(server.databaseUrl.slice('file:'.length));
      try {
        other.exec('BEGIN IMMEDIATE');
        const started = Date.now();
        const suggest = fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: SUGGEST, variables: { experiment } }),
        });
        // Meanwhile reads and the health check answer at once.
        for (let i = 0; i < 5; i++) {
          const before = Date.now();
          expect((await server.health()).status).toBe(200);
          expect((await server.gql('{ me { email } }', {}, token)).data?.me.email).toBe('locked@example.com');
          expect(Date.now() - before).toBeLessThan(2000);
        }
        const answer = await suggest;
        expect(answer.status).toBe(503);
        const body = (await answer.json()) as any;
        expect(body.errors[0].extensions.code).toBe('DATABASE_BUSY');
        expect(Date.now() - started).toBeGreaterThanOrEqual(9000);
        other.exec('ROLLBACK');
        // Once the lock is gone the same call succeeds, and nothing half-done was stored.
        expect((await server.gql(SUGGEST, { experiment }, token)).data?.suggest.id).toBeTruthy();
        const count = await server.gql(`{ experiment(name: "Locked") { trialCount } }`, {}, token);
        expect(count.data?.experiment.trialCount).toBe(2);
      } finally {
        other.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('goes on once a briefly held lock is released, and answers the call', async () => {
    const server = await startServer();
    try {
      const token = await server.token('brief@example.com');
      const experiment = { name: 'Brief', parameters: { x: { min: 0, max: 1 } } };
      await server.gql(SUGGEST, { experiment }, token);
      const other = new Database(server.databaseUrl.slice('file:'.length));
      other.exec('BEGIN IMMEDIATE');
      const suggest = server.gql(SUGGEST, { experiment }, token);
      expect((await server.health()).status).toBe(200);
      other.exec('COMMIT');
      other.close();
      expect((await suggest).data?.suggest.id).toBeTruthy();
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('reports a corrupt database file on /healthz instead of saying ok', async () => {
    const server = await startServer();
    try {
      expect((await server.cli('user', 'create', '--email', 'corrupt@example.com', '--password', 'long enough')).code).toBe(0);
      expect((await server.health()).body).toMatchObject({ status: 'ok', database: 'ok' });
      // The file is damaged while the server is down (a disk error, a bad copy): the table of users is garbage.
      await server.kill();
      const file = server.databaseUrl.slice('file:'.length);
      const db = new Database(file);
      db.pragma('wal_checkpoint(TRUNCATE)');
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const rootPage = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'User'").get() as { rootpage: number }).rootpage;
      db.close();
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (rootPage - 1) * pageSize);
      closeSync(fd);
      await server.restart();
      const { status, body } = await server.health();
      expect(status).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.database).toMatch(/query failed/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

if (BACKEND === 'postgresql') describe('a broken PostgreSQL database', () => {
  it('reports a database whose tables went missing on /healthz instead of saying ok', async () => {
    const server = await startServer();
    try {
      expect((await server.health()).body).toMatchObject({ status: 'ok', database: 'ok' });
      const client = new pg.Client({ connectionString: server.databaseUrl });
      await client.connect();
      await client.query('ALTER TABLE "Trial" RENAME TO "TrialGone"');
      await client.end();
      await waitUntil(async () => (await server.health()).status === 503, 10_000);
      expect((await server.health()).body.database).toMatch(/query failed/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('the dashboard build changing under a running server', () => {
  it('answers 404 for a file that vanished, and keeps serving', async () => {
    const build = mkdtempSync(join(tmpdir(), 'oscar-build-'));
    cpSync(join(ROOT, 'web/build'), build, { recursive: true });
    // The build is ES modules; in web/ the package.json beside it says so.
    writeFileSync(join(build, 'package.json'), '{ "type": "module" }');
    const server = await startServer({ env: { OSCAR_DASHBOARD_BUILD: build } });
    try {
      const origin = new URL(server.url).origin;
      const page = await (await fetch(`${origin}/signin`)).text();
      const asset = /\/_app\/immutable\/[^"']+\.js/.exec(page)?.[0];
      expect(asset).toBeTruthy();
      expect((await fetch(`${origin}${asset}`)).status).toBe(200);
      // A rebuild deletes the old assets (with their precompressed copies).
      for (const suffix of ['', '.br', '.gz']) rmSync(join(build, 'client', `${asset}${suffix}`), { force: true });
      for (const suffix of ['', '.br', '.gz']) rmSync(join(build, 'client', `favicon.svg${suffix}`), { force: true });
      for (const encoding of ['br', 'gzip', 'identity']) {
        expect((await fetch(`${origin}${asset}`, { headers: { 'accept-encoding': encoding } })).status).toBe(404);
      }
      expect((await fetch(`${origin}/favicon.svg`)).status).toBe(404);
      expect((await fetch(`${origin}/signin`)).status).toBe(200);
      expect((await server.health()).status).toBe(200);
    } finally {
      await server.stop();
      rmSync(build, { recursive: true, force: true });
    }
  }, 60_000);

  it('`npx oscar` beside a running server rebuilds and regenerates nothing', async () => {
    const watched = [join(ROOT, 'web/build/handler.js'), join(ROOT, 'web/build/client'), join(ROOT, 'server/generated/prisma/client.ts')];
    const before = watched.map((file) => statSync(file).mtimeMs);
    const assets = readdirSync(join(ROOT, 'web/build/client/_app/immutable'), { recursive: true }).length;
    const server = await startServer();
    const cache = mkdtempSync(join(tmpdir(), 'oscar-npx-'));
    try {
      // A fresh npx cache: npm "installs" the project into it, which once ran its postinstall (a rebuild).
      const { spawnSync } = await import('node:child_process');
      const npx = spawnSync('npx', ['--yes', 'oscar', 'token', 'create', '--email', 'npx@example.com'], {
        cwd: ROOT,
        env: { ...process.env, ...server.databaseEnv, npm_config_cache: cache, npm_config_update_notifier: 'false' },
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(npx.status, npx.stderr).toBe(0);
      expect(npx.stdout.trim().split('\n').at(-1)).toMatch(/^oscar_/);
      expect(watched.map((file) => statSync(file).mtimeMs)).toEqual(before);
      expect(readdirSync(join(ROOT, 'web/build/client/_app/immutable'), { recursive: true }).length).toBe(assets);
      expect((await fetch(`${new URL(server.url).origin}/signin`)).status).toBe(200);
    } finally {
      await server.stop();
      rmSync(cache, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('SIGTERM while busy', () => {
  it('stops within 10 s, and every result it acknowledged is stored', async () => {
    const port = await freePort();
    const server = await startServer({ port });
    const token = await server.token('busy@example.com');
    const experiment = { name: 'Busy', parameters: { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } } };
    const acknowledged: string[] = [];
    let stopping = false;
    const worker = async () => {
      while (!stopping) {
        try {
          const trial = (await server.gql(SUGGEST, { experiment }, token)).data?.suggest;
          if (!trial) continue;
          const done = await server.gql(UPDATE, { id: trial.id, loss: Math.random() }, token);
          if (done.data?.update.state === 'COMPLETED') acknowledged.push(trial.id);
        } catch {
          return; // the server went away mid-request
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // An open subscription and a request whose body never finishes must not hold the shutdown.
    const ws = server.ws(token);
    const experimentId = (await server.gql(SUGGEST, { experiment }, token)).data?.suggest.experiment.id;
    ws.subscribe({ query: `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id } }`, variables: { id: experimentId } }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    const { connect } = await import('node:net');
    const stuck = connect(port, '127.0.0.1', () => stuck.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{'));
    stuck.on('error', () => undefined);
    await waitUntil(async () => acknowledged.length >= 20, 60_000);

    const started = Date.now();
    process.kill(server.pid(), 'SIGTERM');
    const exited = await new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        try {
          process.kill(server.pid(), 0);
        } catch {
          clearInterval(poll);
          resolve(Date.now() - started);
        }
      }, 25);
    });
    stopping = true;
    await Promise.all(workers);
    expect(exited).toBeLessThan(10_000);
    stuck.destroy();
    await ws.dispose();

    await server.restart();
    const completed = new Set<string>();
    for (let after: string | null = null, more = true; more; ) {
      const page: any = await server.gql(
        `query ($after: String) { experiment(name: "Busy") { trials(first: 100, after: $after) { edges { node { id state } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
        token,
      );
      const trials = page.data?.experiment.trials;
      for (const { node } of trials.edges) if (node.state === 'COMPLETED') completed.add(node.id);
      more = trials.pageInfo.hasNextPage;
      after = trials.pageInfo.endCursor;
    }
    expect(acknowledged.filter((id) => !completed.has(id))).toEqual([]);
    await server.stop();
  }, 120_000);
});

describe('`npm start` and its port', () => {
  it('says in one line that the port is in use, and a SIGTERM to npm stops the server it started', async () => {
    const server = await startServer({ port: await freePort() });
    const { spawn } = await import('node:child_process');
    const npmStart = (port: number) =>
      spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, ...server.databaseEnv, PORT: String(port), HOST: '127.0.0.1', npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const ended = (child: ReturnType<typeof npmStart>) => {
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      return { output: () => output, exited: new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))) };
    };
    try {
      // The port the running server holds: a line saying what to do, not a stack trace.
      const taken = ended(npmStart(Number(new URL(server.url).port)));
      expect(await taken.exited).toBe(1);
      expect(taken.output()).toContain(`Oscar cannot start: port ${new URL(server.url).port} on 127.0.0.1 is already in use (another Oscar still running?): stop it, or set PORT to another port`);
      expect(taken.output()).not.toMatch(/^\s+at /m);

      // SIGTERM to npm's own pid reaches the server: it stops, and its port is free again.
      const port = await freePort();
      const child = npmStart(port);
      const running = ended(child);
      await waitUntil(async () => running.output().includes('Oscar listening on'), 60_000);
      child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      const { connect } = await import('node:net');
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      expect(refused, `port ${port} still answers after SIGTERM to npm start:\n${running.output()}`).toBe(true);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
