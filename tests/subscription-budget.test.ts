import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

/**
 * A subscription keeps one context for its life, but each event is an operation of its own: the
 * 64 MiB an operation may load is counted per event, so a subscriber watching a long learning curve
 * (each event loading the whole curve) is served for as long as it grows, within its user's allowance
 * for all their events (OSCAR_EVENT_BYTES_PER_SECOND, past a burst of 64 MiB).
 */
describe('a subscription that loads more and more per event', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    // An allowance this large refills between any two events: each event has the whole 64 MiB.
    server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000', OSCAR_EVENT_BYTES_PER_SECOND: String(1024 ** 4) } });
    token = await server.token('curve-watcher@example.com');
  });
  afterAll(() => server?.stop());

  it('is given the whole budget for every event, however many came before', async () => {
    const { data } = await server.gql(
      `mutation { suggest(experiment: {name: "Curve", parameters: {x: {min: 0, max: 1}}, pruner: "none", algorithm: "random"}) { id experiment { id } } }`,
      {},
      token,
    );
    const trial = data?.suggest;
    const client = server.ws(token);
    const feed = collect<any>(client, `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id lastStep intermediateValues { step metrics } } }`, { id: trial.experiment.id });
    await server.listening(token, 1);
    // ~4 KB of metrics a step: the events' loads add up past 64 MiB at about step 180.
    const metrics = { note: 'x'.repeat(3900) };
    const STEPS = 240;
    for (let step = 0; step < STEPS; step++) {
      const reported = await server.gql(`mutation ($id: ID!, $s: Int!, $m: JSON) { report(trialId: $id, step: $s, value: 1, metrics: $m) { shouldStop } }`, { id: trial.id, s: step, m: metrics }, token);
      expect(reported.errors).toBeUndefined();
      // One event at a time, so none are merged.
      await waitFor(() => feed.errors.length > 0 || feed.events.some((e) => e.trialUpdated.lastStep === step), 30_000);
      expect(feed.errors).toEqual([]);
    }
    const last = feed.events.at(-1).trialUpdated;
    expect(last.intermediateValues).toHaveLength(STEPS);
    feed.stop();
    await client.dispose();
  }, 240_000);
});

describe("a user's subscription events together", () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    // 1 KB a second: past the first 64 MiB, nothing comes back within the test.
    server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000', OSCAR_EVENT_BYTES_PER_SECOND: '1000' } });
    token = await server.token('alias-watcher@example.com');
  });
  afterAll(() => server?.stop());

  it('load no more than the allowance: past it an event leaves the large fields out, RATE_LIMITED, and cheap events still come', async () => {
    const { data } = await server.gql(
      `mutation { suggest(experiment: {name: "Aliases", parameters: {x: {min: 0, max: 1}}, pruner: "none", algorithm: "random"}) { id experiment { id } } }`,
      {},
      token,
    );
    const trial = data!.suggest;
    const report = async (step: number) => {
      const reported = await server.gql(
        `mutation ($id: ID!, $s: Int!, $m: JSON) { report(trialId: $id, step: $s, value: 1, metrics: $m) { shouldStop } }`,
        { id: trial.id, s: step, m: { note: 'x'.repeat(3900) } },
        token,
      );
      expect(reported.errors).toBeUndefined();
    };
    // A curve of 60 steps of ~4 KB each: fifteen aliases of it load ~3.6 MB an event.
    for (let step = 0; step < 60; step++) await report(step);
    const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: intermediateValues { step metrics }`).join(' ');
    const client = server.ws(token);
    // Each event of the heavy subscription: its data, or (the fields are not nullable) its errors.
    const heavy: { data: any; errors: any[] | undefined }[] = [];
    const stopHeavy = client.subscribe<any>(
      { query: `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id lastStep ${aliases} } }`, variables: { id: trial.experiment.id } },
      { next: (value) => void heavy.push({ data: value.data, errors: value.errors as any[] | undefined }), error: (error) => heavy.push({ data: null, errors: [error] }), complete: () => undefined },
    );
    const cheap = collect<any>(client, `subscription ($id: ID!) { trialUpdated(experimentId: $id) { id lastStep } }`, { id: trial.experiment.id });
    await server.listening(token, 2);
    const STEPS = 40;
    for (let step = 60; step < 60 + STEPS; step++) {
      await report(step);
      // One event at a time: each either loaded or refused.
      await waitFor(() => cheap.events.some((e) => e.trialUpdated.lastStep === step) && heavy.length === step - 59, 30_000);
    }
    const served = heavy.filter((e) => e.data?.trialUpdated);
    const refused = heavy.filter((e) => !e.data?.trialUpdated);
    // 64 MiB hold about 17 events of ~3.6-4 MB; every later one is refused, saying why.
    expect(served.length).toBeGreaterThanOrEqual(10);
    expect(served.length).toBeLessThan(25);
    expect(served.map((e) => e.data.trialUpdated.lastStep)).toEqual(Array.from({ length: served.length }, (_, i) => 60 + i));
    expect(served.every((e) => e.errors === undefined && e.data.trialUpdated.a14.length > 60)).toBe(true);
    expect(refused).toHaveLength(STEPS - served.length);
    for (const { errors } of refused) {
      expect(errors!.length).toBeGreaterThan(0);
      for (const error of errors!) {
        expect(error.extensions.code).toBe('RATE_LIMITED');
        expect(error.message).toMatch(/^intermediateValues: this user's subscription events have loaded all the stored data they may for now/);
        expect(error.extensions.retryAfter).toBeGreaterThan(60);
      }
    }
    // The events that load nothing large all came, and so does a query.
    expect(cheap.errors).toEqual([]);
    expect(cheap.events.map((e) => e.trialUpdated.lastStep)).toEqual(Array.from({ length: STEPS }, (_, i) => 60 + i));
    const read = await server.gql(`query ($id: ID!) { experiment(id: $id) { trial(number: 1) { intermediateValues { step } } } }`, { id: trial.experiment.id }, token);
    expect(read.errors).toBeUndefined();
    expect(read.data!.experiment.trial.intermediateValues).toHaveLength(60 + STEPS);
    stopHeavy();
    cheap.stop();
    await client.dispose();
  }, 240_000);
});
