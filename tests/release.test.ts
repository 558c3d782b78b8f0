import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

// A long lease: nothing here may go STALE by itself, however busy the machine.
const SUGGEST = `mutation ($name: String!, $worker: String, $instance: String) {
  suggest(experiment: {name: $name, parameters: {x: {min: 0, max: 1}}, leaseSeconds: 600}, worker: $worker, instance: $instance) {
    id number state params worker leaseExpiresAt checkpoint retryOf { id }
  }
}`;
const RELEASE = `mutation ($id: ID!) { release(trialId: $id) { id state leaseExpiresAt loss } }`;
const HEARTBEAT = `mutation ($id: ID!) { heartbeat(trialId: $id) { id state leaseExpiresAt } }`;
const REPORT = `mutation ($id: ID!, $step: Int!, $value: Float!) { report(trialId: $id, step: $step, value: $value) { shouldStop trial { state } } }`;
const CHECKPOINT = `mutation ($id: ID!, $data: JSON!) { checkpoint(trialId: $id, data: $data) { id state } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state loss } }`;
const TRIALS = `query ($name: String!) { experiment(name: $name) { trials(first: 50) { edges { node { id number state intermediateValues { step } } } } } }`;

let server: TestServer;
let token: string;

async function gql(query: string, variables: Record<string, unknown>, as = token) {
  const response = await server.gql(query, variables, as);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

const suggest = async (variables: Record<string, unknown>) => (await gql(SUGGEST, variables)).suggest;
const states = async (name: string) =>
  (await gql(TRIALS, { name })).experiment.trials.edges.map((e: any) => [e.node.number, e.node.state]).sort((a: number[], b: number[]) => a[0]! - b[0]!);

beforeAll(async () => {
  server = await startServer();
  token = await server.token('release@example.com');
});
afterAll(() => server?.stop());

describe('release: a worker gives a trial up', () => {
  it('makes the trial STALE at once, and the next suggest offers its parameters again with its latest checkpoint', async () => {
    const given = await suggest({ name: 'Spot', worker: 'spot-1', instance: 'a' });
    await gql(CHECKPOINT, { id: given.id, data: { epoch: 7, weights: 's3://bucket/run/7' } });
    const released = (await gql(RELEASE, { id: given.id })).release;
    expect(released).toMatchObject({ id: given.id, state: 'STALE', leaseExpiresAt: null });
    // Long before its 600 s lease would have run out: another worker resumes it.
    const copy = await suggest({ name: 'Spot', worker: 'spot-2', instance: 'b' });
    expect(copy).toMatchObject({ number: 2, state: 'RUNNING', params: given.params, retryOf: { id: given.id }, checkpoint: { epoch: 7, weights: 's3://bucket/run/7' } });
    expect(await states('Spot')).toEqual([
      [1, 'STALE'],
      [2, 'RUNNING'],
    ]);
    // The next one is new.
    const next = await suggest({ name: 'Spot', worker: 'spot-3', instance: 'c' });
    expect(next.retryOf).toBeNull();
    expect(next.params).not.toEqual(given.params);
  });

  it('is not brought back by a late heartbeat or report, but keeps a late result', async () => {
    const given = await suggest({ name: 'Given up', worker: 'w1', instance: 'a' });
    await gql(RELEASE, { id: given.id });
    const beat = (await gql(HEARTBEAT, { id: given.id })).heartbeat;
    expect(beat).toMatchObject({ state: 'STALE', leaseExpiresAt: null });
    const report = (await gql(REPORT, { id: given.id, step: 1, value: 0.5 })).report;
    expect(report).toEqual({ shouldStop: true, trial: { state: 'STALE' } });
    const [node] = (await gql(TRIALS, { name: 'Given up' })).experiment.trials.edges.map((e: any) => e.node);
    expect(node.intermediateValues).toEqual([]);
    // Nobody took it yet: its parameters are still offered, to anyone, the releasing worker too.
    const copy = await suggest({ name: 'Given up', worker: 'w1', instance: 'a' });
    expect(copy.retryOf).toEqual({ id: given.id });
    // A result that was on its way is kept, and the copy's then counts as a duplicate.
    expect((await gql(UPDATE, { id: given.id, result: { loss: 0.25 } })).update).toMatchObject({ state: 'COMPLETED', loss: 0.25 });
    expect((await gql(UPDATE, { id: copy.id, result: { loss: 0.25 } })).update.state).toBe('DUPLICATE');
  });

  it('goes to its worker back from a reboot as a copy, which a release sent again cannot touch', async () => {
    const given = await suggest({ name: 'Reboot', worker: 'node-1', instance: 'boot-1' });
    await gql(RELEASE, { id: given.id });
    const after = await suggest({ name: 'Reboot', worker: 'node-1', instance: 'boot-2' });
    expect(after).toMatchObject({ state: 'RUNNING', params: given.params, retryOf: { id: given.id } });
    expect(after.id).not.toBe(given.id);
    // The first process's release, retried after its answer was lost: the new process's trial runs on.
    await gql(RELEASE, { id: given.id });
    expect((await gql(HEARTBEAT, { id: after.id })).heartbeat.state).toBe('RUNNING');
    expect(Date.parse((await gql(HEARTBEAT, { id: after.id })).heartbeat.leaseExpiresAt)).toBeGreaterThan(Date.now() + 500_000);
  });

  it('is harmless sent again or after the result, and NOT_FOUND for a trial that is not yours', async () => {
    const given = await suggest({ name: 'Again', worker: 'w', instance: 'a' });
    const first = (await gql(RELEASE, { id: given.id })).release;
    expect((await gql(RELEASE, { id: given.id })).release).toEqual(first);
    const done = await suggest({ name: 'Again', worker: 'w2', instance: 'b' });
    await gql(UPDATE, { id: done.id, result: { loss: 1 } });
    expect((await gql(RELEASE, { id: done.id })).release).toMatchObject({ state: 'COMPLETED', loss: 1 });
    const other = await server.token('someone-else@example.com');
    const stolen = await server.gql(RELEASE, { id: done.id }, other);
    expect(stolen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknown = await server.gql(RELEASE, { id: 'no-such-trial' }, token);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await server.gql(RELEASE, { id: done.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await states('Again')).toEqual([
      [1, 'STALE'],
      [2, 'COMPLETED'],
    ]);
  });
});
