import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitUntil, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($name: String!, $lease: Int, $worker: String, $instance: String, $requestId: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}, leaseSeconds: $lease},
          worker: $worker, instance: $instance, requestId: $requestId) {
    id number state params worker leaseExpiresAt retryOf { id } experiment { id leaseSeconds }
  }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state loss error } }`;
const HEARTBEAT = `mutation ($id: ID!) { heartbeat(trialId: $id) { id state leaseExpiresAt } }`;
const FAIL = `mutation ($id: ID!, $error: String!) { fail(trialId: $id, error: $error) { id state error loss } }`;
const TRIALS = `query ($name: String!) {
  experiment(name: $name) { trialCount bestTrial { id loss } trials(first: 50) { edges { node { id number state loss error retryOf { id } } } } }
}`;

let server: TestServer;
let token: string;


async function suggest(variables: Record<string, unknown>) {
  const response = await server.gql(SUGGEST, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data?.suggest;
}

async function trials(name: string) {
  const response = await server.gql(TRIALS, { name }, token);
  return response.data?.experiment;
}

beforeAll(async () => {
  server = await startServer();
  token = await server.token('worker@example.com');
});
afterAll(() => server?.stop());

describe('leases and heartbeats', () => {
  it('gives a RUNNING trial a lease of the experiment\'s length (120 s by default)', async () => {
    const trial = await suggest({ name: 'Default lease' });
    expect(trial.experiment.leaseSeconds).toBe(120);
    const seconds = (Date.parse(trial.leaseExpiresAt) - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(110);
    expect(seconds).toBeLessThanOrEqual(121);
  });

  it('offers the parameters of a trial whose lease ran out again, linked to it', async () => {
    const lost = await suggest({ name: 'Expiring', lease: 2, worker: 'spot-1' });
    await sleep(2300);
    const again = await suggest({ name: 'Expiring', lease: 2, worker: 'spot-2' });
    expect(again.id).not.toBe(lost.id);
    expect(again.params).toEqual(lost.params);
    expect(again.retryOf).toEqual({ id: lost.id });
    expect(again.number).toBe(2);
    const states = (await trials('Expiring')).trials.edges.map((e: any) => [e.node.number, e.node.state]);
    expect(states).toEqual([
      [2, 'RUNNING'],
      [1, 'STALE'],
    ]);
    const next = await suggest({ name: 'Expiring', lease: 2, worker: 'spot-3' });
    expect(next.retryOf).toBeNull();
  });

  it('keeps a trial RUNNING past its lease while heartbeats arrive', async () => {
    // A 4 s lease renewed every second: a quarter of the lease apart, so a busy machine cannot let it lapse.
    const trial = await suggest({ name: 'Heartbeats', lease: 4, worker: 'busy' });
    const firstExpiry = Date.parse(trial.leaseExpiresAt);
    let beats = 0;
    while (Date.now() < firstExpiry + 1000) {
      await sleep(1000);
      const beat = await server.gql(HEARTBEAT, { id: trial.id }, token);
      expect(beat.data?.heartbeat.state).toBe('RUNNING');
      beats++;
    }
    expect(beats).toBeGreaterThanOrEqual(4);
    const other = await suggest({ name: 'Heartbeats', lease: 4, worker: 'other' });
    expect(other.retryOf).toBeNull();
    expect(other.params).not.toEqual(trial.params);
  });

  it('accepts a late result for a STALE trial, and keeps its re-offered copy from counting twice', async () => {
    const slow = await suggest({ name: 'Late', lease: 2, worker: 'slow' });
    await sleep(2300);
    const copy = await suggest({ name: 'Late', lease: 2, worker: 'fast' });
    expect(copy.retryOf).toEqual({ id: slow.id });
    const late = await server.gql(UPDATE, { id: slow.id, result: { loss: 0.5 } }, token);
    expect(late.data?.update).toMatchObject({ state: 'COMPLETED', loss: 0.5 });
    const second = await server.gql(UPDATE, { id: copy.id, result: { loss: 0.5 } }, token);
    expect(second.data?.update).toMatchObject({ state: 'DUPLICATE', loss: 0.5 });
    const experiment = await trials('Late');
    expect(experiment.bestTrial.id).toBe(slow.id);
    const completed = experiment.trials.edges.filter((e: any) => e.node.state === 'COMPLETED');
    expect(completed).toHaveLength(1);
  });
});

describe('a worker that comes back', () => {
  it('gets its own unfinished trial back after a reboot (a new client instance, its heartbeats stopped), before anything new', async () => {
    const before = await suggest({ name: 'Reboot', lease: 4, worker: 'node-7', instance: 'boot-1' });
    await suggest({ name: 'Reboot', lease: 4, worker: 'node-8', instance: 'other' });
    await sleep(2100);
    const after = await suggest({ name: 'Reboot', lease: 4, worker: 'node-7', instance: 'boot-2' });
    expect(after.id).toBe(before.id);
    expect(after.number).toBe(1);
    expect((await trials('Reboot')).trialCount).toBe(2);
  });

  it('leaves a busy trial to its process: a second live process on the same host gets a new one', async () => {
    // A long lease: the first process's heartbeat is recent (under half a lease old) however busy the machine.
    const busy = await suggest({ name: 'Two GPUs', lease: 60, worker: 'gpu-box', instance: 'process-1' });
    await server.gql(HEARTBEAT, { id: busy.id }, token);
    const second = await suggest({ name: 'Two GPUs', lease: 60, worker: 'gpu-box', instance: 'process-2' });
    expect(second.id).not.toBe(busy.id);
    expect((await trials('Two GPUs')).trialCount).toBe(2);
  });

  it('gets a new trial when the same instance asks again (several jobs at once)', async () => {
    const first = await suggest({ name: 'Batch', worker: 'node-9', instance: 'one' });
    const second = await suggest({ name: 'Batch', worker: 'node-9', instance: 'one' });
    expect(second.id).not.toBe(first.id);
  });

  it('gets the same trial when it retries a suggest whose answer it never received', async () => {
    const first = await suggest({ name: 'Retry', worker: 'w', instance: 'i', requestId: 'request-1' });
    const retried = await suggest({ name: 'Retry', worker: 'w', instance: 'i', requestId: 'request-1' });
    expect(retried.id).toBe(first.id);
    expect((await trials('Retry')).trialCount).toBe(1);
  });

  it('revives the trial of a suggest retried after its lease ran out, when nobody else has its parameters', async () => {
    const first = await suggest({ name: 'Late retry', lease: 2, worker: 'w', instance: 'i', requestId: 'late-1' });
    await waitUntil(async () => (await trials('Late retry')).trials.edges[0].node.state === 'STALE', 30_000);
    const retried = await suggest({ name: 'Late retry', lease: 2, worker: 'w', instance: 'i', requestId: 'late-1' });
    expect([retried.id, retried.state]).toEqual([first.id, 'RUNNING']);
    expect(Date.parse(retried.leaseExpiresAt)).toBeGreaterThan(Date.parse(first.leaseExpiresAt));
    const states = (await trials('Late retry')).trials.edges.map((e: any) => [e.node.id, e.node.state]);
    expect(states).toEqual([[first.id, 'RUNNING']]);
  });

  it('gives a suggest retried after its trial went to another worker a RUNNING trial of its own, the same one when retried again', async () => {
    const lost = await suggest({ name: 'Taken retry', lease: 2, worker: 'w1', instance: 'i', requestId: 'taken-1' });
    await waitUntil(async () => (await trials('Taken retry')).trials.edges[0].node.state === 'STALE', 30_000);
    const copy = await suggest({ name: 'Taken retry', lease: 2, worker: 'w2' });
    expect(copy.retryOf).toEqual({ id: lost.id });
    const retried = await suggest({ name: 'Taken retry', lease: 2, worker: 'w1', instance: 'i', requestId: 'taken-1' });
    expect(retried.id).not.toBe(lost.id);
    expect(retried.id).not.toBe(copy.id);
    expect([retried.state, retried.retryOf]).toEqual(['RUNNING', null]);
    const again = await suggest({ name: 'Taken retry', lease: 2, worker: 'w1', instance: 'i', requestId: 'taken-1' });
    expect([again.id, again.state]).toEqual([retried.id, 'RUNNING']);
    const states = (await trials('Taken retry')).trials.edges.map((e: any) => [e.node.number, e.node.state]);
    expect(states).toEqual([
      [3, 'RUNNING'],
      [2, 'RUNNING'],
      [1, 'STALE'],
    ]);
  });

  it('answers one suggest sent many times at once (one requestId) with one trial, while a STALE trial waits to be offered again', async () => {
    const lost = await suggest({ name: 'Retry storm', lease: 2, worker: 'spot-1' });
    while (Date.now() <= Date.parse(lost.leaseExpiresAt) + 50) await sleep(Date.parse(lost.leaseExpiresAt) + 100 - Date.now());
    // A client that timed out and resent, eight times over, before any answer came back.
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => server.gql(SUGGEST, { name: 'Retry storm', lease: 2, worker: 'spot-2', instance: 'i', requestId: 'storm-1' }, token)),
    );
    expect(answers.map((a) => a.errors)).toEqual(Array(8).fill(undefined));
    const ids = new Set(answers.map((a) => a.data?.suggest.id));
    expect(ids.size).toBe(1);
    const copy = answers[0]!.data?.suggest;
    expect(copy.retryOf).toEqual({ id: lost.id });
    expect(copy.params).toEqual(lost.params);
    expect((await trials('Retry storm')).trialCount).toBe(2);
  });
});

describe('results', () => {
  it('stores the same result sent twice once', async () => {
    const trial = await suggest({ name: 'Idempotent' });
    const once = await server.gql(UPDATE, { id: trial.id, result: { loss: 2, acc: 0.1 } }, token);
    const twice = await server.gql(UPDATE, { id: trial.id, result: { loss: 2, acc: 0.1 } }, token);
    expect(once.data?.update).toEqual(twice.data?.update);
    const experiment = await trials('Idempotent');
    expect(experiment.trialCount).toBe(1);
  });

  it('keeps failed trials, shows them, and never uses them as the best', async () => {
    const good = await suggest({ name: 'Failures', worker: 'a' });
    const bad = await suggest({ name: 'Failures', worker: 'b' });
    const viaUpdate = await suggest({ name: 'Failures', worker: 'c' });
    await server.gql(UPDATE, { id: good.id, result: { loss: 3 } }, token);
    const failed = await server.gql(FAIL, { id: bad.id, error: 'CUDA out of memory' }, token);
    expect(failed.data?.fail).toEqual({ id: bad.id, state: 'FAILED', error: 'CUDA out of memory', loss: null });
    // A loss and an error at once is one or the other lost: refused, the trial still running.
    const both = await server.gql(UPDATE, { id: viaUpdate.id, result: { error: 'diverged', loss: 0.1 } }, token);
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'result.loss' });
    expect(both.errors?.[0]?.message).toMatch(/both loss and error/);
    expect((await trials('Failures')).trials.edges.find((e: any) => e.node.id === viaUpdate.id).node).toMatchObject({ state: 'RUNNING', loss: null, error: null });
    const viaResult = await server.gql(UPDATE, { id: viaUpdate.id, result: { error: 'diverged', epoch: 3 } }, token);
    expect(viaResult.data?.update).toMatchObject({ state: 'FAILED', error: 'diverged', loss: null });
    const experiment = await trials('Failures');
    expect(experiment.bestTrial.id).toBe(good.id);
    expect(experiment.trials.edges.map((e: any) => e.node.state).sort()).toEqual(['COMPLETED', 'FAILED', 'FAILED']);
    const again = await server.gql(FAIL, { id: bad.id, error: 'CUDA out of memory' }, token);
    expect(again.data?.fail.state).toBe('FAILED');
    const changed = await server.gql(UPDATE, { id: bad.id, result: { loss: 1 } }, token);
    expect(changed.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});
