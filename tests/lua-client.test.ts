import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type TestServer, waitUntil } from './harness.ts';

const exec = promisify(execFile);

/** The runtimes the client supports, as Debian installs them (Torch's `th` is LuaJIT). */
const RUNTIMES = ['lua5.1', 'luajit', 'lua5.4'] as const;

let server: TestServer;
let tree: string;
/** Where `luarocks make` put the module (pure Lua: every runtime loads it from there). */
let luaPath: string;

beforeAll(async () => {
  for (const runtime of [...RUNTIMES, 'luarocks']) {
    if (!existsSync(`/usr/bin/${runtime}`)) throw new Error(`No ${runtime}: apt-get install lua5.1 luajit lua5.4 lua-socket lua-cjson luarocks`);
  }
  server = await startServer();
  tree = mkdtempSync(join(tmpdir(), 'oscar-lua-'));
  // As the README says to install it: luarocks make, with Debian's luasocket and lua-cjson.
  await exec('luarocks', ['make', '--tree', tree, '--deps-mode=none', 'oscar-0.1.0-1.rockspec'], { cwd: join(ROOT, 'clients/lua') });
  luaPath = `${join(tree, 'share/lua/5.1/?.lua')};;`;
});
afterAll(async () => {
  await server?.stop();
  if (tree) rmSync(tree, { recursive: true, force: true });
});

/** Runs a Lua script on a runtime with the installed client; resolves with its output, or rejects with it. */
function runLua(runtime: string, source: string, env: Record<string, string> = {}) {
  const script = join(tree, `script-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(script, source);
  return exec(`/usr/bin/${runtime}`, [script], { env: { ...process.env, LUA_PATH: luaPath, OSCAR_URL: server.url, ...env }, timeout: 60_000 });
}

async function trialsOf(token: string, name: string) {
  const result = await server.gql(`query ($name: String!) { experiment(name: $name) { trialCount trials(first: 50) { edges { node { state loss params worker metrics } } } } }`, { name }, token);
  return result.data?.experiment as { trialCount: number; trials: { edges: { node: { state: string; loss: number; params: { x: number }; worker: string; metrics: Record<string, unknown> } }[] } };
}

describe.each(RUNTIMES)('the Lua client on %s', (runtime) => {
  it("runs the Get Started example as written, installed by luarocks", async () => {
    const token = await server.token(`${runtime}@example.com`);
    const example = readFileSync(join(ROOT, 'clients/lua/examples/get_started.lua'), 'utf8');
    expect(example).toContain("Oscar('API_ACCESS_TOKEN')");
    await runLua(runtime, example.replace('API_ACCESS_TOKEN', token));
    const experiment = await trialsOf(token, 'Square');
    expect(experiment.trialCount).toBe(10);
    for (const { node } of experiment.trials.edges) {
      expect(node.state).toBe('COMPLETED');
      expect(node.loss).toBeCloseTo(node.params.x ** 2, 10);
      expect(node.params.x).toBeGreaterThanOrEqual(-10);
      expect(node.params.x).toBeLessThanOrEqual(10);
    }
  });

  it('sends metrics, failures, heartbeats and releases, takes integers, categories and resume = false, and names the worker', async () => {
    const token = await server.token(`${runtime}-full@example.com`);
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'), {url = os.getenv('OSCAR_URL'), worker = 'node-7'})
local experiment = {
  name = 'Network', description = 'layers and optimiser', resume = false, lease_seconds = 30,
  parameters = {layers = {min = 1, max = 8, step = 1}, optimiser = {'adam', 'sgd'}, lr = {min = 1e-4, max = 1, distribution = 'log_uniform'}},
}
for i = 1, 3 do
  local job = scientist:suggest(experiment)
  assert(math.floor(job.layers) == job.layers and job.layers >= 1 and job.layers <= 8)
  assert(job.optimiser == 'adam' or job.optimiser == 'sgd')
  assert(scientist:heartbeat(job, true).state == 'RUNNING')
  assert(scientist:heartbeat(job) == nil) -- not due yet: a third of the lease has not passed
  if i < 3 then
    -- A NaN metric is stored as null (metrics hold finite numbers); the result it came with stands.
    scientist:update(job, {loss = job.lr * job.layers, train_time = 20, val_loss = 0 / 0})
  else
    assert(scientist:fail(job, 'out of memory').state == 'FAILED')
  end
  print(tostring(job.layers))
end
-- Given up: STALE at once, and its parameters go to the next suggest (a copy), long before its 30 s lease.
local given = scientist:suggest(experiment)
assert(scientist:release(given).state == 'STALE')
assert(scientist:release(given).state == 'STALE') -- again: harmless
local again = scientist:suggest(experiment)
assert(again.layers == given.layers and again.optimiser == given.optimiser and again.lr == given.lr)
scientist:update(again, {loss = 1})
`,
      { TOKEN: token },
    );
    for (const printed of stdout.trim().split('\n')) expect(printed).toMatch(/^\d$/); // integers, not "3.0"
    const experiment = await trialsOf(token, 'Network');
    expect(experiment.trialCount).toBe(5);
    const states = experiment.trials.edges.map((e) => e.node.state).sort();
    expect(states).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED', 'STALE']);
    const released = experiment.trials.edges.find((e) => e.node.state === 'STALE')!.node;
    expect(experiment.trials.edges.filter((e) => e.node.state === 'COMPLETED' && e.node.loss === 1).map((e) => e.node.params)).toEqual([released.params]);
    for (const { node } of experiment.trials.edges) expect(node.worker).toBe('node-7');
    const completed = experiment.trials.edges.find((e) => e.node.state === 'COMPLETED' && e.node.loss !== 1)!.node;
    expect(completed.metrics).toEqual({ train_time: 20, val_loss: null });
  });

  it('runs jobs() until the trial budget is spent', async () => {
    const token = await server.token(`${runtime}-budget@example.com`);
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'), {url = os.getenv('OSCAR_URL')})
local experiment = {name = 'Budgeted', parameters = {x = {min = -10, max = 10}}, max_trials = 4}
local ran = 0
for job in scientist:jobs(experiment) do
  scientist:update(job, {loss = job.x * job.x})
  ran = ran + 1
end
local ok, err = pcall(scientist.suggest, scientist, experiment)
print(ran, ok, Oscar.code(err))
`,
      { TOKEN: token },
    );
    expect(stdout.trim().split(/\s+/)).toEqual(['4', 'false', 'TRIAL_BUDGET_SPENT']);
    expect((await trialsOf(token, 'Budgeted')).trialCount).toBe(4);

    // Spent while another worker's trial runs: the loop waits, runs it once it is given up, then ends.
    const held = await server.gql(`mutation { suggest(experiment: {name: "Held", parameters: {x: {min: -10, max: 10}}, maxTrials: 2, leaseSeconds: 600}, worker: "preempted") { id params } }`, {}, token);
    const waiter = runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'), {url = os.getenv('OSCAR_URL')})
local last, ran = nil, 0
for job in scientist:jobs('Held', 0.2) do
  scientist:update(job, {loss = job.x * job.x})
  last, ran = job.x, ran + 1
end
print(ran, string.format('%.17g', last))
`,
      { TOKEN: token },
    );
    await waitUntil(async () => (await trialsOf(token, 'Held')).trials.edges.some((e) => e.node.state === 'COMPLETED'), 30_000);
    expect((await server.gql(`mutation ($id: ID!) { release(trialId: $id) { state } }`, { id: held.data?.suggest.id }, token)).errors).toBeUndefined();
    const [ran, last] = (await waiter).stdout.trim().split(/\s+/);
    expect([ran, Number(last)]).toEqual(['2', held.data?.suggest.params.x]);

    // A grid search ends the same way: its other point run here, the held one once it is given up.
    const grid = await server.gql(
      `mutation { suggest(experiment: {name: "Grid", algorithm: "grid", parameters: {x: {min: 1, max: 2, step: 1}}, leaseSeconds: 600}, worker: "preempted") { id params } }`,
      {},
      token,
    );
    const gridWaiter = runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'), {url = os.getenv('OSCAR_URL')})
local xs = {}
for job in scientist:jobs('Grid', 0.2) do
  scientist:update(job, {loss = job.x})
  xs[#xs + 1] = job.x
end
print(table.concat(xs, ' '))
`,
      { TOKEN: token },
    );
    await waitUntil(async () => (await trialsOf(token, 'Grid')).trials.edges.some((e) => e.node.state === 'COMPLETED'), 30_000);
    expect((await server.gql(`mutation ($id: ID!) { release(trialId: $id) { state } }`, { id: grid.data?.suggest.id }, token)).errors).toBeUndefined();
    const xs = (await gridWaiter).stdout.trim().split(/\s+/).map(Number);
    expect(xs).toEqual([3 - grid.data?.suggest.params.x, grid.data?.suggest.params.x]);
  });

  it('sends numbers whole: integers up to 2^53 and 0.1 + 0.2 round-trip; a checkpoint is measured as the server does', async () => {
    const token = await server.token(`${runtime}-numbers@example.com`);
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'))
local job = scientist:suggest({name = 'Numbers', parameters = {x = {min = 0, max = 1}}})
local saved = scientist:checkpoint(job, {big = 9007199254740991, sum = 0.1 + 0.2, tiny = 5e-324, list = {1, 2.5, -3}}).checkpoint
print(saved.big == 9007199254740991, saved.sum == 0.1 + 0.2, saved.tiny == 5e-324, saved.list[2] == 2.5)
-- 16384 bytes of JSON as the server counts them, slashes unescaped: {"path":"//...//"}
scientist:checkpoint(job, {path = string.rep('/', 16384 - 11)})
local ok, err = pcall(function() scientist:checkpoint(job, {path = string.rep('/', 16384 - 10)}) end)
print(ok, Oscar.code(err))
scientist:update(job, {loss = 0.1 + 0.2, big = 9007199254740991, negative = -9007199254740991})
`,
      { TOKEN: token },
    );
    expect(stdout.trim().split('\n')).toEqual(['true\ttrue\ttrue\ttrue', 'false\tBAD_USER_INPUT']);
    const { data } = await server.gql(`{ experiment(name: "Numbers") { trials(first: 1) { edges { node { loss metrics checkpoint } } } } }`, {}, token);
    const trial = data?.experiment.trials.edges[0].node;
    expect(trial.loss).toBe(0.1 + 0.2);
    expect(trial.metrics).toEqual({ big: 2 ** 53 - 1, negative: -(2 ** 53 - 1) });
    expect(trial.checkpoint.path).toHaveLength(16384 - 11);
  });

  it("raises Lua errors that carry the server's code, and refuses unknown keys before sending", async () => {
    const token = await server.token(`${runtime}-errors@example.com`);
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local function code_of(f) local ok, err = pcall(f); assert(not ok); print(Oscar.code(err) .. ' ' .. err) end
code_of(function() Oscar('not-a-token'):suggest({name = 'E', parameters = {x = {min = 0, max = 1}}}) end)
local scientist = Oscar(os.getenv('TOKEN'))
code_of(function() scientist:suggest({name = 'E', parameters = {x = {min = 1, max = 0}}}) end)
code_of(function() scientist:suggest({name = 'E', parameters = {x = {min = 0, max = 1}}, colour = 'red'}) end)
code_of(function() scientist:suggest({name = 'E', parameters = {x = {min = 0, max = 1}}, objectives = {acc = 'maximize', loss = 'minimize'}}) end)
code_of(function() Oscar(os.getenv('TOKEN'), {url = 'http://127.0.0.1:1/graphql', retries = 1, max_wait = 5}):suggest({name = 'E', parameters = {x = {min = 0, max = 1}}}) end)
code_of(function() Oscar(os.getenv('TOKEN'), {url = 'http://no-such-host.invalid/'}):suggest({name = 'E', parameters = {x = {min = 0, max = 1}}}) end)
-- The server's base URL, with or without its slash, reaches /graphql; a FAILED trial's loss is nil.
local base = Oscar(os.getenv('TOKEN'), os.getenv('OSCAR_URL'):gsub('/graphql$', '/'))
local job = base:suggest({name = 'Base', parameters = {x = {min = 0, max = 1}}})
local failed = base:fail(job, 'diverged')
print(base.url, failed.state, failed.loss == nil, select(2, Oscar.trial(job)))
-- An existing experiment joined by its name alone; a name with none is NOT_FOUND.
local joined = scientist:suggest('Base')
print(type(joined.x), select(2, Oscar.trial(joined)))
code_of(function() scientist:suggest('No such experiment') end)
`,
      { TOKEN: token },
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^UNAUTHENTICATED .*Oscar: .*token.*\[UNAUTHENTICATED\]$/i);
    expect(lines[1]).toMatch(/^BAD_USER_INPUT .*"x".*min < max.*\[BAD_USER_INPUT\]$/);
    expect(lines[2]).toMatch(/^BAD_USER_INPUT .*unknown experiment key "colour"/);
    // Objectives as a table of names: their order would be lost, and the first one leads.
    expect(lines[3]).toMatch(/^BAD_USER_INPUT .*objectives: a table of several names keeps no order in Lua, and the first objective leads; write a list/);
    expect(lines[4]).toMatch(/^CONNECTION_ERROR .*after 2 attempts: connection refused/);
    expect(lines[5]).toMatch(/^CONNECTION_ERROR .*no-such-host\.invalid\/graphql: .*\[CONNECTION_ERROR\]$/); // at once, not retried
    expect(lines[6]).toBe(`${server.url}\tFAILED\ttrue\t1`);
    expect(lines[7]).toBe('number\t2');
    expect(lines[8]).toMatch(/^NOT_FOUND .*No experiment named "No such experiment"/);
    // Nothing was stored by the refused calls.
    expect((await server.gql(`{ experiment(name: "E") { id } }`, {}, token)).data?.experiment).toBeNull();
  });
  it('saves a checkpoint, and gives it to the worker that takes over the trial of one that died', async () => {
    const token = await server.token(`${runtime}-spot@example.com`);
    const experiment = "{name = 'Spot', lease_seconds = 2, parameters = {x = {min = -10, max = 10}, checkpoint_every = {1}}}";
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'), {worker = 'spot-1'})
local job = scientist:suggest(${experiment})
assert(job.checkpoint == nil)
scientist:checkpoint(job, {path = '/shared/run.t7', epoch = 3})
local ok, err = pcall(function() scientist:checkpoint(job, {weights = string.rep('w', 20000)}) end)
assert(not ok)
local keys = {}
for name in pairs(job) do keys[#keys + 1] = name end
table.sort(keys)
print(job.checkpoint.epoch, table.concat(keys, ','), Oscar.code(err), (Oscar.trial(job)))
os.exit(0) -- the machine is lost: no result, no more heartbeats
`,
      { TOKEN: token },
    );
    const [epoch, keys, code, lostId] = stdout.trim().split('\t');
    expect([epoch, keys, code]).toEqual(['3', 'checkpoint_every,x', 'BAD_USER_INPUT']);
    // Once its lease has run out, the trial is STALE: another worker gets its parameters and checkpoint.
    const deadline = Date.now() + 60_000;
    const stateOf = async () => (await server.gql(`query ($name: String!) { experiment(name: $name) { trials(first: 5) { edges { node { id state } } } } }`, { name: 'Spot' }, token)).data?.experiment.trials.edges.find((e: any) => e.node.id === lostId)?.node.state;
    while ((await stateOf()) !== 'STALE') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { stdout: resumed } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'), {worker = 'spot-2'})
local job = scientist:suggest(${experiment})
print(job.checkpoint and job.checkpoint.path, job.checkpoint and job.checkpoint.epoch, (Oscar.trial(job)) ~= os.getenv('LOST'))
scientist:update(job, {loss = job.x ^ 2})
`,
      { TOKEN: token, LOST: lostId! },
    );
    expect(resumed.trim()).toBe('/shared/run.t7\t3\ttrue');
  });
  it('reports intermediate values and stops a trial when the pruner says so', async () => {
    const token = await server.token(`${runtime}-pruning@example.com`);
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'))
local experiment = {name = 'Curves', parameters = {x = {min = 0, max = 1}}, pruner = {type = 'asha', min_step = 1, reduction = 3}}
for _, target in ipairs({1.0, 2.0, 0.5}) do -- the second is worse than the first at step 1: stopped there
  local job = scientist:suggest(experiment)
  local stopped = false
  for step = 0, 4 do
    if scientist:report(job, step, target + 1 / (step + 1), {epoch_time = 0.1}) then
      print('stopped', select(2, Oscar.trial(job)), step, job.pruned)
      stopped = true
      break
    end
  end
  assert(job.pruned == stopped)
  if not stopped then scientist:update(job, {loss = target}) end
end
local job = scientist:suggest(experiment)
local ok, err = pcall(function() scientist:report(job, 1, 0 / 0) end)
print(Oscar.code(err))
ok, err = pcall(function() scientist:report(job, 1000000001, 1) end)
print(Oscar.code(err), tostring(err):match('step must be a whole number from 0 to 1000000000, but got 1000000001') ~= nil)
`,
      { TOKEN: token },
    );
    expect(stdout.trim().split('\n')).toEqual(['stopped\t2\t1\ttrue', 'BAD_USER_INPUT', 'BAD_USER_INPUT\ttrue']);
    const trials = (await server.gql(`{ experiment(name: "Curves") { trials(first: 5) { edges { node { number state prunedStep intermediateValues { step metrics } } } } } }`, {}, token)).data?.experiment.trials.edges.map((e: any) => e.node);
    expect(trials.map((t: any) => [t.number, t.state, t.prunedStep, t.intermediateValues.length])).toEqual([
      [4, 'RUNNING', null, 0],
      [3, 'COMPLETED', null, 5],
      [2, 'PRUNED', 1, 2],
      [1, 'COMPLETED', null, 5],
    ]);
    expect(trials[3].intermediateValues[0].metrics).toEqual({ epoch_time: 0.1 });
  });
  it('tunes several objectives under a constraint and returns the Pareto front', async () => {
    const token = await server.token(`${runtime}-pareto@example.com`);
    const { stdout } = await runLua(
      runtime,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'))
local experiment = {name = 'Trade-off', parameters = {x = {min = 0, max = 1}},
  objectives = {{accuracy = 'maximize'}, {latency_ms = 'minimize'}}, constraints = {memory_gb = {max = 16}}}
for i = 1, 6 do
  local job = scientist:suggest(experiment)
  scientist:update(job, {accuracy = job.x, latency_ms = 10 * job.x * job.x, memory_gb = 40 * job.x})
end
local numbers = {}
for _, trial in ipairs(scientist:pareto_front('Trade-off')) do numbers[#numbers + 1] = tostring(trial.number) end
print(table.concat(numbers, ','))
`,
      { TOKEN: token },
    );
    const trials = (await server.gql(`{ experiment(name: "Trade-off") { trials(first: 20) { edges { node { number params } } } } }`, {}, token)).data?.experiment.trials.edges.map((e: any) => e.node);
    const feasible = trials.filter((t: any) => t.params.x * 40 <= 16).sort((a: any, b: any) => b.params.x - a.params.x || a.number - b.number);
    expect(stdout.trim()).toBe(feasible.map((t: any) => t.number).join(','));
  });
});
