/**
 * `npm run bench:cost`: what one suggestion costs on a large experiment.
 *
 * Creates a temporary database holding an experiment with 10,000 completed
 * trials in a 10-parameter space (algorithm `auto`), then times
 * `proposeParams` (the server's path: history read from the database through
 * the in-memory cache, optimizer on a worker thread, state saved): the first
 * call (cache cold: reads all rows) and then calls that each follow one more
 * completed trial (the steady state). Also times the optimizer alone, in
 * process, on the same history, and a whole `suggest` request through the real
 * HTTP API (auth, experiment lookup, leases, optimizer, trial stored), each
 * followed by its `update`.
 *
 * First, the GP alone (in process): a suggestion on an experiment with 200
 * completed trials in 20 parameters (the bound: 300 ms on one core),
 * the first call with no state (a thorough hyperparameter fit) and then
 * successive calls each after one more completed trial, the state carried
 * over as the server does (`--gp-running 7`: with 7 trials running, as for 8 workers; `--gp-predicted 32`:
 * that many of them with a predicted final loss from their partial curves, the most the GP observes). `--gp-passes 2`
 * replays the same experiment in the same process: the first pass includes V8 compiling the optimizer
 * (its first steady call is usually the slowest), later passes do not. The load average is printed first.
 *
 * usage: tsx scripts/bench/cost.ts [--trials 10000] [--parameters 10] [--calls 30] [--gp-trials 200] [--gp-parameters 20] [--gp-running 0] [--gp-predicted 0] [--gp-passes 1] [--gp-only]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CompletedTrial } from '../../server/optimizer/types.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10000' },
    parameters: { type: 'string', default: '10' },
    calls: { type: 'string', default: '30' },
    'gp-trials': { type: 'string', default: '200' },
    'gp-parameters': { type: 'string', default: '20' },
    'gp-running': { type: 'string', default: '0' },
    'gp-predicted': { type: 'string', default: '0' },
    'gp-passes': { type: 'string', default: '1' },
    'gp-only': { type: 'boolean', default: false },
  },
});

{
  // The GP alone at `gp-trials` completed trials in `gp-parameters` dimensions.
  const { loadavg } = await import('node:os');
  const { parseSearchSpace } = await import('../../server/optimizer/space.ts');
  const { resolveOptimizer } = await import('../../server/optimizer/registry.ts');
  const { createRng } = await import('../../server/optimizer/rng.ts');
  const { median } = await import('./common.ts');
  const n = Number(values['gp-trials']);
  const d = Number(values['gp-parameters']);
  const gpSpace = parseSearchSpace(Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, { min: -5, max: 5 }])));
  const gpLoss = (p: Record<string, unknown>) => Object.values(p).reduce((s: number, v, i) => s + (i + 1) * (Number(v) - Math.sin(i)) ** 2, 0);
  const gp = resolveOptimizer('gp');
  // CPU time of this process (the optimizer is single-threaded; V8 compiles and collects garbage on helper
  // threads, which counts too), which a busy machine inflates less than wall time.
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const passes = Number(values['gp-passes']);
  console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  for (let pass = 1; pass <= passes; pass++) {
    // Every pass replays the same experiment; from the second on, V8 has compiled the optimizer already.
    const gpRng = createRng(2);
    const draw = () => Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, -5 + 10 * gpRng.uniform()]));
    const history: CompletedTrial[] = Array.from({ length: n }, () => {
      const params = draw();
      return { params, loss: gpLoss(params) };
    });
    const predicted = Number(values['gp-predicted']);
    const running = Array.from({ length: Math.max(Number(values['gp-running']), predicted) }, (_, i) => {
      const params = draw();
      // A prediction near the trial's loss, as a partial curve would give, with the sd a curve's gives.
      return i < predicted ? { params, loss: gpLoss(params) * 1.1, lossSd: 0.1 * gpLoss(params) } : { params };
    });
    let t = performance.now();
    let c = cpu();
    let { state, suggestions } = gp.suggest({ space: gpSpace, completed: history, running: [], seed: 1 });
    const first = { wall: performance.now() - t, cpu: cpu() - c };
    const steady: number[] = [];
    const steadyCpu: number[] = [];
    for (let i = 0; i < 16; i++) {
      history.push({ params: suggestions[0]!, loss: gpLoss(suggestions[0]!) });
      t = performance.now();
      c = cpu();
      ({ state, suggestions } = gp.suggest({ space: gpSpace, completed: history, running, seed: 2 + i, state }));
      steady.push(performance.now() - t);
      steadyCpu.push(cpu() - c);
    }
    const label = passes > 1 ? (pass === 1 ? ' (pass 1: a fresh process)' : ` (pass ${pass}: the same again, optimizer already compiled)`) : '';
    console.log(`gp alone, ${n} completed trials in ${d} parameters, ${running.length} running (${predicted} with a predicted loss) (CPU time, wall time in brackets)${label}:`);
    console.log(`  first call (no state, thorough fit): ${ms(first.cpu)} (${ms(first.wall)})`);
    console.log(
      `  next ${steady.length} calls, one more trial each: median ${ms(median(steadyCpu))} (${ms(median(steady))}), max ${ms(Math.max(...steadyCpu))} (${ms(Math.max(...steady))}); every 8th refits thoroughly`,
    );
    console.log(`  CPU time of each: ${steadyCpu.map((v) => v.toFixed(0)).join(' ')}`);
  }
  if (values['gp-only']) process.exit(0);
}
const trials = Number(values.trials);
const dimensions = Number(values.parameters);
const calls = Number(values.calls);

const dir = mkdtempSync(join(tmpdir(), 'oscar-cost-'));
const databaseUrl = `file:${join(dir, 'cost.db')}`;

const { applyMigrations } = await import('../../server/db/migrate.ts');
await applyMigrations(databaseUrl);
const { createRuntime } = await import('../../server/runtime/runtime.ts');
const runtime = await createRuntime({ databaseUrl });
const prisma = runtime.db;
const proposeParams = async (experiment: Parameters<typeof runtime.histories.propose>[0], space: Parameters<typeof runtime.histories.propose>[1]) =>
  (await runtime.histories.propose(experiment, space, 1))[0]!;
const { parseSearchSpace } = await import('../../server/optimizer/space.ts');
const { resolveOptimizer, chooseAlgorithm } = await import('../../server/optimizer/registry.ts');
const { createRng } = await import('../../server/optimizer/rng.ts');
const { median } = await import('./common.ts');

const raw = Object.fromEntries(Array.from({ length: dimensions }, (_, i) => [`x${i}`, { min: -5, max: 5 }]));
const space = parseSearchSpace(raw);
const loss = (p: Record<string, number>) => Object.values(p).reduce((s, v, i) => s + (v - Math.sin(i)) ** 2, 0);
const rng = createRng(1);
const sample = () => Object.fromEntries(Array.from({ length: dimensions }, (_, i) => [`x${i}`, -5 + 10 * rng.uniform()]));

try {
  const user = await prisma.user.create({ data: { email: 'cost@example.com' } });
  let experiment = await prisma.experiment.create({
    data: { ownerId: user.id, name: 'cost', parameters: raw, algorithm: 'auto', seed: 1, nextTrialNumber: trials + 1 },
  });
  const t0 = performance.now();
  const rows = Array.from({ length: trials }, (_, i) => {
    const params = sample();
    return { experimentId: experiment.id, number: i + 1, state: 'COMPLETED', params, loss: loss(params), optimizer: 'random', completedAt: new Date(Date.now() - (trials - i) * 1000) };
  });
  for (let i = 0; i < rows.length; i += 1000) await prisma.trial.createMany({ data: rows.slice(i, i + 1000) });
  console.log(`${trials} completed trials, ${dimensions} parameters, written in ${((performance.now() - t0) / 1000).toFixed(1)} s; auto uses ${chooseAlgorithm(space, trials)}`);

  // The optimizer alone, in process.
  const completed = rows.map((r) => ({ params: r.params, loss: r.loss }));
  const alone: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    resolveOptimizer('auto').suggest({ space, completed, running: [], seed: i });
    alone.push(performance.now() - t);
  }

  const cold = performance.now();
  await proposeParams(experiment, space);
  const coldMs = performance.now() - cold;
  const warm: number[] = [];
  for (let i = 0; i < calls; i++) {
    const params = sample();
    const number = trials + 1 + i;
    await prisma.trial.create({ data: { experimentId: experiment.id, number, state: 'COMPLETED', params, loss: loss(params), optimizer: 'auto', completedAt: new Date() } });
    experiment = await prisma.experiment.update({ where: { id: experiment.id }, data: { nextTrialNumber: number + 1 } });
    const t = performance.now();
    const proposal = await proposeParams(experiment, space);
    warm.push(performance.now() - t);
    if (proposal.fallbackReason) console.log(`fallback: ${proposal.fallbackReason}`);
  }
  const p95 = [...warm].sort((a, b) => a - b)[Math.floor(0.95 * (warm.length - 1))]!;
  console.log(`optimizer alone (in process):          median ${median(alone).toFixed(1)} ms`);
  console.log(`proposeParams, first call (cold cache): ${coldMs.toFixed(1)} ms`);
  console.log(`proposeParams, steady state:            median ${median(warm).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${calls} calls`);

  // A whole suggest request through the HTTP API, as a worker sends it.
  const { buildApp } = await import('../../server/http/app.ts');
  const { createApiToken } = await import('../../server/accounts/auth.ts');
  const { schema } = await import('../../schema/index.ts');
  const { token } = await createApiToken(prisma, user.id);
  const { internalSecret } = await import('../../server/http/client-address.ts');
  const app = buildApp({ runtime, schema, policy: { trustProxy: false, internalSecret: internalSecret() } });
  const port = await app.start(0);
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: unknown[] };
  };
  const requests: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const answer = await gql(
      'mutation ($e: ExperimentInput!, $w: String) { suggest(experiment: $e, worker: $w) { id params } }',
      { e: { name: 'cost', parameters: raw }, w: `worker-${i}` },
    );
    requests.push(performance.now() - t);
    if (!answer.data) throw new Error(JSON.stringify(answer.errors));
    await gql('mutation ($id: ID!, $r: JSON!) { update(trialId: $id, result: $r) { id } }', {
      id: answer.data.suggest.id,
      r: { loss: loss(answer.data.suggest.params) },
    });
  }
  await app.stop();
  const requestP95 = [...requests].sort((a, b) => a - b)[Math.floor(0.95 * (requests.length - 1))]!;
  console.log(`suggest over HTTP, whole request:      median ${median(requests).toFixed(1)} ms, p95 ${requestP95.toFixed(1)} ms over ${calls} calls`);
} finally {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
}
