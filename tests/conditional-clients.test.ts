// Conditional parameter spaces outside the optimizer: the Python (pip), Lua (luarocks) and TypeScript
// clients and `oscar run` pass the tree through and get jobs of active parameters only; enqueue checks a
// set against the tree; export writes empty cells that import reads back as absent; importance is
// computed over the tree.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oscar, OscarError } from '../clients/ts/src/index.ts';
import { ROOT, startServer, type TestServer } from './harness.ts';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** The README's example: three model families with their own parameters, and `lr` under two optimizers. */
const PARAMETERS = {
  model: {
    choices: {
      forest: { n_trees: { min: 10, max: 500, step: 10 }, max_depth: { min: 2, max: 32, step: 1 } },
      svm: { C: { min: 1e-3, max: 1e3, distribution: 'log_uniform' }, kernel: ['rbf', 'poly'] },
      linear: {},
    },
  },
  scale_features: [true, false],
  optimizer: { choices: { adam: { lr: { min: 1e-4, max: 1e-2 } }, sgd: { lr: { min: 1e-3, max: 1 } } } },
} as const;

/** The keys a job of PARAMETERS holds: only the active parameters, flat. */
function activeKeys(params: Record<string, unknown>): string[] {
  const keys = ['model', 'optimizer', 'scale_features'];
  if (params.model === 'forest') keys.push('max_depth', 'n_trees');
  if (params.model === 'svm') keys.push('C', 'kernel');
  keys.push(params.optimizer === 'adam' ? 'adam.lr' : 'sgd.lr');
  return keys.sort();
}

/** A loss over the tree (as the Python and Lua scripts compute it). */
function lossOf(params: Record<string, any>): number {
  const model = params.model === 'svm' ? Math.abs(Math.log10(params.C)) / 3 : params.model === 'forest' ? 1 + Math.abs(params.max_depth - 12) / 20 : 2;
  return model + (params.optimizer === 'adam' ? params['adam.lr'] * 10 : params['sgd.lr']);
}

interface StoredTrial {
  number: number;
  state: string;
  params: Record<string, unknown>;
  loss: number | null;
  optimizer: string;
}

let server: TestServer;
let dir: string;
let token: string;

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'oscar-conditional-'));
  token = await server.token('tree@example.com');
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function trialsOf(name: string): Promise<StoredTrial[]> {
  const result = await server.gql(
    `query ($name: String!) { experiment(name: $name) { trials(first: 500) { edges { node { number state params loss optimizer } } } } }`,
    { name },
    token,
  );
  return ((result.data?.experiment?.trials.edges ?? []) as { node: StoredTrial }[]).map((e) => e.node).sort((a, b) => a.number - b.number);
}

function expectTree(trials: readonly StoredTrial[], count: number): void {
  expect(trials).toHaveLength(count);
  for (const trial of trials) {
    expect(trial.state).toBe('COMPLETED');
    expect(Object.keys(trial.params).sort()).toEqual(activeKeys(trial.params));
    expect(trial.loss).toBeCloseTo(lossOf(trial.params), 9);
  }
}

/** Runs `npx oscar ...` as a user would (bin/oscar.mjs), against the test server. */
function oscar(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/oscar.mjs'), ...args], {
      cwd: dir,
      env: { ...process.env, OSCAR_URL: server.url, OSCAR_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('conditional spaces from the clients', () => {
  it('Python: suggest gives only the active parameters, update takes the result, enqueue names what is wrong', async () => {
    const site = join(dir, 'site');
    await exec(PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-build-isolation', '--target', site, './clients/python'], { cwd: ROOT });
    rmSync(join(ROOT, 'clients/python/build'), { recursive: true, force: true });
    const script = join(dir, 'tree.py');
    writeFileSync(
      script,
      `
import math, os
from Oscar import Oscar, OscarError
scientist = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Py tree', 'parameters': {
    'model': {'choices': {
        'forest': {'n_trees': {'min': 10, 'max': 500, 'step': 10}, 'max_depth': {'min': 2, 'max': 32, 'step': 1}},
        'svm': {'C': {'min': 1e-3, 'max': 1e3, 'distribution': 'log_uniform'}, 'kernel': ['rbf', 'poly']},
        'linear': {},
    }},
    'scale_features': [True, False],
    'optimizer': {'choices': {'adam': {'lr': {'min': 1e-4, 'max': 1e-2}}, 'sgd': {'lr': {'min': 1e-3, 'max': 1}}}},
}}
ACTIVE = {'forest': {'n_trees', 'max_depth'}, 'svm': {'C', 'kernel'}, 'linear': set()}

def loss(job):
    model = abs(math.log10(job['C'])) / 3 if job['model'] == 'svm' else 1 + abs(job['max_depth'] - 12) / 20 if job['model'] == 'forest' else 2
    return model + (job['adam.lr'] * 10 if job['optimizer'] == 'adam' else job['sgd.lr'])

for _ in range(12):
    job = scientist.suggest(experiment)
    assert set(job) == {'model', 'optimizer', 'scale_features', job['optimizer'] + '.lr'} | ACTIVE[job['model']], dict(job)
    scientist.update(job, {'loss': loss(job)})
print('ok')
queued = {'model': 'linear', 'scale_features': False, 'optimizer': 'adam', 'adam.lr': 0.001}
print(scientist.enqueue('Py tree', queued)['place'])
for bad in [dict(queued, C=1.0), {'model': 'svm', 'C': 1.0, 'scale_features': True, 'optimizer': 'sgd', 'sgd.lr': 0.5}]:
    try:
        scientist.enqueue('Py tree', bad)
    except OscarError as error:
        print(error.code, error.errors[0]['extensions']['field'])
job = scientist.suggest(experiment)
print(sorted(job.items()))
scientist.update(job, {'loss': loss(job)})
`,
    );
    const { stdout } = await exec(PYTHON, [script], { env: { ...process.env, PYTHONPATH: site, OSCAR_TOKEN: token, OSCAR_URL: server.url } });
    expect(stdout.trim().split('\n')).toEqual([
      'ok',
      '1',
      'BAD_USER_INPUT params.C',
      'BAD_USER_INPUT params.kernel',
      "[('adam.lr', 0.001), ('model', 'linear'), ('optimizer', 'adam'), ('scale_features', False)]",
    ]);
    const trials = await trialsOf('Py tree');
    expectTree(trials, 13);
    expect(new Set(trials.map((t) => t.params.model)).size).toBeGreaterThan(1);
    expect(trials.at(-1)!.optimizer).toBe('enqueued');
  }, 120_000);

  it('Lua (5.1, LuaJIT, 5.4): suggest gives only the active parameters, flat (job["adam.lr"]), and update takes the result', async () => {
    const tree = join(dir, 'lua');
    await exec('luarocks', ['make', '--tree', tree, '--deps-mode=none', 'oscar-0.1.0-1.rockspec'], { cwd: join(ROOT, 'clients/lua') });
    const script = join(dir, 'tree.lua');
    writeFileSync(
      script,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'))
local experiment = {name = os.getenv('EXPERIMENT'), parameters = {
  model = {choices = {
    forest = {n_trees = {min = 10, max = 500, step = 10}, max_depth = {min = 2, max = 32, step = 1}},
    svm = {C = {min = 1e-3, max = 1e3, distribution = 'log_uniform'}, kernel = {'rbf', 'poly'}},
    linear = {},
  }},
  scale_features = {true, false},
  optimizer = {choices = {adam = {lr = {min = 1e-4, max = 1e-2}}, sgd = {lr = {min = 1e-3, max = 1}}}},
}}
for _ = 1, 6 do
  local job = scientist:suggest(experiment)
  local model = 2
  if job.model == 'svm' then model = math.abs(math.log10(job.C)) / 3 elseif job.model == 'forest' then model = 1 + math.abs(job.max_depth - 12) / 20 end
  local lr = job.optimizer == 'adam' and job['adam.lr'] * 10 or job['sgd.lr']
  local keys = {}
  for key in pairs(job) do if type(key) == 'string' then keys[#keys + 1] = key end end
  table.sort(keys)
  print(job.model, table.concat(keys, ','))
  scientist:update(job, {loss = model + lr})
end
`,
    );
    for (const runtime of ['lua5.1', 'luajit', 'lua5.4']) {
      const name = `Lua tree ${runtime}`;
      const env = { ...process.env, LUA_PATH: `${join(tree, 'share/lua/5.1/?.lua')};;`, OSCAR_URL: server.url, TOKEN: token, EXPERIMENT: name };
      const { stdout } = await exec(`/usr/bin/${runtime}`, [script], { env });
      const printed = stdout.trim().split('\n');
      expect(printed, runtime).toHaveLength(6);
      const trials = await trialsOf(name);
      expectTree(trials, 6);
      // The job table holds the parameters (and no key of an inactive one) beside anything the client adds.
      printed.forEach((line, i) => {
        const [model, keys] = line.split('\t');
        expect(model, runtime).toBe(trials[i]!.params.model);
        for (const key of activeKeys(trials[i]!.params)) expect(keys!.split(','), runtime).toContain(key);
        for (const key of ['C', 'kernel', 'n_trees', 'max_depth', 'adam.lr', 'sgd.lr'].filter((k) => !activeKeys(trials[i]!.params).includes(k))) {
          expect(keys!.split(','), runtime).not.toContain(key);
        }
      });
    }
  }, 180_000);

  it('TypeScript: the spec types as written, sub-parameters are optional, and jobs hold the active ones', async () => {
    const scientist = new Oscar(token, { url: server.url, logger: null });
    const experiment = { name: 'TS tree', parameters: PARAMETERS };
    try {
      for (let i = 0; i < 6; i++) {
        const job = await scientist.suggest(experiment);
        // Typed from the spec: the choices, and sub-parameters keyed as the server keys them, optional.
        const model: 'forest' | 'svm' | 'linear' = job.params.model;
        const C: number | undefined = job.params.C;
        const lr: number | undefined = job.params['adam.lr'] ?? job.params['sgd.lr'];
        const kernel: 'rbf' | 'poly' | undefined = job.params.kernel;
        // @ts-expect-error: a sub-parameter may be absent
        const required: number = job.params.max_depth;
        // @ts-expect-error: `lr` occurs under two choices, so it is keyed `adam.lr` and `sgd.lr`
        void job.params.lr;
        void [model, C, lr, kernel, required];
        expect(Object.keys(job.params).sort()).toEqual(activeKeys(job.params));
        await scientist.update(job, { loss: lossOf(job.params) });
      }
      const refused = await scientist.enqueue<typeof experiment>('TS tree', { model: 'linear', scale_features: true, optimizer: 'sgd', 'sgd.lr': 0.5, 'adam.lr': 0.001 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OscarError);
      expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', field: 'params.adam.lr' });
    } finally {
      await scientist.close();
    }
    expectTree(await trialsOf('TS tree'), 6);
  }, 120_000);
});

describe('enqueue of a conditional set', () => {
  const ENQUEUE = `mutation ($e: ExperimentInput, $name: String, $p: JSON!) { enqueue(experiment: $e, experimentName: $name, params: $p) { place params } }`;
  const experiment = { name: 'Queued tree', parameters: PARAMETERS };

  it('takes the active parameters, refuses an inactive one and a missing active one, naming them', async () => {
    const queued = await server.gql(ENQUEUE, { e: experiment, p: { model: 'forest', n_trees: 100, max_depth: 8, scale_features: true, optimizer: 'adam', 'adam.lr': 0.005 } }, token);
    expect(queued.errors).toBeUndefined();
    expect(queued.data?.enqueue).toEqual({ place: 1, params: { 'adam.lr': 0.005, max_depth: 8, model: 'forest', n_trees: 100, optimizer: 'adam', scale_features: true } });

    const inactive = await server.gql(ENQUEUE, { name: experiment.name, p: { model: 'linear', C: 1, scale_features: true, optimizer: 'adam', 'adam.lr': 0.005 } }, token);
    expect(inactive.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'params.C' });
    expect(inactive.errors?.[0]?.message).toBe('params.C is not active under the choices given: it exists only when model is "svm", but model is "linear"; leave it out');

    const missing = await server.gql(ENQUEUE, { name: experiment.name, p: { model: 'svm', C: 1, scale_features: true, optimizer: 'adam', 'adam.lr': 0.005 } }, token);
    expect(missing.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'params.kernel' });
    expect(missing.errors?.[0]?.message).toBe('params.kernel is missing: it is active because model is "svm"');

    const other = await server.gql(ENQUEUE, { name: experiment.name, p: { model: 'linear', scale_features: true, optimizer: 'sgd', 'sgd.lr': 0.5, 'adam.lr': 0.005 } }, token);
    expect(other.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'params.adam.lr' });
  });
});

describe('a conditional experiment after its trials', () => {
  it('exports empty cells for inactive parameters (CSV) and absent keys (JSON), and imports them back alike', async () => {
    const original = (await trialsOf('Py tree')).map(({ params, loss }) => ({ params, loss }));
    expect(original).toHaveLength(13);

    const csv = await oscar(['export', '--experiment', 'Py tree', '--out', 'tree.csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parse(readFileSync(join(dir, 'tree.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!).filter((column) => column.startsWith('params.'))).toEqual(
      ['C', 'adam.lr', 'kernel', 'max_depth', 'model', 'n_trees', 'optimizer', 'scale_features', 'sgd.lr'].map((name) => `params.${name}`),
    );
    for (const row of rows) {
      const params = Object.fromEntries(Object.entries(row).filter(([column, cell]) => column.startsWith('params.') && cell !== ''));
      expect(Object.keys(params).map((column) => column.slice('params.'.length)).sort()).toEqual(activeKeys({ model: row['params.model'], optimizer: row['params.optimizer'] }));
    }

    const json = await oscar(['export', '--experiment', 'Py tree', '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    writeFileSync(join(dir, 'tree.json'), json.stdout);
    for (const trial of JSON.parse(json.stdout).trials) expect(Object.keys(trial.params).sort()).toEqual(activeKeys(trial.params));

    writeFileSync(join(dir, 'tree-spec.json'), JSON.stringify({ name: 'Tree from CSV', parameters: PARAMETERS }));
    const fromCsv = await oscar(['import', '--experiment', 'tree-spec.json', 'tree.csv']);
    expect(fromCsv.stderr).toBe('');
    expect(fromCsv.stdout).toContain('Imported 13 trials into "Tree from CSV"');
    expect((await trialsOf('Tree from CSV')).map(({ params, loss }) => ({ params, loss }))).toEqual(original);

    const fromJson = await oscar(['import', '--experiment', 'Tree from JSON', 'tree.json']);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    expect((await trialsOf('Tree from JSON')).map(({ params, loss }) => ({ params, loss }))).toEqual(original);
  }, 120_000);

  it('has a finite importance for every tunable parameter, sub-parameters included', async () => {
    const { data } = await server.gql(`{ experiment(name: "Py tree") { insights { importance { parameter importance } } } }`, {}, token);
    const importance = data?.experiment.insights.importance as { parameter: string; importance: number }[];
    expect(importance.map((p) => p.parameter).sort()).toEqual(['C', 'adam.lr', 'kernel', 'max_depth', 'model', 'n_trees', 'optimizer', 'scale_features', 'sgd.lr']);
    for (const p of importance) {
      expect(Number.isFinite(p.importance)).toBe(true);
      expect(p.importance).toBeGreaterThanOrEqual(0);
    }
    expect(importance.reduce((sum, p) => sum + p.importance, 0)).toBeCloseTo(1, 6);
  });
});

describe('oscar run with a conditional spec', () => {
  it('hands each command only the active parameters (environment, file, arguments) and sends its result', async () => {
    writeFileSync(join(dir, 'run-spec.json'), JSON.stringify({ name: 'Agent tree', parameters: PARAMETERS }));
    writeFileSync(
      join(dir, 'train.cjs'),
      `const fs = require('fs');
const params = JSON.parse(fs.readFileSync(process.env.OSCAR_PARAMS_FILE, 'utf8'));
const env = Object.keys(process.env).filter((key) => key.startsWith('OSCAR_PARAM_')).sort();
fs.appendFileSync('runs.jsonl', JSON.stringify({ params, env, args: process.argv.slice(2) }) + '\\n');
const model = params.model === 'svm' ? Math.abs(Math.log10(params.C)) / 3 : params.model === 'forest' ? 1 + Math.abs(params.max_depth - 12) / 20 : 2;
console.log(JSON.stringify({ loss: model + (params.optimizer === 'adam' ? params['adam.lr'] * 10 : params['sgd.lr']) }));
`,
    );
    const ran = await oscar(['run', '--experiment', 'run-spec.json', '--trials', '8', '--', process.execPath, 'train.cjs', '--model={model}', '--C={C}', '--depth={max_depth}', '--lr={adam.lr}']);
    expect(ran.code, ran.stderr).toBe(0);
    const runs = readFileSync(join(dir, 'runs.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { params: Record<string, unknown>; env: string[]; args: string[] });
    expect(runs).toHaveLength(8);
    for (const { params, env, args } of runs) {
      expect(Object.keys(params).sort()).toEqual(activeKeys(params));
      expect(env).toEqual(activeKeys(params).map((name) => `OSCAR_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`).sort());
      expect(args).toEqual([
        `--model=${params.model}`,
        ...(params.model === 'svm' ? [`--C=${params.C}`] : []),
        ...(params.model === 'forest' ? [`--depth=${params.max_depth}`] : []),
        ...(params.optimizer === 'adam' ? [`--lr=${params['adam.lr']}`] : []),
      ]);
    }
    expectTree(await trialsOf('Agent tree'), 8);
  }, 120_000);
});
