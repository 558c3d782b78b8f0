import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentInput } from '../experiments/experiment-input.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';

const parameters = { x: { min: 0, max: 1 } };
let started: TestRuntime;
let runtime: Runtime;

beforeAll(async () => {
  started = await startRuntime('suggest-queue');
  runtime = started.runtime;
});

afterAll(() => started?.close());

describe('SuggestQueue', () => {
  it('serves requests that share a requestId in one batch with one trial, also when a STALE trial is offered again', async () => {
    const user = await runtime.db.user.create({ data: { email: 'storm@example.com' } });
    const experiment = await runtime.db.experiment.create({ data: { ownerId: user.id, name: 'storm', parameters, algorithm: 'random', seed: 3, nextTrialNumber: 2 } });
    const lost = await runtime.db.trial.create({
      data: { experimentId: experiment.id, number: 1, state: 'STALE', params: { x: 0.25 }, optimizer: 'random', worker: 'spot-1' },
    });
    const request = parseExperimentInput({ name: 'storm', parameters }, { worker: 'spot-2', instance: 'i', requestId: 'storm-1' });
    // Enqueued in one tick: one batch, as a client's resends that arrive together are.
    const [first, ...others] = await Promise.all(Array.from({ length: 8 }, () => runtime.suggestions.enqueue(experiment.id, request)));
    for (const other of others) expect(other.id).toBe(first!.id);
    const trials = await runtime.db.trial.findMany({ where: { experimentId: experiment.id }, orderBy: { number: 'asc' } });
    expect(trials.map((t) => [t.number, t.state, t.retryOfId, t.params])).toEqual([
      [1, 'STALE', null, { x: 0.25 }],
      [2, 'RUNNING', lost.id, { x: 0.25 }],
    ]);
    // And a fresh one: eight resends of another request are one new trial.
    const next = parseExperimentInput({ name: 'storm', parameters }, { worker: 'spot-2', instance: 'i', requestId: 'storm-2' });
    const fresh = await Promise.all(Array.from({ length: 8 }, () => runtime.suggestions.enqueue(experiment.id, next)));
    expect(new Set(fresh.map((t) => t.id)).size).toBe(1);
    expect(await runtime.db.trial.count({ where: { experimentId: experiment.id } })).toBe(3);
  });
});
