import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, startServer, waitFor, type TestServer } from './harness.ts';

const WORKERS = 16;
const TRIALS_EACH = 25;
const WORKER_SCRIPT = `
import sys, time
from Oscar import Oscar
scientist = Oscar(sys.argv[1], url=sys.argv[2], worker="crash-worker-" + sys.argv[3])
experiment = {"name": "Crash", "parameters": {"x": {"min": -10, "max": 10}, "y": {"min": 0, "max": 1}}}
for i in range(${TRIALS_EACH}):
    job = scientist.suggest(experiment)
    time.sleep(0.02)
    loss = job["x"] ** 2 + job["y"]
    scientist.update(job, {"loss": loss})
    print("ack", job.id, repr(loss), flush=True)
`;

interface Worker {
  readonly acks: Map<string, number>;
  readonly done: Promise<number | null>;
  stderr: string;
}

function startWorker(index: number, token: string, url: string): Worker {
  const child = spawn('/usr/bin/python3', ['-c', WORKER_SCRIPT, token, url, String(index)], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: join(ROOT, 'clients/python') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: Worker = {
    acks: new Map(),
    done: new Promise((resolve) => child.on('close', resolve)),
    stderr: '',
  };
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const [, id, loss] = line.split(' ');
      if (id && loss) worker.acks.set(id, Number(loss));
    }
  });
  child.stderr.on('data', (chunk) => (worker.stderr += chunk));
  return worker;
}

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ port: await freePort() });
});
afterAll(() => server?.stop());

describe('kill -9 of the server while workers run', () => {
  it('loses no acknowledged result and duplicates no trial; the workers carry on by themselves', async () => {
    const token = await server.token('cluster@example.com');
    const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(i, token, server.url));
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

    const stored = new Map<string, { state: string; loss: number; number: number }>();
    let after: string | null = null;
    for (;;) {
      const page: any = await server.gql(
        `query ($after: String) { experiment(name: "Crash") { trials(first: 100, after: $after) {
          edges { node { id number state loss } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
        token,
      );
      const trials: any = page.data?.experiment.trials;
      for (const { node } of trials.edges) stored.set(node.id, node);
      if (!trials.pageInfo.hasNextPage) break;
      after = trials.pageInfo.endCursor;
    }
    for (const [id, loss] of acknowledged) {
      expect(stored.get(id), `acknowledged trial ${id}`).toMatchObject({ state: 'COMPLETED', loss });
    }
    expect(stored.size).toBe(WORKERS * TRIALS_EACH);
    const numbers = [...stored.values()].map((t) => t.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: WORKERS * TRIALS_EACH }, (_, i) => i + 1));
    // About a minute alone on a quiet machine: a wide margin for a busy one.
  }, 300_000);
});
