// Python worker processes (the real client, as users run it) for the crash and replica tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, type TestServer } from './harness.ts';

const WORKER_SCRIPT = `
import sys, time
from Oscar import Oscar
token, url, worker, name, trials = sys.argv[1:6]
scientist = Oscar(token, url=url, worker=worker)
experiment = {"name": name, "parameters": {"x": {"min": -10, "max": 10}, "y": {"min": 0, "max": 1}}}
for i in range(int(trials)):
    job = scientist.suggest(experiment)
    time.sleep(0.02)
    loss = job["x"] ** 2 + job["y"]
    scientist.update(job, {"loss": loss})
    print("ack", job.id, repr(loss), flush=True)
`;

/** A worker process running the suggest / update loop: the results the server acknowledged, as it saw them. */
export interface PythonWorker {
  /** Trial id to loss, for every update the server answered. */
  readonly acks: Map<string, number>;
  /** The exit code. */
  readonly done: Promise<number | null>;
  /** Everything it logged (the client logs its retries here). */
  stderr: string;
}

/** Starts a worker named `worker` that runs `trials` trials of experiment `name` (x in [-10, 10], y in [0, 1]) against `url`. */
export function startPythonWorker(options: { token: string; url: string; worker: string; name: string; trials: number }): PythonWorker {
  const { token, url, worker: name, trials } = options;
  const child = spawn('/usr/bin/python3', ['-c', WORKER_SCRIPT, token, url, name, options.name, String(trials)], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: join(ROOT, 'clients/python') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker: PythonWorker = { acks: new Map(), done: new Promise((resolve) => child.on('close', resolve)), stderr: '' };
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

/** Every trial of an experiment as stored, read page by page. */
export async function storedTrials(server: TestServer, token: string, name: string) {
  const stored = new Map<string, { state: string; loss: number; number: number }>();
  let after: string | null = null;
  for (;;) {
    const page: any = await server.gql(
      `query ($name: String!, $after: String) { experiment(name: $name) { trials(first: 100, after: $after) {
        edges { node { id number state loss } } pageInfo { hasNextPage endCursor } } } }`,
      { name, after },
      token,
    );
    const trials: any = page.data?.experiment.trials;
    for (const { node } of trials.edges) stored.set(node.id, node);
    if (!trials.pageInfo.hasNextPage) return stored;
    after = trials.pageInfo.endCursor;
  }
}
