import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const WORKERS = 32;
const TRIALS_EACH = 5;
const SUGGEST = `mutation ($worker: String!) {
  suggest(experiment: {name: "Crowd", parameters: {x: {min: -5, max: 5}, y: {min: -5, max: 5}, act: ["relu", "tanh"]}},
          worker: $worker, instance: $worker) { id number params }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state } }`;

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('crowd@example.com');
});
afterAll(() => server?.stop());

describe(`${WORKERS} workers on one experiment at once`, () => {
  it('never share a trial number, never lose an update, and never get the same parameters', async () => {
    const acknowledged = new Map<string, number>();
    const worker = async (index: number) => {
      for (let i = 0; i < TRIALS_EACH; i++) {
        const suggested = await server.gql(SUGGEST, { worker: `w${index}` }, token);
        expect(suggested.errors).toBeUndefined();
        const trial = suggested.data?.suggest;
        const loss = trial.params.x ** 2 + trial.params.y ** 2 + index / 1000;
        const updated = await server.gql(UPDATE, { id: trial.id, result: { loss, worker: index } }, token);
        expect(updated.data?.update.state).toBe('COMPLETED');
        acknowledged.set(trial.id, loss);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index))).catch((error) => {
      throw new Error(`${error}\n--- server output ---\n${server.logs()}`);
    });

    const stored: { id: string; number: number; state: string; loss: number; params: Record<string, unknown> }[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await server.gql(
        `query ($after: String) { experiment(name: "Crowd") { trials(first: 100, after: $after) {
          edges { node { id number state loss params } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
        token,
      );
      const trials: any = page.data?.experiment.trials;
      stored.push(...trials.edges.map((e: any) => e.node));
      if (!trials.pageInfo.hasNextPage) break;
      after = trials.pageInfo.endCursor;
    }
    const total = WORKERS * TRIALS_EACH;
    expect(acknowledged.size).toBe(total);
    expect(stored).toHaveLength(total);
    expect(stored.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const trial of stored) {
      expect(trial.state).toBe('COMPLETED');
      expect(trial.loss).toBe(acknowledged.get(trial.id));
    }
    expect(new Set(stored.map((t) => JSON.stringify(t.params))).size).toBe(total);
  });
});
