import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

/**
 * A subscription keeps one context for its life, but each event is an operation of its own: the
 * 64 MiB an operation may load is counted per event, so a subscriber watching a long learning curve
 * (each event loading the whole curve) is served for as long as it grows.
 */
let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer({ env: { OSCAR_RATE_LIMIT: '100000' } });
  token = await server.token('curve-watcher@example.com');
});
afterAll(() => server?.stop());

describe('a subscription that loads more and more per event', () => {
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
