import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

/**
 * A FAILED trial (a crash, an out-of-memory) teaches the optimizer to move on: the next suggestion is
 * never the configuration that just failed, for every algorithm, in its quasi-random start and once
 * its model has taken over.
 */
let server: TestServer;
let token: string;

const SUGGEST = `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "w") { id params optimizer } }`;
const FAIL = `mutation ($id: ID!) { fail(trialId: $id, error: "CUDA out of memory") { state } }`;
const UPDATE = `mutation ($id: ID!, $r: JSON!) { update(trialId: $id, result: $r) { state } }`;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('failures@example.com');
});
afterAll(() => server?.stop());

type Suggested = { id: string; params: { x: number; y: number }; optimizer: string };

async function suggest(experiment: Record<string, unknown>): Promise<Suggested> {
  const answer = await server.gql(SUGGEST, { e: experiment }, token);
  expect(answer.errors).toBeUndefined();
  return answer.data!.suggest as Suggested;
}

const SPACE = { x: { min: -10, max: 10 }, y: { min: -10, max: 10 } };

it.each(['auto', 'gp', 'tpe', 'cmaes', 'quasi_random', 'random', 'nsga2'])('%s never proposes again the configuration that just failed', async (algorithm) => {
  const multi = algorithm === 'nsga2';
  const experiment = { name: `Failures ${algorithm}`, parameters: SPACE, algorithm, ...(multi ? { objectives: { loss: 'minimize', size: 'minimize' } } : {}) };
  const failed: string[] = [];
  // A user's loop: configurations with x > 0 crash; the others report a result. 24 rounds take every
  // optimizer past its quasi-random start.
  for (let round = 0; round < 24; round++) {
    const trial = await suggest(experiment);
    const key = JSON.stringify(trial.params);
    expect(failed, `round ${round}: ${key} failed before`).not.toContain(key);
    if (trial.params.x > 0) {
      expect((await server.gql(FAIL, { id: trial.id }, token)).data?.fail.state).toBe('FAILED');
      failed.push(key);
    } else {
      const { x, y } = trial.params;
      const result = multi ? { loss: x * x + y * y, size: (x + 5) ** 2 } : { loss: x * x + y * y };
      expect((await server.gql(UPDATE, { id: trial.id, r: result }, token)).data?.update.state).toBe('COMPLETED');
    }
  }
  // Half the space crashes: some did, and the search kept going (no configuration twice in a row).
  expect(failed.length).toBeGreaterThan(0);
}, 120_000);

it('an experiment whose every trial fails walks on through new configurations', async () => {
  const seen = new Set<string>();
  for (let round = 0; round < 15; round++) {
    const trial = await suggest({ name: 'Always fails', parameters: SPACE });
    seen.add(JSON.stringify(trial.params));
    expect((await server.gql(FAIL, { id: trial.id }, token)).data?.fail.state).toBe('FAILED');
  }
  expect(seen.size).toBe(15);
}, 120_000);
