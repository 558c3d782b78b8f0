import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from './harness.ts';

/** A PRUNED trial is final; a STALE original whose parameters went to another worker is told to stop; only its owner reaches a trial. */
let server: TestServer;
let alice: string;
let mallory: string;

const SUGGEST = `mutation ($name: String!, $w: String, $lease: Int) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}, algorithm: "random", leaseSeconds: $lease, pruner: {type: "asha", min_step: 1, reduction: 3, min_trials: 1}}, worker: $w) { id number leaseExpiresAt retryOf { id } experiment { id } }
}`;
const REPORT = `mutation ($id: ID!, $s: Int!, $v: Float!, $m: JSON) { report(trialId: $id, step: $s, value: $v, metrics: $m) { shouldStop trial { state prunedStep lastStep } } }`;

beforeAll(async () => {
  server = await startServer();
  alice = await server.token('alice-attack@example.com');
  mallory = await server.token('mallory-attack@example.com');
});
afterAll(() => server?.stop());

async function suggest(name: string, w: string, lease?: number) {
  const r = await server.gql(SUGGEST, { name, w, lease }, alice);
  expect(r.errors).toBeUndefined();
  return r.data?.suggest as { id: string; number: number; leaseExpiresAt: string; retryOf: { id: string } | null; experiment: { id: string } };
}

describe('PRUNED and authorization', () => {
  it('another user cannot report, checkpoint or read curves of my trials', async () => {
    const t = await suggest('Mine', 'a');
    expect((await server.gql(REPORT, { id: t.id, s: 0, v: 1 }, alice)).errors).toBeUndefined();
    const r = await server.gql(REPORT, { id: t.id, s: 1, v: 1 }, mallory);
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const c = await server.gql(`mutation ($id: ID!) { checkpoint(trialId: $id, data: {a: 1}) { id } }`, { id: t.id }, mallory);
    expect(c.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const q = await server.gql(`query ($id: ID!) { experiment(id: $id) { learningCurves { number values } trials(first: 5) { edges { node { intermediateValues { value } } } } } }`, { id: t.experiment.id }, mallory);
    expect(q.data?.experiment ?? null).toBeNull();
  });

  it('a PRUNED trial stays final: reports say stop, no checkpoint, no revival, never best', async () => {
    const good = await suggest('Prune', 'g');
    // It runs to step 3: a trial at step 1 has steps left, so it can be stopped there.
    for (const s of [1, 3]) expect((await server.gql(REPORT, { id: good.id, s, v: 1 }, alice)).data?.report.shouldStop).toBe(false);
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 1}) { id } }`, { id: good.id }, alice);
    const bad = await suggest('Prune', 'b', 2);
    const pruned = await server.gql(REPORT, { id: bad.id, s: 1, v: 5 }, alice);
    expect(pruned.data?.report).toMatchObject({ shouldStop: true, trial: { state: 'PRUNED', prunedStep: 1 } });
    // Reported again, at a lower or higher step, with odd values: still stop, nothing stored past it.
    for (const s of [0, 2, 1_000_000_000]) expect((await server.gql(REPORT, { id: bad.id, s, v: -1e300 }, alice)).data?.report.shouldStop).toBe(true);
    const ck = await server.gql(`mutation ($id: ID!) { checkpoint(trialId: $id, data: {a: 1}) { id } }`, { id: bad.id }, alice);
    expect(ck.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const hb = await server.gql(`mutation ($id: ID!) { heartbeat(trialId: $id) { state } }`, { id: bad.id }, alice);
    expect(hb.data?.heartbeat.state).toBe('PRUNED');
    // A late result far better than the best: kept, still PRUNED, not best; another outcome after it is a conflict.
    const late = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: -100}) { state loss } }`, { id: bad.id }, alice);
    expect(late.data?.update).toEqual({ state: 'PRUNED', loss: -100 });
    const other = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: -200}) { state } }`, { id: bad.id }, alice);
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const failed = await server.gql(`mutation ($id: ID!) { fail(trialId: $id, error: "x") { state } }`, { id: bad.id }, alice);
    expect(failed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const best = await server.gql(`{ experiment(name: "Prune") { bestTrial { id loss } } experiments { name bestTrial { loss } } }`, {}, alice);
    expect(best.data?.experiment.bestTrial.id).toBe(good.id);
    // Past its (2 s) lease it is neither STALE nor offered again.
    await sleep(Math.max(0, Date.parse(bad.leaseExpiresAt) - Date.now()) + 200);
    const next = await suggest('Prune', 'c');
    expect(next.id).not.toBe(bad.id);
    const state = await server.gql(`{ experiment(name: "Prune") { trials(first: 10) { edges { node { id state retryOf { id } } } } } }`, {}, alice);
    const nodes = state.data?.experiment.trials.edges.map((e: any) => e.node);
    expect(nodes.find((n: any) => n.id === bad.id).state).toBe('PRUNED');
    expect(nodes.some((n: any) => n.retryOf?.id === bad.id)).toBe(false);
  });

  it('keeps the first result of a PRUNED trial whose objectives are not the loss; another one is a CONFLICT', async () => {
    const SUGGEST_ACCURACY = `mutation ($w: String) {
      suggest(experiment: {name: "Prune accuracy", parameters: {x: {min: 0, max: 1}}, algorithm: "random", objectives: {accuracy: "maximize"}, pruner: {type: "asha", min_step: 1, reduction: 3, min_trials: 1}}, worker: $w) { id number }
    }`;
    const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state loss metrics } }`;
    const good = (await server.gql(SUGGEST_ACCURACY, { w: 'g' }, alice)).data?.suggest;
    for (const s of [1, 3]) expect((await server.gql(REPORT, { id: good.id, s, v: 1 }, alice)).data?.report.shouldStop).toBe(false);
    expect((await server.gql(UPDATE, { id: good.id, result: { accuracy: 0.8 } }, alice)).errors).toBeUndefined();
    const bad = (await server.gql(SUGGEST_ACCURACY, { w: 'b' }, alice)).data?.suggest;
    expect((await server.gql(REPORT, { id: bad.id, s: 1, v: 5 }, alice)).data?.report.shouldStop).toBe(true);
    const late = await server.gql(UPDATE, { id: bad.id, result: { accuracy: 0.9 } }, alice);
    expect(late.data?.update).toEqual({ state: 'PRUNED', loss: null, metrics: { accuracy: 0.9 } });
    // The same result again is stored once; a different one, or a failure, is refused and the first stays.
    expect((await server.gql(UPDATE, { id: bad.id, result: { accuracy: 0.9 } }, alice)).data?.update.metrics).toEqual({ accuracy: 0.9 });
    const other = await server.gql(UPDATE, { id: bad.id, result: { accuracy: 0.99 } }, alice);
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const failed = await server.gql(`mutation ($id: ID!) { fail(trialId: $id, error: "x") { state } }`, { id: bad.id }, alice);
    expect(failed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const stored = await server.gql(`query ($n: Int!) { experiment(name: "Prune accuracy") { trial(number: $n) { state loss error metrics } } }`, { n: bad.number }, alice);
    expect(stored.data?.experiment.trial).toEqual({ state: 'PRUNED', loss: null, error: null, metrics: { accuracy: 0.9 } });
  });

  it('tells a STALE original whose parameters another worker took over to stop, keeps nothing of it, and counts its late result once', async () => {
    const good = await suggest('Zombie', 'good');
    await server.gql(REPORT, { id: good.id, s: 1, v: 1 }, alice);
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 1}) { id } }`, { id: good.id }, alice);
    const original = await suggest('Zombie', 'lost', 2);
    await sleep(Math.max(0, Date.parse(original.leaseExpiresAt) - Date.now()) + 200);
    const copy = await suggest('Zombie', 'other');
    expect(copy.retryOf).toEqual({ id: original.id });
    // The original's machine comes back while its copy runs: it is not needed, so told to stop.
    const zombie = await server.gql(REPORT, { id: original.id, s: 1, v: 5 }, alice);
    expect(zombie.data?.report).toMatchObject({ shouldStop: true, trial: { state: 'STALE', lastStep: null } });
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 0.5}) { id } }`, { id: copy.id }, alice);
    // Its late result is kept as DUPLICATE: the parameters are learned from once, from the copy.
    const late = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 4}) { state } }`, { id: original.id }, alice);
    expect(late.data?.update.state).toBe('DUPLICATE');
    const curves = await server.gql(`{ experiment(name: "Zombie") { trials(first: 5) { edges { node { id intermediateValues { step } } } } } }`, {}, alice);
    expect(curves.data?.experiment.trials.edges.find((e: any) => e.node.id === original.id).node.intermediateValues).toEqual([]);
  });
});
