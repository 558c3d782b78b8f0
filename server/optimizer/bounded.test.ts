import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { PropertyStats, PropertyTask } from './bounded-properties.ts';

interface Report {
  readonly ok: boolean;
  readonly message?: string;
  readonly stats?: PropertyStats;
}

/**
 * Runs a property check on a worker thread and fails if it has not finished by `deadlineMs`: a call
 * that never returns (an unbounded loop on user input) cannot hang the test, it fails it.
 */
function checkWithin(task: PropertyTask, deadlineMs: number): Promise<Report> {
  const worker = new Worker(new URL('./bounded-worker.mjs', import.meta.url), { workerData: task });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the ${task.kind} check did not finish within ${deadlineMs} ms: a call on a user's search space never returned`));
    }, deadlineMs);
    worker.once('message', (report: Report) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(report);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe('every computation on a search space is bounded (property-based, fast-check)', () => {
  it('the validator, the unit-cube mapping and the samplers return or refuse within 250 ms a call', async () => {
    const report = await checkWithin({ kind: 'validator', runs: 5000, seed: 8, boundMs: 250 }, 120_000);
    expect(report.message ?? '').toBe('');
    // Not vacuous: most generated spaces (or their single parameters) pass the validator and get mapped.
    expect(report.stats!.reached).toBeGreaterThan(report.stats!.runs / 2);
    // ... and some of them are conditional spaces (choices with sub-parameters).
    expect(report.stats!.conditional).toBeGreaterThan(report.stats!.runs / 20);
  }, 150_000);

  it('every optimizer returns valid parameters or refuses within 10 s a call, on any accepted space and history', async () => {
    const report = await checkWithin({ kind: 'optimizers', runs: 400, seed: 9, boundMs: 10_000 }, 240_000);
    expect(report.message ?? '').toBe('');
    // Not vacuous: many calls come with enough history for the model-based optimizers to leave their quasi-random start.
    expect(report.stats!.reached).toBeGreaterThan(report.stats!.runs / 4);
    expect(report.stats!.conditional).toBeGreaterThan(report.stats!.runs / 40);
  }, 270_000);
});
