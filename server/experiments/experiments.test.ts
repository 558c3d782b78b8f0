import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Runtime } from '../runtime/runtime.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';
import { parseExperimentInput, parseExperimentRequest } from './experiment-input.ts';
import { withStoredSpace } from './stored-space.ts';
import { editExperiment, parseExperimentEdit } from './experiment-edit.ts';
import { findExperiment, openExperiment, rejoinExperiment } from './experiments.ts';
import { canonicalSpace, parseSearchSpace } from '../optimizer/space.ts';
import { forgetOldRequests, REQUEST_ID_DAYS } from '../trials/request-expiry.ts';

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

it(`a resent resume: false call starts afresh once its version is over ${REQUEST_ID_DAYS} days old; the sweep leaves versions untouched`, async () => {
  const owner = await runtime.db.user.create({ data: { email: 'expiry-start@example.com', passwordHash: 'x' } });
  const spec = (name: string, requestId: string) => parseExperimentInput({ name, parameters: { x: { min: 0, max: 1 } }, resume: false }, { requestId });
  const open = (name: string, requestId: string) => openExperiment(runtime.database, runtime.events, owner.id, spec(name, requestId));
  const old = await open('Old start', 'start-old');
  const recent = await open('Recent start', 'start-new');
  expect((await open('Old start', 'start-old')).id).toBe(old.id);
  const day = 24 * 60 * 60 * 1000;
  const aged = await runtime.db.experiment.update({ where: { id: old.id }, data: { createdAt: new Date(Date.now() - (REQUEST_ID_DAYS * day + 60_000)) } });

  // Forgetting writes nothing to a version: its last activity (updatedAt) stays.
  await forgetOldRequests(runtime.db);
  expect((await runtime.db.experiment.findUniqueOrThrow({ where: { id: old.id } })).updatedAt).toEqual(aged.updatedAt);
  const resentOld = await open('Old start', 'start-old');
  expect(resentOld.id).not.toBe(old.id);
  expect(resentOld.version).toBe(2);
  expect((await open('Recent start', 'start-new')).id).toBe(recent.id);
});

it("a resume: false call whose version another's resume: false archived joins the current one as it is, also when resent", async () => {
  const owner = await runtime.db.user.create({ data: { email: 'afresh-together@example.com', passwordHash: 'x' } });
  const parameters = { x: { min: 0, max: 1 } };
  const input = (requestId: string, description: string, space: object = parameters) =>
    parseExperimentInput({ name: 'Together', parameters: space, resume: false, description }, { requestId });
  const mine = await openExperiment(runtime.database, runtime.events, owner.id, input('mine', 'my run'));
  // Another worker starts it afresh before my trial is stored: my version is archived.
  const theirs = await openExperiment(runtime.database, runtime.events, owner.id, input('theirs', 'their run'));
  expect(theirs.id).not.toBe(mine.id);
  // My suggest joins their version without applying my settings to it.
  const rejoined = await rejoinExperiment(runtime.database, runtime.events, runtime.experiments, owner.id, input('mine', 'my run'));
  expect(rejoined.id).toBe(theirs.id);
  // My call resent (its answer lost before its trial was stored) joins it too, instead of archiving it.
  const resent = await openExperiment(runtime.database, runtime.events, owner.id, input('mine', 'my run'));
  expect(resent.id).toBe(theirs.id);
  expect(await runtime.db.experiment.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ archivedAt: null, description: 'their run' });
  // Their version has another space: said, not "pass resume: false" (which it did).
  await expect(rejoinExperiment(runtime.database, runtime.events, runtime.experiments, owner.id, input('mine', 'my run', { y: [1, 2] }))).rejects.toMatchObject({
    extensions: { code: 'CONFLICT', field: 'experiment.parameters' },
  });
});

it('a name alone read before the experiment was deleted or restarted creates nothing, and follows a restart into its new space', async () => {
  const owner = await runtime.db.user.create({ data: { email: 'joined-race@example.com', passwordHash: 'x' } });
  const open = (input: Parameters<typeof parseExperimentRequest>[0]) => openExperiment(runtime.database, runtime.events, owner.id, input as never);
  const first = await openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput({ name: 'Racy', parameters: { x: [1, 2] }, algorithm: 'random', leaseSeconds: 40 }));
  // Read (the space of version 1), then version 1 restarted by another in a new space.
  const joined = await withStoredSpace(runtime.db, owner.id, parseExperimentRequest({ name: 'Racy' }));
  const joinedAfresh = await withStoredSpace(runtime.db, owner.id, parseExperimentRequest({ name: 'Racy', resume: false }));
  const second = await openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput({ name: 'Racy', parameters: { y: [5, 6] }, resume: false }));
  expect(second.id).not.toBe(first.id);
  // The joining call meets version 2 as it is, neither refused for its space nor restarting it in the old one.
  expect((await open(joined)).id).toBe(second.id);
  const third = await open(joinedAfresh);
  expect(third).toMatchObject({ version: 3, parameters: { y: [5, 6] }, algorithm: 'random', leaseSeconds: 40 });
  const rejoined = await rejoinExperiment(runtime.database, runtime.events, runtime.experiments, owner.id, joined);
  expect(rejoined).toMatchObject({ id: third.id, request: { parameters: { y: [5, 6] } } });
  // The suggest goes on with the request fitted to the version it met, and the directory remembers that space.
  const found = await findExperiment(runtime.database, runtime.events, runtime.experiments, owner.id, joined);
  expect(found).toMatchObject({ id: third.id, remembered: false, request: { parameters: { y: [5, 6] }, joined: true } });
  expect(canonicalSpace(found.request.space)).toBe(canonicalSpace(parseSearchSpace({ y: [5, 6] })));
  expect(runtime.experiments.get(owner.id, 'Racy')?.canonicalSpace).toBe(canonicalSpace(parseSearchSpace({ y: [5, 6] })));
  // Deleted between the read and the lock: NOT_FOUND, and no version of that name made again.
  await runtime.db.experiment.deleteMany({ where: { ownerId: owner.id, name: 'Racy' } });
  for (const request of [joined, joinedAfresh]) {
    await expect(open(request)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND', field: 'experiment.name' } });
    await expect(rejoinExperiment(runtime.database, runtime.events, runtime.experiments, owner.id, request)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  }
  expect(await runtime.db.experiment.count({ where: { ownerId: owner.id } })).toBe(0);
});

it('holds new experiment and parameter names to the visible-name rule, and keeps one stored before it working', async () => {
  const owner = await runtime.db.user.create({ data: { email: 'legacy-names@example.com', passwordHash: 'x' } });
  const open = (input: Parameters<typeof parseExperimentInput>[0]) => openExperiment(runtime.database, runtime.events, owner.id, parseExperimentInput(input));
  await expect(open({ name: 'Base\u200bline', parameters: { x: [1, 2] } })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'experiment.name' } });
  await expect(open({ name: 'Baseline', parameters: { 'x\u202e': [1, 2] } })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'experiment.parameters.x\u202e' } });
  expect(await runtime.db.experiment.count({ where: { ownerId: owner.id } })).toBe(0);
  // Stored before the rule (as an older server let it): resumed, joined by name and started afresh in its space.
  const legacy = await runtime.db.experiment.create({ data: { ownerId: owner.id, name: 'Leg\u200bacy', version: 1, parameters: { 'y\u200b': [1, 2] }, algorithm: 'random', seed: 1 } });
  expect((await open({ name: 'Leg\u200bacy', parameters: { 'y\u200b': [1, 2] } })).id).toBe(legacy.id);
  const joined = await withStoredSpace(runtime.db, owner.id, parseExperimentRequest({ name: 'Leg\u200bacy', resume: false }));
  expect(await openExperiment(runtime.database, runtime.events, owner.id, joined)).toMatchObject({ version: 2, parameters: { 'y\u200b': [1, 2] } });
  // Its own name sent again with an edit is no rename; a new name is held to the rule.
  const edited = await editExperiment(runtime, owner.id, legacy.id, parseExperimentEdit({ name: 'Leg\u200bacy', notes: 'kept' }));
  expect(edited).toMatchObject({ name: 'Leg\u200bacy', notes: 'kept' });
  await expect(editExperiment(runtime, owner.id, legacy.id, parseExperimentEdit({ name: 'Leg\u200bacy 2' }))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'name' } });
  // A new space under the old name is held to the rule.
  await expect(open({ name: 'Leg\u200bacy', parameters: { 'z\u200b': [1, 2] }, resume: false })).rejects.toMatchObject({ extensions: { field: 'experiment.parameters.z\u200b' } });
  // A stored space that no longer parses at all: joining it by name says so, naming the experiment.
  await runtime.db.experiment.create({ data: { ownerId: owner.id, name: 'Broken', version: 1, parameters: { x: { min: 5, max: 1 } }, algorithm: 'random', seed: 1 } });
  // Starting it afresh with new parameters, as that says, works; resuming it with them is refused as another space.
  await expect(open({ name: 'Broken', parameters: { y: [1, 2] } })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'experiment.parameters' } });
  expect(await open({ name: 'Broken', parameters: { y: [1, 2] }, resume: false })).toMatchObject({ version: 2, parameters: { y: [1, 2] } });
  await runtime.db.experiment.create({ data: { ownerId: owner.id, name: 'Broken again', version: 1, parameters: { x: { min: 5, max: 1 } }, algorithm: 'random', seed: 1 } });
  // Choices are values: one may hold what a name may not.
  expect(await open({ name: 'Choices', parameters: { optimizer: { choices: { 'ad\u200bam': { lr: [1, 2] }, sgd: {} } } } })).toMatchObject({ version: 1 });
  await expect(withStoredSpace(runtime.db, owner.id, parseExperimentRequest({ name: 'Broken again' }))).rejects.toMatchObject({
    extensions: { code: 'CONFLICT', field: 'experiment.name' },
    message: expect.stringMatching(/^The stored parameters of "Broken again" no longer pass validation \(.*\): give its parameters anew with resume: false/),
  });
});
