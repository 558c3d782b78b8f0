// Export and import of an experiment's trials (the HTTP download, GraphQL, `oscar export` and
// `oscar import` as a user runs them), Optuna studies, and the queue of enqueued parameter sets.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphqlProxy } from './graphql-proxy.ts';
import { ROOT, startServer, type TestServer } from './harness.ts';

const exec = promisify(execFile);

/** Runs a Python script with Debian's Optuna (and json) imported and its logging quiet; resolves to its output. */
function withOptuna(script: string, env: Record<string, string> = {}) {
  return exec('/usr/bin/python3', ['-c', `import json, optuna\noptuna.logging.set_verbosity(optuna.logging.WARNING)\n${script}`], { env: { ...process.env, ...env } });
}

/** A time zone far from UTC (and from CI's), so that reading Optuna's local times as UTC would show. */
const FAR_EAST = { TZ: 'Pacific/Kiritimati' };

let server: TestServer;
let dir: string;
let token: string;
let other: string;

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'oscar-transfer-'));
  token = await server.token('owner@example.com');
  other = await server.token('other@example.com');
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npx oscar ...` as a user would (bin/oscar.mjs), against the test server with `token`. */
function oscar(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/oscar.mjs'), ...args], {
      cwd: dir,
      env: { ...process.env, OSCAR_URL: server.url, OSCAR_TOKEN: token, ...env },
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

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SUGGEST = `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "w") { id number params optimizer } }`;
const UPDATE = `mutation ($id: ID!, $r: JSON!) { update(trialId: $id, result: $r) { id state } }`;
const ENQUEUE = `mutation ($name: String, $id: ID, $e: ExperimentInput, $p: JSON!) { enqueue(experimentName: $name, experimentId: $id, experiment: $e, params: $p) { id place params } }`;
const IMPORT = `mutation ($name: String, $id: ID, $e: ExperimentInput, $t: [ImportedTrialInput!]!, $dry: Boolean! = false) {
  importTrials(experimentName: $name, experimentId: $id, experiment: $e, trials: $t, dryRun: $dry) { imported numbers experiment { id trialCount } }
}`;

const IMPORT_DRY = `mutation ($name: String, $t: [ImportedTrialInput!]!, $r: String) {
  importTrials(experimentName: $name, trials: $t, dryRun: true, requestId: $r) { imported numbers dryRun repeated }
}`;

interface StoredTrial {
  number: number;
  state: string;
  params: Record<string, unknown>;
  loss: number | null;
  metrics: Record<string, unknown>;
  error: string | null;
  optimizer: string;
  worker: string | null;
  createdAt: string;
  completedAt: string | null;
}

async function trialsOf(name: string, as = token): Promise<StoredTrial[]> {
  const result = await server.gql(
    `query ($name: String!) { experiment(name: $name) { trials(first: 500) { edges { node { number state params loss metrics error optimizer worker createdAt completedAt } } } } }`,
    { name },
    as,
  );
  return ((result.data?.experiment?.trials.edges ?? []) as { node: StoredTrial }[]).map((e) => e.node).sort((a, b) => a.number - b.number);
}

async function queueLength(name: string): Promise<number> {
  const result = await server.gql(`query ($name: String!) { experiment(name: $name) { queueLength } }`, { name }, token);
  return result.data?.experiment.queueLength;
}

/** A space with every kind of parameter, and values that CSV and spreadsheets find awkward. */
const PARAMETERS = {
  x: { min: -10, max: 10 },
  layers: { min: 1, max: 8, step: 1 },
  lr: { min: 1e-5, max: 1, distribution: 'log_uniform' },
  act: ['relu', '@tanh', '-gelu', 'a,"b"'],
  width: [64, 128],
  bias: [true, false],
  epochs: 10,
};

/** What a result keeps through a round trip: params, state, loss, metrics, error. */
const essence = (trials: readonly StoredTrial[]) =>
  trials
    .filter((t) => t.state === 'COMPLETED' || t.state === 'FAILED')
    .map(({ state, params, loss, metrics, error, worker, createdAt, completedAt }) => ({ state, params, loss, metrics, error, worker, createdAt, completedAt }));

describe('export and import', () => {
  const source = { name: 'Round trip', parameters: PARAMETERS, algorithm: 'random', seed: 7 };
  // `forged`: a bare line break before a formula, which would start a forged row if left unquoted.
  const tricky = { formula: '=1+1', tab: '\tcmd', quoted: 'say "hi", then\nleave', forged: '\n=1+1\rx', nested: { a: [1, 2], b: 'x' }, flag: true };

  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      const { data } = await server.gql(SUGGEST, { e: source }, token);
      const trial = data!.suggest;
      const result = i === 3 ? { error: '=oops, out of memory' } : { loss: trial.params.x ** 2 + trial.params.lr, accuracy: 1 / (1 + i), ...(i % 2 ? tricky : {}) };
      await server.gql(UPDATE, { id: trial.id, r: result }, token);
    }
    await server.gql(SUGGEST, { e: source }, token); // one left RUNNING: exported, not imported
  });

  it('downloads every trial as RFC 4180 CSV with formulas defused, and as JSON', async () => {
    const { data } = await server.gql(`{ experiment(name: "Round trip") { id export { url fileName } json: export(format: JSON) { url } } }`, {}, token);
    const { url, fileName } = data!.experiment.export;
    expect(url).toBe(`/api/experiments/${data!.experiment.id}/trials.csv`);
    expect(fileName).toBe('Round_trip-trials.csv');
    const response = await fetch(new URL(url, server.url), { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toContain('attachment; filename="Round_trip-trials.csv"');
    const text = await response.text();
    const rows = parse(text) as string[][];
    expect(rows[0]).toEqual([
      'number', 'state', 'params.act', 'params.bias', 'params.epochs', 'params.layers', 'params.lr', 'params.width', 'params.x',
      'loss', 'metrics.accuracy', 'metrics.flag', 'metrics.forged', 'metrics.formula', 'metrics.nested', 'metrics.quoted', 'metrics.tab',
      'error', 'worker', 'optimizer', 'created_at', 'completed_at', 'pruned_step', 'feasible',
    ]);
    expect(rows).toHaveLength(14);
    expect(text).toContain('\r\n'); // RFC 4180 line ends
    const col = (name: string) => rows[0]!.indexOf(name);
    const odd = rows[2]!; // trial 2 reported the tricky metrics
    expect(odd[col('metrics.formula')]).toBe("'=1+1");
    expect(odd[col('metrics.tab')]).toBe("'\tcmd");
    expect(odd[col('metrics.quoted')]).toBe('say "hi", then\nleave');
    expect(text).toContain('"say ""hi"", then\nleave"');
    // Quoted whole, so it stays one cell of its row (read by a parser that splits rows on any line break too).
    expect(odd[col('metrics.forged')]).toBe('\n=1+1\rx');
    expect(text).toContain('"\n=1+1\rx"');
    expect(JSON.parse(odd[col('metrics.nested')]!)).toEqual(tricky.nested);
    expect(rows[4]![col('error')]).toBe("'=oops, out of memory");
    expect(rows[4]![col('state')]).toBe('FAILED');
    expect(rows[13]![col('state')]).toBe('RUNNING');
    // Negative numbers stay numbers; text that starts with - or @ is defused.
    for (const row of rows.slice(1)) {
      expect(row[col('params.x')]).toMatch(/^-?\d/);
      expect(["relu", "'@tanh", "'-gelu", 'a,"b"']).toContain(row[col('params.act')]);
    }

    const json = await fetch(new URL(data!.experiment.json.url, server.url), { headers: { authorization: `Bearer ${token}` } });
    const document = (await json.json()) as { format: string; experiment: { name: string; parameters: unknown }; trials: StoredTrial[] };
    expect(document.format).toBe('oscar-trials/1');
    expect(document.experiment).toMatchObject({ name: 'Round trip', parameters: PARAMETERS });
    expect(document.trials.map((t) => t.number)).toEqual([...Array(13).keys()].map((i) => i + 1));
    expect(document.trials[1]!.metrics).toMatchObject(tricky);

    // The same file through GraphQL, for small experiments.
    const small = await server.gql(`{ experiment(name: "Round trip") { export { text } } }`, {}, token);
    expect(small.data?.experiment.export.text).toBe(text);
  });

  it('round-trips through `oscar export` and `oscar import`, as CSV and as JSON, into new experiments', async () => {
    const original = essence(await trialsOf('Round trip'));
    expect(original).toHaveLength(12);

    const csv = await oscar(['export', '--experiment', 'Round trip', '--out', 'trials.csv']);
    expect(csv.stderr).toContain('Exported 13 trials of "Round trip" to trials.csv');
    expect(csv.code).toBe(0);
    const json = await oscar(['export', '--experiment', 'Round trip', '--format', 'json']);
    expect(json.code).toBe(0);
    file('trials.json', json.stdout);
    expect(JSON.parse(json.stdout).trials).toHaveLength(13);

    // CSV into a new experiment described by a spec file (as `oscar run` takes it).
    const spec = file('copy.json', JSON.stringify({ name: 'Copy from CSV', parameters: PARAMETERS }));
    const fromCsv = await oscar(['import', '--experiment', spec, 'trials.csv']);
    expect(fromCsv.stderr).toBe('');
    expect(fromCsv.stdout).toContain('Imported 12 trials into "Copy from CSV" (12 trials now); skipped 1 with running state');
    expect(fromCsv.code).toBe(0);
    const copied = await trialsOf('Copy from CSV');
    expect(essence(copied)).toEqual(original);
    expect(copied.every((t) => t.optimizer === 'imported')).toBe(true);

    // JSON into a new experiment by name: created with the file's space.
    const fromJson = await oscar(['import', '--experiment', 'Copy from JSON', 'trials.json']);
    expect(fromJson.code).toBe(0);
    expect(essence(await trialsOf('Copy from JSON'))).toEqual(original);
    const created = await server.gql(`{ experiment(name: "Copy from JSON") { parameters } }`, {}, token);
    expect(created.data?.experiment.parameters).toEqual(PARAMETERS);

    // The same file into the same experiment again: stored once, and said so; --again (here with the
    // CSV) appends the trials after its own.
    const again = await oscar(['import', '--experiment', 'Copy from JSON', 'trials.json']);
    expect(again.stdout).toContain('Imported 0 trials into "Copy from JSON" (12 trials now); 12 had been imported by an earlier run and were not stored again (--again stores them)');
    expect(again.code).toBe(0);
    const appended = await oscar(['import', '--experiment', 'Copy from JSON', '--again', 'trials.csv']);
    expect(appended.stdout).toContain('Imported 12 trials into "Copy from JSON" (24 trials now); skipped 1 with running state');
  });

  it('`oscar import` run again after it was cut off stores only what the first run had not', async () => {
    const rows = (count: number) =>
      [
        'params.x,params.layers,params.lr,params.act,params.width,params.bias,state,loss',
        ...Array.from({ length: count }, (_, i) => `${(i % 97) / 10 - 4},${(i % 7) + 1},0.01,relu,64,true,COMPLETED,${i}`),
      ].join('\n');
    // The first run stored the first batch (500 trials) and was cut off; the file is whole the second time.
    file('cut.csv', rows(500));
    file('whole.csv', rows(700));
    const spec = file('cut-spec.json', JSON.stringify({ name: 'Cut off', parameters: PARAMETERS }));
    const first = await oscar(['import', '--experiment', spec, 'cut.csv']);
    expect(first.stdout).toContain('Imported 500 trials into "Cut off" (500 trials now)');
    const second = await oscar(['import', '--experiment', spec, 'whole.csv']);
    expect(second.stdout).toContain('Imported 200 trials into "Cut off" (700 trials now); 500 had been imported by an earlier run and were not stored again');
    expect(second.code).toBe(0);
    const exported = await oscar(['export', '--experiment', 'Cut off', '--format', 'json']);
    const losses = (JSON.parse(exported.stdout).trials as { loss: number }[]).map((t) => t.loss).sort((a, b) => a - b);
    expect(losses).toEqual(Array.from({ length: 700 }, (_, i) => i));
    // Started afresh since (a new version): the same file goes into it.
    await server.gql(`mutation { suggest(experiment: {name: "Cut off", resume: false}) { id } }`, {}, token);
    const third = await oscar(['import', '--experiment', 'Cut off', 'whole.csv']);
    expect(third.stdout).toContain('Imported 700 trials into "Cut off" (701 trials now)');
    // Renamed since: the spec's name is a new experiment again, which takes the whole file.
    const { id } = (await server.gql(`{ experiment(name: "Cut off") { id } }`, {}, token)).data!.experiment;
    expect((await server.gql(`mutation ($id: ID!) { updateExperiment(id: $id, name: "Cut off before") { name } }`, { id }, token)).errors).toBeUndefined();
    const fourth = await oscar(['import', '--experiment', spec, 'whole.csv']);
    expect(fourth.stdout).toContain('Imported 700 trials into "Cut off" (700 trials now)');
    expect(fourth.stdout).not.toContain('earlier run');
    expect((await server.gql(`{ experiment(name: "Cut off before") { trialCount } }`, {}, token)).data?.experiment.trialCount).toBe(701);
  });

  it('`oscar import` stores a batch once when the answer to storing it was lost and it was sent again', async () => {
    const csv = await oscar(['export', '--experiment', 'Round trip', '--out', 'lost.csv']);
    expect(csv.code).toBe(0);
    // The server stores the first batch and its answer never arrives: the CLI sends the batch again.
    let lost = 0;
    const proxy = await startGraphqlProxy(server.url, (body) => {
      if (body.query.includes('importTrials(') && body.variables.dryRun === false && lost === 0) {
        lost++;
        return 'drop-answer';
      }
      return 'forward';
    });
    try {
      const spec = file('lost-spec.json', JSON.stringify({ name: 'Lost answer', parameters: PARAMETERS }));
      const imported = await oscar(['import', '--experiment', spec, 'lost.csv'], { OSCAR_URL: proxy.url });
      expect(imported.stdout).toContain('Imported 12 trials into "Lost answer" (12 trials now)');
      expect(imported.code).toBe(0);
      const stores = proxy.bodies.filter((body) => body.query.includes('importTrials(') && body.variables.dryRun === false);
      expect(stores).toHaveLength(2);
      expect(stores[1]!.variables.requestId).toBe(stores[0]!.variables.requestId);
    } finally {
      await proxy.close();
    }
    expect(essence(await trialsOf('Lost answer'))).toEqual(essence(await trialsOf('Round trip')));
  });

  it('imports the export of a trial failed with a metric named loss, leaving that metric out and saying so', async () => {
    const experiment = { name: 'Failed with loss', parameters: PARAMETERS };
    const failing = (await server.gql(SUGGEST, { e: experiment }, token)).data!.suggest;
    const failed = await server.gql(`mutation ($id: ID!) { fail(trialId: $id, error: "diverged", metrics: {loss: 0.5, epoch: 2}) { state } }`, { id: failing.id }, token);
    expect(failed.data?.fail.state).toBe('FAILED');
    const done = (await server.gql(SUGGEST, { e: experiment }, token)).data!.suggest;
    await server.gql(UPDATE, { id: done.id, r: { loss: 1.5, epoch: 3 } }, token);
    for (const format of ['csv', 'json']) {
      const exported = await oscar(['export', '--experiment', 'Failed with loss', '--format', format, '--out', `failed-loss.${format}`]);
      expect(exported.code).toBe(0);
      const imported = await oscar(['import', '--experiment', file(`failed-loss-${format}.json`, JSON.stringify({ ...experiment, name: `Failed with loss ${format}` })), `failed-loss.${format}`]);
      expect(imported.stderr).toContain(`failed-loss.${format}: the metric "loss" of 1 failed trial left out: a failed trial's result holds no loss`);
      expect(imported.stdout).toContain(`Imported 2 trials into "Failed with loss ${format}"`);
      const copied = await trialsOf(`Failed with loss ${format}`);
      expect(copied.map(({ state, loss, error, metrics }) => ({ state, loss, error, metrics }))).toEqual([
        { state: 'FAILED', loss: null, error: 'diverged', metrics: { epoch: 2 } },
        { state: 'COMPLETED', loss: 1.5, error: null, metrics: { epoch: 3 } },
      ]);
    }
  });

  it('round-trips, through CSV, a categorical with 1 and "1", true and "true", and text metrics that spell numbers', async () => {
    const parameters = { choice: [1, '1', true, 'true', ''] };
    const made = await server.gql(IMPORT, {
      e: { name: 'Typed', parameters },
      t: parameters.choice.map((choice, i) => ({ params: { choice }, result: { loss: i, tag: ['1', 'true', '', '[1]', 'plain'][i], n: i } })),
    }, token);
    expect(made.errors).toBeUndefined();
    const original = essence(await trialsOf('Typed'));
    expect(original.map((t) => t.params.choice)).toEqual([1, '1', true, 'true', '']);

    const csv = await oscar(['export', '--experiment', 'Typed', '--out', 'typed.csv']);
    expect(csv.code).toBe(0);
    const spec = file('typed-copy.json', JSON.stringify({ name: 'Typed copy', parameters }));
    const copied = await oscar(['import', '--experiment', spec, 'typed.csv']);
    expect(copied.stderr).toBe('');
    expect(essence(await trialsOf('Typed copy'))).toEqual(original);
  });

  it('names the bad row of a file and stores nothing from it', async () => {
    const header = 'number,state,params.act,params.bias,params.epochs,params.layers,params.lr,params.width,params.x,loss,metrics.note';
    const good = (x: number) => `,COMPLETED,relu,true,10,2,0.01,64,${x},${x * x},fine`;
    const path = file('bad.csv', [header, good(1), good(2), ',COMPLETED,relu,true,10,2,0.01,64,42,1,too far', good(3)].join('\r\n'));
    const before = (await trialsOf('Copy from CSV')).length;
    const refused = await oscar(['import', '--experiment', 'Copy from CSV', path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`oscar: ${path} line 4: params.x must be between -10 and 10, but got 42`);
    expect(await trialsOf('Copy from CSV')).toHaveLength(before);

    const unknown = await oscar(['import', '--experiment', 'No such experiment', path]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no experiment named "No such experiment": to create it, pass --experiment SPEC.json');

    // Through GraphQL: the row is named by its index, and the batch is stored all or not at all.
    const params = { act: 'relu', bias: true, layers: 2, lr: 0.01, width: 64, x: 1 };
    const answer = await server.gql(IMPORT, { name: 'Copy from CSV', t: [{ params, result: { loss: 1 } }, { params: { ...params, layers: 2.5 }, result: { loss: 1 } }] }, token);
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'trials[1].params.layers' });
    expect(answer.errors?.[0]?.message).toContain('trials[1] (trial 2 of this batch): params.layers must be a whole number between 1 and 8');
    const noLoss = await server.gql(IMPORT, { name: 'Copy from CSV', t: [{ params, result: { accuracy: 1 } }] }, token);
    expect(noLoss.errors?.[0]?.extensions?.field).toBe('trials[0].result.loss');
    const dry = await server.gql(IMPORT, { name: 'Copy from CSV', t: [{ params, result: { loss: 1 } }], dry: true }, token);
    expect(dry.data?.importTrials).toMatchObject({ imported: 1, numbers: [] });
    // Where and when it ran: a worker's name as suggest takes it, times from 1970 to now, in order.
    const ran = (more: Record<string, unknown>) => server.gql(IMPORT, { name: 'Copy from CSV', t: [{ params, result: { loss: 1 } }, { params, result: { loss: 2 }, ...more }] }, token);
    const refusals: [Record<string, unknown>, string, RegExp][] = [
      [{ worker: 'gpu\n1' }, 'trials[1].worker', /control characters/],
      [{ createdAt: '2026-01-02T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' }, 'trials[1].completedAt', /must not be before createdAt/],
      [{ createdAt: new Date(Date.now() + 24 * 3600_000).toISOString() }, 'trials[1].createdAt', /between 1970 and now/],
      [{ completedAt: '1969-12-31T23:59:59Z' }, 'trials[1].completedAt', /between 1970 and now/],
    ];
    for (const [more, field, message] of refusals) {
      const refusedRow = await ran(more);
      expect(refusedRow.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(refusedRow.errors?.[0]?.message).toMatch(message);
    }
    expect((await ran({ createdAt: 'yesterday' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await trialsOf('Copy from CSV')).toHaveLength(before);
    const kept = await ran({ worker: ' gpu-1 ', createdAt: '2025-06-01T10:00:00.000Z', completedAt: '2025-06-01T10:42:00.000Z' });
    expect(kept.errors).toBeUndefined();
    const [untimed, timed] = (await trialsOf('Copy from CSV')).slice(before);
    expect(timed).toMatchObject({ worker: 'gpu-1', createdAt: '2025-06-01T10:00:00.000Z', completedAt: '2025-06-01T10:42:00.000Z' });
    // Without times: the time of the import, for both.
    expect(untimed).toMatchObject({ worker: null, completedAt: untimed!.createdAt });
    expect(Math.abs(Date.parse(untimed!.createdAt) - Date.now())).toBeLessThan(10 * 60_000);
    // A file's time that is not one is named by its line, and nothing is stored.
    const badTime = file('bad-time.csv', ['params.act,params.bias,params.layers,params.lr,params.width,params.x,loss,created_at', 'relu,true,2,0.01,64,1,1,2025-06-01T10:00:00Z', 'relu,true,2,0.01,64,2,4,June 1st'].join('\n'));
    const refusedTime = await oscar(['import', '--experiment', 'Copy from CSV', badTime]);
    expect(refusedTime.code).toBe(1);
    expect(refusedTime.stderr).toContain(`${badTime} line 3: created_at must be a date and time (ISO 8601, as oscar export writes it), but got "June 1st"`);
    expect(await trialsOf('Copy from CSV')).toHaveLength(before + 2);
  });

  it('warm-starts the optimizer: imported trials are in the history it reads', async () => {
    const experiment = { name: 'Warm start', parameters: { x: { min: -5, max: 5 }, y: { min: -5, max: 5 } } };
    const first = await server.gql(SUGGEST, { e: experiment }, token);
    expect(first.data?.suggest.optimizer).toBe('gp');
    // `auto` leaves the GP for CMA-ES once 150 trials have completed: it must count the imported ones.
    const trials = Array.from({ length: 160 }, (_, i) => {
      const x = -5 + (i % 16) * (10 / 15);
      const y = -5 + Math.floor(i / 16) * (10 / 9);
      return { params: { x, y }, result: { loss: x * x + y * y } };
    });
    const imported = await server.gql(IMPORT, { name: 'Warm start', t: trials }, token);
    expect(imported.data?.importTrials).toMatchObject({ imported: 160, experiment: { trialCount: 161 } });
    expect(imported.data?.importTrials.numbers).toEqual([...Array(160).keys()].map((i) => i + 2));
    const next = await server.gql(SUGGEST, { e: experiment }, token);
    expect(next.data?.suggest).toMatchObject({ number: 162, optimizer: 'cmaes' });
  });

  it('imports the COMPLETE trials of an Optuna study, decoding its distributions', async () => {
    const study = join(dir, 'study.db');
    const { stdout: ran } = await withOptuna(`
study = optuna.create_study(study_name='mlp', storage='sqlite:///${study}', direction='maximize', sampler=optuna.samplers.RandomSampler(seed=1))
def objective(trial):
    x = trial.suggest_float('x', -10, 10)
    lr = trial.suggest_float('lr', 1e-4, 1, log=True)
    n = trial.suggest_int('n', 1, 8)
    q = trial.suggest_float('q', 0, 1, step=0.25)
    act = trial.suggest_categorical('act', ['relu', 'tanh', 3, True])
    trial.set_user_attr('seconds', 12.5)
    if trial.number == 4:
        raise optuna.TrialPruned()
    return -(x * x) + n
study.optimize(objective, n_trials=12)
optuna.create_study(study_name='other', storage='sqlite:///${study}')
for t in study.trials:
    print(t.number, t.state.name, t.value, t.params['act'] if 'act' in t.params else None)
    if t.state.name == 'COMPLETE':
        # Optuna keeps its machine's local time, without a zone: as an instant here.
        print('ran', t.datetime_start.astimezone().isoformat(timespec='milliseconds'), t.datetime_complete.astimezone().isoformat(timespec='milliseconds'))
`, FAR_EAST);
    const times = ran.split('\n').filter((line) => line.startsWith('ran ')).map((line) => line.split(' ').slice(1).map((time) => new Date(time).toISOString()));
    expect(times).toHaveLength(11);
    const both = await oscar(['import', '--experiment', 'From Optuna', study]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('holds 2 studies ("mlp", "other"): choose one with --study NAME');

    const imported = await oscar(['import', '--experiment', 'From Optuna', '--study', 'mlp', study], FAR_EAST);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('Imported 11 trials into "From Optuna" (11 trials now); skipped 1 with pruned state');
    const created = await server.gql(`{ experiment(name: "From Optuna") { parameters } }`, {}, token);
    expect(created.data?.experiment.parameters).toEqual({
      x: { min: -10, max: 10 },
      lr: { min: 0.0001, max: 1, distribution: 'log_uniform' },
      n: { min: 1, max: 8, step: 1 },
      q: { min: 0, max: 1, step: 0.25 },
      act: ['relu', 'tanh', 3, true],
    });
    const db = new Database(study, { readonly: true });
    const expected = db
      .prepare(
        `SELECT t.number, v.value FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id JOIN studies s ON s.study_id = t.study_id WHERE s.study_name = 'mlp' AND t.state = 'COMPLETE' ORDER BY t.number`,
      )
      .all() as { number: number; value: number }[];
    const acts = new Map(
      (db.prepare(`SELECT t.number, p.param_value AS v FROM trials t JOIN trial_params p ON p.trial_id = t.trial_id WHERE p.param_name = 'act' AND t.study_id = 1`).all() as { number: number; v: number }[]).map((r) => [r.number, ['relu', 'tanh', 3, true][r.v]]),
    );
    db.close();
    const trials = await trialsOf('From Optuna');
    expect(trials.map((t) => t.loss)).toEqual(expected.map((e) => -e.value)); // maximised: Oscar minimises its negation
    expect(trials.map((t) => t.metrics.value)).toEqual(expected.map((e) => e.value));
    expect(trials.map((t) => t.params.act)).toEqual(expected.map((e) => acts.get(e.number)));
    // When each ran, as Optuna recorded it; no worker (Optuna keeps none).
    expect(trials.map((t) => [t.createdAt, t.completedAt])).toEqual(times);
    expect(trials.every((t) => t.worker === null)).toBe(true);
    // Read on a machine 14 hours behind the study's: its local times lie ahead of this clock, so they
    // are left out (and said), not the whole import refused.
    const west = await oscar(['import', '--experiment', 'From Optuna west', '--study', 'mlp', study], { TZ: 'UTC' });
    expect(west.stderr).toContain(`${study}: the start and end times of 11 trials left out (later than this machine's clock`);
    expect(west.stdout).toContain('Imported 11 trials into "From Optuna west"');
    for (const t of trials) {
      expect(t.state).toBe('COMPLETED');
      expect(t.metrics.seconds).toBe(12.5);
      expect(Number.isInteger(t.params.n)).toBe(true);
      expect([0, 0.25, 0.5, 0.75, 1]).toContain(t.params.q);
    }
  });

  it('imports a define-by-run study as a conditional space, a one-value range as a constant, NaN attributes as null', async () => {
    const study = join(dir, 'conditional.db');
    const { stdout } = await withOptuna(`
study = optuna.create_study(study_name='cond', storage='sqlite:///${study}', sampler=optuna.samplers.RandomSampler(seed=3))
def objective(trial):
    c = trial.suggest_categorical('c', ['a', 'b', 'z'])
    f = trial.suggest_float('f', 2.0, 2.0)
    if c in ('a', 'b'):
        w = trial.suggest_float('w', 0, 1)
    if c == 'a':
        x = trial.suggest_float('xa', 0, 1)
        if trial.suggest_categorical('k', ['u', 'v']) == 'u':
            trial.suggest_float('ku', 0, 1)
        trial.set_user_attr('val', float('nan') if trial.number == 0 else x)
        return x
    if c == 'b':
        return trial.suggest_int('nb', 1, 4)
    return f
study.enqueue_trial({'c': 'a', 'k': 'u'})
study.optimize(objective, n_trials=40)
print(json.dumps([{'number': t.number, 'params': t.params} for t in study.trials]))
`);
    const optuna = JSON.parse(stdout) as { number: number; params: Record<string, unknown> }[];
    // Every branch was taken: the space below has every choice's parameters.
    for (const name of ['xa', 'nb', 'ku']) expect(optuna.some((t) => name in t.params)).toBe(true);
    expect(optuna.some((t) => t.params.k === 'v')).toBe(true);

    const imported = await oscar(['import', '--experiment', 'Conditional Optuna', study]);
    expect(imported.stderr).toBe(`${study}: the user attribute "val" holds NaN or an infinity in 1 trial: imported as null there\n`);
    expect(imported.stdout).toContain('Imported 40 trials into "Conditional Optuna" (40 trials now)');
    const created = await server.gql(`{ experiment(name: "Conditional Optuna") { parameters } }`, {}, token);
    expect(created.data?.experiment.parameters).toEqual({
      c: {
        choices: {
          a: { k: { choices: { u: { ku: { min: 0, max: 1 } }, v: {} } }, w: { min: 0, max: 1 }, xa: { min: 0, max: 1 } },
          b: { nb: { min: 1, max: 4, step: 1 }, w: { min: 0, max: 1 } },
          z: {},
        },
      },
      f: 2,
    });
    const trials = await trialsOf('Conditional Optuna');
    // Keyed as Oscar keys a conditional space: `w`, under two choices, is `a.w` or `b.w`.
    expect(trials.map((t) => t.params)).toEqual(
      optuna.map(({ params: { w, ...rest } }) => (w === undefined ? rest : { ...rest, [`${String(rest.c)}.w`]: w })),
    );
    expect(trials[0]!.metrics.val).toBeNull();
    expect(trials.filter((t) => t.params.c === 'a').every((t, i) => i === 0 || t.metrics.val === t.params.xa)).toBe(true);

    // A parameter whose presence no categorical decides: refused, naming it; nothing stored.
    const loose = join(dir, 'loose.db');
    await withOptuna(`
study = optuna.create_study(study_name='loose', storage='sqlite:///${loose}', sampler=optuna.samplers.RandomSampler(seed=3))
def objective(trial):
    x = trial.suggest_float('x', 0, 1)
    return trial.suggest_float('y', 0, 1) if x > 0.5 else x
study.enqueue_trial({'x': 0.25})
study.enqueue_trial({'x': 0.75})
study.optimize(objective, n_trials=2)
`);
    const refused = await oscar(['import', '--experiment', 'Loose Optuna', loose]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${loose}: the parameter "y" is suggested in 1 of the 2 trials, and no categorical parameter's value decides when`);
    expect((await server.gql(`{ experiment(name: "Loose Optuna") { id } }`, {}, token)).data?.experiment).toBeNull();

    // A parameter only trials without a finite value suggested (skipped) is not part of the space.
    const skippedOnly = join(dir, 'skipped-only.db');
    await withOptuna(`
study = optuna.create_study(study_name='skipped', storage='sqlite:///${skippedOnly}', sampler=optuna.samplers.RandomSampler(seed=3))
def objective(trial):
    x = trial.suggest_float('x', 0, 1)
    return float('inf') + trial.suggest_float('y', 0, 1) if x > 0.5 else x
for x in (0.25, 0.75, 0.3):
    study.enqueue_trial({'x': x})
study.optimize(objective, n_trials=3)
`);
    const kept = await oscar(['import', '--experiment', 'Skipped Optuna', skippedOnly]);
    expect(kept.code, kept.stderr).toBe(0);
    const made = (await server.gql(`{ experiment(name: "Skipped Optuna") { parameters trialCount } }`, {}, token)).data?.experiment;
    expect(made).toEqual({ parameters: { x: expect.any(Object) }, trialCount: 2 });
  });

  it('refuses __proto__ columns and Optuna attributes, naming the row, and stores nothing', async () => {
    const spec = file('proto.json', JSON.stringify({ name: 'Proto columns', parameters: { x: { min: 0, max: 1 } } }));
    const metric = await oscar(['import', '--experiment', spec, file('proto-metric.csv', 'state,params.x,loss,metrics.ok,metrics.__proto__\r\nCOMPLETED,0.5,1,2,3\r\n')]);
    expect(metric.code).toBe(1);
    expect(metric.stderr).toMatch(/proto-metric\.csv line 2: .*"__proto__"/);
    const param = await oscar(['import', '--experiment', spec, file('proto-param.csv', 'state,params.x,params.__proto__,loss\r\nCOMPLETED,0.5,1,1\r\n')]);
    expect(param.code).toBe(1);
    expect(param.stderr).toMatch(/proto-param\.csv line 2: params\.__proto__/);
    const study = join(dir, 'proto.db');
    await withOptuna(`
study = optuna.create_study(study_name='proto', storage='sqlite:///${study}')
trial = study.ask({'x': optuna.distributions.FloatDistribution(0, 1)})
trial.set_user_attr('__proto__', 1)
study.tell(trial, 0.5)
`);
    const attribute = await oscar(['import', '--experiment', spec, study]);
    expect(attribute.code).toBe(1);
    expect(attribute.stderr).toMatch(/proto\.db Optuna trial 0: .*"__proto__"/);
    expect((await server.gql(`{ experiment(name: "Proto columns") { id } }`, {}, token)).data?.experiment).toBeNull();
  });
});

describe('enqueue', () => {
  const experiment = { name: 'Queue', parameters: { x: { min: -10, max: 10 }, n: { min: 1, max: 5, step: 1 }, act: ['relu', 'tanh'], epochs: 3 } };

  it('hands queued sets out first, in order, each once, across 8 concurrent suggests', async () => {
    const first = await server.gql(ENQUEUE, { e: experiment, p: { x: 1, n: 1, act: 'relu' } }, token);
    expect(first.data?.enqueue).toMatchObject({ place: 1, params: { act: 'relu', epochs: 3, n: 1, x: 1 } });
    const second = await server.gql(ENQUEUE, { name: 'Queue', p: { x: 2, n: 2, act: 'tanh', epochs: 3 } }, token);
    expect(second.data?.enqueue.place).toBe(2);
    // Sequential suggests take them in order.
    const a = await server.gql(SUGGEST, { e: experiment }, token);
    const b = await server.gql(SUGGEST, { e: experiment }, token);
    expect([a.data?.suggest.params.x, b.data?.suggest.params.x]).toEqual([1, 2]);
    expect(a.data?.suggest.optimizer).toBe('enqueued');
    expect(await queueLength('Queue')).toBe(0);

    for (let x = 3; x <= 5; x++) await server.gql(ENQUEUE, { name: 'Queue', p: { x, n: 3, act: 'relu' } }, token);
    const racing = await Promise.all(Array.from({ length: 8 }, () => server.gql(SUGGEST, { e: experiment }, token)));
    const handed = racing.map((r) => r.data!.suggest as { number: number; params: { x: number }; optimizer: string });
    const fromQueue = handed.filter((t) => t.optimizer === 'enqueued').sort((p, q) => p.number - q.number);
    expect(fromQueue.map((t) => t.params.x)).toEqual([3, 4, 5]);
    expect(handed.filter((t) => [3, 4, 5].includes(t.params.x))).toHaveLength(3);
    expect(new Set(handed.map((t) => t.number)).size).toBe(8);
    expect(await queueLength('Queue')).toBe(0);
    const after = await server.gql(SUGGEST, { e: experiment }, token);
    expect(after.data?.suggest.optimizer).not.toBe('enqueued');
  });

  it('queues one set for a call resent with its requestId: once with resume: false, after the set was taken, and resent at once', async () => {
    const ONCE = `mutation ($e: ExperimentInput, $name: String, $p: JSON!, $r: String) { enqueue(experiment: $e, experimentName: $name, params: $p, requestId: $r) { id place params } }`;
    const restart = { e: { ...experiment, name: 'Resent', resume: false }, p: { x: 1, n: 1, act: 'relu' }, r: 'call-1' };
    const first = await server.gql(ONCE, restart, token);
    expect(first.data?.enqueue).toMatchObject({ place: 1, params: { x: 1 } });
    // The answer was lost and the call sent again: the same answer, no second set, no second version.
    expect((await server.gql(ONCE, restart, token)).data?.enqueue).toEqual(first.data?.enqueue);
    const versions = async () => (await server.gql(`{ experiment(name: "Resent") { versions { version } } }`, {}, token)).data?.experiment.versions.length;
    expect(await versions()).toBe(1);
    expect(await queueLength('Resent')).toBe(1);
    // Still so once a suggest has taken the set.
    expect((await server.gql(SUGGEST, { e: { ...experiment, name: 'Resent' } }, token)).data?.suggest.params.x).toBe(1);
    expect((await server.gql(ONCE, restart, token)).data?.enqueue).toEqual(first.data?.enqueue);
    expect(await queueLength('Resent')).toBe(0);
    expect(await versions()).toBe(1);
    // Resent while the first is still on its way: one set. A new id is a new call; another user's ids are their own.
    const again = { name: 'Resent', p: { x: 2, n: 2, act: 'tanh' }, r: 'call-2' };
    const racing = await Promise.all(Array.from({ length: 4 }, () => server.gql(ONCE, again, token)));
    expect(racing.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(new Set(racing.map((answer) => answer.data?.enqueue.id)).size).toBe(1);
    expect(await queueLength('Resent')).toBe(1);
    expect((await server.gql(ONCE, { ...again, r: 'call-3' }, token)).data?.enqueue.place).toBe(2);
    const theirs = await server.gql(ONCE, { e: { ...experiment, name: 'Resent' }, p: { x: 3, n: 3, act: 'relu' }, r: 'call-1' }, other);
    expect(theirs.data?.enqueue).toMatchObject({ place: 1, params: { x: 3 } });
    // A `resume: false` call resent while the first is still running: one new version, one set in it.
    const restartAgain = { e: { ...experiment, name: 'Resent', resume: false }, p: { x: 4, n: 4, act: 'relu' }, r: 'call-4' };
    const restarts = await Promise.all(Array.from({ length: 4 }, () => server.gql(ONCE, restartAgain, token)));
    expect(restarts.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(new Set(restarts.map((answer) => answer.data?.enqueue.id)).size).toBe(1);
    expect(await versions()).toBe(2);
    expect(await queueLength('Resent')).toBe(1);
  });

  it('neither creates nor changes an experiment when params or rows are refused, or on a dry run', async () => {
    const spec = { name: 'Untouched', parameters: experiment.parameters, algorithm: 'random', description: 'as created' };
    const created = await server.gql(SUGGEST, { e: spec }, token);
    expect(created.errors).toBeUndefined();
    const describe = async (name: string) =>
      (await server.gql(`query ($name: String!) { experiment(name: $name) { description algorithm } }`, { name }, token)).data?.experiment ?? null;
    const changed = { ...spec, description: 'changed by a dry run', algorithm: 'tpe' };
    const params = { x: 1, n: 1, act: 'relu' };
    const dry = await server.gql(IMPORT, { e: changed, t: [{ params, result: { loss: 1 } }], dry: true }, token);
    expect(dry.data?.importTrials).toMatchObject({ imported: 1, numbers: [] });
    expect(await describe('Untouched')).toEqual({ description: 'as created', algorithm: 'random' });
    const refused = await server.gql(IMPORT, { e: changed, t: [{ params: { ...params, x: 99 }, result: { loss: 1 } }] }, token);
    expect(refused.errors?.[0]?.extensions?.field).toBe('trials[0].params.x');
    expect(await describe('Untouched')).toEqual({ description: 'as created', algorithm: 'random' });
    // A new name: a refused enqueue or import does not create it.
    const fresh = { ...spec, name: 'Never made' };
    const enqueued = await server.gql(ENQUEUE, { e: fresh, p: { ...params, x: 99 } }, token);
    expect(enqueued.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'params.x' });
    const imported = await server.gql(IMPORT, { e: fresh, t: [{ params: { ...params, n: 0.5 }, result: { loss: 1 } }] }, token);
    expect(imported.errors?.[0]?.extensions?.field).toBe('trials[0].params.n');
    expect(await describe('Never made')).toBeNull();
  });

  it('refuses a set that does not fit the space, naming the parameter, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ x: 11, n: 1, act: 'relu' }, 'params.x', 'params.x must be between -10 and 10, but got 11'],
      [{ x: 1, n: 1.5, act: 'relu' }, 'params.n', 'params.n must be a whole number between 1 and 5 in steps of 1, but got 1.5'],
      [{ x: 1, n: 1, act: 'gelu' }, 'params.act', 'params.act must be one of ["relu","tanh"], but got "gelu" (a string)'],
      [{ x: 1, act: 'relu' }, 'params.n', 'params.n is missing: every parameter needs a value'],
      [{ x: 1, n: 1, act: 'relu', y: 2 }, 'params.y', 'params.y is not a parameter of this experiment'],
      [{ x: '1', n: 1, act: 'relu' }, 'params.x', 'params.x must be a finite number, but got "1" (a string)'],
      [{ x: 1, n: 1, act: 'relu', epochs: 4 }, 'params.epochs', 'params.epochs is the constant 3, but got 4 (a number)'],
    ];
    for (const [params, field, message] of cases) {
      const answer = await server.gql(ENQUEUE, { name: 'Queue', p: params }, token);
      expect(answer.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(answer.errors?.[0]?.message).toContain(message);
    }
    const neither = await server.gql(`mutation { enqueue(params: {x: 1}) { id } }`, {}, token);
    expect(neither.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'experiment' });
    expect(await queueLength('Queue')).toBe(0);
  });

  it('keeps at most 10,000 sets per experiment', async () => {
    const { data } = await server.gql(ENQUEUE, { e: { name: 'Full queue', parameters: { x: { min: 0, max: 1 } } }, p: { x: 0.5 } }, token);
    const experimentId = (await server.gql(`{ experiment(name: "Full queue") { id } }`, {}, token)).data?.experiment.id as string;
    expect(data?.enqueue.place).toBe(1);
    // 9,998 more straight into the database (as a busy queue would hold them, its count kept on the
    // experiment's row as enqueue keeps it), then through the API.
    const seed = `SELECT 'seed-' || n, '${experimentId}', n + 1, '{"x":0.25}' FROM series`;
    if (server.databaseUrl.startsWith('file:')) {
      const db = new Database(server.databaseUrl.slice('file:'.length));
      db.exec(`WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < 9998)
        INSERT INTO "QueuedParams" ("id", "experimentId", "position", "params") ${seed}`);
      db.prepare(`UPDATE "Experiment" SET "queuedCount" = "queuedCount" + 9998 WHERE "id" = ?`).run(experimentId);
      db.close();
    } else {
      const client = new pg.Client({ connectionString: server.databaseUrl });
      await client.connect();
      await client.query(`INSERT INTO "QueuedParams" ("id", "experimentId", "position", "params") SELECT 'seed-' || n, '${experimentId}', n + 1, '{"x":0.25}'::jsonb FROM generate_series(1, 9998) AS n`);
      await client.query(`UPDATE "Experiment" SET "queuedCount" = "queuedCount" + 9998 WHERE "id" = $1`, [experimentId]);
      await client.end();
    }
    const last = await server.gql(ENQUEUE, { id: experimentId, p: { x: 1 } }, token);
    expect(last.data?.enqueue.place).toBe(10_000);
    const refused = await server.gql(ENQUEUE, { id: experimentId, p: { x: 1 } }, token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(refused.errors?.[0]?.message).toContain('already holds 10,000 parameter sets');
    expect(await queueLength('Full queue')).toBe(10_000);
    const next = await server.gql(SUGGEST, { e: { name: 'Full queue', parameters: { x: { min: 0, max: 1 } } } }, token);
    expect(next.data?.suggest).toMatchObject({ params: { x: 0.5 }, optimizer: 'enqueued' });
  });
});

describe('importTrials resent', () => {
  const experiment = { name: 'Imported once', parameters: { x: { min: -10, max: 10 }, n: { min: 1, max: 5, step: 1 }, act: ['relu', 'tanh'] } };

  it('answers a call resent by experimentId after that version was archived, and checks how a call names its experiment before its requestId', async () => {
    const BY = `mutation ($e: ExperimentInput, $id: ID, $name: String, $r: String, $dry: Boolean! = false) {
      importTrials(experiment: $e, experimentId: $id, experimentName: $name, trials: [{params: {x: 1, n: 1, act: "relu"}, result: {loss: 1}}], requestId: $r, dryRun: $dry) { imported numbers repeated }
    }`;
    const made = (await server.gql(SUGGEST, { e: { ...experiment, name: 'By id' } }, token)).data!.suggest;
    const { id } = (await server.gql(`{ experiment(name: "By id") { id } }`, {}, token)).data!.experiment;
    const first = await server.gql(BY, { id, r: 'byid-1' }, token);
    expect(first.data?.importTrials).toEqual({ imported: 1, numbers: [made.number + 1], repeated: false });
    // Another worker starts it afresh meanwhile; the lost answer's resend names the version it went to.
    await server.gql(SUGGEST, { e: { ...experiment, name: 'By id', resume: false } }, token);
    expect((await server.gql(BY, { id, r: 'byid-1' }, token)).data?.importTrials).toEqual({ ...first.data?.importTrials, repeated: true });
    expect((await server.gql(BY, { id, r: 'byid-1', dry: true }, token)).data?.importTrials).toEqual({ ...first.data?.importTrials, repeated: true });
    // A used id does not excuse naming the experiment wrongly: two ways at once, a name no experiment can have.
    const both = await server.gql(BY, { id, name: 'By id', r: 'byid-1' }, token);
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment' });
    for (const variables of [{ name: 'By\u0000id', r: 'byid-1' }, { e: { name: 'By\u0000id', parameters: experiment.parameters }, r: 'byid-1' }]) {
      const refused = await server.gql(BY, variables, token);
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.extensions?.field).toMatch(/^experiment(Name|\.name)$/);
    }
    // A dry run refuses what creating the experiment would refuse: a new name that hides a character.
    const hidden = await server.gql(BY, { e: { name: 'By\u200bid', parameters: experiment.parameters }, dry: true }, token);
    expect(hidden.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.name' });
  });

  it('imports a batch once for a call resent with its requestId: with resume: false, and resent at once', async () => {
    const ONCE = `mutation ($e: ExperimentInput, $name: String, $t: [ImportedTrialInput!]!, $r: String) {
      importTrials(experiment: $e, experimentName: $name, trials: $t, requestId: $r) { imported numbers repeated experiment { id version trialCount } }
    }`;
    const rows = (xs: number[]) => xs.map((x) => ({ params: { x, n: 1, act: 'relu' }, result: { loss: x * x } }));
    const restart = { e: { ...experiment, name: 'Imported once', resume: false }, t: rows([1, 2, 3]), r: 'import-1' };
    const first = await server.gql(ONCE, restart, token);
    expect(first.data?.importTrials).toMatchObject({ imported: 3, numbers: [1, 2, 3], repeated: false, experiment: { version: 1, trialCount: 3 } });
    // The answer was lost and the call sent again: the same answer, no second batch, no second version.
    expect((await server.gql(ONCE, restart, token)).data?.importTrials).toEqual({ ...first.data?.importTrials, repeated: true });
    const versions = async () => (await server.gql(`{ experiment(name: "Imported once") { versions { version } } }`, {}, token)).data?.experiment.versions.length;
    expect(await versions()).toBe(1);
    expect((await trialsOf('Imported once')).map((t) => t.params.x)).toEqual([1, 2, 3]);
    // Resent while the first is still on its way: one batch. A new id is a new call; another user's ids are their own.
    const again = { name: 'Imported once', t: rows([4, 5]), r: 'import-2' };
    const racing = await Promise.all(Array.from({ length: 4 }, () => server.gql(ONCE, again, token)));
    expect(racing.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(new Set(racing.map((answer) => JSON.stringify(answer.data?.importTrials.numbers)))).toEqual(new Set(['[4,5]']));
    expect(racing.filter((answer) => answer.data?.importTrials.repeated === false)).toHaveLength(1);
    expect((await trialsOf('Imported once')).map((t) => t.params.x)).toEqual([1, 2, 3, 4, 5]);
    expect((await server.gql(ONCE, { ...again, r: 'import-3' }, token)).data?.importTrials.numbers).toEqual([6, 7]);
    const theirs = await server.gql(ONCE, { e: { ...experiment, name: 'Imported once' }, t: rows([9]), r: 'import-1' }, other);
    expect(theirs.data?.importTrials).toMatchObject({ imported: 1, numbers: [1] });
    // A dry run stores nothing, and takes no request id's place.
    const dry = await server.gql(IMPORT_DRY, { name: 'Imported once', t: rows([8]), r: 'import-4' }, token);
    expect(dry.data?.importTrials).toMatchObject({ imported: 1, numbers: [] });
    expect((await server.gql(ONCE, { name: 'Imported once', t: rows([8]), r: 'import-4' }, token)).data?.importTrials.numbers).toEqual([8]);
    // A dry run with a used id says what that call stored (so a client can skip it), unchecked.
    const dryUsed = await server.gql(IMPORT_DRY, { name: 'Imported once', t: rows([99]), r: 'import-4' }, token);
    expect(dryUsed.errors).toBeUndefined();
    expect(dryUsed.data?.importTrials).toMatchObject({ imported: 1, numbers: [8], dryRun: true, repeated: true });
    // A `resume: false` call resent while the first is still running: one new version, one batch in it.
    const restartAgain = { e: { ...experiment, name: 'Imported once', resume: false }, t: rows([1.5, 2.5]), r: 'import-5' };
    const restarts = await Promise.all(Array.from({ length: 4 }, () => server.gql(ONCE, restartAgain, token)));
    expect(restarts.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined]);
    const unrepeated = (answer: (typeof restarts)[number]) => JSON.stringify({ ...answer.data?.importTrials, repeated: null });
    expect(new Set(restarts.map(unrepeated))).toEqual(new Set([unrepeated(restarts[0]!)]));
    expect(restarts.filter((answer) => answer.data?.importTrials.repeated === false)).toHaveLength(1);
    expect(restarts[0]!.data?.importTrials).toMatchObject({ numbers: [1, 2], experiment: { version: 2, trialCount: 2 } });
    expect(await versions()).toBe(2);
    expect((await trialsOf('Imported once')).map((t) => t.params.x)).toEqual([1.5, 2.5]);
    // An id whose batch went to a version archived since is a new call: its trials go to the current one
    // (a dry run says it is not repeated).
    const dryArchived = await server.gql(IMPORT_DRY, { name: 'Imported once', t: rows([1, 2, 3]), r: 'import-1' }, token);
    expect(dryArchived.data?.importTrials).toMatchObject({ imported: 3, numbers: [], repeated: false });
    const intoNew = await server.gql(ONCE, { name: 'Imported once', t: rows([1, 2, 3]), r: 'import-1' }, token);
    expect(intoNew.data?.importTrials).toMatchObject({ numbers: [3, 4, 5], repeated: false, experiment: { version: 2, trialCount: 5 } });
    expect((await server.gql(ONCE, { name: 'Imported once', t: rows([1, 2, 3]), r: 'import-1' }, token)).data?.importTrials).toMatchObject({ numbers: [3, 4, 5], repeated: true });
  });
});

describe("another user's experiment", () => {
  it('cannot be exported, enqueued into or imported into', async () => {
    const { data } = await server.gql(`{ experiment(name: "Round trip") { id export { url } } }`, {}, token);
    const { id, export: file } = data!.experiment;
    const download = await fetch(new URL(file.url, server.url), { headers: { authorization: `Bearer ${other}` } });
    expect(download.status).toBe(404);
    expect(await download.text()).not.toContain('Round trip');
    const anonymous = await fetch(new URL(file.url, server.url));
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const revoked = await fetch(new URL(file.url, server.url), { headers: { authorization: 'Bearer oscar_not-a-token' } });
    expect(revoked.status).toBe(401);

    const seen = await server.gql(`query ($id: ID!) { experiment(id: $id) { export { text } } }`, { id }, other);
    expect(seen.data?.experiment).toBeNull();
    const enqueued = await server.gql(ENQUEUE, { id, p: { x: 1 } }, other);
    expect(enqueued.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const byName = await server.gql(ENQUEUE, { name: 'Round trip', p: { x: 1 } }, other);
    expect(byName.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const imported = await server.gql(IMPORT, { id, t: [{ params: { x: 1 }, result: { loss: 1 } }] }, other);
    expect(imported.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const cli = await oscar(['export', '--experiment', 'Round trip'], { OSCAR_TOKEN: other });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('no experiment named "Round trip"');
    expect((await trialsOf('Round trip')).length).toBe(13);
    expect(await queueLength('Round trip')).toBe(0);
  });
});

describe('npx oscar export and import', () => {
  it('say how they are used', async () => {
    const help = await oscar(['export', '--help']);
    expect(help.stdout).toContain('oscar export --experiment NAME [--format csv|json] [--out FILE]');
    const wrong = await oscar(['export', '--experiment', 'x', '--format', 'xml']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--format must be csv or json');
    const noFile = await oscar(['import', '--experiment', 'x']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('oscar import --experiment NAME|SPEC.json FILE.csv|FILE.json|FILE.db');
    const noToken = await oscar(['import', '--experiment', 'x', 'a.csv'], { OSCAR_TOKEN: '' });
    expect(noToken.stderr).toContain('an API token is needed');
    const listed = await oscar(['--help']);
    expect(listed.stdout).toContain('oscar export --experiment NAME');
  });

  it('export to a reader that stops early (`| head`) ends quietly with exit code 0', async () => {
    const { data } = await server.gql(SUGGEST, { e: { name: 'Piped', parameters: { x: { min: 0, max: 1 } } } }, token);
    await server.gql(UPDATE, { id: data!.suggest.id, r: { loss: 1 } }, token);
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/oscar.mjs'), 'export', '--experiment', 'Piped'], {
        cwd: dir,
        env: { ...process.env, OSCAR_URL: server.url, OSCAR_TOKEN: token },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // The reader is gone before anything is written: every write meets a closed pipe (EPIPE).
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
