// Several Oscar processes (replicas) on one PostgreSQL database and one Redis serve the same
// experiments as one process would: numbering, optimizer histories, leases, retries, subscriptions,
// revocation and rate limits hold across them; a replica killed with SIGKILL, or Redis restarted,
// loses nothing. Runs in the `postgresql` project only (vitest.config.ts): replicas need PostgreSQL.
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, newDatabase, startRedis, startServer, waitFor, waitUntil, type TestRedis, type TestServer } from './harness.ts';
import { startPythonWorker, storedTrials } from './python-workers.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {
  suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) {
    id number state params optimizer retryOf { id } experiment { id }
  }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state loss } }`;
const WATCH = `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id number state } }`;
const TRIALS = `query ($name: String!) { experiment(name: $name) { id trialCount trials(first: 100) { edges { node { id number state loss params retryOf { id } } } } } }`;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Starts `count` replicas on one new database (and Redis); the first owns the database. */
async function startReplicas(count: number, env: Record<string, string> = {}): Promise<TestServer[]> {
  const first = await startServer({ env });
  const others = await Promise.all(Array.from({ length: count - 1 }, () => startServer({ replicaOf: first, env })));
  return [first, ...others];
}

/** Stops replicas, the database's owner last (it drops the database). */
async function stopReplicas(replicas: readonly TestServer[]): Promise<void> {
  await Promise.all(replicas.slice(1).map((replica) => replica.stop()));
  await replicas[0]?.stop();
}

describe('three replicas on one PostgreSQL database, with Redis', () => {
  let replicas: TestServer[];
  let token: string;
  beforeAll(async () => {
    replicas = await startReplicas(3);
    expect((await replicas[0]!.cli('user', 'create', '--email', 'team@example.com', '--password', 'a long password')).code).toBe(0);
    token = await replicas[0]!.token('team@example.com');
  });
  afterAll(() => stopReplicas(replicas ?? []));

  const on = (i: number) => replicas[i % replicas.length]!;
  const suggest = async (i: number, experiment: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const result = await on(i).gql(SUGGEST, { experiment, ...extra }, token);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data!.suggest;
  };
  const update = async (i: number, id: string, result: Record<string, unknown>) => {
    const answer = await on(i).gql(UPDATE, { id, result }, token);
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    return answer.data!.update;
  };

  it('hands each enqueued parameter set out once, in order, while workers suggest through every replica', async () => {
    const ENQUEUE = `mutation ($e: ExperimentInput!, $p: JSON!) { enqueue(experiment: $e, params: $p) { place } }`;
    const spread = { name: 'Replicated queue', parameters: { x: { min: -10, max: 10 }, n: { min: 1, max: 5, step: 1 } } };
    for (let x = -6; x < 0; x++) {
      const queued = await on(x + 6).gql(ENQUEUE, { e: spread, p: { x, n: 2 } }, token);
      expect(queued.data?.enqueue, JSON.stringify(queued.errors)).toEqual({ place: x + 7 });
    }
    const handed = (await Promise.all(Array.from({ length: 16 }, (_, i) => suggest(i, spread)))) as { number: number; params: { x: number }; optimizer: string }[];
    const fromQueue = handed.filter((t) => t.optimizer === 'enqueued').sort((p, q) => p.number - q.number);
    expect(fromQueue.map((t) => t.params.x)).toEqual([-6, -5, -4, -3, -2, -1]);
    expect(new Set(handed.map((t) => t.number)).size).toBe(16);
    const length = await on(1).gql(`query { experiment(name: "Replicated queue") { queueLength } }`, {}, token);
    expect(length.data?.experiment.queueLength).toBe(0);
  });

  it('creates one experiment and numbers its trials without gaps or repeats when 30 workers suggest through all three at once', async () => {
    const experiment = { name: 'Crowd', parameters: { x: { min: -5, max: 5 }, y: { min: 0, max: 1 } }, algorithm: 'tpe' };
    const trials = await Promise.all(Array.from({ length: 30 }, (_, i) => suggest(i, experiment, { worker: `w${i}` })));
    expect(new Set(trials.map((t) => t.experiment.id)).size).toBe(1);
    expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Results go through another replica than the one that suggested.
    await Promise.all(trials.map((t, i) => update(i + 1, t.id, { loss: t.params.x ** 2 + t.params.y })));
    const stored = (await on(2).gql(TRIALS, { name: 'Crowd' }, token)).data?.experiment;
    expect(stored.trialCount).toBe(30);
    expect(stored.trials.edges.every((e: any) => e.node.state === 'COMPLETED')).toBe(true);
  });

  it('hands out exactly its trial budget when 30 workers suggest through all three at once', async () => {
    const experiment = { name: 'Budget on replicas', parameters: { x: { min: -5, max: 5 } }, maxTrials: 12 };
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => on(i).gql(SUGGEST, { experiment, worker: `w${i}` }, token)));
    const given = answers.filter((a) => a.data?.suggest);
    expect(given.map((a) => a.data!.suggest.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(answers.filter((a) => a.errors?.[0]?.extensions?.code === 'TRIAL_BUDGET_SPENT')).toHaveLength(18);
    const left = await on(1).gql(`query { experiment(name: "Budget on replicas") { trialCount trialsLeft } }`, {}, token);
    expect(left.data?.experiment).toEqual({ trialCount: 12, trialsLeft: 0 });
  });

  it("suggests what one process would: each replica's history follows what the others wrote", async () => {
    const space = { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } };
    const loss = (p: { x: number; y: number }) => (p.x - 0.3) ** 2 + (p.y - 0.7) ** 2;
    const run = async (name: string, replicaOf: (step: number) => number) => {
      const params = [];
      for (let step = 0; step < 12; step++) {
        const trial = await suggest(replicaOf(step), { name, parameters: space, algorithm: 'gp', seed: 1234 });
        params.push(trial.params);
        await update(replicaOf(step) + 1, trial.id, { loss: loss(trial.params) });
      }
      return params;
    };
    // The same seed and results: one replica alone, then the three taking turns (each cache behind the others').
    const alone = await run('GP alone', () => 0);
    const together = await run('GP together', (step) => step);
    expect(together).toEqual(alone);
  }, 120_000);

  it('expires a lease, re-offers its parameters and counts a duplicate result once, whichever replica each call reaches', async () => {
    const experiment = { name: 'Spot', parameters: { x: { min: 0, max: 1 } }, leaseSeconds: 2 };
    const lost = await suggest(0, experiment, { worker: 'spot-1' });
    await waitUntil(async () => (await on(1).gql(TRIALS, { name: 'Spot' }, token)).data?.experiment.trials.edges[0].node.state === 'STALE', 20_000);
    const copy = await suggest(1, experiment, { worker: 'spot-2' });
    expect(copy.retryOf?.id).toBe(lost.id);
    expect(copy.params).toEqual(lost.params);
    // The late original and its copy both report: one counts, the other is a DUPLICATE.
    expect((await update(2, lost.id, { loss: 0.25 })).state).toBe('COMPLETED');
    expect((await update(0, copy.id, { loss: 0.25 })).state).toBe('DUPLICATE');
  }, 60_000);

  it('hands a rebooted worker its unfinished trial back, and answers a retried suggest with the same trial, on any replica', async () => {
    const experiment = { name: 'Reboot', parameters: { x: { min: 0, max: 1 } }, leaseSeconds: 4 };
    const before = await suggest(0, experiment, { worker: 'node-7', instance: 'boot-1' });
    await suggest(1, experiment, { worker: 'node-8', instance: 'other' });
    // No heartbeat for half a lease: the old instance is gone.
    await sleep(2100);
    const after = await suggest(2, experiment, { worker: 'node-7', instance: 'boot-2' });
    expect(after.id).toBe(before.id);

    // A suggest retried with its requestId, on three replicas at once, is one trial.
    const retried = await Promise.all([0, 1, 2].map((i) => suggest(i, experiment, { worker: 'w', instance: 'i', requestId: 'request-42' })));
    expect(new Set(retried.map((t) => t.id)).size).toBe(1);
    // The same result sent to three replicas at once is stored once.
    const results = await Promise.all([0, 1, 2].map((i) => update(i, retried[0].id, { loss: 0.5, epoch: 3 })));
    expect(results.map((r) => r.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect((await on(1).gql(TRIALS, { name: 'Reboot' }, token)).data?.experiment.trialCount).toBe(3);
  }, 60_000);

  it('shows a subscriber on one replica a result sent to another within 100 ms', async () => {
    const first = await suggest(2, { name: 'Live', parameters: { x: { min: 0, max: 1 } } });
    const client = on(0).ws(token);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await on(0).listening(token, 1);
    const latencies: number[] = [];
    for (let round = 0; round < 20; round++) {
      const trial = await suggest(2, { name: 'Live', parameters: { x: { min: 0, max: 1 } } });
      const sent = performance.now();
      await update(1, trial.id, { loss: round });
      await waitFor(() => feed.events.some((e) => e.trialUpdated.id === trial.id && e.trialUpdated.state === 'COMPLETED'), 10_000);
      latencies.push(performance.now() - sent);
    }
    feed.stop();
    await client.dispose();
    // From sending the result to B until A's subscriber has it (the update's own round trip included).
    console.log(`cross-replica result latency: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
    expect(median(latencies)).toBeLessThan(100);
    expect(Math.max(...latencies)).toBeLessThan(2000);
  }, 60_000);

  it("ends a subscription on one replica within a second of its token's revocation on another", async () => {
    const session = await on(2).gql(`mutation { signIn(email: "team@example.com", password: "a long password") { secret } }`);
    const secret = session.data?.signIn.secret as string;
    const asOwner = (replica: TestServer, query: string, variables: Record<string, unknown> = {}) =>
      fetch(replica.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `oscar_session=${secret}` },
        body: JSON.stringify({ query, variables }),
      }).then((r) => r.json() as Promise<any>);
    // A token made on C, listening on A, revoked on B.
    const created = await asOwner(on(2), 'mutation { createApiToken(name: "doomed") { secret token { id } } }');
    const doomed = created.data.createApiToken;
    const first = await suggest(0, { name: 'Revoked', parameters: { x: { min: 0, max: 1 } } });
    const client = on(0).ws(doomed.secret);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await on(0).listening(doomed.secret, 1);
    const revokedAt = performance.now();
    const revoked = await asOwner(on(1), 'mutation ($id: ID!) { revokeApiToken(id: $id) { id } }', { id: doomed.token.id });
    expect(revoked.errors).toBeUndefined();
    await waitFor(() => feed.isDone() || feed.errors.length > 0, 10_000);
    expect(performance.now() - revokedAt).toBeLessThan(1000);
    expect(feed.events).toEqual([]);
    await client.dispose();
    // Refused at once by every replica.
    for (const replica of replicas) expect((await replica.gql('{ me { email } }', {}, doomed.secret)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 60_000);
});

describe('replicas starting together', () => {
  it('all come up on an empty database: its migrations are applied once, whichever replica gets there first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oscar-replicas-'));
    const database = await newDatabase(dir);
    const replicas: TestServer[] = [];
    try {
      const started = await Promise.allSettled(Array.from({ length: 3 }, () => startServer({ database })));
      for (const outcome of started) if (outcome.status === 'fulfilled') replicas.push(outcome.value);
      expect(started.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'up'))).toEqual(['up', 'up', 'up']);
      const token = await replicas[0]!.token('first@example.com');
      for (const replica of replicas) expect((await replica.gql('{ me { email } }', {}, token)).data?.me.email).toBe('first@example.com');
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('rate limits shared by replicas', () => {
  it('counts one user\'s operations on every replica against one limit', async () => {
    const replicas = await startReplicas(2, { OSCAR_RATE_LIMIT: '40' });
    try {
      const token = await replicas[0]!.token('busy@example.com');
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 30; i++) {
        for (const replica of replicas) codes.push((await replica.gql('{ me { email } }', {}, token)).errors?.[0]?.extensions?.code);
      }
      // 60 operations, 30 on each replica: each alone is under 40 a minute, together they are not.
      expect(codes.filter((code) => code === undefined)).toHaveLength(40);
      expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(20);
    } finally {
      await stopReplicas(replicas);
    }
  }, 60_000);
});

describe('kill -9 of one replica while workers use all three', () => {
  it('the others keep serving; no acknowledged result is lost and no trial is numbered twice', async () => {
    const WORKERS = 12;
    const TRIALS_EACH = 20;
    const replicas = await startReplicas(3);
    try {
      const token = await replicas[0]!.token('cluster@example.com');
      const workers = Array.from({ length: WORKERS }, (_, i) => startPythonWorker({ token, url: replicas[i % 3]!.url, worker: `replica-worker-${i}`, name: 'Crash', trials: TRIALS_EACH }));
      const acked = () => workers.reduce((sum, w) => sum + w.acks.size, 0);
      await waitFor(() => acked() >= 40, 120_000);
      const victim = replicas[1]!;
      await victim.kill();
      const atKill = acked();
      // The other two replicas go on serving their workers while this one is down.
      await waitFor(() => acked() >= atKill + 40, 120_000);
      await waitFor(() => workers.some((w, i) => i % 3 === 1 && /unreachable/.test(w.stderr)), 60_000);
      await victim.restart();

      const codes = await Promise.all(workers.map((w) => w.done));
      expect(codes, workers.map((w) => w.stderr).join('\n')).toEqual(Array(WORKERS).fill(0));
      const acknowledged = new Map<string, number>();
      for (const worker of workers) for (const [id, loss] of worker.acks) acknowledged.set(id, loss);
      expect(acknowledged.size).toBe(WORKERS * TRIALS_EACH);

      const stored = await storedTrials(replicas[2]!, token, 'Crash');
      for (const [id, loss] of acknowledged) expect(stored.get(id), `acknowledged trial ${id}`).toMatchObject({ state: 'COMPLETED', loss });
      const numbers = [...stored.values()].map((t) => t.number).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(numbers.length);
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
      // Trials the killed replica had handed out but never heard back about were re-offered, not lost.
      const completed = [...stored.values()].filter((t) => t.state === 'COMPLETED');
      expect(completed.length).toBe(WORKERS * TRIALS_EACH);
    } finally {
      await stopReplicas(replicas);
    }
  }, 300_000);
});

describe('Redis restarted while two replicas serve', () => {
  let redis: TestRedis;
  let replicas: TestServer[];
  beforeAll(async () => {
    redis = await startRedis();
    replicas = await startReplicas(2, { REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await stopReplicas(replicas ?? []);
    await redis?.stop();
  });

  it('loses no result, and subscriptions catch up on what they missed and carry on', async () => {
    const [a, b] = replicas as [TestServer, TestServer];
    const token = await a.token('ops@example.com');
    const experiment = { name: 'Outage', parameters: { x: { min: 0, max: 1 } } };
    const first = (await b.gql(SUGGEST, { experiment }, token)).data?.suggest;
    const client = a.ws(token);
    const feed = collect<any>(client, WATCH, { id: first.experiment.id });
    await a.listening(token, 1);
    const completedSeen = () => new Set(feed.events.filter((e) => e.trialUpdated.state === 'COMPLETED').map((e) => e.trialUpdated.id));

    const acknowledged = new Map<string, number>();
    const work = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        const trial = (await b.gql(SUGGEST, { experiment }, token)).data?.suggest;
        expect(trial?.id).toBeTruthy();
        const loss = acknowledged.size;
        const result = await b.gql(UPDATE, { id: trial.id, result: { loss } }, token);
        expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
        acknowledged.set(trial.id, loss);
      }
    };
    await work(5);
    await waitFor(() => [...acknowledged.keys()].every((id) => completedSeen().has(id)), 10_000);

    // Redis goes away: suggests and results go on (the database holds them), on both replicas.
    await redis.kill();
    await work(10);
    expect((await a.gql(SUGGEST, { experiment }, token)).data?.suggest.id).toBeTruthy();
    expect((await a.health()).status).toBe(200);

    // Redis comes back, empty: A's subscriber gets every change it missed, then new ones as before.
    await redis.restart();
    await waitFor(() => [...acknowledged.keys()].every((id) => completedSeen().has(id)), 30_000);
    await work(3);
    await waitFor(() => [...acknowledged.keys()].every((id) => completedSeen().has(id)), 10_000);
    expect(feed.isDone()).toBe(false);

    const stored = await storedTrials(a, token, 'Outage');
    for (const [id, loss] of acknowledged) expect(stored.get(id)).toMatchObject({ state: 'COMPLETED', loss });
    feed.stop();
    await client.dispose();
  }, 120_000);
});

describe('deleting an experiment on one replica', () => {
  let replicas: TestServer[];
  let token: string;
  beforeAll(async () => {
    replicas = await startReplicas(2);
    token = await replicas[0]!.token('deleter@example.com');
  });
  afterAll(async () => {
    if (replicas) await stopReplicas(replicas);
  });

  it('is heard on the others: their workers get NOT_FOUND, their subscribers the deletion, and the name starts afresh', async () => {
    const [a, b] = replicas as [TestServer, TestServer];
    const experiment = { name: 'Deleted elsewhere', parameters: { x: { min: 0, max: 1 } }, algorithm: 'random' };
    // Replica a hands the trial out: it remembers the trial's and the name's experiment.
    const held = await a.gql(SUGGEST, { experiment, worker: 'w' }, token);
    const experimentId = held.data!.suggest.experiment.id;
    const client = a.ws(token);
    const deletions = collect<{ experimentDeleted: { ids: string[] } }>(client, `subscription { experimentDeleted { ids } }`, {});
    await a.listening(token, 1, 30_000);

    const deleted = await b.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`, { id: experimentId }, token);
    expect(deleted.data?.deleteExperiment.ids, JSON.stringify(deleted.errors)).toEqual([experimentId]);
    await waitFor(() => deletions.events.some((e) => e.experimentDeleted.ids.includes(experimentId)), 30_000);

    const update = await a.gql(UPDATE, { id: held.data!.suggest.id, result: { loss: 1 } }, token);
    expect(update.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const heartbeat = await a.gql(`mutation ($id: ID!) { heartbeat(trialId: $id) { id } }`, { id: held.data!.suggest.id }, token);
    expect(heartbeat.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const again = await a.gql(SUGGEST, { experiment, worker: 'w' }, token);
    expect(again.errors).toBeUndefined();
    expect(again.data!.suggest.experiment.id).not.toBe(experimentId);
    expect(again.data!.suggest.number).toBe(1);
    deletions.stop();
    await client.dispose();
  });
});
