import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($name: String!, $lease: Int, $worker: String, $instance: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}, leaseSeconds: $lease}, worker: $worker, instance: $instance) {
    id state params checkpoint checkpointAt heartbeatAt leaseExpiresAt retryOf { id } experiment { id }
  }
}`;
const CHECKPOINT = `mutation ($id: ID!, $data: JSON!) { checkpoint(trialId: $id, data: $data) { id state checkpoint checkpointAt leaseExpiresAt } }`;
const TRIAL = `query ($name: String!) { experiment(name: $name) { trials(first: 10) { edges { node { id number state checkpoint } } } trialTable { numbers checkpoints } } }`;

let server: TestServer;
let token: string;

async function suggest(variables: Record<string, unknown>) {
  const response = await server.gql(SUGGEST, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data?.suggest;
}

async function checkpoint(id: string, data: unknown, as = token) {
  return server.gql(CHECKPOINT, { id, data }, as);
}

async function stored(name: string) {
  const response = await server.gql(TRIAL, { name }, token);
  return response.data?.experiment;
}

/** Resolves once the server's clock has passed `iso` (a lease's end): the fact the test needs, and no more. */
async function past(iso: string, extraMs = 0): Promise<void> {
  const wait = Date.parse(iso) + extraMs - Date.now();
  if (wait > 0) await sleep(wait + 50);
}

beforeAll(async () => {
  server = await startServer();
  token = await server.token('spot@example.com');
});
afterAll(() => server?.stop());

describe('checkpoints', () => {
  it('keeps the latest record on the trial, renews its lease and tells subscribers', async () => {
    const trial = await suggest({ name: 'Saved', lease: 30 });
    expect(trial.checkpoint).toBeNull();
    const client = server.ws(token);
    const feed = collect<any>(client, `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id checkpoint } }`, { id: trial.experiment.id });
    await server.listening(token, 1);

    const first = await checkpoint(trial.id, { path: 's3://bucket/run-17', epoch: 4 });
    expect(first.errors).toBeUndefined();
    const second = await checkpoint(trial.id, { path: 's3://bucket/run-17', epoch: 5, tags: ['ok'], nested: { lr: 0.01 } });
    expect(second.data?.checkpoint).toMatchObject({ state: 'RUNNING', checkpoint: { path: 's3://bucket/run-17', epoch: 5, tags: ['ok'], nested: { lr: 0.01 } } });
    expect(Date.parse(second.data?.checkpoint.leaseExpiresAt)).toBeGreaterThan(Date.parse(trial.leaseExpiresAt));

    await waitFor(() => feed.events.some((e) => e.trialUpdated.checkpoint?.epoch === 5), 15_000);
    const table = (await stored('Saved')).trialTable;
    expect(table.checkpoints.map((text: string) => JSON.parse(text))).toEqual([{ path: 's3://bucket/run-17', epoch: 5, tags: ['ok'], nested: { lr: 0.01 } }]);
    feed.stop();
    await client.dispose();
  });

  it('keeps infinities and NaN in a record as the clients send them, to be read back as written', async () => {
    const trial = await suggest({ name: 'Unbounded', lease: 30 });
    // Python's `best_val = float('inf')` before any epoch: the client sends "Infinity".
    const saved = await checkpoint(trial.id, { epoch: 0, best_val: 'Infinity', last: ['NaN', 1] });
    expect(saved.errors).toBeUndefined();
    expect(saved.data?.checkpoint.checkpoint).toEqual({ epoch: 0, best_val: 'Infinity', last: ['NaN', 1] });
  });

  it('gives the trial table the start of a long record only (the whole one is on the trial)', async () => {
    const trial = await suggest({ name: 'Long record', lease: 30 });
    const record = { path: `s3://bucket/${'run/'.repeat(1000)}`, epoch: 2 };
    const saved = await checkpoint(trial.id, record);
    expect(saved.errors, JSON.stringify(saved.errors)).toBeUndefined();
    const { trialTable, trials } = await stored('Long record');
    expect(trialTable.checkpoints[0]).toHaveLength(201);
    expect(trialTable.checkpoints[0]).toMatch(/^\{".*…$/);
    expect(trials.edges[0].node.checkpoint).toEqual(record);
  });

  it('refuses what is not a small JSON object, naming the field, and keeps the last good record', async () => {
    const trial = await suggest({ name: 'Refused', lease: 30 });
    expect((await checkpoint(trial.id, { epoch: 1 })).errors).toBeUndefined();
    const cases: [unknown, string][] = [
      [[1, 2], 'data'],
      ['epoch 2', 'data'],
      [{ path: 'x'.repeat(17 * 1024) }, 'data'],
      [{ blob: Array.from({ length: 3000 }, (_, i) => i * 1.5) }, 'data'],
      [{ deep: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } }, 'data.deep.a.b.c.d.e.f'],
    ];
    for (const [data, field] of cases) {
      const response = await checkpoint(trial.id, data);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
    }
    expect((await stored('Refused')).trials.edges[0].node.checkpoint).toEqual({ epoch: 1 });
  });

  it('refuses a checkpoint for a finished trial, and for a trial of someone else', async () => {
    const trial = await suggest({ name: 'Finished', lease: 30 });
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 1}) { id } }`, { id: trial.id }, token);
    const late = await checkpoint(trial.id, { epoch: 9 });
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'trialId' });
    expect(late.errors?.[0]?.message).toMatch(/already completed/);

    const stranger = await server.token('stranger@example.com');
    const other = await suggest({ name: 'Mine', lease: 30 });
    const refused = await checkpoint(other.id, { epoch: 1 }, stranger);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await stored('Mine')).trials.edges[0].node.checkpoint).toBeNull();
    expect((await stored('Finished')).trials.edges[0].node.checkpoint).toBeNull();
  });

  it('hands the trial back with its checkpoint to its worker after a reboot', async () => {
    const trial = await suggest({ name: 'Reboot', lease: 4, worker: 'spot-a', instance: 'before' });
    const saved = (await checkpoint(trial.id, { epoch: 3 })).data?.checkpoint;
    // The worker dies: a new process on the same host asks again once its heartbeats have been silent for half a lease.
    await past(saved.leaseExpiresAt, -2000);
    const back = await suggest({ name: 'Reboot', lease: 4, worker: 'spot-a', instance: 'after' });
    expect(back.id).toBe(trial.id);
    expect(back.checkpoint).toEqual({ epoch: 3 });
  });

  it('gives a re-offered copy the latest checkpoint of the trial it repeats', async () => {
    const lost = await suggest({ name: 'Preempted', lease: 2, worker: 'spot-1' });
    await checkpoint(lost.id, { epoch: 1 });
    const saved = (await checkpoint(lost.id, { path: '/shared/run', epoch: 2 })).data?.checkpoint;
    await past(saved.leaseExpiresAt);
    const copy = await suggest({ name: 'Preempted', lease: 2, worker: 'spot-2' });
    expect(copy.retryOf).toEqual({ id: lost.id });
    expect(copy.params).toEqual(lost.params);
    expect(copy.checkpoint).toEqual({ path: '/shared/run', epoch: 2 });
    expect(copy.checkpointAt).toBe(saved.checkpointAt);

    // The copy is preempted too, further on: the next copy resumes from its record, the latest of the group.
    const further = (await checkpoint(copy.id, { path: '/shared/run', epoch: 7 })).data?.checkpoint;
    await past(further.leaseExpiresAt);
    const third = await suggest({ name: 'Preempted', lease: 2, worker: 'spot-3' });
    expect(third.retryOf).toEqual({ id: lost.id });
    expect(third.checkpoint).toEqual({ path: '/shared/run', epoch: 7 });
    // A trial with no checkpoint in its group starts afresh.
    const fresh = await suggest({ name: 'Preempted', lease: 2, worker: 'spot-4' });
    expect(fresh.retryOf).toBeNull();
    expect(fresh.checkpoint).toBeNull();
  });
});
