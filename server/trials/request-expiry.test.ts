import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Runtime } from '../runtime/runtime.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';
import { openExperiment } from '../experiments/experiments.ts';
import { parseExperimentInput } from '../experiments/experiment-input.ts';
import { importedBefore, importTrials } from './import.ts';
import { enqueuedBefore, enqueueParams } from './queue.ts';
import { forgetOldRequests, REQUEST_ID_DAYS } from './request-expiry.ts';

let started: TestRuntime;
let runtime: Runtime;

beforeAll(async () => {
  started = await startRuntime('request-expiry');
  runtime = started.runtime;
});
afterAll(async () => {
  await started?.close();
});

it(`forgets enqueue and import request ids after ${REQUEST_ID_DAYS} days, and keeps newer ones`, async () => {
  const owner = await runtime.db.user.create({ data: { email: 'expiry@example.com', passwordHash: 'x' } });
  const experiment = await openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput({ name: 'Expiry', parameters: { x: { min: 0, max: 1 } } }));
  for (const id of ['old', 'new']) {
    await enqueueParams(runtime, experiment, { x: 0.5 }, `enqueue-${id}`);
    await importTrials(runtime, experiment, [{ params: { x: 0.25 }, result: { loss: 1 } }], `import-${id}`);
  }
  const day = 24 * 60 * 60 * 1000;
  const old = new Date(Date.now() - (REQUEST_ID_DAYS * day + 60_000));
  await runtime.db.enqueueRequest.update({ where: { ownerId_requestId: { ownerId: owner.id, requestId: 'enqueue-old' } }, data: { createdAt: old } });
  await runtime.db.importRequest.update({ where: { ownerId_requestId: { ownerId: owner.id, requestId: 'import-old' } }, data: { createdAt: old } });

  expect(await forgetOldRequests(runtime.db)).toBe(2);
  expect(await enqueuedBefore(runtime.db, owner.id, 'enqueue-old')).toBeNull();
  expect(await importedBefore(runtime.db, owner.id, 'import-old', experiment.id, false)).toBeNull();
  expect(await enqueuedBefore(runtime.db, owner.id, 'enqueue-new')).toMatchObject({ params: { x: 0.5 } });
  expect(await importedBefore(runtime.db, owner.id, 'import-new', experiment.id, false)).toMatchObject({ imported: 1, numbers: [2] });
  // What was queued and stored stays: only the memory of the calls goes.
  expect(await runtime.db.trial.count({ where: { experimentId: experiment.id } })).toBe(2);
  expect(await runtime.db.queuedParams.count({ where: { experimentId: experiment.id } })).toBe(2);
  expect(await forgetOldRequests(runtime.db)).toBe(0);
});
