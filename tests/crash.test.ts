import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, waitFor, type TestServer } from './harness.ts';
import { startPythonWorker, storedTrials } from './python-workers.ts';

const WORKERS = 16;
const TRIALS_EACH = 25;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ port: await freePort() });
});
afterAll(() => server?.stop());

describe('kill -9 of the server while workers run', () => {
  it('loses no acknowledged result and duplicates no trial; the workers carry on by themselves', async () => {
    const token = await server.token('cluster@example.com');
    const workers = Array.from({ length: WORKERS }, (_, i) => startPythonWorker({ token, url: server.url, worker: `crash-worker-${i}`, name: 'Crash', trials: TRIALS_EACH }));
    const acked = () => workers.reduce((sum, w) => sum + w.acks.size, 0);

    await waitFor(() => acked() >= 60, 120_000);
    await server.kill();
    const ackedBeforeRestart = acked();
    // The server stays down until workers have noticed: they are retrying, not failing.
    await waitFor(() => workers.some((w) => /unreachable/.test(w.stderr)), 60_000);
    await server.restart();

    const codes = await Promise.all(workers.map((w) => w.done));
    expect(codes, workers.map((w) => w.stderr).join('\n')).toEqual(Array(WORKERS).fill(0));
    expect(ackedBeforeRestart).toBeLessThan(WORKERS * TRIALS_EACH);

    const acknowledged = new Map<string, number>();
    for (const worker of workers) for (const [id, loss] of worker.acks) acknowledged.set(id, loss);
    expect(acknowledged.size).toBe(WORKERS * TRIALS_EACH);

    const stored = await storedTrials(server, token, 'Crash');
    for (const [id, loss] of acknowledged) {
      expect(stored.get(id), `acknowledged trial ${id}`).toMatchObject({ state: 'COMPLETED', loss });
    }
    expect(stored.size).toBe(WORKERS * TRIALS_EACH);
    const numbers = [...stored.values()].map((t) => t.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: WORKERS * TRIALS_EACH }, (_, i) => i + 1));
    // About a minute alone on a quiet machine: a wide margin for a busy one.
  }, 300_000);
});
