import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experiment } from '../generated/prisma/client.ts';
import { applyMigrations } from '../db/migrate.ts';
import { resolveOptimizer } from '../optimizer/registry.ts';
import { parseSearchSpace, type Params } from '../optimizer/space.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import { newDatabase, type TestDatabase } from '../../tests/harness.ts';
import { nextRevision } from './revisions.ts';
import { curveBatches, HistoryCache, learnedLoss, learnedScores, optimizerTrials, withFailed } from './history.ts';
import { curveRows, readRunningCurves, type RunningCurve } from './running-curves.ts';

const dir = mkdtempSync(join(tmpdir(), 'oscar-history-'));
let database: TestDatabase;
let databaseUrl: string;
const raw = { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } };
const space = parseSearchSpace(raw);
let runtime: Runtime;

beforeAll(async () => {
  // The tests' backend: SQLite, or a PostgreSQL database of its own (OSCAR_TEST_BACKEND).
  database = await newDatabase(dir);
  databaseUrl = database.url;
  await applyMigrations(databaseUrl);
  runtime = await createRuntime({ databaseUrl });
});

afterAll(async () => {
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

async function newExperiment(name: string, algorithm = 'auto') {
  const user = await runtime.db.user.upsert({ where: { email: 'scientist@example.com' }, update: {}, create: { email: 'scientist@example.com' } });
  return runtime.db.experiment.create({ data: { ownerId: user.id, name, parameters: raw, algorithm, seed: 7 } });
}

/** Stores a completed trial as the server does (with the experiment's next revision); returns the experiment read again. */
async function complete(experiment: Experiment, params: Params, loss: number, optimizer: string): Promise<Experiment> {
  await runtime.database.transaction(async (tx) => {
    const revision = await nextRevision(tx, experiment.id);
    await tx.trial.create({
      data: { experimentId: experiment.id, number: experiment.nextTrialNumber, state: 'COMPLETED', params, loss, optimizer, completedAt: new Date(), revision },
    });
    await tx.experiment.update({ where: { id: experiment.id }, data: { nextTrialNumber: { increment: 1 } } });
  });
  return runtime.db.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
}

describe('curveBatches', () => {
  it('reads pruned curves at most 20 trials and about 20,000 reports a query, a longer one alone', () => {
    const trial = (id: string, lastStep: number | null) => ({ id, lastStep });
    // Short curves: 20 trials a query.
    const short = Array.from({ length: 45 }, (_, i) => trial(`s${i}`, 49));
    expect(curveBatches(short).map((batch) => batch.length)).toEqual([20, 20, 5]);
    // Curves of 10,000 reports (the most a trial has, whatever its last step): two a query.
    const long = Array.from({ length: 5 }, (_, i) => trial(`l${i}`, i === 0 ? 1e9 : 9_999));
    expect(curveBatches(long).map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(curveBatches([trial('a', 0), trial('b', null)])).toEqual([['a', 'b']]);
    expect(curveBatches([])).toEqual([]);
  });
});

describe('HistoryCache memory', () => {
  it('forgets the least recently used histories past its bound on values held, and reads one again when needed', async () => {
    // Each trial of this space weighs 3 (itself and 2 parameter values): 12 trials, 36.
    const histories = new HistoryCache(runtime.db, runtime.pool, 50);
    let first = await newExperiment('memory one', 'random');
    let second = await newExperiment('memory two', 'random');
    for (let i = 0; i < 12; i++) {
      first = await complete(first, { x: i / 12, y: 0.5 }, i, 'random');
      second = await complete(second, { x: 0.5, y: i / 12 }, i, 'random');
    }
    await histories.propose(first, space, 1);
    expect(histories.cachedExperiments).toBe(1);
    await histories.propose(second, space, 1);
    expect(histories.cachedExperiments).toBe(1); // 72 values together: the first was forgotten
    // Read again from the database when it is next needed.
    const proposals = await histories.propose(first, space, 1);
    expect(proposals).toHaveLength(1);
    expect(histories.cachedExperiments).toBe(1);
    const roomy = new HistoryCache(runtime.db, runtime.pool, 100);
    await roomy.propose(first, space, 1);
    await roomy.propose(second, space, 1);
    expect(roomy.cachedExperiments).toBe(2);
  });
});

describe('HistoryCache.propose', () => {
  it('proposes a batch of distinct parameter sets in one call', async () => {
    const experiment = await newExperiment('batch');
    const proposals = await runtime.histories.propose(experiment, space, 4);
    expect(new Set(proposals.map((p) => JSON.stringify(p.params))).size).toBe(4);
    for (const p of proposals) expect(p.fallbackReason).toBeNull();
  });

  it('learns from completed trials read incrementally, and saves the optimizer state on the experiment', async () => {
    let experiment = await newExperiment('incremental');
    const loss = (p: Record<string, unknown>) => (Number(p.x) - 0.3) ** 2 + (Number(p.y) - 0.6) ** 2;
    for (let number = 1; number <= 14; number++) {
      const [proposal] = await runtime.histories.propose(experiment, space, 1);
      experiment = await complete(experiment, proposal!.params, loss(proposal!.params), proposal!.optimizer);
    }
    const stored = await runtime.db.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    expect(stored.optimizerState).toMatchObject({ algorithm: 'gp', state: { scramble: expect.any(Number) } });
    const best = await runtime.db.trial.findFirst({ where: { experimentId: experiment.id }, orderBy: { loss: 'asc' } });
    expect(best!.loss!).toBeLessThan(0.01);
  });

  it('continues the quasi-random sequence across calls, seeing every stored trial', async () => {
    let experiment = await newExperiment('sequence', 'quasi_random');
    const proposed = [];
    for (let number = 1; number <= 5; number++) {
      const [proposal] = await runtime.histories.propose(experiment, space, 1);
      proposed.push(proposal!.params);
      experiment = await complete(experiment, proposal!.params, 1, proposal!.optimizer);
    }
    const { optimizerState } = await runtime.db.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    const sequence = resolveOptimizer('quasi_random').suggest({ space, completed: [], running: [], seed: 0, count: 5, state: optimizerState });
    expect(proposed).toEqual(sequence.suggestions);
  });

  it('sees trials another process stored since its last read (a second runtime on the same database)', async () => {
    const other = await createRuntime({ databaseUrl });
    try {
      let experiment = await newExperiment('two processes', 'quasi_random');
      for (let number = 1; number <= 6; number++) {
        // The processes take turns, each with its own cache: each must see the other's trials.
        const runtimeNow = number % 2 ? runtime : other;
        const [proposal] = await runtimeNow.histories.propose(experiment, space, 1);
        experiment = await complete(experiment, proposal!.params, 1, proposal!.optimizer);
      }
      const trials = await runtime.db.trial.findMany({ where: { experimentId: experiment.id }, orderBy: { number: 'asc' } });
      const { optimizerState } = experiment;
      const sequence = resolveOptimizer('quasi_random').suggest({ space, completed: [], running: [], seed: 0, count: 6, state: optimizerState });
      expect(trials.map((t) => t.params)).toEqual(sequence.suggestions);
    } finally {
      await other.close();
    }
  });
});

describe('HistoryCache with a trial failed for its losses that comes back', () => {
  it('takes it out of the failed trials once it runs again or completes (a FAILED trial was final before)', async () => {
    let experiment = await newExperiment('lost and back', 'random');
    experiment = await complete(experiment, { x: 0.1, y: 0.1 }, 1, 'random');
    const lost = await runtime.database.transaction(async (tx) =>
      tx.trial.create({
        data: { experimentId: experiment.id, number: 2, state: 'FAILED', params: { x: 0.9, y: 0.9 }, optimizer: 'random', lostCount: 4, revision: await nextRevision(tx, experiment.id) },
      }),
    );
    experiment = await runtime.db.experiment.update({ where: { id: experiment.id }, data: { nextTrialNumber: 3 } });
    // The cache's own lists (what the optimizers are handed), read through its private map.
    const cached = () => runtime.histories['histories'].get(experiment.id)!;
    await runtime.histories.propose(experiment, space, 1);
    expect(cached().failed).toEqual([{ params: { x: 0.9, y: 0.9 }, at: 1 }]);
    const change = async (data: { state: string; loss?: number }) => {
      await runtime.database.transaction(async (tx) => tx.trial.update({ where: { id: lost.id }, data: { ...data, revision: await nextRevision(tx, experiment.id) } }));
      // Read again: the cache reads the trials changed since the revision it is handed.
      experiment = await runtime.db.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    };
    // Its worker turned out alive (a heartbeat): RUNNING again.
    await change({ state: 'RUNNING' });
    await runtime.histories.propose(experiment, space, 1);
    expect(cached().failed).toEqual([]);
    expect(cached().running.get(2)).toEqual({ x: 0.9, y: 0.9 });
    await change({ state: 'FAILED' });
    await runtime.histories.propose(experiment, space, 1);
    expect(cached().failed).toEqual([{ params: { x: 0.9, y: 0.9 }, at: 1 }]);
    // Its late result arrives.
    await change({ state: 'COMPLETED', loss: 0.5 });
    await runtime.histories.propose(experiment, space, 1);
    expect(cached().failed).toEqual([]);
    expect(cached().completed.map((t) => t.params)).toEqual([{ x: 0.1, y: 0.1 }, { x: 0.9, y: 0.9 }]);
  });
});

describe('HistoryCache.propose with running trials that report', () => {
  const loss = (p: Params) => (Number(p.x) - 0.3) ** 2 + (Number(p.y) - 0.3) ** 2;
  const corner: Params = { x: 0.95, y: 0.95 };

  /** An experiment (algorithm `gp`) with 12 completed trials that ran to step 10, and one running in the corner. */
  async function withRunning(name: string, curve: readonly number[]): Promise<Experiment> {
    const experiment = await newExperiment(name, 'gp');
    const points = Array.from({ length: 12 }, (_, i) => ({ x: ((i * 5) % 12) / 12 + 0.02, y: ((i * 7) % 12) / 12 + 0.03 }));
    await runtime.db.trial.createMany({
      data: [
        ...points.map((params, i) => ({ experimentId: experiment.id, number: i + 1, state: 'COMPLETED', params, loss: loss(params), lastStep: 10, lastValue: loss(params), optimizer: 'gp', revision: 1 })),
        { experimentId: experiment.id, number: 13, state: 'RUNNING', params: corner, lastStep: curve.length ? curve.length - 1 : null, lastValue: curve.at(-1) ?? null, optimizer: 'gp', revision: 1 },
      ],
    });
    const running = await runtime.db.trial.findFirstOrThrow({ where: { experimentId: experiment.id, state: 'RUNNING' } });
    // Steps from 0, as an epoch count reports them.
    await runtime.db.trialReport.createMany({ data: curve.map((value, step) => ({ trialId: running.id, experimentId: experiment.id, step, value })) });
    return runtime.db.experiment.update({ where: { id: experiment.id }, data: { revision: 1, nextTrialNumber: 14 } });
  }

  it("learns where another worker's partial curve is heading: a curve falling far below every result draws the next trial to it", async () => {
    const distance = (p: Params) => Math.hypot(Number(p.x) - 0.95, Number(p.y) - 0.95);
    // Five steps (0-4, the fewest a curve is extrapolated from) falling towards -2, far below every
    // completed loss (the lowest is about 0.01).
    const falling = Array.from({ length: 5 }, (_, step) => -2 + 3 * Math.exp(-(step + 1) / 2));
    const [learned] = await runtime.histories.propose(await withRunning('running curve', falling), space, 1);
    const [unknown] = await runtime.histories.propose(await withRunning('running, no reports', []), space, 1);
    // Both from the GP, not the quasi-random fallback (a busy machine's time bound would say so here).
    expect([learned!.fallbackReason, unknown!.fallbackReason]).toEqual([null, null]);
    // Without reports the running trial is believed at the model's mean: the next trial stays near the minimum.
    expect(loss(unknown!.params)).toBeLessThan(0.05);
    expect(distance(learned!.params)).toBeLessThan(distance(unknown!.params) / 2);
    // Its curve grows (reports are read incrementally) and now levels off high: the model follows, away from the corner.
    const experiment = await runtime.db.experiment.findFirstOrThrow({ where: { name: 'running curve' } });
    const running = await runtime.db.trial.findFirstOrThrow({ where: { experimentId: experiment.id, state: 'RUNNING' } });
    await runtime.db.trialReport.createMany({ data: [5, 6, 7, 8, 9].map((step) => ({ trialId: running.id, experimentId: experiment.id, step, value: 5 })) });
    await runtime.db.trial.update({ where: { id: running.id }, data: { lastStep: 9, lastValue: 5 } });
    const [after] = await runtime.histories.propose(experiment, space, 1);
    expect(after!.fallbackReason).toBeNull();
    expect(distance(after!.params)).toBeGreaterThan(2 * distance(learned!.params));
    expect(loss(after!.params)).toBeLessThan(0.2);
  });

  it('reads only the steps past those read before, and forgets the curves of trials no longer running', async () => {
    const experiment = await withRunning('incremental curve', [3, 2.5, 2.2, 2, 1.9, 1.8]);
    const running = await runtime.db.trial.findFirstOrThrow({ where: { experimentId: experiment.id, state: 'RUNNING' } });
    const report = (step: number, value: number) => runtime.db.trialReport.create({ data: { trialId: running.id, experimentId: experiment.id, step, value } });
    await report(7, 1.7);
    await runtime.db.trial.update({ where: { id: running.id }, data: { lastStep: 7 } });
    const curves = new Map<number, RunningCurve>();
    const open = new Map([[running.number, corner]]);
    await readRunningCurves(runtime.db, curves, await curveRows(runtime.db, experiment.id, 10), open);
    expect(curves.get(running.number)!.points.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 7]);
    // Step 6 comes late (below the highest read) and step 8 after it: only step 8 is read.
    await report(6, 1.75);
    await report(8, 1.65);
    await runtime.db.trial.update({ where: { id: running.id }, data: { lastStep: 8 } });
    await readRunningCurves(runtime.db, curves, await curveRows(runtime.db, experiment.id, 10), open);
    expect(curves.get(running.number)!.points.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 7, 8]);
    // Past the final step it is not extrapolated any more; once it stops running its curve is forgotten.
    expect(await curveRows(runtime.db, experiment.id, 8)).toEqual([]);
    await readRunningCurves(runtime.db, curves, [], new Map());
    expect(curves.size).toBe(0);
  });
});

describe('HistoryCache.propose with many pruned trials', () => {
  it("keeps the event loop turning while it learns the pruned trials' curves", async () => {
    const experiment = await newExperiment('many pruned', 'random');
    // 400 trials stopped at step 100 (as the median pruner may stop them), and one that ran to step 200.
    const trials = 400;
    await runtime.db.trial.createMany({
      data: Array.from({ length: trials + 1 }, (_, i) => ({
        experimentId: experiment.id,
        number: i + 1,
        state: i === trials ? 'COMPLETED' : 'PRUNED',
        params: { x: i / trials, y: 0.5 },
        loss: i === trials ? 0.5 : null,
        lastValue: 1,
        lastStep: i === trials ? 200 : 100,
        prunedStep: i === trials ? null : 100,
        optimizer: 'random',
        revision: 1,
      })),
    });
    const ids = await runtime.db.trial.findMany({ where: { experimentId: experiment.id, state: 'PRUNED' }, select: { id: true } });
    for (const [k, { id }] of ids.entries()) {
      await runtime.db.trialReport.createMany({
        data: Array.from({ length: 100 }, (_, i) => ({ trialId: id, experimentId: experiment.id, step: i + 1, value: 0.3 + 2 * Math.exp(-(i + 1) / (10 + (k % 7))) })),
      });
    }
    const read = await runtime.db.experiment.update({ where: { id: experiment.id }, data: { revision: 1, nextTrialNumber: trials + 2 } });
    // The longest the event loop stood still while the proposal was made.
    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      longest = Math.max(longest, performance.now() - last);
      last = performance.now();
    }, 5);
    try {
      await runtime.histories.propose(read, space, 1);
    } finally {
      clearInterval(timer);
    }
    longest = Math.max(longest, performance.now() - last);
    expect(longest).toBeLessThan(500);
  });
});

describe('learnedLoss', () => {
  it('is the loss of a COMPLETED trial, the final result or else the last value of a PRUNED one, and nothing for the rest', () => {
    expect(learnedLoss({ state: 'COMPLETED', loss: 0.3, lastValue: 0.9 })).toBe(0.3);
    expect(learnedLoss({ state: 'PRUNED', loss: null, lastValue: 0.9 })).toBe(0.9);
    expect(learnedLoss({ state: 'PRUNED', loss: 0.7, lastValue: 0.9 })).toBe(0.7);
    for (const state of ['RUNNING', 'STALE', 'FAILED', 'DUPLICATE']) expect(learnedLoss({ state, loss: 0.5, lastValue: 0.5 })).toBeNull();
  });
});

describe('learnedScores', () => {
  // A pruned trial's curve: 0.5 + 2·e^(-0.3·t) at steps 1..10, heading for 0.5 + 2·e^(-15) at step 50.
  const curve = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, value: 0.5 + 2 * Math.exp(-0.3 * (i + 1)) }));
  const pruned = { vector: [curve[9]!.value], violation: 0, prunedStep: 10, curve };

  it('counts a pruned trial with the final value its curve predicts, as a trial that ran to the end', () => {
    const [finished, learned] = learnedScores([{ vector: [0.7], violation: 0 }, pruned], 50);
    expect(finished).toEqual({ vector: [0.7], violation: 0 });
    expect(learned!.prunedStep).toBeUndefined(); // no longer ranked after the finished trials
    expect(learned!.vector[0]).toBeCloseTo(0.5 + 2 * Math.exp(-15), 4);
    // As uncertain as the distance it extrapolates, from the last value it reported.
    expect(learned!.sd).toBeCloseTo(curve[9]!.value - (0.5 + 2 * Math.exp(-15)), 4);
    expect(finished).not.toHaveProperty('sd');
  });

  it('keeps a pruned trial ranked after the finished ones when its curve is too short or the final step unknown', () => {
    const short = { ...pruned, prunedStep: 3, curve: curve.slice(0, 3) };
    expect(learnedScores([short], 50)).toEqual([short]);
    expect(learnedScores([pruned], null)).toEqual([pruned]);
    expect(learnedScores([pruned], 10)).toEqual([pruned]); // the final step is not past its last one
  });

  it('hands the optimizers a pruned trial’s prediction with its sd, and a measured loss without one', () => {
    const trials = [{ vector: [0.7], violation: 0, params: { x: 1 } }, { ...pruned, params: { x: 2 } }];
    const learned = learnedScores(trials, 50);
    const losses = learned.map((t) => t.vector[0]!);
    const [measured, predicted] = optimizerTrials(trials, learned, losses, true);
    expect(measured).toEqual({ params: { x: 1 }, loss: 0.7 });
    expect(predicted!.loss).toBeCloseTo(0.5 + 2 * Math.exp(-15), 4);
    expect(predicted!.lossSd).toBeCloseTo(curve[9]!.value - predicted!.loss, 12);
    // With several objectives or constraints the optimizers get the vectors instead (and no curve is extrapolated).
    expect(optimizerTrials(trials, learned, [0.1, 0.2], false)[1]).toEqual({ params: { x: 2 }, loss: 0.2, objectives: pruned.vector, violation: 0 });
  });

  it('never hands the optimizers a loss that is not a finite number, whatever finite values a curve holds', () => {
    const huge = Array.from({ length: 6 }, (_, i) => ({ step: i + 1, value: (i % 2 ? -1 : 1) * 1.7e308 }));
    const [learned] = learnedScores([{ vector: [huge[5]!.value], violation: 0, prunedStep: 6, curve: huge }], 50);
    expect(Number.isFinite(learned!.vector[0])).toBe(true);
  });
});

describe('withFailed', () => {
  const p = (x: number): Params => ({ x });
  it('puts each FAILED trial in its place in completion order, with an infinite loss (and objectives)', () => {
    const completed = [
      { params: p(1), loss: 1 },
      { params: p(2), loss: 2 },
    ];
    const failed = [
      { params: p(0), at: 0 },
      { params: p(5), at: 1 },
      { params: p(9), at: 2 },
    ];
    expect(withFailed(completed, failed, null)).toEqual([
      { params: p(0), loss: Infinity },
      { params: p(1), loss: 1 },
      { params: p(5), loss: Infinity },
      { params: p(2), loss: 2 },
      { params: p(9), loss: Infinity },
    ]);
    expect(withFailed([], [{ params: p(3), at: 0 }], 2)).toEqual([{ params: p(3), loss: Infinity, objectives: [Infinity, Infinity] }]);
    expect(withFailed(completed, [], null)).toEqual(completed);
  });
});
