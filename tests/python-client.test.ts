import { execFile, spawn } from 'node:child_process';
import { createConnection, createServer as createNetServer, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, ROOT, startServer, waitFor, waitUntil, type TestServer } from './harness.ts';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';

const GET_STARTED = `
from Oscar import Oscar
import os
scientist = Oscar(os.environ['OSCAR_TOKEN'])

experiment = {'name': 'Square', 'parameters': {'x': {'min': -10, 'max': 10}}}

for i in range(10):
    job = scientist.suggest(experiment)
    print(job)
    import math
    loss = math.pow(job['x'], 2)
    scientist.update(job, {'loss': loss})
`;

let server: TestServer;
let site: string;

beforeAll(async () => {
  server = await startServer();
  site = mkdtempSync(join(tmpdir(), 'oscar-py-'));
  await exec(PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-build-isolation', '--target', site, './clients/python'], { cwd: ROOT });
  rmSync(join(ROOT, 'clients/python/build'), { recursive: true, force: true });
});
afterAll(async () => {
  await server?.stop();
  rmSync(site, { recursive: true, force: true });
});

describe('the Python client', () => {
  it('passes its own unit tests', async () => {
    const { stderr } = await exec(PYTHON, ['-m', 'unittest', 'discover', '-s', 'clients/python/tests'], { cwd: ROOT });
    expect(stderr).toMatch(/\nOK/);
  });

  it('runs the Get Started Square loop as installed by pip, while a subscriber watches', async () => {
    const token = await server.token('scientist@example.com');
    // Create the experiment first so the watcher knows its id, as a dashboard would.
    const first = await server.gql(
      `mutation { suggest(experiment: {name: "Square", parameters: {x: {min: -10, max: 10}}}) { id experiment { id } } }`,
      {},
      token,
    );
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 100}) { id } }`, { id: first.data?.suggest.id }, token);
    const watcher = server.ws(token);
    const feed = collect<{ trialUpdated: { number: number; state: string; loss: number | null } }>(
      watcher,
      `subscription ($id: ID!) { trialUpdated(experimentId: $id) { number state loss } }`,
      { id: first.data?.suggest.experiment.id },
    );
    await server.listening(token, 1);

    const script = join(site, 'square.py');
    writeFileSync(script, GET_STARTED);
    const { stdout } = await exec(PYTHON, [script], {
      env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url },
    });
    const printed = stdout.trim().split('\n');
    expect(printed).toHaveLength(10);
    for (const line of printed) expect(line).toMatch(/^\{'x': -?\d+(\.\d+)?(e-?\d+)?\}$/);

    const result = await server.gql(
      `{ experiment(name: "Square") { trialCount trials(first: 20) { edges { node { state loss params } } } } }`,
      {},
      token,
    );
    const trials = result.data?.experiment.trials.edges.map((e: any) => e.node);
    expect(result.data?.experiment.trialCount).toBe(11);
    for (const trial of trials) {
      expect(trial.state).toBe('COMPLETED');
      if (trial.loss !== 100) expect(trial.loss).toBeCloseTo(trial.params.x ** 2, 9);
    }
    await waitFor(() => feed.events.length >= 20);
    expect(feed.errors).toEqual([]);
    const numbers = new Set(feed.events.map((e) => e.trialUpdated.number));
    expect([...numbers].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(feed.events.filter((e) => e.trialUpdated.state === 'COMPLETED')).toHaveLength(10);
    feed.stop();
    await watcher.dispose();
  });

  it('keeps a long job alive with background heartbeats, and hands an abandoned job back after a reboot', async () => {
    const token = await server.token('scientist@example.com');
    const env = { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url, OSCAR_WORKER: 'gpu-node-3' };
    const run = (code: string) => exec(PYTHON, ['-c', `from Oscar import Oscar\nimport os, sys, time\n${code}`], { env });
    const experiment = `{'name': 'Long', 'parameters': {'x': {'min': 0, 'max': 1}}, 'lease_seconds': 2}`;

    const trialOf = async (id: string) => {
      const found = await server.gql(`{ experiment(name: "Long") { trials(first: 50) { edges { node { id state heartbeatAt leaseExpiresAt } } } } }`, {}, token);
      return found.data?.experiment.trials.edges.map((e: any) => e.node).find((t: any) => t.id === id);
    };

    // A job that outlives its 2 s lease three times over stays RUNNING: nobody else gets its parameters.
    // It runs until told to stop (a file appears), so the test waits for facts, not for time.
    const stop = join(site, 'stop-long-job');
    const long = run(`s = Oscar(os.environ['OSCAR_TOKEN'])
job = s.suggest(${experiment})
open(${JSON.stringify(join(site, 'long-job-id'))}, 'w').write(job.id)
while not os.path.exists(${JSON.stringify(stop)}):
    time.sleep(0.05)
print(job.id)
print(s.update(job, {'loss': 1})['state'])`);
    const idFile = join(site, 'long-job-id');
    await waitUntil(async () => existsSync(idFile) && readFileSync(idFile, 'utf8').length > 0, 30_000);
    const longId = readFileSync(idFile, 'utf8');
    const firstLease = Date.parse((await trialOf(longId)).leaseExpiresAt);
    // Past the first lease, and renewed by heartbeats beyond it twice over.
    await waitUntil(async () => Date.parse((await trialOf(longId)).leaseExpiresAt) > firstLease + 4000 && Date.now() > firstLease + 500, 30_000);
    expect((await trialOf(longId)).state).toBe('RUNNING');
    const other = await server.gql(
      `mutation { suggest(experiment: {name: "Long", parameters: {x: {min: 0, max: 1}}}, worker: "elsewhere") { retryOf { id } } }`,
      {},
      token,
    );
    expect(other.data?.suggest.retryOf).toBeNull();
    writeFileSync(stop, '');
    const [id, state] = (await long).stdout.trim().split('\n');
    expect(state).toBe('COMPLETED');
    expect(id).toMatch(/\w+/);

    // A process that dies mid-job; the same worker restarted gets that job back.
    const crashed = await run(`s = Oscar(os.environ['OSCAR_TOKEN'])
job = s.suggest(${experiment})
print(job.id, job, flush=True)
os._exit(1)`).catch((error: { stdout: string }) => error);
    const [crashedId, ...crashedParams] = crashed.stdout.trim().split(' ');
    // The reboot: the server has had no heartbeat from that job for half its lease.
    await waitUntil(async () => Date.now() - Date.parse((await trialOf(crashedId!)).heartbeatAt) > 1000 + 100, 30_000);
    const resumed = await run(`s = Oscar(os.environ['OSCAR_TOKEN'])
job = s.suggest(${experiment})
print(job.id, job)
s.fail(job, RuntimeError('diverged'))`);
    const [resumedId, ...resumedParams] = resumed.stdout.trim().split(' ');
    expect(resumedId).toBe(crashedId);
    expect(resumedParams).toEqual(crashedParams);
    const failed = await server.gql(`{ experiment(name: "Long") { trials { edges { node { id state error } } } } }`, {}, token);
    const node = failed.data?.experiment.trials.edges.map((e: any) => e.node).find((t: any) => t.id === crashedId);
    expect(node).toEqual({ id: crashedId, state: 'FAILED', error: 'RuntimeError: diverged' });
  });

  it('joins an existing experiment by its name, refuses a tuple for a range, and releases an abandoned job', async () => {
    const token = await server.token('joiner@example.com');
    const env = { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url };
    const run = async (code: string) => (await exec(PYTHON, ['-c', `from Oscar import Oscar, OscarError\nimport os, json\ns = Oscar(os.environ['OSCAR_TOKEN'])\n${code}`], { env })).stdout.trim().split('\n');
    // A colleague's experiment, with a conditional space and settings of its own.
    const created = await server.gql(
      `mutation { suggest(experiment: {name: "Joined", parameters: {lr: {min: 0.001, max: 1, distribution: "log_uniform"}, opt: ["sgd", "adam"]}, algorithm: "tpe", leaseSeconds: 3}) { id } }`,
      {},
      token,
    );
    expect(created.errors).toBeUndefined();
    const [joined, missing, tuple] = await run(`job = s.suggest('Joined')
print(json.dumps(sorted(job.keys())))
s.update(job, {'loss': 1.5})
try:
    s.suggest('No such experiment')
except OscarError as e:
    print(e.code, '|', e.field, '|', e)
try:
    s.suggest({'name': 'Tuple', 'parameters': {'lr': (1e-4, 1e-1)}})
except OscarError as e:
    print(e.code, '|', e.field, '|', e)`);
    expect(JSON.parse(joined!)).toEqual(['lr', 'opt']);
    expect(missing).toBe(`NOT_FOUND | experiment.name | No experiment named "No such experiment": give its parameters (experiment.parameters) to create it`);
    expect(tuple).toBe(`BAD_USER_INPUT | experiment.parameters.lr | parameter 'lr': a tuple is not a parameter space; write {'min': 0.0001, 'max': 0.1} for a range, or a list for choices`);
    const settings = await server.gql(`{ experiment(name: "Joined") { algorithm leaseSeconds trialCount } experiments { name } }`, {}, token);
    // Its settings kept, and nothing created for the names that were refused.
    expect(settings.data?.experiment).toEqual({ algorithm: 'tpe', leaseSeconds: 3, trialCount: 2 });
    expect(settings.data?.experiments.map((e: { name: string }) => e.name)).toEqual(['Joined']);

    // A client that joined by name, the experiment started afresh meanwhile in another space: it goes on
    // in the new space (real-valued parameters still come as floats, read from the space the answer carries).
    const ready = join(site, 'joined-ready');
    const go = join(site, 'joined-go');
    const rejoiner = run(`job = s.suggest('Joined')
s.update(job, {'loss': 2})
open(${JSON.stringify(ready)}, 'w').write('1')
import time
while not os.path.exists(${JSON.stringify(go)}):
    time.sleep(0.05)
job = s.suggest('Joined')
print(json.dumps(sorted([key, type(value).__name__] for key, value in job.items())))
s.update(job, {'loss': 3})`);
    await waitUntil(async () => existsSync(ready), 30_000);
    const restarted = await server.gql(`mutation { suggest(experiment: {name: "Joined", parameters: {width: {min: 1, max: 8, step: 1}, rate: {min: 0, max: 2, step: 1}, ratio: {min: 0, max: 1, step: 0.5}}, resume: false}) { id } }`, {}, token);
    expect(restarted.errors).toBeUndefined();
    // Its trial finished, so no STALE trial of this version competes with the released one below (3 s lease).
    const finished = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 9}) { state } }`, { id: restarted.data?.suggest.id }, token);
    expect(finished.data?.update.state).toBe('COMPLETED');
    writeFileSync(go, '');
    const [first] = await rejoiner;
    expect(JSON.parse(first!)).toEqual([['rate', 'int'], ['ratio', 'float'], ['width', 'int']]);
    // A job given up after an exception that is not its fault, in a process that goes on: released, it is
    // STALE at once and offered again at once (its lease, 3 s here, does not have to run out first), with
    // its parameters, to the next worker that asks, this process too. Ctrl-C in a `with` block releases its
    // job as well (not FAILED: nothing was wrong with it).
    const [releasedState, releasedId, copy, interruptedId] = await run(`job = s.suggest('Joined')
print(s.release(job)['state'])
print(job.id)
again = s.suggest('Joined')
print(json.dumps([again.id != job.id, dict(again) == dict(job)]))
try:
    with s.trial('Joined') as held:
        held_id = held.id
        raise KeyboardInterrupt
except KeyboardInterrupt:
    print(held_id)`);
    expect(releasedState).toBe('STALE');
    expect(JSON.parse(copy!)).toEqual([true, true]);
    const found = await server.gql(`{ experiment(name: "Joined") { trials(first: 10) { edges { node { id state leaseExpiresAt retryOf { id } } } } } }`, {}, token);
    const nodes = found.data?.experiment.trials.edges.map((e: any) => e.node);
    // Released, not lost: a lease that ran out would have kept its end.
    expect(nodes.find((t: any) => t.id === releasedId)).toMatchObject({ state: 'STALE', leaseExpiresAt: null });
    expect(nodes.filter((t: any) => t.retryOf?.id === releasedId)).toHaveLength(1);
    expect(nodes.find((t: any) => t.id === interruptedId)).toMatchObject({ state: 'STALE', leaseExpiresAt: null });

    // Deleted while a worker that joined it by name goes on: its next suggest is NOT_FOUND, and no
    // experiment of that name is created again (with settings of nobody's choosing).
    const joinedReady = join(site, 'deleted-ready');
    const deletedGo = join(site, 'deleted-go');
    const survivor = run(`job = s.suggest('Joined')
s.update(job, {'loss': 4})
open(${JSON.stringify(joinedReady)}, 'w').write('1')
import time
while not os.path.exists(${JSON.stringify(deletedGo)}):
    time.sleep(0.05)
try:
    s.suggest('Joined')
except OscarError as e:
    print(e.code, '|', e.field)`);
    await waitUntil(async () => existsSync(joinedReady), 30_000);
    const versions = await server.gql(`{ experiment(name: "Joined") { id } }`, {}, token);
    const deleted = await server.gql(`mutation ($id: ID!) { deleteExperiment(id: $id, allVersions: true) { versions } }`, { id: versions.data?.experiment.id }, token);
    expect(deleted.errors).toBeUndefined();
    writeFileSync(deletedGo, '');
    expect(await survivor).toEqual(['NOT_FOUND | experiment.name']);
    const left = await server.gql(`{ experiments { name } }`, {}, token);
    expect(left.data?.experiments).toEqual([]);
  }, 120_000);

  it('runs jobs() on three workers until the trial budget is spent, then each ends by itself', async () => {
    const token = await server.token('budget-py@example.com');
    const env = { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url };
    const worker = (i: number) =>
      exec(PYTHON, ['-c', `from Oscar import Oscar, OscarError, BUDGET_SPENT
import os
s = Oscar(os.environ['OSCAR_TOKEN'], worker='py-${i}')
experiment = {'name': 'Budgeted', 'parameters': {'x': {'min': -10, 'max': 10}}, 'max_trials': 9}
ran = 0
for job in s.jobs(experiment, poll=0.5):
    s.update(job, {'loss': job['x'] ** 2})
    ran += 1
try:
    s.suggest(experiment)
except OscarError as e:
    print(ran, e.code == BUDGET_SPENT, e.field)`], { env });
    const printed = (await Promise.all([0, 1, 2].map(worker))).map((r) => r.stdout.trim().split(' '));
    expect(printed.reduce((sum, [ran]) => sum + Number(ran), 0)).toBe(9);
    for (const [, spent, field] of printed) expect([spent, field]).toEqual(['True', 'experiment.max_trials']);
    const stored = await server.gql(`{ experiment(name: "Budgeted") { maxTrials trialsLeft trialCount bestTrial { state } } }`, {}, token);
    expect(stored.data?.experiment).toEqual({ maxTrials: 9, trialsLeft: 0, trialCount: 9, bestTrial: { state: 'COMPLETED' } });
    // Spent while another worker's trial runs: the loop waits, and runs that trial's parameters once it
    // is given up (a preempted machine), then ends when nothing runs any more.
    const held = await server.gql(
      `mutation { suggest(experiment: {name: "Waiting", parameters: {x: {min: 0, max: 1}}, maxTrials: 2, leaseSeconds: 600}, worker: "preempted") { id params } }`,
      {},
      token,
    );
    const waiter = exec(PYTHON, ['-c', `from Oscar import Oscar
import os
s = Oscar(os.environ['OSCAR_TOKEN'], worker='waiter')
ran = []
for job in s.jobs({'name': 'Waiting', 'parameters': {'x': {'min': 0, 'max': 1}}}, poll=0.2):
    s.update(job, {'loss': job['x']})
    ran.append(job['x'])
print(len(ran), ran[-1])`], { env });
    const states = async () => (await server.gql(`{ experiment(name: "Waiting") { trials(first: 10) { edges { node { number state } } } } }`, {}, token)).data?.experiment.trials.edges.map((e: any) => [e.node.number, e.node.state]);
    await waitUntil(async () => JSON.stringify(await states()).includes('[2,"COMPLETED"]'), 30_000);
    expect((await server.gql(`mutation ($id: ID!) { release(trialId: $id) { state } }`, { id: held.data?.suggest.id }, token)).errors).toBeUndefined();
    const [count, last] = (await waiter).stdout.trim().split(' ');
    expect([count, Number(last)]).toEqual(['2', held.data?.suggest.params.x]);
    expect((await states()).sort()).toEqual([
      [1, 'STALE'],
      [2, 'COMPLETED'],
      [3, 'COMPLETED'],
    ]);
    // A bad budget is refused with the key as the user wrote it.
    const bad = await exec(PYTHON, ['-c', `from Oscar import Oscar, OscarError
import os
try:
    Oscar(os.environ['OSCAR_TOKEN']).suggest({'name': 'Bad budget', 'parameters': {'x': [1, 2]}, 'max_trials': 0})
except OscarError as e:
    print(e.code, e.field, e)`], { env });
    expect(bad.stdout.trim()).toBe('BAD_USER_INPUT experiment.max_trials experiment.max_trials must be a whole number from 1 to 1000000000, but got 0');
  });

  it('ends a crash loop: parameters that kill every worker are failed after max_retries, and supervised workers finish the budget', async () => {
    const token = await server.token('poison-py@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'oscar-poison-'));
    const poison = join(dir, 'poison');
    // The first trial's parameters kill whichever process runs them (out of memory, say), every time.
    const script = `from Oscar import Oscar
import os, signal
s = Oscar(os.environ['OSCAR_TOKEN'], worker=os.environ['WORKER'])
experiment = {'name': 'Poison', 'parameters': {'x': {'min': 0, 'max': 1}}, 'max_trials': 6, 'lease_seconds': 2, 'max_retries': 1}
for job in s.jobs(experiment, poll=0.2):
    if job.number == 1:
        open(${JSON.stringify(poison)}, 'w').write(repr(job['x']))
    if os.path.exists(${JSON.stringify(poison)}) and open(${JSON.stringify(poison)}).read() == repr(job['x']):
        os.kill(os.getpid(), signal.SIGKILL)
    s.update(job, {'loss': job['x']})`;
    // A supervisor restarts its worker whenever it dies (at most 20 times), as systemd or Kubernetes would.
    const supervised = (worker: string) =>
      exec('bash', ['-c', 'for i in $(seq 1 20); do "$PYTHON" -c "$SCRIPT" && exit 0; echo restarted >&2; done; exit 1'], {
        env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url, WORKER: worker, PYTHON, SCRIPT: script },
      });
    try {
      const runs = await Promise.all([supervised('node-a'), supervised('node-b')]);
      // Both workers ended by themselves, once the budget was spent and nothing ran any more.
      expect(runs.map((run) => run.stderr.match(/restarted/g)?.length ?? 0).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(2);
      const read = await server.gql(`{ experiment(name: "Poison") { trials(first: 50) { edges { node { number state params error lostCount } } } } }`, {}, token);
      const trials: { number: number; state: string; params: { x: number }; error: string | null; lostCount: number }[] = read.data?.experiment.trials.edges.map((e: any) => e.node);
      const x = Number(readFileSync(poison, 'utf8'));
      const failed = trials.filter((t) => t.state === 'FAILED');
      expect(failed).toEqual([expect.objectContaining({ params: { x }, lostCount: 2, error: expect.stringMatching(/^Lost 2 times in a row with no progress/) })]);
      expect(trials.filter((t) => t.params.x === x).every((t) => t.state === 'FAILED' || t.state === 'STALE')).toBe(true);
      expect(trials.filter((t) => t.state === 'COMPLETED')).toHaveLength(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs a grid search on three workers with jobs(): every point once, then each ends by itself', async () => {
    const token = await server.token('grid-py@example.com');
    const env = { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url };
    const worker = (i: number) =>
      exec(PYTHON, ['-c', `from Oscar import Oscar, OscarError, BUDGET_SPENT
import json, os
s = Oscar(os.environ['OSCAR_TOKEN'], worker='py-${i}')
experiment = {'name': 'Grid', 'algorithm': 'grid', 'parameters': {'lr': {'min': 0.1, 'max': 0.4, 'step': 0.1}, 'optimizer': ['adam', 'sgd'], 'layers': {'min': 1, 'max': 2, 'step': 1}}}
ran = []
for job in s.jobs(experiment, poll=0.5):
    s.update(job, {'loss': job['lr'] * job['layers']})
    ran.append([job['lr'], job['optimizer'], job['layers']])
try:
    s.suggest(experiment)
except OscarError as e:
    print(json.dumps({'ran': ran, 'spent': e.code == BUDGET_SPENT, 'field': e.field}))`], { env });
    const printed = (await Promise.all([0, 1, 2].map(worker))).map((r) => JSON.parse(r.stdout.trim()) as { ran: unknown[][]; spent: boolean; field: string });
    const ran = printed.flatMap((p) => p.ran.map((point) => JSON.stringify(point)));
    const expected = [0.1, 0.2, 0.3, 0.4].flatMap((lr) => ['adam', 'sgd'].flatMap((optimizer) => [1, 2].map((layers) => JSON.stringify([lr, optimizer, layers]))));
    expect(ran.sort()).toEqual(expected.sort());
    for (const { spent, field } of printed) expect({ spent, field }).toEqual({ spent: true, field: 'experiment.algorithm' });
    // A continuous parameter is refused with the key as the user wrote it.
    const bad = await exec(PYTHON, ['-c', `from Oscar import Oscar, OscarError
import os
try:
    Oscar(os.environ['OSCAR_TOKEN']).suggest({'name': 'No grid', 'algorithm': 'grid', 'parameters': {'x': {'min': 0, 'max': 1}}})
except OscarError as e:
    print(e.code, e.field)`], { env });
    expect(bad.stdout.trim()).toBe('BAD_USER_INPUT experiment.parameters.x');
  });

  it('hands real-valued parameters over as floats, whole grid points too, and integer ones as ints', async () => {
    const token = await server.token('floats@example.com');
    const env = { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url };
    const script = `from Oscar import Oscar
import os, json
s = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Floats', 'algorithm': 'random', 'seed': 3, 'parameters': {
    'q': {'min': 0, 'max': 1, 'step': 0.25}, 'n': {'min': 1, 'max': 3, 'step': 1},
    'opt': {'choices': {'adam': {'lr': {'min': 0, 'max': 2, 'step': 1.0 / 2}}, 'sgd': {}}}}}
seen = []
for _ in range(20):
    job = s.suggest(experiment)
    seen.append({key: [type(value).__name__, value] for key, value in job.items()})
    s.update(job, {'loss': 1})
print(json.dumps(seen))`;
    const { stdout } = await exec(PYTHON, ['-c', script], { env });
    const seen = JSON.parse(stdout) as Record<string, [string, unknown]>[];
    expect(seen).toHaveLength(20);
    for (const job of seen) {
      expect(job.q![0]).toBe('float');
      expect(job.n![0]).toBe('int');
      if (job.lr) expect(job.lr[0]).toBe('float');
    }
    // Whole grid points were drawn, and came as 0.0 and 1.0, not 0 and 1.
    expect(seen.some((job) => Number.isInteger(job.q![1]))).toBe(true);
  });

  it('raises OscarError with the server message for a bad request', async () => {
    const token = await server.token('scientist@example.com');
    const script = `
from Oscar import Oscar, OscarError
import os
s = Oscar(os.environ['OSCAR_TOKEN'])
try:
    s.suggest({'name': 'Bad', 'parameters': {'lr': {'min': 0, 'max': 1, 'distribution': 'log_uniform'}}})
except OscarError as e:
    print(e.code, '|', e)
# The README's example of a field: parameter x with its min above its max.
try:
    s.suggest({'name': 'Bad', 'parameters': {'x': {'min': 10, 'max': -10}}})
except OscarError as e:
    print(e.code, '|', e.field)
`;
    const { stdout } = await exec(PYTHON, ['-c', script], {
      env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url },
    });
    const [badRange, readmeField] = stdout.trim().split('\n');
    expect(badRange).toMatch(/^BAD_USER_INPUT \| .*lr/);
    expect(readmeField).toBe('BAD_USER_INPUT | experiment.parameters.x');
    expect(readFileSync(join(ROOT, 'clients/python/README.md'), 'utf8').replace(/\s+/g, ' ')).toContain('such as `experiment.parameters.x` for a parameter `x` whose `min` is above its `max`');
  });
  it('refuses text with a lone surrogate (os.fsdecode) as BAD_USER_INPUT naming the field, and a with block raises the user’s own error', async () => {
    const token = await server.token('surrogates@example.com');
    const script = `
from Oscar import Oscar, OscarError
import os
s = Oscar(os.environ['OSCAR_TOKEN'])
path = os.fsdecode(b'/data/run-\\xff.ckpt')  # '/data/run-\\udcff.ckpt': not UTF-8
experiment = {'name': 'Surrogates', 'parameters': {'x': {'min': 0, 'max': 1}}}
job = s.suggest(experiment)
try:
    s.update(job, {'loss': 1, 'checkpoint_path': path})
except OscarError as e:
    print(e.code, e.field)
try:
    with s.trial(experiment) as job:
        open(path)
except FileNotFoundError:
    print('FileNotFoundError')
`;
    const { stdout } = await exec(PYTHON, ['-c', script], {
      env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url },
    });
    expect(stdout.trim().split('\n')).toEqual(['BAD_USER_INPUT result.checkpoint_path', 'FileNotFoundError']);
    const { data } = await server.gql(`{ experiment(name: "Surrogates") { trials(first: 5) { edges { node { number state error } } } } }`, {}, token);
    // The refused result stored nothing; the failed block's trial is FAILED, the file name escaped.
    expect(data?.experiment.trials.edges.map((e: any) => e.node)).toEqual([
      { number: 2, state: 'FAILED', error: "FileNotFoundError: [Errno 2] No such file or directory: '/data/run-\\udcff.ckpt'" },
      { number: 1, state: 'RUNNING', error: null },
    ]);
  });
  it('looks after a job in a with block, finds the best trial and pages through all trials; its types pass mypy --strict', async () => {
    const token = await server.token('context@example.com');
    const script = join(site, 'context.py');
    writeFileSync(
      script,
      `
import json, os, time
from Oscar import Oscar, OscarError
scientist = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Context', 'parameters': {'x': {'min': -10, 'max': 10}}, 'lease_seconds': 2}
for i in range(120):
    with scientist.trial(experiment) as job:
        scientist.update(job, {'loss': job['x'] ** 2})
try:
    with scientist.trial(experiment) as job:
        raise RuntimeError('diverged at epoch 3')
except RuntimeError:
    pass
with scientist.trial(experiment) as left:
    pass  # no result: its heartbeats stop, so its lease runs out while this process lives on
deadline = time.monotonic() + 60
while next(t for t in scientist.trials('Context') if t['id'] == left.id)['state'] != 'STALE':
    assert time.monotonic() < deadline, 'the abandoned trial is still RUNNING: heartbeats went on'
    time.sleep(0.1)
trials = list(scientist.trials('Context'))
try:
    scientist.best('No such experiment')
except OscarError as error:
    missing = error.code
print(json.dumps({'best': scientist.best('Context'), 'trials': trials, 'missing': missing}))
`,
    );
    const { stdout } = await exec(PYTHON, [script], { env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url }, timeout: 120_000 });
    const { best, trials, missing } = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(trials.map((t: any) => t.number)).toEqual(Array.from({ length: 122 }, (_, i) => 122 - i)); // newest first, two pages
    const completed = trials.filter((t: any) => t.state === 'COMPLETED');
    expect(completed).toHaveLength(120);
    expect(best.loss).toBe(Math.min(...completed.map((t: any) => t.loss)));
    expect(best.params.x ** 2).toBeCloseTo(best.loss, 10);
    expect(trials.filter((t: any) => t.state === 'FAILED').map((t: any) => t.error)).toEqual(['RuntimeError: diverged at epoch 3']);
    expect(trials[0].state).toBe('STALE');
    expect(missing).toBe('NOT_FOUND');
    const { stdout: typed } = await exec(PYTHON, ['-m', 'mypy', '--strict', 'clients/python/Oscar'], { cwd: ROOT });
    expect(typed).toMatch(/^Success: no issues found/);
  });

  it('measures a checkpoint as the server does: 16384 bytes of UTF-8 are taken, one more refused before sending', async () => {
    const token = await server.token('checkpoint-size@example.com');
    const script = `
import os
from Oscar import Oscar, OscarError
s = Oscar(os.environ['OSCAR_TOKEN'])
job = s.suggest({'name': 'Sizes', 'parameters': {'x': {'min': 0, 'max': 1}}})
# {"note":"..."}: 11 bytes around 8186 two-byte characters and one of one byte
print(len(s.checkpoint(job, {'note': '\u00e9' * 8186 + 'a'})['checkpoint']['note']))
try:
    s.checkpoint(job, {'note': '\u00e9' * 8187})
except OscarError as e:
    print(e.code, '|', e)
`;
    const { stdout } = await exec(PYTHON, ['-c', script], { env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url } });
    const [taken, refused] = stdout.trim().split('\n');
    expect(taken).toBe('8187');
    expect(refused).toMatch(/^BAD_USER_INPUT \| data: checkpoint record must be at most 16384 bytes of JSON, but got 16385:/);
  });

  it('saves a checkpoint, and gives it to the worker that takes over the trial of one that died', async () => {
    const token = await server.token('checkpoint@example.com');
    const env = { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url };
    const experiment = "{'name': 'Spot', 'parameters': {'x': {'min': -10, 'max': 10}}, 'lease_seconds': 2}";
    const dying = `
import json, os
from Oscar import Oscar, OscarError
scientist = Oscar(os.environ['OSCAR_TOKEN'], worker='spot-1')
job = scientist.suggest(${experiment})
assert job.checkpoint is None
scientist.checkpoint(job, {'path': '/shared/run-%s' % job.id, 'epoch': 4})
try:
    scientist.checkpoint(job, {'weights': list(range(5000))})
except OscarError as error:
    refused = [error.code, str(error)]
print(json.dumps({'id': job.id, 'x': job['x'], 'saved': job.checkpoint, 'refused': refused}), flush=True)
os._exit(0)  # the machine is lost: no result, no more heartbeats
`;
    const first = JSON.parse((await exec(PYTHON, ['-c', dying], { env })).stdout.trim());
    expect(first.saved).toEqual({ path: `/shared/run-${first.id}`, epoch: 4 });
    expect(first.refused[0]).toBe('BAD_USER_INPUT');
    expect(first.refused[1]).toMatch(/at most 16384 bytes/);
    const takeOver = `
import json, os, time
from Oscar import Oscar
scientist = Oscar(os.environ['OSCAR_TOKEN'], worker='spot-2')
deadline = time.monotonic() + 60
while next(t for t in scientist.trials('Spot') if t['id'] == '${first.id}')['state'] != 'STALE':
    assert time.monotonic() < deadline, 'the lost trial stayed RUNNING'
    time.sleep(0.1)
job = scientist.suggest(${experiment})
print(json.dumps({'id': job.id, 'x': job['x'], 'checkpoint': job.checkpoint}))
scientist.update(job, {'loss': job['x'] ** 2})
`;
    const second = JSON.parse((await exec(PYTHON, ['-c', takeOver], { env, timeout: 90_000 })).stdout.trim());
    expect(second.id).not.toBe(first.id);
    expect(second.x).toBe(first.x);
    expect(second.checkpoint).toEqual(first.saved);
  });

  it('reports intermediate values and stops a trial when the pruner says so', async () => {
    const token = await server.token('pruning@example.com');
    const script = `
import json, math, os, time
from Oscar import Oscar, OscarError
scientist = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Curves', 'parameters': {'x': {'min': 0, 'max': 1}}, 'pruner': {'type': 'asha', 'min_step': 1, 'reduction': 3}}
stopped = []
for target in (1.0, 2.0, 0.5):  # the second is worse than the first at step 1: stopped there
    job = scientist.suggest(experiment)
    for step in range(5):
        if scientist.report(job, step, target + 1 / (step + 1), {'epoch_time': 0.1}):
            stopped.append([job.number, step, job.pruned])
            break
    else:
        scientist.update(job, {'loss': target})
refused = []
for step, value in ((-1, 1.0), (1, float('nan')), (1, 'high'), (10**9 + 1, 1.0)):
    try:
        scientist.report(job, step, value)
    except OscarError as error:
        refused.append([error.code, str(error).split(',')[0], error.field])
try:
    scientist.report(job, 9, 1.0)  # the last job has its result
except OscarError as error:
    refused.append([error.code, 'server', error.field])
# A job whose lease ran out while its parameters went to another worker is told to stop, but not pruned.
taken = {'name': 'Taken over', 'parameters': {'x': {'min': 0, 'max': 1}}, 'pruner': 'none', 'lease_seconds': 2}
with scientist.trial(taken) as left:
    pass  # no result: its heartbeats stop and its lease runs out
deadline = time.monotonic() + 60
while next(t for t in scientist.trials('Taken over') if t['id'] == left.id)['state'] != 'STALE':
    assert time.monotonic() < deadline, 'the abandoned trial stayed RUNNING'
    time.sleep(0.1)
copy = Oscar(os.environ['OSCAR_TOKEN'], worker='other').suggest(taken)
late = [scientist.report(left, 0, 1.0), left.pruned, copy['x'] == left['x']]
print(json.dumps({'stopped': stopped, 'refused': refused, 'late': late}))
`;
    const { stdout } = await exec(PYTHON, ['-c', script], { env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url }, timeout: 90_000 });
    const { stopped, refused, late } = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(stopped).toEqual([[2, 1, true]]);
    expect(refused).toEqual([
      ['BAD_USER_INPUT', 'step must be a whole number from 0 to 1000000000', 'step'],
      ['BAD_USER_INPUT', 'value must be a finite number', 'value'],
      ['BAD_USER_INPUT', 'value must be a finite number', 'value'],
      ['BAD_USER_INPUT', 'step must be a whole number from 0 to 1000000000', 'step'], // the server's limit, checked before sending
      ['CONFLICT', 'server', 'trialId'],
    ]);
    expect(late).toEqual([true, false, true]);
    const trials = (await server.gql(`{ experiment(name: "Curves") { trials(first: 5) { edges { node { number state loss prunedStep intermediateValues { step } } } } } }`, {}, token)).data?.experiment.trials.edges.map((e: any) => e.node);
    expect(trials.map((t: any) => [t.number, t.state, t.prunedStep, t.intermediateValues.length])).toEqual([
      [3, 'COMPLETED', null, 5],
      [2, 'PRUNED', 1, 2],
      [1, 'COMPLETED', null, 5],
    ]);
  });

  it('tunes several objectives under a constraint and returns the Pareto front', async () => {
    const token = await server.token('pareto-py@example.com');
    const script = `
import json, os
from Oscar import Oscar, OscarError
scientist = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Trade-off', 'parameters': {'x': {'min': 0, 'max': 1}},
              'objectives': {'accuracy': 'maximize', 'latency_ms': 'minimize'}, 'constraints': {'memory_gb': {'max': 16}}}
for i in range(12):
    job = scientist.suggest(experiment)
    x = job['x']
    scientist.update(job, {'accuracy': x, 'latency_ms': 10 * x * x, 'memory_gb': 40 * x})
try:
    scientist.update(scientist.suggest(experiment), {'accuracy': 0.5})
except OscarError as error:
    refused = error.code
print(json.dumps({'front': scientist.pareto_front('Trade-off'), 'refused': refused}))
`;
    const { stdout } = await exec(PYTHON, ['-c', script], { env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url } });
    const { front, refused } = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(refused).toBe('BAD_USER_INPUT');
    // Accuracy x against latency 10x²: every feasible trial (x ≤ 0.4) is on the front, most accurate first.
    const trials = (await server.gql(`{ experiment(name: "Trade-off") { trials(first: 20) { edges { node { number state metrics } } } } }`, {}, token)).data?.experiment.trials.edges.map((e: any) => e.node);
    const feasible = trials.filter((t: any) => t.state === 'COMPLETED' && t.metrics.memory_gb <= 16);
    expect(front.map((t: any) => t.number)).toEqual(
      [...feasible].sort((a: any, b: any) => b.metrics.accuracy - a.metrics.accuracy || a.number - b.number).map((t: any) => t.number),
    );
    expect(front.every((t: any) => t.feasible === true)).toBe(true);
  });

  it('keeps one connection open between calls, and opens a new one by itself when that one is closed', async () => {
    const token = await server.token('keepalive@example.com');
    // A TCP relay in front of the server counts the connections the client opens, and can cut them.
    const upstream = Number(new URL(server.url).port);
    const open = new Set<Socket>();
    let accepted = 0;
    const relay = createNetServer((inbound) => {
      accepted++;
      const outbound = createConnection({ port: upstream, host: '127.0.0.1' });
      open.add(inbound);
      inbound.on('close', () => open.delete(inbound));
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      outbound.on('close', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as { port: number }).port;
    const script = `
import sys
from Oscar import Oscar
scientist = Oscar(sys.argv[1], url=sys.argv[2])
experiment = {'name': 'Kept alive', 'parameters': {'x': {'min': 0, 'max': 1}}}
def loop(n):
    for i in range(n):
        job = scientist.suggest(experiment)
        scientist.update(job, {'loss': job['x']})
loop(20)
print('first', flush=True)
sys.stdin.readline()
loop(5)
print('second', flush=True)
`;
    const child = spawn(PYTHON, ['-c', script, token, `http://127.0.0.1:${port}/graphql`], {
      env: { ...process.env, PYTHONPATH: site },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => stdout.includes('first') || child.exitCode !== null, 60_000);
      // 40 calls over one connection.
      expect(accepted).toBe(1);
      // The connection is cut (an idle timeout of the server or of a proxy): the next call reconnects at once.
      for (const socket of open) socket.destroy();
      await waitFor(() => open.size === 0, 30_000);
      child.stdin.write('go\n');
      expect(await exited, stderr).toBe(0);
      expect(stdout).toContain('second');
      expect(accepted).toBe(2);
      // No retry with backoff was needed: the client saw a closed idle connection, not an unreachable server.
      expect(stderr).not.toMatch(/unreachable/);
    } finally {
      child.kill();
      relay.close();
    }
  }, 120_000);
});

