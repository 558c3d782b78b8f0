import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, waitUntil, type TestServer } from './harness.ts';
import { startGraphqlProxy } from './graphql-proxy.ts';

let server: TestServer;
let dir: string;
/** Every agent started, ended in afterAll if a failed test left one running. */
const agents: ChildProcess[] = [];

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'oscar-agent-'));
});
afterAll(async () => {
  for (const agent of agents) if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `oscar run` as a user would (`npx oscar run ...` runs bin/oscar.mjs); `exited` resolves when it ends. */
function oscarRun(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'bin/oscar.mjs'), 'run', ...args], {
    cwd: dir,
    env: { ...process.env, OSCAR_URL: server.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agents.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exited };
}

/** Whether a process with this id still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function trialsOf(token: string, name: string) {
  const result = await server.gql(
    `query ($name: String!) { experiment(name: $name) { trialCount trials(first: 50) { edges { node { id number state loss error params metrics worker } } } } }`,
    { name },
    token,
  );
  return result.data?.experiment.trials.edges.map((e: { node: unknown }) => e.node) as {
    id: string;
    number: number;
    state: string;
    loss: number | null;
    error: string | null;
    params: Record<string, number | string>;
    metrics: Record<string, unknown>;
    worker: string;
  }[];
}

describe('oscar run', () => {
  it('tunes a command through environment variables, a parameter file and {name} in its arguments, K at a time', async () => {
    const token = await server.token('agent@example.com');
    const spec = file(
      'agent.json',
      JSON.stringify({ name: 'Agent', parameters: { x: { min: -5, max: 5 }, y: { min: -5, max: 5 }, kind: ['a', 'b'] } }),
    );
    const train = file(
      'train.cjs',
      `const fs = require('fs');
const x = Number(process.argv[2].split('=')[1]);
const y = Number(process.env.OSCAR_PARAM_Y);
const { kind } = JSON.parse(fs.readFileSync(process.env.OSCAR_PARAMS_FILE, 'utf8'));
console.log('training...');
console.log(JSON.stringify({ loss: x * x + y * y + (kind === 'a' ? 0 : 1), trial: Number(process.env.OSCAR_TRIAL_NUMBER) }));
`,
    );
    const { exited } = oscarRun(['--experiment', spec, '--trials', '8', '--parallel', '3', '--token', token, '--', process.execPath, train, '--x={x}'], {
      OSCAR_WORKER: 'agent-box',
    });
    const ran = await exited;
    expect(ran.stderr).not.toMatch(/FAILED/);
    expect(ran.code).toBe(0);
    const trials = await trialsOf(token, 'Agent');
    expect(trials).toHaveLength(8);
    for (const trial of trials) {
      expect(trial.state).toBe('COMPLETED');
      const { x, y, kind } = trial.params as { x: number; y: number; kind: string };
      expect(trial.loss).toBeCloseTo(x * x + y * y + (kind === 'a' ? 0 : 1), 9);
      expect(trial.metrics).toEqual({ trial: trial.number });
    }
    expect(new Set(trials.map((t) => t.worker))).toEqual(new Set(['agent-box', 'agent-box-2', 'agent-box-3']));
    // A progress line per trial, and the summary with the best trial first.
    expect(ran.stderr.match(/^oscar: trial \d+ COMPLETED loss \S+ \| best here \S+ \(trial \d+\) \| \d\/8 done/gm)).toHaveLength(8);
    const best = trials.reduce((a, b) => (a.loss! <= b.loss! ? a : b));
    expect(ran.stdout).toContain('Experiment "Agent": 8 trials run here, 8 with a loss, 0 failed.');
    expect(ran.stdout).toMatch(new RegExp(`Best 5:\\n\\s+trial\\s+loss\\s+kind\\s+x\\s+y\\n\\s+${best.number}\\s`));
  });

  it('ends well once the experiment\'s trial budget (max_trials) is spent, over two runs and --parallel', async () => {
    const token = await server.token('agent-budget@example.com');
    const spec = file('budget.json', JSON.stringify({ name: 'Budget', parameters: { x: { min: 0, max: 1 } }, max_trials: 5 }));
    const command = [process.execPath, '-e', 'console.log(Number(process.env.OSCAR_PARAM_X) ** 2)'];
    const runs = await Promise.all([0, 1].map(() => oscarRun(['--experiment', spec, '--parallel', '2', '--token', token, '--', ...command], { OSCAR_BUDGET_POLL_MS: '200' }).exited));
    for (const ran of runs) {
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stderr).toContain('oscar: the experiment has run its trial budget (max_trials); resume it with a larger max_trials to go on');
    }
    const trials = await trialsOf(token, 'Budget');
    expect(trials.map((t) => t.state)).toEqual(Array.from({ length: 5 }, () => 'COMPLETED'));

    // Grid search ends the same way once every point of its grid has run: 3 x 2 points over two runs.
    const gridSpec = file('grid.json', JSON.stringify({ name: 'Grid', algorithm: 'grid', parameters: { x: { min: 1, max: 3, step: 1 }, kind: ['a', 'b'] } }));
    const gridRuns = await Promise.all([0, 1].map(() => oscarRun(['--experiment', gridSpec, '--parallel', '2', '--token', token, '--', ...command], { OSCAR_BUDGET_POLL_MS: '200' }).exited));
    for (const gridRan of gridRuns) {
      expect(gridRan.code, gridRan.stderr).toBe(0);
      expect(gridRan.stderr).toContain('oscar: the experiment has tried every point of its grid (algorithm grid); resume it with another algorithm to go on');
    }
    const gridTrials = await trialsOf(token, 'Grid');
    expect(gridTrials.map((t) => t.state)).toEqual(Array.from({ length: 6 }, () => 'COMPLETED'));
    expect(new Set(gridTrials.map((t) => JSON.stringify(t.params))).size).toBe(6);

    // Spent while a trial runs elsewhere: the run waits, runs that trial once it is given up, then ends.
    const held = await server.gql(`mutation { suggest(experiment: {name: "Budget held", parameters: {x: {min: 0, max: 1}}, maxTrials: 2, leaseSeconds: 600}, worker: "preempted") { id params } }`, {}, token);
    const waiting = oscarRun(['--experiment', 'Budget held', '--token', token, '--', ...command], { OSCAR_BUDGET_POLL_MS: '200' });
    let stderr = '';
    waiting.child.stderr.on('data', (chunk) => (stderr += chunk));
    await waitUntil(async () => stderr.includes('1 trials still run: waiting in case one is given up'), 60_000);
    expect((await server.gql(`mutation ($id: ID!) { release(trialId: $id) { state } }`, { id: held.data?.suggest.id }, token)).errors).toBeUndefined();
    const ran = await waiting.exited;
    expect(ran.code, ran.stderr).toBe(0);
    const after = await trialsOf(token, 'Budget held');
    expect(after.map((t) => t.state).sort()).toEqual(['COMPLETED', 'COMPLETED', 'STALE']);
    expect(after.filter((t) => t.state === 'COMPLETED').map((t) => t.params)).toContainEqual(held.data?.suggest.params);
  });

  it("runs the README's Get Started example as written", async () => {
    const token = await server.token('agent-readme@example.com');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Tune any program: `oscar run`'));
    const example = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    expect(example).toContain('OSCAR_TOKEN=... npx oscar run');
    // As a user runs it in a shell, with the token filled in and this checkout's oscar for npx's.
    const script = example.replace('OSCAR_TOKEN=...', `OSCAR_TOKEN=${token}`).replace('npx oscar', `"${process.execPath}" "${join(ROOT, 'bin/oscar.mjs')}"`);
    const ran = await new Promise<Ran>((resolve) => {
      const child = spawn('bash', ['-e', '-c', script], { cwd: dir, env: { ...process.env, OSCAR_URL: server.url }, stdio: ['ignore', 'pipe', 'pipe'] });
      agents.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(ran.code, ran.stderr).toBe(0);
    const trials = await trialsOf(token, 'Square');
    expect(trials).toHaveLength(20);
    for (const trial of trials) {
      expect(trial.state).toBe('COMPLETED');
      expect(trial.loss).toBeCloseTo(Number(trial.params.x) ** 2, 6);
    }
    expect(new Set(trials.map((t) => t.worker)).size).toBe(2); // --parallel 2
    expect(ran.stdout).toContain('Experiment "Square": 20 trials run here, 20 with a loss, 0 failed.');
  });

  it('reports a command that fails, or prints no result, as a failed trial with the end of its stderr; a bare number is a loss', async () => {
    const token = await server.token('agent-failures@example.com');
    const spec = file('failures.json', JSON.stringify({ name: 'Failures', parameters: { x: { min: 0, max: 1 } } }));
    const crash = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', "console.error('loading data\\nCUDA out of memory'); process.exit(3)"]).exited;
    const chatty = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', "console.log('done, no number')"]).exited;
    const bare = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', 'console.log(String(Number(process.env.OSCAR_PARAM_X) * 2))']).exited;
    for (const ran of [crash, chatty, bare]) expect(ran.code).toBe(0);
    expect(crash.stdout).toContain('1 trial run here, 0 with a loss, 1 failed.');
    const trials = (await trialsOf(token, 'Failures')).sort((a, b) => a.number - b.number);
    expect(trials.map((t) => t.state)).toEqual(['FAILED', 'FAILED', 'COMPLETED']);
    expect(trials[0]!.error).toBe('exit code 3: loading data\nCUDA out of memory');
    expect(trials[1]!.error).toMatch(/^the last line of output is not a result .*"done, no number"/);
    expect(trials[2]!.loss).toBeCloseTo((trials[2]!.params.x as number) * 2, 9);
    // The reason is on the FAILED line, on one line; the command's stderr was passed through as it came.
    expect(crash.stderr).toMatch(/^oscar: trial 1 FAILED \(exit code 3: loading data \.\.\. CUDA out of memory\) \| best here - \| 1\/1 done/m);
    expect(crash.stderr).toContain('loading data\nCUDA out of memory\n');
    expect(chatty.stderr).toMatch(/^oscar: trial 2 FAILED \(the last line of output is not a result .*"done, no number"\) \| best here -/m);
  });

  it('fails a trial whose stderr holds a NUL byte or ends mid-emoji, with U+FFFD in their place, and runs on', async () => {
    const token = await server.token('agent-binary@example.com');
    const spec = file('binary.json', JSON.stringify({ name: 'Binary', parameters: { x: { min: 0, max: 1 } } }));
    // 2,003 UTF-16 units: the last 2,000 (the error's tail) begin with the second half of an emoji.
    const script = "process.stderr.write('\\u{1F600}'.repeat(1000) + 'a\\u0000b'); process.exit(3)";
    const ran = await oscarRun(['--experiment', spec, '--trials', '2', '--token', token, '--', process.execPath, '-e', script]).exited;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('2 trials run here, 0 with a loss, 2 failed.');
    const trials = await trialsOf(token, 'Binary');
    expect(trials.map((t) => t.state)).toEqual(['FAILED', 'FAILED']);
    for (const trial of trials) expect(trial.error).toBe(`exit code 3: \uFFFD${'\u{1F600}'.repeat(998)}a\uFFFDb`);
  });

  it('gives up at once on a command that cannot be started, with its reason, giving its trial back unfailed', async () => {
    const token = await server.token('agent-nosuch@example.com');
    const spec = file('nosuch.json', JSON.stringify({ name: 'NoSuch', parameters: { x: { min: 0, max: 1 } } }));
    const ran = await oscarRun(['--experiment', spec, '--token', token, '--', './nosuch']).exited;
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^oscar: trial 1 not run \(cannot run \.\/nosuch: spawn \.\/nosuch ENOENT\): given back to be offered again$/m);
    expect(ran.stderr.trimEnd().split('\n').at(-1)).toBe('oscar: stopped: cannot run ./nosuch: spawn ./nosuch ENOENT');
    expect(ran.stdout).toContain('0 trials run here, 0 with a loss, 0 failed.');
    // Not the parameters' fault: no trial is failed; it is given back (STALE at once) and offered again.
    const [given] = await trialsOf(token, 'NoSuch');
    expect(given).toMatchObject({ number: 1, state: 'STALE', error: null });
    // A file that is not executable, K at a time: the run stops too, starting no trial after it, failing none.
    file('notexec.sh', 'echo 1\n');
    const parallel = await oscarRun(['--experiment', spec, '--parallel', '2', '--token', token, '--', './notexec.sh']).exited;
    expect(parallel.code).toBe(1);
    expect(parallel.stderr).toContain('oscar: stopped: cannot run ./notexec.sh: spawn ./notexec.sh EACCES');
    const after = await trialsOf(token, 'NoSuch');
    expect(after.length).toBeLessThanOrEqual(3);
    expect(after.filter((t) => t.state !== 'STALE')).toEqual([]);
    // Its parameters are what the next run with a command that works is offered first.
    const works = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', 'console.log(JSON.stringify({loss: 1}))']).exited;
    expect(works.code).toBe(0);
    const done = (await trialsOf(token, 'NoSuch')).filter((t) => t.state === 'COMPLETED');
    expect(done).toHaveLength(1);
    expect(after.map((t) => t.params.x)).toContain(done[0]!.params.x);
  });

  it('fails, and goes on past, a trial whose program named by a parameter (./{kind}.sh) does not exist', async () => {
    const token = await server.token('agent-kind@example.com');
    const spec = file('kind.json', JSON.stringify({ name: 'Kind', parameters: { kind: ['b', 'c'] } }));
    const ran = await oscarRun(['--experiment', spec, '--trials', '2', '--max-failures', '0', '--token', token, '--', './{kind}.sh']).exited;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('2 trials run here, 0 with a loss, 2 failed.');
    const trials = await trialsOf(token, 'Kind');
    expect(trials.map((t) => t.state)).toEqual(['FAILED', 'FAILED']);
    for (const trial of trials) expect(trial.error).toBe(`cannot run ./${trial.params.kind}.sh: spawn ./${trial.params.kind}.sh ENOENT`);
  });

  it('warns before any trial of a {placeholder} in the command that names no parameter, and passes it as written', async () => {
    const token = await server.token('agent-typo@example.com');
    const spec = file('typo.json', JSON.stringify({ name: 'Typo', parameters: { learning_rate: { min: 0, max: 1 } } }));
    const script = 'console.log(JSON.stringify({loss: process.argv[1] === "{lr}" ? 1 : 2}))';
    const ran = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', script, '{lr}', '${HOME}', '--x=${learning_rate}']).exited;
    expect(ran.code).toBe(0);
    const warning = 'oscar: warning: {lr} in the command names no parameter of the experiment (learning_rate); passed to the command as written';
    const lines = ran.stderr.split('\n');
    expect(lines).toContain(warning);
    expect(lines.indexOf(warning)).toBeLessThan(lines.findIndex((line) => line.startsWith('oscar: trial 1 ')));
    // Shell-style ${name} of a real parameter: its {name} is replaced, the $ stays. ${HOME} is no parameter: not warned of.
    expect(lines).toContain('oscar: warning: ${learning_rate} in the command becomes $ and the value (the command runs without a shell): write {learning_rate}');
    expect(lines.filter((line) => line.startsWith('oscar: warning:'))).toHaveLength(2);
    expect((await trialsOf(token, 'Typo')).map((t) => t.loss)).toEqual([1]);
  });

  it('gives up after --max-failures failed trials in a row (5 by default), naming the last reason', async () => {
    const token = await server.token('agent-give-up@example.com');
    const failing = ['--', process.execPath, '-e', "console.error('bad thing'); process.exit(3)"];
    const spec = file('give-up.json', JSON.stringify({ name: 'GiveUp', parameters: { x: { min: 0, max: 1 } } }));
    const ran = await oscarRun(['--experiment', spec, '--token', token, ...failing]).exited;
    expect(ran.code).toBe(1);
    expect(ran.stderr.trimEnd().split('\n').at(-1)).toBe('oscar: stopped after 5 failed trials in a row (--max-failures 5); the last: exit code 3: bad thing');
    expect(ran.stdout).toContain('5 trials run here, 0 with a loss, 5 failed.');
    expect((await trialsOf(token, 'GiveUp')).map((t) => t.state)).toEqual(Array(5).fill('FAILED'));
    // K at a time: no trial is started after the third failure in a row, and the running ones end (none left RUNNING).
    const parallelSpec = file('give-up-parallel.json', JSON.stringify({ name: 'GiveUpParallel', parameters: { x: { min: 0, max: 1 } } }));
    const parallel = await oscarRun(['--experiment', parallelSpec, '--parallel', '2', '--max-failures', '3', '--token', token, ...failing]).exited;
    expect(parallel.code).toBe(1);
    expect(parallel.stderr).toContain('failed trials in a row (--max-failures 3); the last: exit code 3: bad thing');
    const states = (await trialsOf(token, 'GiveUpParallel')).map((t) => t.state);
    expect(states.length).toBeGreaterThanOrEqual(3);
    expect(states.length).toBeLessThanOrEqual(4);
    expect(new Set(states)).toEqual(new Set(['FAILED']));
    // 0: never gives up; and a success between failures starts the count again.
    const never = await oscarRun(['--experiment', spec, '--trials', '7', '--max-failures', '0', '--token', token, ...failing]).exited;
    expect(never.code).toBe(0);
    expect(never.stdout).toContain('7 trials run here, 0 with a loss, 7 failed.');
    const alternate = file('alternate.json', JSON.stringify({ name: 'Alternate', parameters: { x: { min: 0, max: 1 } } }));
    const flaky = await oscarRun(['--experiment', alternate, '--trials', '6', '--max-failures', '2', '--token', token, '--', process.execPath, '-e', 'process.exit(Number(process.env.OSCAR_TRIAL_NUMBER) % 2 ? 3 : console.log(1) ?? 0)']).exited;
    expect(flaky.code, flaky.stderr).toBe(0);
    expect(flaky.stdout).toContain('6 trials run here, 3 with a loss, 3 failed.');
  });

  it("keeps a long command's trial alive with heartbeats", async () => {
    const token = await server.token('agent-long@example.com');
    const spec = file('long.json', JSON.stringify({ name: 'Long', parameters: { x: { min: 0, max: 1 } }, lease_seconds: 2 }));
    const release = join(dir, 'release-long');
    // Runs until the test releases it, printing its loss then.
    const { exited } = oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e',
      `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(release)})) { clearInterval(t); console.log(1); } }, 50);`]);
    const lease = async () => {
      const result = await server.gql(`{ experiment(name: "Long") { trials(first: 1) { edges { node { state createdAt leaseExpiresAt } } } } }`, {}, token);
      return result.data?.experiment?.trials.edges[0]?.node as { state: string; createdAt: string; leaseExpiresAt: string } | undefined;
    };
    // The 2 s lease renewed past twice its length while the command runs: it never went STALE.
    await waitUntil(async () => {
      const trial = await lease();
      return trial !== undefined && Date.parse(trial.leaseExpiresAt) - Date.parse(trial.createdAt) > 4000;
    }, 60_000);
    expect((await lease())!.state).toBe('RUNNING');
    writeFileSync(release, '');
    expect((await exited).code).toBe(0);
    expect((await trialsOf(token, 'Long')).map((t) => t.state)).toEqual(['COMPLETED']);
  });

  it('stops its commands at Ctrl-C and gives their trials back to be offered again at once', async () => {
    const token = await server.token('agent-stop@example.com');
    const spec = file('stop.json', JSON.stringify({ name: 'Stop', parameters: { x: { min: 0, max: 1 } }, lease_seconds: 600 }));
    const sleeper = file('sleeper.cjs', `require('fs').writeFileSync(process.argv[2] + '/pid-' + process.env.OSCAR_TRIAL_NUMBER, String(process.pid)); setTimeout(() => {}, 600000);`);
    const { child, exited } = oscarRun(['--experiment', spec, '--parallel', '2', '--token', token, '--', process.execPath, sleeper, dir]);
    const pids = () => [1, 2].map((n) => join(dir, `pid-${n}`)).filter(existsSync).map((path) => Number(readFileSync(path, 'utf8')));
    await waitUntil(async () => pids().length === 2, 60_000);
    const running = pids();
    child.kill('SIGINT');
    const ran = await exited;
    expect(ran.code).toBe(130);
    expect(ran.stderr).toContain('stopping: the running commands are ended');
    await waitUntil(async () => running.every((pid) => !alive(pid)), 30_000);
    // Not failed: given back (STALE at once, long before their 10-minute leases run out), and offered to the next worker.
    expect((await trialsOf(token, 'Stop')).map((t) => [t.state, t.error])).toEqual([
      ['STALE', null],
      ['STALE', null],
    ]);
  });

  it('gives back the trial of a suggest still in flight at Ctrl-C, instead of leaving it to its lease', async () => {
    const token = await server.token('agent-inflight@example.com');
    const spec = file('inflight.json', JSON.stringify({ name: 'In flight', parameters: { x: { min: 0, max: 1 } }, lease_seconds: 600 }));
    // The server gets the suggest only once the test lets it through: after the Ctrl-C.
    let letThrough = () => {};
    const gate = new Promise<void>((resolve) => (letThrough = resolve));
    const proxy = await startGraphqlProxy(server.url, (body) => (body.query.includes('suggest(') ? { hold: gate } : 'forward'));
    try {
      const run = oscarRun(['--experiment', spec, '--url', proxy.url, '--token', token, '--', process.execPath, '-e', 'setTimeout(() => {}, 600000)']);
      let stderr = '';
      run.child.stderr!.on('data', (chunk) => (stderr += chunk));
      await waitUntil(async () => proxy.bodies.some((b) => b.query.includes('suggest(')), 60_000);
      run.child.kill('SIGINT');
      await waitUntil(async () => stderr.includes('oscar: stopping'), 30_000);
      letThrough();
      const ran = await run.exited;
      expect(ran.code).toBe(130);
      // Created on the server after the Ctrl-C, and released by the run: STALE at once, its command never started.
      expect((await trialsOf(token, 'In flight')).map((t) => t.state)).toEqual(['STALE']);
      expect(proxy.bodies.filter((b) => b.query.includes('release('))).toHaveLength(1);
    } finally {
      letThrough();
      await proxy.close();
    }
  });

  it('stops at Ctrl-C at once while the server is unreachable, retrying no suggest after it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const spec = file('unreachable.json', JSON.stringify({ name: 'Unreachable', parameters: { x: { min: 0, max: 1 } } }));
    const run = oscarRun(['--experiment', spec, '--url', `http://127.0.0.1:${port}/graphql`, '--token', 'any', '--', process.execPath, '-e', '']);
    let stderr = '';
    run.child.stderr!.on('data', (chunk) => (stderr += chunk));
    await waitUntil(async () => stderr.includes('unreachable'), 60_000);
    const stopped = Date.now();
    run.child.kill('SIGINT');
    const ran = await run.exited;
    // Before, a stop let the suggest retry for the 15 s given to one in flight.
    expect(Date.now() - stopped).toBeLessThan(8_000);
    expect(ran.code).toBe(130);
    expect(ran.stderr).not.toContain('a suggest still unanswered');
  });

  it('saves the checkpoints a command prints, and hands the latest to the command that takes its trial over', async () => {
    const token = await server.token('agent-spot@example.com');
    const spec = file('spot.json', JSON.stringify({ name: 'Spot', parameters: { x: { min: 0, max: 1 } }, lease_seconds: 600 }));
    // Trains "epochs" from its checkpoint on; the first run is stopped after epoch 3, the second finishes.
    const train = file(
      'spot.cjs',
      `const start = process.env.OSCAR_CHECKPOINT ? JSON.parse(process.env.OSCAR_CHECKPOINT).epoch + 1 : 1;
const fs = require('fs');
let epoch = start;
const step = () => {
  console.log(JSON.stringify({ checkpoint: { epoch, path: '/shared/' + process.env.OSCAR_TRIAL_ID } }));
  if (epoch === 3 && start === 1) return setTimeout(() => {}, 600000); // preempted here
  if (epoch === 5) return console.log(JSON.stringify({ loss: start, epochs: epoch - start + 1 }));
  epoch++;
  setImmediate(step);
};
step();`,
    );
    const first = oscarRun(['--experiment', spec, '--token', token, '--', process.execPath, train], { OSCAR_WORKER: 'spot-1' });
    await waitUntil(async () => (await server.gql(`{ experiment(name: "Spot") { trials(first: 1) { edges { node { checkpoint } } } } }`, {}, token)).data?.experiment?.trials.edges[0]?.node.checkpoint?.epoch === 3, 60_000);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(130);
    // Given back at Ctrl-C: STALE at once, though its lease has 10 minutes to go.
    expect((await trialsOf(token, 'Spot')).map((t) => t.state)).toEqual(['STALE']);
    const [lost] = await trialsOf(token, 'Spot');

    const second = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, train], { OSCAR_WORKER: 'spot-2' }).exited;
    expect(second.code).toBe(0);
    const [resumed] = await trialsOf(token, 'Spot');
    // It went on from epoch 4, after the checkpoint of epoch 3, with the same parameters.
    expect(resumed).toMatchObject({ state: 'COMPLETED', loss: 4, metrics: { epochs: 2 }, params: lost!.params, worker: 'spot-2' });
    const stored = await server.gql(`{ experiment(name: "Spot") { trials(first: 1) { edges { node { checkpoint } } } } }`, {}, token);
    expect(stored.data?.experiment.trials.edges[0].node.checkpoint).toEqual({ epoch: 5, path: `/shared/${resumed!.id}` });
  });

  it('reports the steps a command prints, and ends the command when the pruner stops its trial', async () => {
    const token = await server.token('agent-pruning@example.com');
    const spec = file('curves.json', JSON.stringify({ name: 'Curves', parameters: { x: { min: 0, max: 1 } }, pruner: { type: 'asha', min_step: 1, reduction: 3 } }));
    // Trial 2 is worse than trial 1 at step 1, and would then train for ten minutes: only a stop ends it.
    const train = file(
      'curves.cjs',
      `const number = Number(process.env.OSCAR_TRIAL_NUMBER);
const target = { 1: 1, 2: 2, 3: 0.5 }[number];
if (number === 1) console.log('{"step": 2, "loss": "abc"}'); // not sent, and the agent says why
for (let step = 0; step < 5; step++) {
  console.log(JSON.stringify({ step, loss: target + 1 / (step + 1), epoch_time: 0.1 }));
  if (number === 2 && step === 1) { setTimeout(() => {}, 600000); return; }
}
console.log(JSON.stringify({ loss: target }));`,
    );
    const ran = await oscarRun(['--experiment', spec, '--trials', '3', '--token', token, '--', process.execPath, train]).exited;
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('oscar: trial 2 PRUNED at step 1');
    expect(ran.stderr).toContain('oscar: trial 1: a step line was not sent: "loss" must be a finite number, got "abc"');
    expect(ran.stdout).toContain('3 trials run here, 2 with a loss, 0 failed, 1 stopped early by the pruner.');
    const trials = (await server.gql(`{ experiment(name: "Curves") { trials(first: 5) { edges { node { number state loss prunedStep intermediateValues { step value metrics } } } } } }`, {}, token)).data?.experiment.trials.edges.map((e: any) => e.node);
    expect(trials.map((t: any) => [t.number, t.state, t.loss, t.prunedStep, t.intermediateValues.map((v: any) => v.step)])).toEqual([
      [3, 'COMPLETED', 0.5, null, [0, 1, 2, 3, 4]],
      [2, 'PRUNED', null, 1, [0, 1]],
      [1, 'COMPLETED', 1, null, [0, 1, 2, 3, 4]],
    ]);
    expect(trials[2].intermediateValues[1]).toEqual({ step: 1, value: 1.5, metrics: { epoch_time: 0.1 } });
  });

  it('stops a command whose trial another worker took over while the agent was paused, and goes on with a trial of its own', async () => {
    const token = await server.token('agent-paused@example.com');
    const spec = file('paused.json', JSON.stringify({ name: 'Paused', parameters: { x: { min: 0, max: 1 } }, lease_seconds: 2 }));
    const go = join(dir, 'paused-go');
    // Trial 1 reports step 0, waits for the go file, reports step 1, then would train (never past 2 minutes).
    const train = file(
      'paused.cjs',
      `const fs = require('fs');
setTimeout(() => process.exit(1), 120000).unref();
if (process.env.OSCAR_TRIAL_NUMBER !== '1') { console.log(JSON.stringify({ loss: 0.25 })); return; }
fs.writeFileSync(process.argv[2] + '/paused-pid', String(process.pid));
console.log(JSON.stringify({ step: 0, loss: 1 }));
const wait = setInterval(() => {
  if (!fs.existsSync(process.argv[3])) return;
  clearInterval(wait);
  console.log(JSON.stringify({ step: 1, loss: 0.9 }));
  setTimeout(() => {}, 120000);
}, 20);`,
    );
    const agent = oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, train, dir, go], { OSCAR_WORKER: 'paused' });
    const pidFile = join(dir, 'paused-pid');
    let thief: ReturnType<typeof setInterval> | undefined;
    try {
      await waitUntil(async () => (await server.gql(`{ experiment(name: "Paused") { trials(first: 1) { edges { node { lastStep } } } } }`, {}, token)).data?.experiment?.trials.edges[0]?.node.lastStep === 0, 50_000);
      // The machine sleeps: no heartbeats, the lease runs out, and another worker takes the parameters.
      agent.child.kill('SIGSTOP');
      try {
        await waitUntil(async () => (await trialsOf(token, 'Paused'))[0]?.state === 'STALE', 50_000);
        const taken = await server.gql(`mutation { suggest(experiment: {name: "Paused", parameters: {x: {min: 0, max: 1}}, leaseSeconds: 2}, worker: "thief") { id number retryOf { number } } }`, {}, token);
        expect(taken.data?.suggest, JSON.stringify(taken.errors)).toMatchObject({ number: 2, retryOf: { number: 1 } });
        // The other worker keeps its lease however long the rest takes.
        const id = taken.data?.suggest.id as string;
        thief = setInterval(() => void server.gql(`mutation ($id: ID!) { heartbeat(trialId: $id) { state } }`, { id }, token), 400);
      } finally {
        agent.child.kill('SIGCONT');
      }
    } finally {
      writeFileSync(go, '');
    }
    try {
      const ran = await agent.exited;
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stderr).toContain('oscar: trial 1: its lease ran out and another worker took its parameters; stopped here');
      expect(ran.stderr).not.toContain('PRUNED');
      // Its command was ended, and the worker went on with a new trial of its own, the one --trials counts.
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await waitUntil(async () => !alive(pid), 30_000);
      expect(ran.stdout).toContain('Experiment "Paused": 1 trial run here, 1 with a loss, 0 failed.');
      const trials = await trialsOf(token, 'Paused');
      expect(trials.map((t) => [t.number, t.state, t.loss, t.worker])).toEqual([
        [3, 'COMPLETED', 0.25, 'paused'],
        [2, 'RUNNING', null, 'thief'],
        [1, 'STALE', null, 'paused'],
      ]);
    } finally {
      clearInterval(thief);
      // A failed run leaves no command behind (it leads its own process group).
      if (existsSync(pidFile)) {
        try {
          process.kill(-Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
        } catch {
          // already ended
        }
      }
    }
  }, 180_000);

  it('starts afresh once with "resume": false, then goes on with that version, whatever the --parallel', async () => {
    const token = await server.token('agent-afresh@example.com');
    const spec = file('afresh.json', JSON.stringify({ name: 'Afresh', parameters: { x: { min: -10, max: 10 } }, resume: false }));
    const square = ['--', 'python3', '-c', 'import os;print(float(os.environ["OSCAR_PARAM_X"])**2)'];
    const versions = async () =>
      (await server.gql(`{ experiment(name: "Afresh") { version versions { version trialCount } } }`, {}, token)).data?.experiment as {
        version: number;
        versions: { version: number; trialCount: number }[];
      };
    const first = await oscarRun(['--experiment', spec, '--trials', '3', '--token', token, ...square]).exited;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr.match(/^oscar: trial \d+ COMPLETED/gm)).toEqual(['oscar: trial 1 COMPLETED', 'oscar: trial 2 COMPLETED', 'oscar: trial 3 COMPLETED']);
    expect((await versions()).versions).toEqual([{ version: 1, trialCount: 3 }]);
    // Run again, two at a time: the earlier three are archived once, and the new version holds all four.
    const second = await oscarRun(['--experiment', spec, '--trials', '4', '--parallel', '2', '--token', token, ...square]).exited;
    expect(second.code, second.stderr).toBe(0);
    expect(await versions()).toEqual({ version: 2, versions: [{ version: 2, trialCount: 4 }, { version: 1, trialCount: 3 }] });
    expect((await trialsOf(token, 'Afresh')).map((t) => t.number).sort()).toEqual([1, 2, 3, 4]);
  });

  it('completes the trials of an experiment whose objectives leave out loss', async () => {
    const token = await server.token('agent-objectives@example.com');
    const spec = file('accuracy.json', JSON.stringify({ name: 'Accuracy', parameters: { x: { min: -10, max: 10 } }, objectives: { acc: 'maximize' } }));
    // A step line first (told apart from the result), then the result with the objective.
    const train = file('accuracy.cjs', `const x = Number(process.env.OSCAR_PARAM_X);
console.log(JSON.stringify({ step: 0, loss: x * x }));
console.log(JSON.stringify({ acc: 1 / (1 + x * x), epochs: 1 }));`);
    const ran = await oscarRun(['--experiment', spec, '--trials', '3', '--token', token, '--', process.execPath, train]).exited;
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).not.toMatch(/FAILED/);
    const trials = await trialsOf(token, 'Accuracy');
    expect(trials).toHaveLength(3);
    for (const trial of trials) {
      expect(trial.state).toBe('COMPLETED');
      expect(trial.metrics.acc).toBeCloseTo(1 / (1 + Number(trial.params.x) ** 2), 9);
    }
    // A last line that is a step without loss, or a result without the objective, fails its trial, saying why.
    const stepLast = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', 'console.log(JSON.stringify({ step: 1, acc: 0.5 }))']).exited;
    const noObjective = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', process.execPath, '-e', 'console.log(JSON.stringify({ loss: 0.5 }))']).exited;
    expect([stepLast.code, noObjective.code]).toEqual([0, 0]);
    const failed = (await trialsOf(token, 'Accuracy')).filter((t) => t.state === 'FAILED').sort((a, b) => a.number - b.number);
    expect(failed.map((t) => t.error)).toEqual([
      expect.stringMatching(/^the last line of output is an intermediate value \(\{"step": \.\.\.\}\), not the result/),
      expect.stringMatching(/^the result was refused: result\.acc is required/),
    ]);
  });

  it('joins an existing experiment by its name, in its space and with its settings; a name that is neither a file nor an experiment is refused', async () => {
    const token = await server.token('agent-join@example.com');
    const created = await server.gql(
      `mutation { suggest(experiment: {name: "Joined by name", parameters: {x: {min: 2, max: 3}, k: [1, 2]}, algorithm: "random", leaseSeconds: 30}) { id experiment { id } } }`,
      {},
      token,
    );
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 9}) { id } }`, { id: created.data?.suggest.id }, token);
    const script = 'console.log(Number(process.env.OSCAR_PARAM_X) * Number(process.env.OSCAR_PARAM_K))';
    const ran = await oscarRun(['--experiment', 'Joined by name', '--trials', '2', '--token', token, '--', process.execPath, '-e', script]).exited;
    expect(ran.code, ran.stderr).toBe(0);
    const trials = await trialsOf(token, 'Joined by name');
    expect(trials.map((t) => t.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    for (const trial of trials.slice(0, 2)) {
      expect(Number(trial.params.x)).toBeGreaterThanOrEqual(2);
      expect(trial.loss).toBeCloseTo(Number(trial.params.x) * Number(trial.params.k), 9);
    }
    const settings = await server.gql(`{ experiment(name: "Joined by name") { algorithm leaseSeconds } }`, {}, token);
    expect(settings.data?.experiment).toEqual({ algorithm: 'random', leaseSeconds: 30 });
    const unknown = await oscarRun(['--experiment', 'No such one', '--trials', '1', '--token', token, '--', 'true']).exited;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no experiment named "No such one", and no spec file of that name: give SPEC.json to create one');
    expect((await server.gql(`{ experiments { name } }`, {}, token)).data?.experiments).toEqual([{ name: 'Joined by name' }]);

    // Deleted while the run goes on (here by its own first trial): the run ends, NOT_FOUND, and no experiment
    // of that name is created again (its suggests send the name alone).
    const id = created.data?.suggest.experiment.id as string;
    const deleter = `await fetch(${JSON.stringify(server.url)}, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.T },
      body: JSON.stringify({ query: 'mutation ($id: ID!) { deleteExperiment(id: $id) { versions } }', variables: { id: ${JSON.stringify(id)} } }) });
      console.log(1);`;
    const gone = await oscarRun(['--experiment', 'Joined by name', '--trials', '3', '--token', token, '--', process.execPath, '--input-type=module', '-e', deleter], { T: token }).exited;
    expect(gone.code, gone.stderr).not.toBe(0);
    expect(gone.stderr).toMatch(/No experiment named "Joined by name"/);
    expect((await server.gql(`{ experiments { name } }`, {}, token)).data?.experiments).toEqual([]);
  });

  it('ends a run joined by name when the experiment is started afresh in another space, running nothing with the old arguments', async () => {
    const token = await server.token('agent-restart@example.com');
    await server.gql(`mutation { suggest(experiment: {name: "Restarted by name", parameters: {x: [1, 2]}}) { id } }`, {}, token);
    // The first trial's command starts the experiment afresh in the space {y}; later trials would need other arguments.
    const restarter = `const argv = process.argv.slice(1);
      if (argv[0] === '--x=1' || argv[0] === '--x=2') await fetch(${JSON.stringify(server.url)}, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.T },
        body: JSON.stringify({ query: 'mutation { suggest(experiment: {name: "Restarted by name", parameters: {y: [5, 6]}, resume: false}) { id } }' }) });
      console.log(argv.length);`;
    const ran = await oscarRun(['--experiment', 'Restarted by name', '--trials', '3', '--token', token, '--', process.execPath, '--input-type=module', '-e', restarter, '--', '--x={x}'], { T: token }).exited;
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('experiment "Restarted by name" was started afresh in another parameter space since this run began; run oscar run again to join it as it is now');
    // Version 2 holds the restarter's trial and the one handed to the run, which it did not run: given
    // back (STALE at once), for the next worker.
    const current = await trialsOf(token, 'Restarted by name');
    expect(current.map((t) => t.state).sort()).toEqual(['RUNNING', 'STALE']);
  });

  it('with --parallel, lets the running commands finish when the experiment is started afresh in another space', async () => {
    const token = await server.token('agent-restart-parallel@example.com');
    const seeded = await server.gql(`mutation { suggest(experiment: {name: "Restarted in parallel", parameters: {x: {min: 0, max: 1}}}) { id } }`, {}, token);
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 5}) { id } }`, { id: seeded.data?.suggest.id }, token);
    const marker = join(dir, 'parallel-restarter');
    const go = join(dir, 'parallel-go');
    // Both commands start; the first to claim the marker starts the experiment afresh in {y} once the other
    // runs, and ends; the other waits for the test's go.
    const command = `const fs = require('fs');
      fs.writeFileSync(${JSON.stringify(dir)} + '/parallel-started-' + process.env.OSCAR_TRIAL_NUMBER, '');
      const started = () => fs.readdirSync(${JSON.stringify(dir)}).filter((f) => f.startsWith('parallel-started-')).length;
      let restarter = false;
      try { fs.closeSync(fs.openSync(${JSON.stringify(marker)}, 'wx')); restarter = true; } catch {}
      const wait = (until, then) => (until() ? then() : setTimeout(() => wait(until, then), 20));
      if (restarter) wait(() => started() >= 2, async () => {
        await fetch(${JSON.stringify(server.url)}, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.T },
          body: JSON.stringify({ query: 'mutation { suggest(experiment: {name: "Restarted in parallel", parameters: {y: [5, 6]}, resume: false}) { id } }' }) });
        console.log(1);
      });
      else wait(() => fs.existsSync(${JSON.stringify(go)}), () => console.log(2));`;
    const run = oscarRun(['--experiment', 'Restarted in parallel', '--parallel', '2', '--token', token, '--', process.execPath, '-e', command], { T: token });
    let stderr = '';
    run.child.stderr.on('data', (chunk) => (stderr += chunk));
    await waitUntil(async () => stderr.includes('no more trials are started; waiting for the 1 running to end'), 60_000);
    writeFileSync(go, '');
    const ran = await run.exited;
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('experiment "Restarted in parallel" was started afresh in another parameter space since this run began');
    // Both commands' results are kept by the version they ran in; the trial handed out in the new one is given back.
    const versions = await server.gql(`{ experiment(name: "Restarted in parallel") { versions { version trials(first: 10) { edges { node { state loss } } } } } }`, {}, token);
    const [current, archived] = versions.data?.experiment.versions.map((v: any) => v.trials.edges.map((e: any) => [e.node.state, e.node.loss]).sort());
    expect(archived).toEqual([
      ['COMPLETED', 1],
      ['COMPLETED', 2],
      ['COMPLETED', 5],
    ]);
    expect(current).toEqual([
      ['RUNNING', null],
      ['STALE', null],
    ]);
  });

  it('refuses, before asking for a trial, parameters that would share an environment variable', async () => {
    const token = await server.token('agent-clash@example.com');
    const spec = file('clash.json', JSON.stringify({ name: 'Clash', parameters: { lr: { min: 0, max: 1 }, LR: { min: 0, max: 1 }, 'a-b': [1, 2], a_b: [3, 4] } }));
    const ran = await oscarRun(['--experiment', spec, '--trials', '1', '--token', token, '--', 'true']).exited;
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('parameters "LR" and "lr" would both be OSCAR_PARAM_LR; "a-b" and "a_b" would both be OSCAR_PARAM_A_B');
    expect((await server.gql(`{ experiment(name: "Clash") { id } }`, {}, token)).data?.experiment).toBeNull();
    // A top-level parameter and a sub-parameter can be active together: refused at start too, not trial by trial.
    const nested = file('nested.json', JSON.stringify({ name: 'Nested', parameters: { LR: { min: 0, max: 1 }, opt: { choices: { adam: { lr: { min: 0, max: 1 } }, sgd: {} } } } }));
    const refused = await oscarRun(['--experiment', nested, '--trials', '1', '--token', token, '--', 'true']).exited;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/parameters "(LR|lr)" and "(lr|LR)" would both be OSCAR_PARAM_LR/);
    expect((await server.gql(`{ experiment(name: "Nested") { id } }`, {}, token)).data?.experiment).toBeNull();
    // Under different choices they are never active together: runs, each trial with its own variable.
    const branches = file('branches.json', JSON.stringify({ name: 'Branches', parameters: { opt: { choices: { adam: { lr: { min: 1, max: 2 } }, sgd: { LR: { min: 3, max: 4 } } } } } }));
    const script = 'console.log(Number(process.env.OSCAR_PARAM_LR))';
    const branched = await oscarRun(['--experiment', branches, '--trials', '4', '--token', token, '--', process.execPath, '-e', script]).exited;
    expect(branched.code, branched.stderr).toBe(0);
    const trials = await trialsOf(token, 'Branches');
    expect(trials.map((t) => t.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    for (const trial of trials) expect(trial.loss).toBe(trial.params.lr ?? trial.params.LR);
  });

  it('says how to use it when the command or the experiment is missing, and refuses an unknown spec key', async () => {
    const noCommand = await oscarRun(['--experiment', 'x.json', '--token', 't']).exited;
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('the command to run goes after "--"');
    expect(noCommand.stderr).toContain('Usage:\n  oscar run --experiment SPEC.json|NAME');
    const spec = file('typo.json', JSON.stringify({ name: 'Typo', parameters: { x: { min: 0, max: 1 } }, lease: 2 }));
    const typo = await oscarRun(['--experiment', spec, '--token', 't', '--', 'true']).exited;
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown key "lease"');
    const valid = file('valid.json', JSON.stringify({ name: 'Valid', parameters: { x: { min: 0, max: 1 } } }));
    const negative = await oscarRun(['--experiment', valid, '--max-failures=-1', '--token', 't', '--', 'true']).exited;
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--max-failures must be a whole number from 0 to 1000000, but got "-1"');
  });
});
