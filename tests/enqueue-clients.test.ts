// `enqueue` from each client, installed as a user installs it: Python (pip), Lua (luarocks) and
// TypeScript (clients/ts): a queued set comes back from the next suggest; a bad value names the field.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oscar, OscarError } from '../clients/ts/src/index.ts';
import { ROOT, startServer, type TestServer } from './harness.ts';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'oscar-enqueue-'));
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function trials(token: string, name: string) {
  const result = await server.gql(`query ($name: String!) { experiment(name: $name) { queueLength trials(first: 10) { edges { node { number params optimizer } } } } }`, { name }, token);
  const experiment = result.data?.experiment;
  return {
    queueLength: experiment.queueLength as number,
    trials: (experiment.trials.edges as { node: { number: number; params: Record<string, unknown>; optimizer: string } }[]).map((e) => e.node).sort((a, b) => a.number - b.number),
  };
}

describe('enqueue from the clients', () => {
  it('Python: scientist.enqueue(experiment, params)', async () => {
    const site = join(dir, 'site');
    await exec(PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-build-isolation', '--target', site, './clients/python'], { cwd: ROOT });
    rmSync(join(ROOT, 'clients/python/build'), { recursive: true, force: true });
    const token = await server.token('python@example.com');
    const script = join(dir, 'enqueue.py');
    writeFileSync(
      script,
      `
import os
from Oscar import Oscar, OscarError
scientist = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Py queue', 'parameters': {'x': {'min': -10, 'max': 10}, 'act': ['relu', 'tanh']}, 'resume': False}
print(scientist.enqueue(experiment, {'x': 3.0, 'act': 'tanh'})['place'])
print(scientist.enqueue('Py queue', {'x': -1, 'act': 'relu'})['place'])
try:
    scientist.enqueue('Py queue', {'x': 30, 'act': 'relu'})
except OscarError as error:
    print(error.code, error.errors[0]['extensions']['field'])
for _ in range(3):
    job = scientist.suggest(experiment)
    print(job['x'], job['act'])
    scientist.update(job, {'loss': job['x'] ** 2})
`,
    );
    const { stdout } = await exec(PYTHON, [script], { env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url } });
    const lines = stdout.trim().split('\n');
    // x is real-valued: the queued 3.0 and -1 come back as floats.
    expect(lines.slice(0, 5)).toEqual(['1', '2', 'BAD_USER_INPUT params.x', '3.0 tanh', '-1.0 relu']);
    const stored = await trials(token, 'Py queue');
    expect(stored.queueLength).toBe(0);
    expect(stored.trials.map((t) => t.optimizer)).toEqual(['enqueued', 'enqueued', 'gp']);
  });

  it('Lua: scientist:enqueue(experiment, params)', async () => {
    const tree = join(dir, 'lua');
    await exec('luarocks', ['make', '--tree', tree, '--deps-mode=none', 'oscar-0.1.0-1.rockspec'], { cwd: join(ROOT, 'clients/lua') });
    const token = await server.token('lua@example.com');
    const script = join(dir, 'enqueue.lua');
    writeFileSync(
      script,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'))
local experiment = {name = 'Lua queue', parameters = {x = {min = -10, max = 10}, layers = {min = 1, max = 4, step = 1}}}
print(scientist:enqueue(experiment, {x = 2.5, layers = 3}).place)
local ok, err = pcall(function() return scientist:enqueue('Lua queue', {x = 1, layers = 9}) end)
print(Oscar.code(err), err:find('params.layers', 1, true) ~= nil)
local job = scientist:suggest(experiment)
print(job.x, job.layers)
`,
    );
    const { stdout } = await exec('/usr/bin/lua5.1', [script], { env: { ...process.env, LUA_PATH: `${join(tree, 'share/lua/5.1/?.lua')};;`, OSCAR_URL: server.url, TOKEN: token } });
    expect(stdout.trim().split('\n')).toEqual(['1', 'BAD_USER_INPUT\ttrue', '2.5\t3']);
    expect((await trials(token, 'Lua queue')).trials.map((t) => t.optimizer)).toEqual(['enqueued']);
  });

  it('TypeScript: scientist.enqueue(experiment, params)', async () => {
    const token = await server.token('ts@example.com');
    const scientist = new Oscar(token, { url: server.url, logger: null });
    const experiment = { name: 'TS queue', parameters: { x: { min: -10, max: 10 }, act: ['relu', 'tanh'] } } as const;
    const queued = await scientist.enqueue(experiment, { x: 4, act: 'relu' });
    expect(queued).toMatchObject({ place: 1, params: { x: 4, act: 'relu' } });
    expect((await scientist.enqueue('TS queue', { x: -4, act: 'tanh' })).place).toBe(2);
    const refused = await scientist.enqueue(experiment, { x: 4, act: 'gelu' as 'relu' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OscarError);
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', field: 'params.act' });
    const first = await scientist.suggest(experiment);
    const second = await scientist.suggest(experiment);
    expect([first.params, second.params]).toEqual([
      { x: 4, act: 'relu' },
      { x: -4, act: 'tanh' },
    ]);
    await scientist.close();
  });
});
