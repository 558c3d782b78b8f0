/**
 * Runs the benchmarks' Python programs (Oscar's workers through the Python client, Optuna's runners):
 * each prints one JSON line per run, handed to `onRun` as it comes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../tests/harness.ts';

/** Debian's Python, with python3-optuna and numpy. */
export const PYTHON = '/usr/bin/python3';

/** A Python command to run, and the runs it prints. */
export interface Job {
  readonly label: string;
  readonly args: readonly string[];
}

/** Runs one job with the client and the benchmarks' Python modules importable; rejects on a non-zero exit, with its stderr. */
export function runJob<Run>(job: Job, onRun: (run: Run) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONPATH: [join(ROOT, 'clients/python'), join(ROOT, 'scripts/bench')].join(':') };
    const child = spawn(PYTHON, job.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) onRun(JSON.parse(line) as Run);
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${job.label} exited with ${code}:\n${stderr}`))));
  });
}

/** Runs the jobs, `parallel` at a time, in the order listed (longest first pays), saying how long each took. */
export async function runAll<Run>(jobs: readonly Job[], parallel: number, onRun: (run: Run) => void): Promise<void> {
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const t0 = Date.now();
        await runJob(job, onRun);
        console.error(`  ${job.label}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }),
  );
}

/** Whether Debian's Python has Optuna (python3-optuna); says so when it is wanted and missing. */
export function hasOptuna(wanted: boolean): boolean {
  if (!wanted) return false;
  const found = spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
  if (!found) console.error(`${PYTHON} has no optuna (apt-get install python3-optuna): Oscar only`);
  return found;
}

/** The runs of a JSON-lines file a benchmark wrote. */
export function readRunFile<Run>(file: string): Run[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Run);
}
