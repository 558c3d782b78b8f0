import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitUntil, type TestServer } from './harness.ts';

/**
 * A trial that kills every worker it reaches: its parameters are offered again after each loss, at most
 * `max_retries` times in a row with no progress, then it is FAILED and never offered again.
 */
const SUGGEST = `mutation ($name: String!, $lease: Int!, $retries: Int, $worker: String, $instance: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}, leaseSeconds: $lease, maxRetries: $retries, pruner: "none"},
          worker: $worker, instance: $instance) {
    id number state params leaseExpiresAt heartbeatAt lostCount retryOf { id } experiment { maxRetries }
  }
}`;
const TRIALS = `query ($name: String!) {
  experiment(name: $name) { maxRetries trials(first: 50) { edges { node { id number state error lostCount loss retryOf { id } } } } }
}`;
const REPORT = `mutation ($id: ID!, $step: Int!, $value: Float!) { report(trialId: $id, step: $step, value: $value) { shouldStop trial { state leaseExpiresAt } } }`;
const CHECKPOINT = `mutation ($id: ID!, $data: JSON!) { checkpoint(trialId: $id, data: $data) { id leaseExpiresAt } }`;
const HEARTBEAT = `mutation ($id: ID!) { heartbeat(trialId: $id) { id state error lostCount leaseExpiresAt } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state loss error lostCount } }`;
const RELEASE = `mutation ($id: ID!) { release(trialId: $id) { id state } }`;

let server: TestServer;
let token: string;

async function gql(query: string, variables: Record<string, unknown>) {
  const response = await server.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

interface Given {
  id: string;
  number: number;
  params: Record<string, number>;
  leaseExpiresAt: string;
  heartbeatAt: string;
  lostCount: number;
  retryOf: { id: string } | null;
  experiment: { maxRetries: number };
}

const suggest = async (variables: Record<string, unknown>): Promise<Given> => (await gql(SUGGEST, variables)).suggest;

/** Waits until a trial's lease (as its last answer gave it) has run out: its worker is gone. */
const leaseRunsOut = (leaseExpiresAt: string) => waitUntil(async () => Date.now() > Date.parse(leaseExpiresAt) + 20, 30_000);

async function trials(name: string) {
  const { experiment } = await gql(TRIALS, { name });
  return (experiment.trials.edges as { node: Record<string, any> }[]).map((e) => e.node).sort((a, b) => a.number - b.number);
}

beforeAll(async () => {
  server = await startServer();
  token = await server.token('lost@example.com');
});
afterAll(() => server?.stop());

describe('a trial whose workers keep dying', () => {
  it('is offered again max_retries times, then FAILED with a reason, and its parameters never come back', async () => {
    const name = 'Poison pill';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 2, worker });
    const first = await ask('w1');
    expect(first).toMatchObject({ number: 1, lostCount: 0, experiment: { maxRetries: 2 } });
    // Lost three times: two copies, then given up.
    let holder = first;
    for (const [worker, lost] of [['w2', 1], ['w3', 2]] as const) {
      await leaseRunsOut(holder.leaseExpiresAt);
      const copy = await ask(worker);
      expect(copy).toMatchObject({ params: first.params, retryOf: { id: first.id }, lostCount: lost });
      holder = copy;
    }
    await leaseRunsOut(holder.leaseExpiresAt);
    const fresh = await ask('w4');
    expect(fresh.retryOf).toBeNull();
    expect(fresh.params).not.toEqual(first.params);
    const rows = await trials(name);
    expect(rows.map((t) => [t.number, t.state, t.lostCount])).toEqual([
      [1, 'STALE', 1],
      [2, 'STALE', 2],
      [3, 'FAILED', 3],
      [4, 'RUNNING', 0],
    ]);
    expect(rows[2]!.error).toMatch(/^Lost 3 times in a row with no progress .*max_retries is 2/);
    // Never offered again, however often workers ask.
    for (let i = 0; i < 5; i++) expect((await ask(`later-${i}`)).params).not.toEqual(first.params);
  });

  it('starts the count again when an attempt reported a new step or saved a checkpoint', async () => {
    const name = 'Long runs on spot machines';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 1, worker });
    const first = await ask('w1');
    await gql(REPORT, { id: first.id, step: 1, value: 0.9 });
    const reported = (await gql(REPORT, { id: first.id, step: 2, value: 0.8 })).report.trial;
    await leaseRunsOut(reported.leaseExpiresAt);
    // Progress: no loss counted.
    const second = await ask('w2');
    expect(second).toMatchObject({ retryOf: { id: first.id }, lostCount: 0 });
    const saved = (await gql(CHECKPOINT, { id: second.id, data: { epoch: 2 } })).checkpoint;
    await leaseRunsOut(saved.leaseExpiresAt);
    const third = await ask('w3');
    expect(third).toMatchObject({ retryOf: { id: first.id }, lostCount: 0 });
    // Steps the group had already reported are no progress.
    const again = (await gql(REPORT, { id: third.id, step: 2, value: 0.8 })).report.trial;
    await leaseRunsOut(again.leaseExpiresAt);
    const fourth = await ask('w4');
    expect(fourth).toMatchObject({ retryOf: { id: first.id }, lostCount: 1 });
    await leaseRunsOut(fourth.leaseExpiresAt);
    const fifth = await ask('w5');
    expect(fifth.retryOf).toBeNull();
    expect((await trials(name)).map((t) => [t.number, t.state, t.lostCount])).toEqual([
      [1, 'STALE', 0],
      [2, 'STALE', 0],
      [3, 'STALE', 1],
      [4, 'FAILED', 2],
      [5, 'RUNNING', 0],
    ]);
  });

  it('counts a worker back from a reboot asking for its own trial as a loss (a crash loop ends)', async () => {
    const name = 'Crash loop';
    // A long lease: the reboots come after half of it, before it runs out, however busy the machine.
    const ask = (instance: string) => suggest({ name, lease: 20, retries: 1, worker: 'node-1', instance });
    const first = await ask('boot-1');
    const silentHalfLease = (trial: Given) => waitUntil(async () => Date.now() > Date.parse(trial.heartbeatAt) + 10_000 + 20, 30_000);
    await silentHalfLease(first);
    const back = await ask('boot-2');
    expect(back).toMatchObject({ id: first.id, lostCount: 1 });
    await silentHalfLease(back);
    const next = await ask('boot-3');
    expect(next.id).not.toBe(first.id);
    expect(next.params).not.toEqual(first.params);
    expect((await trials(name)).map((t) => [t.number, t.state, t.lostCount])).toEqual([
      [1, 'FAILED', 2],
      [2, 'RUNNING', 0],
    ]);
  }, 60_000);

  it('does not count releases: a worker that gives a trial up is not lost', async () => {
    const name = 'Released often';
    const ask = (worker: string) => suggest({ name, lease: 600, retries: 0, worker });
    const first = await ask('w1');
    let holder = first;
    for (let i = 2; i <= 4; i++) {
      await gql(RELEASE, { id: holder.id });
      holder = await ask(`w${i}`);
      expect(holder).toMatchObject({ retryOf: { id: first.id }, lostCount: 0 });
    }
  });

  it('comes back when its worker turns out alive: a heartbeat, report or checkpoint revives it, and a late result is kept', async () => {
    const name = 'Partitioned';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 0, worker });
    const slow = await ask('w1');
    await leaseRunsOut(slow.leaseExpiresAt);
    await ask('w2');
    expect((await trials(name))[0]).toMatchObject({ state: 'FAILED', lostCount: 1 });
    const beat = (await gql(HEARTBEAT, { id: slow.id })).heartbeat;
    // Not lost after all: that loss is taken back.
    expect(beat).toMatchObject({ state: 'RUNNING', error: null, lostCount: 0 });
    await leaseRunsOut(beat.leaseExpiresAt);
    await ask('w3');
    expect((await trials(name))[0]).toMatchObject({ state: 'FAILED', lostCount: 1 });
    const late = (await gql(UPDATE, { id: slow.id, result: { loss: 0.25 } })).update;
    expect(late).toMatchObject({ state: 'COMPLETED', loss: 0.25, error: null, lostCount: 0 });
    // Sent again (a retry), it is the same result.
    expect((await gql(UPDATE, { id: slow.id, result: { loss: 0.25 } })).update).toMatchObject({ state: 'COMPLETED', loss: 0.25 });
    // A report of a trial failed for its losses revives it as well.
    const other = await ask('w4');
    await leaseRunsOut(other.leaseExpiresAt);
    await ask('w5');
    expect((await trials(name)).find((t) => t.id === other.id)).toMatchObject({ state: 'FAILED' });
    const report = (await gql(REPORT, { id: other.id, step: 1, value: 0.5 })).report;
    expect(report).toMatchObject({ shouldStop: false, trial: { state: 'RUNNING' } });
    // And so does a checkpoint, which is kept.
    const third = await ask('w6');
    await leaseRunsOut(third.leaseExpiresAt);
    await ask('w7');
    expect((await trials(name)).find((t) => t.id === third.id)).toMatchObject({ state: 'FAILED' });
    await gql(CHECKPOINT, { id: third.id, data: { epoch: 3 } });
    expect((await trials(name)).find((t) => t.id === third.id)).toMatchObject({ state: 'RUNNING', error: null, lostCount: 0 });
  });
});

describe('what counts as a loss in a row', () => {
  it('a release after progress starts the count again: the trial is not failed on its next loss', async () => {
    const name = 'Released after progress';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 1, worker });
    const first = await ask('w1');
    await leaseRunsOut(first.leaseExpiresAt);
    const second = await ask('w2');
    expect(second.lostCount).toBe(1);
    await gql(REPORT, { id: second.id, step: 1, value: 0.5 });
    await gql(RELEASE, { id: second.id });
    const third = await ask('w3');
    expect(third).toMatchObject({ retryOf: { id: first.id }, lostCount: 0 });
    await leaseRunsOut(third.leaseExpiresAt);
    const fourth = await ask('w4');
    expect(fourth).toMatchObject({ retryOf: { id: first.id }, lostCount: 1 });
  });

  it('a release after the lease ran out keeps the loss counted (a hung worker a watchdog stops)', async () => {
    const name = 'Hung then released';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 1, worker });
    const first = await ask('w1');
    // The server's lease sweep marks it STALE; then the hung worker is stopped, and releases it.
    await waitUntil(async () => (await trials(name))[0]!.state === 'STALE', 30_000);
    await gql(RELEASE, { id: first.id });
    const other = await ask('w-other');
    expect(other).toMatchObject({ retryOf: { id: first.id }, lostCount: 1 });
    await leaseRunsOut(other.leaseExpiresAt);
    expect((await ask('w3')).retryOf).toBeNull();
    expect((await trials(name)).slice(0, 2).map((t) => [t.number, t.state, t.lostCount])).toEqual([
      [1, 'STALE', 1],
      [2, 'FAILED', 2],
    ]);
  });

  it('a trial revived by its worker is the latest attempt: its progress counts for the next copy', async () => {
    const name = 'Revived then lost';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 3, worker });
    const first = await ask('w1');
    await leaseRunsOut(first.leaseExpiresAt);
    const second = await ask('w2');
    // The server's lease sweep marks the copy STALE (nobody asks meanwhile, so no copy is made).
    const states = async () => (await trials(name)).map((t) => [t.number, t.state, t.lostCount]);
    await waitUntil(async () => JSON.stringify(await states()) === JSON.stringify([[1, 'STALE', 1], [2, 'STALE', 2]]), 30_000);
    // The first worker was alive: it comes back, reports a new step and is lost again, with progress.
    // Its own loss is taken back; its copy's stays counted.
    expect((await gql(HEARTBEAT, { id: first.id })).heartbeat).toMatchObject({ state: 'RUNNING', lostCount: 1 });
    const reported = (await gql(REPORT, { id: first.id, step: 1, value: 0.5 })).report.trial;
    await leaseRunsOut(reported.leaseExpiresAt);
    const copy = await ask('w4');
    expect(copy).toMatchObject({ retryOf: { id: first.id }, lostCount: 0 });
  });

  it('a worker back from a reboot into an older trial of the group carries the group’s count on', async () => {
    const name = 'Older trial back';
    const ask = (worker: string, instance: string) => suggest({ name, lease: 2, retries: 2, worker, instance });
    const first = await ask('w1', 'boot-1');
    await leaseRunsOut(first.leaseExpiresAt);
    const second = await ask('w2', 'a');
    await leaseRunsOut(second.leaseExpiresAt);
    const back = await ask('w1', 'boot-2');
    expect(back).toMatchObject({ id: first.id, lostCount: 2 });
    await leaseRunsOut(back.leaseExpiresAt);
    expect((await ask('w3', 'b')).retryOf).toBeNull();
    expect((await trials(name)).map((t) => [t.number, t.state, t.lostCount])).toEqual([
      [1, 'FAILED', 3],
      [2, 'STALE', 2],
      [3, 'RUNNING', 0],
    ]);
  });

  it('fails no copy of parameters that have a result: the original\'s late result turns a copy failed for its losses STALE', async () => {
    const name = 'Late original';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 1, worker });
    const first = await ask('w1');
    await leaseRunsOut(first.leaseExpiresAt);
    const copy = await ask('w2');
    await leaseRunsOut(copy.leaseExpiresAt);
    expect((await ask('w3')).retryOf).toBeNull();
    expect((await trials(name)).slice(0, 2).map((t) => [t.number, t.state, t.lostCount])).toEqual([
      [1, 'STALE', 1],
      [2, 'FAILED', 2],
    ]);
    expect((await gql(UPDATE, { id: first.id, result: { loss: 0.3 } })).update).toMatchObject({ state: 'COMPLETED', lostCount: 0 });
    expect((await trials(name)).slice(0, 2).map((t) => [t.number, t.state, t.error])).toEqual([
      [1, 'COMPLETED', null],
      [2, 'STALE', null],
    ]);
  });

  it('fails no copy of parameters that have a result: a copy lost after the original\'s late result goes STALE', async () => {
    const name = 'Result then lost';
    const ask = (worker: string) => suggest({ name, lease: 2, retries: 1, worker });
    const first = await ask('w1');
    await leaseRunsOut(first.leaseExpiresAt);
    const copy = await ask('w2');
    expect(copy.lostCount).toBe(1);
    expect((await gql(UPDATE, { id: first.id, result: { loss: 0.3 } })).update).toMatchObject({ state: 'COMPLETED' });
    // The copy's worker dies too: a second loss in a row, but its parameters have their result.
    await leaseRunsOut(copy.leaseExpiresAt);
    expect((await ask('w3')).retryOf).toBeNull();
    expect((await trials(name)).slice(0, 2).map((t) => [t.number, t.state, t.error])).toEqual([
      [1, 'COMPLETED', null],
      [2, 'STALE', null],
    ]);
  });
});

describe('max_retries', () => {
  it('is 3 by default, changes when a worker resumes with another, and is refused out of range, naming the field', async () => {
    expect((await suggest({ name: 'Defaults', lease: 60 })).experiment.maxRetries).toBe(3);
    expect((await suggest({ name: 'Defaults', lease: 60, retries: 0 })).experiment.maxRetries).toBe(0);
    expect((await gql(TRIALS, { name: 'Defaults' })).experiment.maxRetries).toBe(0);
    for (const retries of [-1, 1001]) {
      const refused = await server.gql(SUGGEST, { name: 'Out of range', lease: 60, retries }, token);
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'experiment.maxRetries' } });
      expect(refused.errors?.[0]?.message).toContain('from 0 to 1000');
    }
    const none = await server.gql(TRIALS, { name: 'Out of range' }, token);
    expect(none.data?.experiment).toBeNull();
  });
});
