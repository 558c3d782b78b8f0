import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Runtime } from '../runtime/runtime.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';
import { parseExperimentInput } from './experiment-input.ts';
import { openExperiment } from './experiments.ts';

let started: TestRuntime;
let runtime: Runtime;

beforeAll(async () => {
  started = await startRuntime('experiments');
  runtime = started.runtime;
});
afterAll(async () => {
  await started?.close();
});

it("a resent resume: false call gets the version it started without undoing another worker's later change", async () => {
  const owner = await runtime.db.user.create({ data: { email: 'resend-settings@example.com', passwordHash: 'x' } });
  const parameters = { x: { min: 0, max: 1 } };
  const open = (input: Parameters<typeof parseExperimentInput>[0], requestId?: string) =>
    openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput(input, { requestId }));
  await open({ name: 'Shared', parameters });
  const started = await open({ name: 'Shared', parameters, resume: false, description: 'first run', objectives: [{ loss: 'minimize' }] }, 'restart-1');
  // Another worker resumes it with new settings.
  const changed = await open({ name: 'Shared', parameters, description: 'second thoughts', objectives: [{ accuracy: 'maximize' }] });
  expect(changed.id).toBe(started.id);

  const resent = await open({ name: 'Shared', parameters, resume: false, description: 'first run', objectives: [{ loss: 'minimize' }] }, 'restart-1');
  expect(resent.id).toBe(started.id);
  expect(resent).toMatchObject({ description: 'second thoughts', objectives: [{ name: 'accuracy', direction: 'maximize' }] });
  expect(await runtime.db.experiment.findUniqueOrThrow({ where: { id: started.id } })).toMatchObject({ description: 'second thoughts', objectives: [{ name: 'accuracy', direction: 'maximize' }] });
});

it('a resent resume: false call with another parameter space is refused, naming the field', async () => {
  const owner = await runtime.db.user.create({ data: { email: 'resend-space@example.com', passwordHash: 'x' } });
  await openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput({ name: 'Spaced', parameters: { x: { min: 0, max: 1 } }, resume: false }, { requestId: 'r' }));
  await expect(
    openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput({ name: 'Spaced', parameters: { y: [1, 2] }, resume: false }, { requestId: 'r' })),
  ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'experiment.parameters' } });
});
