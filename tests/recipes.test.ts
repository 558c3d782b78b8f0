// The recipes in docs/ (cluster.md, cloud.md, spot-machines.md), run as written against a real server.
//
// The scripts are not copied here: each test reads them from the markdown, so the docs cannot drift from
// what is tested. The convention: a fenced code block whose info string names a file,
//
//   ```python title="train.py"
//
// is that file, byte for byte; `recipeFiles` collects them, and each test writes them into a temporary
// directory and runs them there, with Debian's /usr/bin/python3 first on PATH, as a node would.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, waitUntil, type GraphQLResponse, type TestServer } from './harness.ts';

const PYTHON = '/usr/bin/python3';

/** The files a recipe shows: each fenced block whose info string has `title="NAME"`, by NAME. */
function recipeFiles(doc: string): Map<string, string> {
  const text = readFileSync(join(ROOT, 'docs', doc), 'utf8');
  const files = new Map<string, string>();
  const block = /^```[\w-]*[^\n]*?\btitle="([^"]+)"[^\n]*\n([\s\S]*?)^```$/gm;
  for (const [, name, body] of text.matchAll(block)) {
    if (files.has(name!)) throw new Error(`${doc} shows ${name} twice`);
    files.set(name!, body!);
  }
  return files;
}

/**
 * Writes a recipe's files, `names` (which must be all the files it shows: none goes untested), into a
 * new temporary directory (removed after the test).
 */
function writeRecipe(doc: string, names: readonly string[]): string {
  const files = recipeFiles(doc);
  expect([...files.keys()].sort(), `the files ${doc} shows`).toEqual([...names].sort());
  const dir = scratch('oscar-recipe-');
  for (const [name, body] of files) writeFileSync(join(dir, name), body);
  return dir;
}

const scratchDirs: string[] = [];
function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** A process a test started: in a process group of its own, so that it and its children can be killed together. */
interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Process groups to kill after each test if still there (a loop's children included). */
const groups = new Set<number>();

function start(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const pid = child.pid;
  if (pid) groups.add(pid);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      // Its group is empty by now (a loop's children end before it): never signal a reused id.
      if (pid) groups.delete(pid);
      resolve(code);
    }),
  );
  return { child, exited, output: () => output };
}

/** Whether process `pid` runs (a zombie waiting for a parent that never reaps it does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The environment of a node: Debian's Python first on PATH, the server and the token. */
function nodeEnv(token: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OSCAR_WORKER;
  delete env.PYTHONPATH;
  return { ...env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`, OSCAR_URL: server.url, OSCAR_TOKEN: token, ...extra };
}

/** A trial as the tests read it. */
interface StoredTrial {
  readonly id: string;
  readonly number: number;
  readonly state: string;
  readonly loss: number | null;
  readonly params: Record<string, number>;
  readonly worker: string | null;
  readonly retryOf: { readonly id: string } | null;
  /** With SPOT_FIELDS only. */
  readonly checkpoint?: { readonly path: string; readonly epoch: number } | null;
  readonly heartbeatAt?: string | null;
  readonly leaseExpiresAt?: string | null;
  readonly metrics?: Record<string, unknown>;
}

/** What the spot tests read besides. */
const SPOT_FIELDS = 'checkpoint heartbeatAt leaseExpiresAt metrics';

/** Every trial of the experiment `name`, by number. */
async function trialsOf(token: string, name: string, fields = ''): Promise<StoredTrial[]> {
  const trials: StoredTrial[] = [];
  let after: string | null = null;
  for (;;) {
    const page: GraphQLResponse<any> = await server.gql(
      `query ($name: String!, $after: String) { experiment(name: $name) { trials(first: 100, after: $after) {
        edges { node { id number state loss params worker retryOf { id } ${fields} } } pageInfo { hasNextPage endCursor } } } }`,
      { name, after },
      token,
    );
    const connection: { edges: { node: StoredTrial }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } | undefined = page.data?.experiment?.trials;
    if (!connection) return [];
    trials.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return trials.sort((a, b) => a.number - b.number);
    after = connection.pageInfo.endCursor;
  }
}

/** Runs Python code in `cwd` (where a recipe's modules are) with `input` on stdin; resolves with its stdout. */
function python(code: string, input: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', code], { cwd, env: { ...process.env, PYTHONPATH: join(ROOT, 'clients/python') }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python exited with ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

/**
 * Reads trials' parameters (JSON on stdin) and prints each one's loss by the recipe's own `train`, and the
 * median best loss of as many random trials (drawn from the recipe's parameter space, 2,000 times over).
 */
const JUDGE_CLUSTER = `import json, math, random, sys
from train import train, experiment
trials = json.load(sys.stdin)
rng = random.Random(7)
def draw():
    params = {}
    for name, spec in experiment['parameters'].items():
        if spec.get('distribution') == 'log_uniform':
            params[name] = math.exp(rng.uniform(math.log(spec['min']), math.log(spec['max'])))
        elif 'step' in spec:
            params[name] = rng.randrange(spec['min'], spec['max'] + 1, spec['step'])
        else:
            params[name] = rng.uniform(spec['min'], spec['max'])
    return params
bests = sorted(min(train(**draw()) for _ in trials) for _ in range(2000))
print(json.dumps({'losses': [train(**t) for t in trials], 'randomMedian': bests[len(bests) // 2]}))
`;

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterEach(() => {
  for (const pid of groups) if (running(pid)) killGroup(pid);
  groups.clear();
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await server?.stop();
});

describe('docs/cluster.md', () => {
  it('runs worker.sh on four nodes: every trial completed once, by each node, better than random search', { timeout: 240_000 }, async () => {
    const token = await server.token('cluster@example.com');
    const dir = writeRecipe('cluster.md', ['train.py', 'worker.sh']);
    const perNode = 10;
    const nodes = [1, 2, 3, 4].map((i) =>
      start('bash', ['worker.sh'], {
        cwd: dir,
        env: nodeEnv(token, { OSCAR_WORKER: `node-${i}`, OSCAR_TRIALS: String(perNode), PYTHONPATH: join(ROOT, 'clients/python') }),
      }),
    );
    const codes = await Promise.all(nodes.map((node) => node.exited));
    const outputs = nodes.map((node) => node.output());
    expect(codes, outputs.join('\n---\n')).toEqual([0, 0, 0, 0]);
    for (const output of outputs) expect(output.match(/^trial \d+ /gm), output).toHaveLength(perNode);

    const trials = await trialsOf(token, 'Cluster');
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 4 * perNode }, (_, i) => i + 1));
    expect(trials.map((t) => t.state)).toEqual(trials.map(() => 'COMPLETED'));
    for (const i of [1, 2, 3, 4]) expect(trials.filter((t) => t.worker === `node-${i}`)).toHaveLength(perNode);
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(trials.length);
    expect(trials.every((t) => t.retryOf === null)).toBe(true);

    // Each stored loss is train(**params), and the best beats the median best of as many random trials.
    const judged = JSON.parse(await python(JUDGE_CLUSTER, JSON.stringify(trials.map((t) => t.params)), dir)) as { losses: number[]; randomMedian: number };
    trials.forEach((trial, i) => expect(trial.loss).toBeCloseTo(judged.losses[i]!, 9));
    const best = Math.min(...trials.map((t) => t.loss!));
    expect(best).toBeLessThan(judged.randomMedian);
  });
});

describe('docs/cloud.md', () => {
  it('runs user-data.sh in a fresh home: installs the client offline, loops the experiment in the background, trials arrive', { timeout: 240_000 }, async () => {
    const token = await server.token('cloud@example.com');
    const dir = writeRecipe('cloud.md', ['user-data.sh']);
    const home = scratch('oscar-home-');
    // The client's source, as a cloud machine would fetch it (a copy: pip builds in the folder it installs from).
    const client = join(scratch('oscar-client-'), 'python');
    cpSync(join(ROOT, 'clients/python'), client, { recursive: true, filter: (path) => !/(\/build|\.egg-info|__pycache__)$/.test(path) });
    const trials = 4;
    const userData = start('bash', [join(dir, 'user-data.sh')], {
      cwd: home,
      env: nodeEnv(token, { HOME: home, OSCAR_CLIENT: client, OSCAR_TRIALS: String(trials), OSCAR_SYSTEMD: 'no' }),
    });
    // The script returns once the loop runs in the background.
    expect(await userData.exited, userData.output()).toBe(0);
    const worker = join(home, 'oscar');
    const loop = Number(readFileSync(join(worker, 'worker.pid'), 'utf8'));
    groups.add(loop);
    expect(existsSync(join(worker, 'python/Oscar/client.py'))).toBe(true);
    expect(statSync(join(worker, 'worker.env')).mode & 0o777).toBe(0o600);

    // Trials arrive, then the loop ends by itself at its budget.
    const log = () => (existsSync(join(worker, 'worker.log')) ? readFileSync(join(worker, 'worker.log'), 'utf8') : '');
    await waitUntil(async () => !running(loop), 180_000).catch(() => {
      throw new Error(`the worker loop did not finish; its log:\n${log()}`);
    });
    expect(log().match(/^trial \d+ /gm), log()).toHaveLength(trials);
    const stored = await trialsOf(token, 'Cloud');
    expect(stored.map((t) => [t.number, t.state, t.worker])).toEqual(
      Array.from({ length: trials }, (_, i) => [i + 1, 'COMPLETED', hostname()]),
    );
    for (const trial of stored) expect(trial.loss).toBeCloseTo((trial.params.x! - 1) ** 2 + (trial.params.y! + 2) ** 2, 9);
  });
});

describe('docs/spot-machines.md', () => {
  const EPOCHS = 20;

  /** Runs the recipe's train.py once, as worker `worker` (one boot of a spot machine). */
  function boot(dir: string, token: string, worker: string): Started {
    return start(PYTHON, ['train.py'], {
      cwd: dir,
      env: nodeEnv(token, {
        OSCAR_WORKER: worker,
        EPOCH_SECONDS: '0.5',
        LEASE_SECONDS: '6',
        CHECKPOINT_DIR: join(dir, 'checkpoints'),
        PYTHONPATH: join(ROOT, 'clients/python'),
      }),
    });
  }

  /** Once the experiment's trial has a checkpoint at epoch 2 or later, kills the worker with SIGKILL, and checks it was mid-trial. */
  async function interrupt(worker: Started, token: string): Promise<void> {
    await waitUntil(async () => ((await trialsOf(token, 'Spot', SPOT_FIELDS))[0]?.checkpoint?.epoch ?? 0) >= 2, 60_000).catch(() => {
      throw new Error(`no checkpoint at epoch 2; the worker said:\n${worker.output()}`);
    });
    killGroup(worker.child.pid!);
    expect(await worker.exited).toBeNull();
    const [lost, ...others] = await trialsOf(token, 'Spot', SPOT_FIELDS);
    expect(others).toEqual([]);
    // Killed mid-trial: still RUNNING, its latest checkpoint short of the end.
    expect(lost!.state).toBe('RUNNING');
    expect(lost!.checkpoint!.epoch).toBeGreaterThanOrEqual(2);
    expect(lost!.checkpoint!.epoch).toBeLessThan(EPOCHS);
    expect(existsSync(lost!.checkpoint!.path)).toBe(true);
  }

  /**
   * Resolves with the lost trial once `ms` have passed (with a margin) since its `field` (a timestamp the
   * server set), read afresh at each poll: a request the killed worker had in flight counts too.
   */
  async function quiet(token: string, field: 'heartbeatAt' | 'leaseExpiresAt', ms: number): Promise<StoredTrial> {
    let trial: StoredTrial | undefined;
    await waitUntil(async () => {
      [trial] = await trialsOf(token, 'Spot', SPOT_FIELDS);
      return Date.now() > Date.parse(trial![field]!) + ms + 250;
    }, ms + 60_000);
    return trial!;
  }

  it('reboot: killed with SIGKILL mid-trial, the same worker gets the same trial back and resumes from its checkpoint', { timeout: 180_000 }, async () => {
    const token = await server.token('spot-reboot@example.com');
    const dir = writeRecipe('spot-machines.md', ['train.py']);
    await interrupt(boot(dir, token, 'spot-1'), token);
    // The machine is back once the trial's heartbeats have been silent for half its lease (3 s).
    const lost = await quiet(token, 'heartbeatAt', 3000);
    const epoch = lost.checkpoint!.epoch;
    const again = boot(dir, token, 'spot-1');
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toContain(`trial ${lost.id} starts at epoch ${epoch}\n`);

    const trials = await trialsOf(token, 'Spot', SPOT_FIELDS);
    expect(trials).toHaveLength(1);
    expect(trials[0]).toMatchObject({ id: lost.id, state: 'COMPLETED', worker: 'spot-1', params: lost.params, retryOf: null });
    expect(trials[0]!.metrics).toMatchObject({ resumed_from: epoch, epochs_run: EPOCHS - epoch });
    expect(trials[0]!.checkpoint).toEqual({ path: join(dir, 'checkpoints', `${lost.id}-epoch${EPOCHS}.json`), epoch: EPOCHS });
    expect(JSON.parse(readFileSync(trials[0]!.checkpoint!.path, 'utf8'))).toMatchObject({ epoch: EPOCHS, loss: trials[0]!.loss });
  });

  it('lost machine: once the lease ran out, another worker gets a copy of the trial that resumes from its checkpoint', { timeout: 180_000 }, async () => {
    const token = await server.token('spot-lost@example.com');
    const dir = writeRecipe('spot-machines.md', ['train.py']);
    await interrupt(boot(dir, token, 'spot-2'), token);
    // Another machine asks once the lease (6 s) has run out.
    const lost = await quiet(token, 'leaseExpiresAt', 0);
    const epoch = lost.checkpoint!.epoch;
    const other = boot(dir, token, 'spot-3');
    expect(await other.exited, other.output()).toBe(0);

    const trials = await trialsOf(token, 'Spot', SPOT_FIELDS);
    expect(trials.map((t) => [t.number, t.state, t.worker])).toEqual([
      [1, 'STALE', 'spot-2'],
      [2, 'COMPLETED', 'spot-3'],
    ]);
    const copy = trials[1]!;
    expect(copy.retryOf).toEqual({ id: lost.id });
    expect(copy.params).toEqual(lost.params);
    expect(other.output()).toContain(`trial ${copy.id} starts at epoch ${epoch}\n`);
    expect(copy.metrics).toMatchObject({ resumed_from: epoch, epochs_run: EPOCHS - epoch });
    expect(trials[0]!.checkpoint).toEqual(lost.checkpoint);
  });
});
