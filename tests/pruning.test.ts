import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bracketBudgets, bracketCount, bracketOf } from '../server/pruners/hyperband.ts';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($name: String!, $pruner: JSON, $lease: Int, $worker: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}, pruner: $pruner, leaseSeconds: $lease, algorithm: "random"}, worker: $worker) {
    id number state leaseExpiresAt retryOf { id } experiment { id pruner }
  }
}`;
const REPORT = `mutation ($id: ID!, $step: Int!, $value: Float!, $metrics: JSON) {
  report(trialId: $id, step: $step, value: $value, metrics: $metrics) {
    shouldStop trial { id state lastStep lastValue prunedStep leaseExpiresAt completedAt loss }
  }
}`;
const UPDATE = `mutation ($id: ID!, $loss: Float!) { update(trialId: $id, result: {loss: $loss}) { id state loss } }`;
const CURVE = `query ($name: String!) { experiment(name: $name) { trials(first: 100) { edges { node { number state loss prunedStep intermediateValues { step value metrics } } } } } }`;

let server: TestServer;
let token: string;

async function suggest(name: string, pruner?: unknown, extra: Record<string, unknown> = {}) {
  const response = await server.gql(SUGGEST, { name, pruner, ...extra }, token);
  expect(response.errors).toBeUndefined();
  return response.data?.suggest as { id: string; number: number; state: string; leaseExpiresAt: string; retryOf: { id: string } | null; experiment: { id: string; pruner: Record<string, unknown> } };
}

async function report(id: string, step: number, value: number, metrics?: unknown) {
  const response = await server.gql(REPORT, { id, step, value, metrics }, token);
  expect(response.errors).toBeUndefined();
  return response.data?.report as { shouldStop: boolean; trial: { id: string; state: string; lastStep: number; lastValue: number; prunedStep: number | null; leaseExpiresAt: string | null; completedAt: string | null; loss: number | null } };
}

/** A trial that reports `values` at steps 0, 1, ... and completes with the last one. */
async function completedTrial(name: string, values: readonly number[], pruner?: unknown) {
  const trial = await suggest(name, pruner);
  for (const [step, value] of values.entries()) expect((await report(trial.id, step, value)).shouldStop).toBe(false);
  await server.gql(UPDATE, { id: trial.id, loss: values.at(-1) }, token);
  return trial;
}

async function curves(name: string) {
  const response = await server.gql(CURVE, { name }, token);
  return (response.data?.experiment.trials.edges as { node: { number: number; state: string; loss: number | null; prunedStep: number | null; intermediateValues: { step: number; value: number; metrics: unknown }[] } }[]).map((e) => e.node);
}

beforeAll(async () => {
  server = await startServer();
  token = await server.token('pruning@example.com');
});
afterAll(() => server?.stop());

describe('intermediate values and the median pruner (the default)', () => {
  it('stops a trial worse than the median of finished trials at a step, once five have finished', async () => {
    // Five finished trials with flat curves 1..5: the median at every step is 3.
    for (let i = 1; i <= 5; i++) await completedTrial('Median', [i, i, i]);
    const bad = await suggest('Median');
    expect(bad.experiment.pruner).toEqual({ type: 'median', warmup_steps: 0, min_trials: 5, interval_steps: 1 });
    const client = server.ws(token);
    const feed = collect<any>(client, `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id state prunedStep } }`, { id: bad.experiment.id });
    await server.listening(token, 1);

    const first = await report(bad.id, 0, 2.5); // better than the median: goes on
    expect(first.shouldStop).toBe(false);
    expect(Date.parse(first.trial.leaseExpiresAt!)).toBeGreaterThanOrEqual(Date.parse(bad.leaseExpiresAt));
    const second = await report(bad.id, 1, 3.5); // its best so far is still 2.5
    expect(second.shouldStop).toBe(false);
    const good = await suggest('Median');
    expect((await report(good.id, 0, 1)).shouldStop).toBe(false);

    const worse = await suggest('Median');
    const stopped = await report(worse.id, 0, 3.01);
    expect(stopped.shouldStop).toBe(true);
    expect(stopped.trial).toMatchObject({ state: 'PRUNED', prunedStep: 0, lastStep: 0, lastValue: 3.01, leaseExpiresAt: null, loss: null });
    expect(stopped.trial.completedAt).not.toBeNull();
    await waitFor(() => feed.events.some((e) => e.trialUpdated.id === worse.id && e.trialUpdated.state === 'PRUNED'), 15_000);
    feed.stop();
    await client.dispose();

    // Told to stop, it is told again; a result sent anyway is kept as its final value, and it stays PRUNED.
    expect((await report(worse.id, 1, 0.1)).shouldStop).toBe(true);
    const late = await server.gql(UPDATE, { id: worse.id, loss: 2.9 }, token);
    expect(late.data?.update).toEqual({ id: worse.id, state: 'PRUNED', loss: 2.9 });
    const again = await server.gql(UPDATE, { id: worse.id, loss: 2.9 }, token);
    expect(again.data?.update.state).toBe('PRUNED');
    const other = await server.gql(UPDATE, { id: worse.id, loss: 1 }, token);
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const failure = await server.gql(`mutation ($id: ID!) { fail(trialId: $id, error: "late") { id } }`, { id: worse.id }, token);
    expect(failure.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const pruned = (await curves('Median')).find((t) => t.number === worse.number)!;
    expect(pruned.intermediateValues.map((v) => v.step)).toEqual([0]); // the report after the stop was not stored
    expect((await server.gql(`{ experiment(name: "Median") { bestTrial { number } } }`, {}, token)).data?.experiment.bestTrial.number).toBe(1);
  });

  it('does not prune before min_trials trials have finished, past the warm-up only, and never with "none"', async () => {
    for (let i = 1; i <= 4; i++) await completedTrial('Early', [i, i]);
    const early = await suggest('Early');
    expect((await report(early.id, 0, 100)).shouldStop).toBe(false); // four finished: too early to judge

    const warm = { type: 'median', warmup_steps: 2, min_trials: 1 };
    await completedTrial('Warm', [1, 1, 1, 1], warm);
    const trial = await suggest('Warm', warm);
    expect((await report(trial.id, 0, 50)).shouldStop).toBe(false);
    expect((await report(trial.id, 1, 50)).shouldStop).toBe(false);
    expect((await report(trial.id, 2, 50)).shouldStop).toBe(true);

    await completedTrial('Free', [1, 1], 'none');
    const free = await suggest('Free', 'none');
    expect((await report(free.id, 0, 1e9)).shouldStop).toBe(false);
    expect((await report(free.id, 1, 1e9)).shouldStop).toBe(false);
  });

  it('takes steps in any order and again: the first value of a step stays, only the highest step is judged', async () => {
    const trial = await suggest('Order', 'none');
    await report(trial.id, 3, 1, { accuracy: 0.5 });
    const lower = await report(trial.id, 1, 5);
    expect(lower.trial).toMatchObject({ lastStep: 3, lastValue: 1 });
    const repeated = await report(trial.id, 3, 99, { accuracy: 0.1 });
    expect(repeated).toMatchObject({ shouldStop: false, trial: { lastStep: 3, lastValue: 1 } });
    const [stored] = await curves('Order');
    expect(stored!.intermediateValues).toEqual([
      { step: 1, value: 5, metrics: {} },
      { step: 3, value: 1, metrics: { accuracy: 0.5 } },
    ]);
  });

  it('refuses bad steps, values and metrics, naming the field, and reports for a finished trial', async () => {
    const trial = await suggest('Refused', 'none');
    const cases: [Record<string, unknown>, string][] = [
      [{ step: -1, value: 1 }, 'step'],
      [{ step: 1, value: 1, metrics: [1] }, 'metrics'],
      [{ step: 1, value: 1, metrics: { x: 'a\u0000b' } }, 'metrics.x'],
      [{ step: 1, value: 1, metrics: { x: 'y'.repeat(5000) } }, 'metrics'],
      // NaN as the clients send it: stored as null (metrics hold finite numbers); other text is text.
      [{ step: 1, value: 1, metrics: { x: 'NaN' } }, ''],
      [{ step: 1, value: 1, metrics: { x: 'NaN!' } }, ''],
    ];
    for (const [variables, field] of cases) {
      const response = await server.gql(REPORT, { id: trial.id, ...variables }, token);
      if (field === '') {
        expect(response.errors).toBeUndefined(); // a string metric is a string
        continue;
      }
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    // Non-finite values cannot be a GraphQL Float, nor a step beyond 32 bits an Int: refused before
    // anything runs, as bad input naming the field.
    for (const [step, value, field] of [[2, 'NaN', 'value'], [2, 'Infinity', 'value'], [2, null, 'value'], [2 ** 31, 1, 'step']] as const) {
      const response = await server.gql(REPORT, { id: trial.id, step, value }, token);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(response.errors?.[0]?.message).toMatch(new RegExp(`\\$${field}`));
    }
    expect((await curves('Refused'))[0]!.intermediateValues.map((v) => v.step)).toEqual([1]);
    await server.gql(UPDATE, { id: trial.id, loss: 1 }, token);
    const late = await server.gql(REPORT, { id: trial.id, step: 5, value: 1 }, token);
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'trialId' });
    const stranger = await server.token('stranger@example.com');
    const foreign = await server.gql(REPORT, { id: trial.id, step: 6, value: 1 }, stranger);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('keeps the reports of a worker killed after reporting; its parameters go to the next worker, which is judged afresh', async () => {
    const lost = await suggest('Killed', 'none', { lease: 2, worker: 'spot-1' });
    const last = await report(lost.id, 2, 0.7);
    // The worker dies: no more reports, no heartbeats. Its lease runs out.
    await sleep(Math.max(0, Date.parse(last.trial.leaseExpiresAt!) - Date.now()) + 100);
    const copy = await suggest('Killed', 'none', { lease: 2, worker: 'spot-2' });
    expect(copy.retryOf).toEqual({ id: lost.id });
    expect((await report(copy.id, 0, 0.9)).shouldStop).toBe(false);
    const trials = await curves('Killed');
    expect(trials.map((t) => [t.number, t.state, t.intermediateValues.map((v) => v.step)])).toEqual([
      [2, 'RUNNING', [0]],
      [1, 'STALE', [2]],
    ]);
  });
});

describe('asynchronous successive halving', () => {
  const asha = { type: 'asha', min_step: 1, reduction: 3 };

  it('keeps the best 1/reduction at each rung, as trials arrive, without waiting for a rung to fill', async () => {
    const a = await suggest('Asha', asha);
    expect((await report(a.id, 0, 5)).shouldStop).toBe(false); // below the first rung (step 1)
    expect((await report(a.id, 1, 1)).shouldStop).toBe(false); // alone at rung 0
    const b = await suggest('Asha', asha);
    expect((await report(b.id, 1, 2)).shouldStop).toBe(true); // [1, 2]: only the best goes on
    const c = await suggest('Asha', asha);
    expect((await report(c.id, 1, 0.5)).shouldStop).toBe(false); // [0.5, 1, 2]: the best
    expect((await report(a.id, 3, 0.9)).shouldStop).toBe(false); // alone at rung 1 (step 3)
    expect((await report(c.id, 2, 0.4)).shouldStop).toBe(false); // between rungs: nothing to judge
    expect((await report(c.id, 3, 0.95)).shouldStop).toBe(true); // rung 1 (step 3): [0.9, 0.95]
    // Six at rung 0: the best two go on. Values so far 1, 2, 0.5; three more.
    for (const [value, stop] of [[3, true], [4, true], [0.7, false]] as const) {
      const trial = await suggest('Asha', asha);
      expect((await report(trial.id, 1, value)).shouldStop).toBe(stop); // 0.7 is 2nd of 6
    }
    const states = (await curves('Asha')).map((t) => t.state);
    expect(states.filter((s) => s === 'PRUNED')).toHaveLength(4);
  });

  it('keeps the error of a pruned trial whose worker then fails it, and it stays PRUNED', async () => {
    const a = await suggest('Failed after', asha);
    await report(a.id, 1, 1);
    const b = await suggest('Failed after', asha);
    expect((await report(b.id, 1, 2)).shouldStop).toBe(true);
    const FAIL = `mutation ($id: ID!, $error: String!) { fail(trialId: $id, error: $error) { id state error loss } }`;
    const failed = await server.gql(FAIL, { id: b.id, error: 'RuntimeError: <b>diverged</b>' }, token);
    expect(failed.errors).toBeUndefined();
    expect(failed.data?.fail).toEqual({ id: b.id, state: 'PRUNED', error: 'RuntimeError: <b>diverged</b>', loss: null });
    const same = await server.gql(FAIL, { id: b.id, error: 'RuntimeError: <b>diverged</b>' }, token);
    expect(same.data?.fail).toMatchObject({ state: 'PRUNED', error: 'RuntimeError: <b>diverged</b>' });
    // Its outcome is kept, as a finished trial's: another failure or a result is a conflict.
    const again = await server.gql(FAIL, { id: b.id, error: 'another' }, token);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const result = await server.gql(UPDATE, { id: b.id, loss: 1 }, token);
    expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('judges a trial that jumps past several rungs at each of them', async () => {
    const a = await suggest('Jump', asha);
    await report(a.id, 1, 1);
    await report(a.id, 3, 1);
    const b = await suggest('Jump', asha);
    expect((await report(b.id, 3, 0.5)).shouldStop).toBe(false); // rungs 0 and 1 at once: best at both
    const c = await suggest('Jump', asha);
    const answer = await report(c.id, 9, 0.8); // rung 0: [0.5, 0.8, 1], only the best (0.5) goes on
    expect(answer.shouldStop).toBe(true);
    expect(answer.trial.prunedStep).toBe(9);
  });
});

describe('asynchronous successive halving on curves that cross', () => {
  it('judges each rung by the final value the curve so far predicts, from step 5 by default', async () => {
    // A finished trial, flat at 3 up to step 20: the final step is 20.
    await completedTrial('Crossing', Array.from({ length: 21 }, () => 3), { type: 'asha' });
    const at = (curve: (t: number) => number) => async () => {
      const trial = await suggest('Crossing', { type: 'asha' });
      expect(trial.experiment.pruner).toEqual({ type: 'asha', min_step: 5, reduction: 3, warmup_steps: 0, min_trials: 1 });
      for (let step = 1; step < 5; step++) expect((await report(trial.id, step, curve(step))).shouldStop).toBe(false);
      return (await report(trial.id, 5, curve(5))).shouldStop;
    };
    const fast = (t: number) => 0.8 + 1.7 * Math.exp(-t / 2); // 0.94 at step 5, heading for 0.80 at step 20
    const slow = (t: number) => 0.3 + 2.2 * Math.exp(-t / 12); // 1.75 at step 5, heading for 0.72 at step 20
    // The finished trial's 3 was its value at step 5, recorded before any trial had finished: a
    // value of another kind, which predictions are not compared with.
    expect(await at(fast)()).toBe(false); // rung 0 (step 5): [0.80], alone
    expect(await at(slow)()).toBe(false); // [0.72, 0.80]: the best, though its value now is the worst
    expect(await at(fast)()).toBe(true); // [0.72, 0.80, 0.80]: only the best goes on, though 0.94 < 1.75
  });

  it('compares predictions only with predictions, not with the values at the step recorded before any trial finished', async () => {
    const flat = async (value: number, steps = 5) => {
      const trial = await suggest('Two kinds', { type: 'asha' });
      let answer = { shouldStop: false };
      for (let step = 1; step <= steps && !answer.shouldStop; step++) answer = await report(trial.id, step, value);
      return { trial, stopped: answer.shouldStop };
    };
    // Four trials reach step 5 while none has finished: the final step is unknown, so each is judged
    // by its value there, among those values ([2.0], then only the best of each set goes on).
    const first = await flat(2.0);
    expect(first.stopped).toBe(false);
    for (const value of [2.1, 2.2, 2.3]) expect((await flat(value)).stopped).toBe(true);
    for (let step = 6; step <= 20; step++) expect((await report(first.trial.id, step, 2.0)).shouldStop).toBe(false);
    await server.gql(UPDATE, { id: first.trial.id, loss: 2.0 }, token);
    // Now the curves end at step 20, and a trial is judged by the final value its curve predicts.
    expect((await flat(0.9)).stopped).toBe(false); // alone among predictions
    // [0.9, 0.95]: only the best goes on. Among the four values at step 5 as well it would be the
    // second of six, within the best third, and every trial would go on until predictions outnumbered them.
    expect((await flat(0.95)).stopped).toBe(true);
  });
});

describe('asynchronous successive halving on hostile curves', () => {
  it('judges a curve of values at the ±1e300 limit without failing the report', async () => {
    await completedTrial('Huge curve', Array.from({ length: 21 }, () => 3), { type: 'asha' });
    const trial = await suggest('Huge curve', { type: 'asha' });
    // Finite values, each accepted alone, whose least-squares sums overflow.
    const value = (step: number) => (step % 2 ? -1 : 1) * 1e300;
    for (let step = 1; step < 5; step++) expect((await report(trial.id, step, value(step))).shouldStop).toBe(false);
    const response = await server.gql(REPORT, { id: trial.id, step: 5, value: value(5) }, token);
    expect(response.errors).toBeUndefined();
    expect(response.data?.report.trial.lastStep).toBe(5);
  });
});

describe('hyperband', () => {
  it("puts each trial in a bracket, and judges it only from its bracket's first rung, against its bracket", async () => {
    const pruner = { type: 'hyperband', min_step: 1, max_step: 9, reduction: 3 };
    const budgets = bracketBudgets(bracketCount({ minStep: 1, reduction: 3 }, 9), 3);
    expect(budgets).toEqual([9, 5, 3]);
    const byBracket: Record<number, { id: string }[]> = { 0: [], 1: [] };
    for (let i = 0; i < 40 && (byBracket[0]!.length < 2 || byBracket[1]!.length < 2); i++) {
      const trial = await suggest('Hyperband', pruner);
      const bracket = bracketOf(trial.experiment.id, trial.number, budgets);
      if (bracket in byBracket && byBracket[bracket]!.length < 2) byBracket[bracket]!.push(trial);
      else await server.gql(UPDATE, { id: trial.id, loss: 100 }, token); // not needed: finished without reports
    }
    const [a0, b0] = byBracket[0]!;
    const [a1, b1] = byBracket[1]!;
    // Bracket 0 starts at step 1; bracket 1 at step 3.
    expect((await report(a0!.id, 1, 1)).shouldStop).toBe(false);
    expect((await report(a1!.id, 1, 1)).shouldStop).toBe(false);
    expect((await report(b1!.id, 1, 2)).shouldStop).toBe(false); // no rung at step 1 in bracket 1
    expect((await report(b0!.id, 1, 2)).shouldStop).toBe(true);
    expect((await report(a1!.id, 3, 1)).shouldStop).toBe(false);
    expect((await report(b1!.id, 3, 2)).shouldStop).toBe(true);
  });
});

describe('rung values taken at the rung', () => {
  /** Suggests trials in `name` until `count` fall in bracket 0 of `budgets`, finishing the others without reports. */
  async function inFirstBracket(name: string, pruner: unknown, budgets: readonly number[], count: number) {
    const picked: { id: string; number: number }[] = [];
    for (let i = 0; i < 60 && picked.length < count; i++) {
      const trial = await suggest(name, pruner);
      if (bracketOf(trial.experiment.id, trial.number, budgets) === 0) picked.push(trial);
      else await server.gql(UPDATE, { id: trial.id, loss: 100 }, token);
    }
    expect(picked).toHaveLength(count);
    return picked;
  }

  it("judges a trial that catches up on hyperband's rungs by its values at their steps, not its latest", async () => {
    // max_step left to be found: nothing is judged until a trial completes (here at step 9, so the
    // brackets' budgets are [9, 5, 3]); a trial running meanwhile then passes rungs 1 and 3 at once.
    const pruner = { type: 'hyperband', min_step: 1, reduction: 3 };
    const [a, d, e] = await inFirstBracket('Catch-up', pruner, [9, 5, 3], 3);
    const falling = [2.0, 1.8, 1.0, 0.6, 0.4, 0.2];
    for (const [step, value] of falling.entries()) expect((await report(a!.id, step, value)).shouldStop).toBe(false);
    const finished = await suggest('Catch-up', pruner);
    for (let step = 0; step <= 9; step++) expect((await report(finished.id, step, 5)).shouldStop).toBe(false);
    await server.gql(UPDATE, { id: finished.id, loss: 5 }, token);
    expect((await report(a!.id, 6, 0.15)).shouldStop).toBe(false); // records 1.8 at step 1 and 0.6 at step 3, alone in both
    // Judged against a's value at step 1 (1.8), not its 0.15 at step 6: 1.7 is the best of two and goes on.
    expect((await report(d!.id, 0, 2.1)).shouldStop).toBe(false);
    expect((await report(d!.id, 1, 1.7)).shouldStop).toBe(false);
    expect((await report(e!.id, 1, 1.9)).shouldStop).toBe(true); // [1.7, 1.8, 1.9]: only the best goes on
    const stored = await server.gql(`{ experiment(name: "Catch-up") { pruner } }`, {}, token);
    expect(stored.data?.experiment.pruner).toMatchObject({ max_step: 9 });
  });

  it('judges a sparse reporter at a rung it stepped over by the line between its reports on either side', async () => {
    const pruner = { type: 'hyperband', min_step: 1, max_step: 9, reduction: 3 };
    const [a, b, c] = await inFirstBracket('Sparse', pruner, [9, 5, 3], 3);
    expect((await report(a!.id, 1, 1.5)).shouldStop).toBe(false);
    // b reports at steps 0 and 4: at step 1, 3 + (1 - 3) * 1/4 = 2.5, worse than a's 1.5 (its 1 at step 4 would be the best).
    expect((await report(b!.id, 0, 3)).shouldStop).toBe(false);
    const answer = await report(b!.id, 4, 1);
    expect(answer.shouldStop).toBe(true);
    expect(answer.trial.prunedStep).toBe(4);
    // c's first report is past the rung: its value there is the nearest it has, 1.2 at step 2.
    expect((await report(c!.id, 2, 1.2)).shouldStop).toBe(false); // [1.2, 1.5, 2.5]: the best
  });

  it('never stops a trial at the furthest step a finished trial reported', async () => {
    // Five finished curves [i + 4, i + 2, i]: the medians at steps 0, 1, 2 are 7, 5 and 3, the last step 2.
    for (let i = 1; i <= 5; i++) await completedTrial('Last step', [i + 4, i + 2, i]);
    const trial = await suggest('Last step');
    expect((await report(trial.id, 0, 6)).shouldStop).toBe(false);
    expect((await report(trial.id, 1, 4.5)).shouldStop).toBe(false);
    const last = await report(trial.id, 2, 4); // its best, 4, is worse than the median 3, but it is done
    expect(last).toMatchObject({ shouldStop: false, trial: { state: 'RUNNING' } });
    const early = await suggest('Last step');
    expect((await report(early.id, 1, 6)).shouldStop).toBe(true); // before the last step the rule holds

    // Hyperband with trials of max_step 9 steps: one has finished at step 9.
    const pruner = { type: 'hyperband', min_step: 1, max_step: 9, reduction: 3 };
    const [a, b] = await inFirstBracket('Max step', pruner, [9, 5, 3], 2);
    const first = await suggest('Max step', pruner);
    for (const step of [0, 9]) await report(first.id, step, 5);
    await server.gql(UPDATE, { id: first.id, loss: 5 }, token);
    for (const step of [1, 3, 9]) expect((await report(a!.id, step, 1)).shouldStop).toBe(false);
    expect((await report(b!.id, 1, 0.5)).shouldStop).toBe(false);
    expect((await report(b!.id, 3, 0.5)).shouldStop).toBe(false);
    const end = await report(b!.id, 9, 2); // not the best at the rung at step 9, but that is the last step
    expect(end).toMatchObject({ shouldStop: false, trial: { state: 'RUNNING' } });
    const done = await server.gql(UPDATE, { id: b!.id, loss: 2 }, token);
    expect(done.data?.update.state).toBe('COMPLETED');
  });
});

describe('pruning across concurrent workers', () => {
  it('gives each of 8 workers reporting at once a decision, and keeps every report', async () => {
    const asha = { type: 'asha', min_step: 1, reduction: 2 };
    const workers = Array.from({ length: 8 }, (_, w) => w);
    const outcomes = await Promise.all(
      workers.map(async (w) => {
        const trial = await suggest('Concurrent', asha, { worker: `node-${w}` });
        for (let step = 0; step <= 8; step++) {
          const answer = await report(trial.id, step, (w + 1) / (step + 1));
          if (answer.shouldStop) return { w, stopped: step };
        }
        await server.gql(UPDATE, { id: trial.id, loss: (w + 1) / 9 }, token);
        return { w, stopped: null };
      }),
    );
    const trials = await curves('Concurrent');
    expect(trials).toHaveLength(8);
    for (const outcome of outcomes) {
      const trial = trials.find((t) => t.intermediateValues.length > 0 && t.intermediateValues[0]!.value === outcome.w + 1)!;
      expect(trial.state).toBe(outcome.stopped === null ? 'COMPLETED' : 'PRUNED');
      expect(trial.intermediateValues).toHaveLength(outcome.stopped === null ? 9 : outcome.stopped + 1);
      if (outcome.stopped !== null) expect(trial.prunedStep).toBe(outcome.stopped);
    }
    // The best worker is never stopped: it is the best at every rung it reaches, whatever the order.
    expect(outcomes.find((o) => o.w === 0)!.stopped).toBeNull();
  });
});

describe('learning curves', () => {
  it('gives every reporting trial its curve, oldest first, thinned to 200 evenly spaced points with the first and last kept', async () => {
    const long = await suggest('Long', 'none');
    for (let step = 0; step < 450; step++) await report(long.id, step, 1 / (step + 1));
    const short = await suggest('Long', 'none');
    await report(short.id, 0, 2);
    await suggest('Long', 'none'); // no reports: no curve
    const response = await server.gql(`{ experiment(name: "Long") { learningCurves { number state prunedStep steps values } } }`, {}, token);
    const curves = response.data?.experiment.learningCurves;
    expect(curves.map((c: any) => [c.number, c.steps.length])).toEqual([
      [1, 200],
      [2, 1],
    ]);
    const [first] = curves;
    expect(first.steps[0]).toBe(0);
    expect(first.steps.at(-1)).toBe(449);
    expect(first.values.at(-1)).toBeCloseTo(1 / 450, 12);
    expect(new Set(first.steps).size).toBe(200);
    const gaps = first.steps.slice(1).map((s: number, i: number) => s - first.steps[i]);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1); // evenly spaced
  });
});
