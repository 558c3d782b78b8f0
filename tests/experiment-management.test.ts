// Managing experiments through the API: renaming (every version, collisions), notes and tags (bounds,
// trimming), deleting (one version or all, with everything that belongs to them), what workers and
// open subscriptions meet afterwards, and that nobody reaches another user's experiments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, waitFor, type TestServer } from './harness.ts';

let server: TestServer;
let token: string;
let other: string;

beforeAll(async () => {
  server = await startServer();
  token = await server.token('manager@example.com');
  other = await server.token('intruder@example.com');
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const SUGGEST = `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "w") { id number experiment { id name version } } }`;
const UPDATE = `mutation ($id: ID!, $r: JSON!) { update(trialId: $id, result: $r) { id state } }`;
const EDIT = `mutation ($id: ID!, $name: String, $notes: String, $tags: [String!]) {
  updateExperiment(id: $id, name: $name, notes: $notes, tags: $tags) { id name version notes tags }
}`;
const DELETE = `mutation ($id: ID!, $all: Boolean! = false) { deleteExperiment(id: $id, allVersions: $all) { name ids versions trialCount } }`;
const SPACE = { x: { min: 0, max: 1 } };

/** Starts `name` with `trials` completed trials (and, with `resume: false`, as a new version); returns its id. */
async function seed(name: string, trials: number, resume = true): Promise<string> {
  let id = '';
  for (let i = 0; i < trials; i++) {
    const { data, errors } = await server.gql(SUGGEST, { e: { name, parameters: SPACE, algorithm: 'random', resume: i === 0 ? resume : true } }, token);
    expect(errors).toBeUndefined();
    id = data!.suggest.experiment.id;
    await server.gql(UPDATE, { id: data!.suggest.id, r: { loss: i } }, token);
  }
  return id;
}

async function edit(variables: Record<string, unknown>, as = token) {
  return server.gql(EDIT, variables, as);
}

describe('renaming', () => {
  it('renames every version of the name, and the old name then starts afresh', async () => {
    const first = await seed('Old name', 2);
    const second = await seed('Old name', 1, false);
    const { data, errors } = await edit({ id: second, name: '  New name  ' });
    expect(errors).toBeUndefined();
    expect(data!.updateExperiment).toMatchObject({ id: second, name: 'New name', version: 2 });
    const versions = await server.gql(`query ($id: ID!) { experiment(id: $id) { name versions { id version archivedAt trialCount } } }`, { id: first }, token);
    expect(versions.data!.experiment.name).toBe('New name');
    expect(versions.data!.experiment.versions.map((v: { id: string }) => v.id)).toEqual([second, first]);
    expect(versions.data!.experiment.versions.map((v: { trialCount: number }) => v.trialCount)).toEqual([1, 2]);
    // A worker still using the old name (this server remembered it): a new experiment of that name.
    const stale = await server.gql(SUGGEST, { e: { name: 'Old name', parameters: SPACE } }, token);
    expect(stale.errors).toBeUndefined();
    expect(stale.data!.suggest.experiment).toMatchObject({ name: 'Old name', version: 1 });
    expect(stale.data!.suggest.experiment.id).not.toBe(second);
    const byNew = await server.gql(SUGGEST, { e: { name: 'New name', parameters: SPACE } }, token);
    expect(byNew.data!.suggest.experiment.id).toBe(second);
  });

  it('refuses a name another experiment has, naming the field', async () => {
    const a = await seed('Taken A', 1);
    await seed('Taken B', 1);
    const { errors } = await edit({ id: a, name: 'Taken B' });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(errors?.[0]?.message).toContain('Taken B');
    const still = await server.gql(`query ($id: ID!) { experiment(id: $id) { name } }`, { id: a }, token);
    expect(still.data!.experiment.name).toBe('Taken A');
  });

  it('checks the name as creating an experiment does', async () => {
    const id = await seed('Checked', 1);
    for (const name of ['', '   ', 'x'.repeat(201), 'line\nbreak']) {
      const { errors } = await edit({ id, name });
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    }
  });
});

describe('notes and tags', () => {
  it('stores Markdown notes and trimmed, de-duplicated tags', async () => {
    const id = await seed('Noted', 1);
    const { data, errors } = await edit({ id, notes: '# Plan\n\n*try* lr', tags: [' vision ', 'Vision', '', 'baseline'] });
    expect(errors).toBeUndefined();
    expect(data!.updateExperiment).toMatchObject({ notes: '# Plan\n\n*try* lr', tags: ['vision', 'baseline'] });
    // Leaving a part out keeps it.
    const again = await edit({ id, tags: ['only'] });
    expect(again.data!.updateExperiment).toMatchObject({ notes: '# Plan\n\n*try* lr', tags: ['only'] });
  });

  it('bounds notes and tags, naming the field', async () => {
    const id = await seed('Bounded', 1);
    const cases: [Record<string, unknown>, string][] = [
      [{ notes: 'n'.repeat(20_001) }, 'notes'],
      [{ notes: 'nul\u0000' }, 'notes'],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
      [{ tags: ['ok', 't'.repeat(41)] }, 'tags[1]'],
      [{ tags: ['tab\there'] }, 'tags[0]'],
    ];
    for (const [variables, field] of cases) {
      const { errors } = await edit({ id, ...variables });
      expect(errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const ok = await edit({ id, notes: 'n'.repeat(20_000), tags: Array.from({ length: 20 }, (_, i) => `t${i}`) });
    expect(ok.errors).toBeUndefined();
  });

  it('reaches open dashboards live', async () => {
    const id = await seed('Live edit', 1);
    const client = server.ws(token);
    const updates = collect<{ experimentUpdated: { id: string; name: string; tags: string[] } }>(client, `subscription { experimentUpdated { id name tags } }`, {});
    await server.listening(token, 1, 30_000);
    await edit({ id, name: 'Live edited', tags: ['x'] });
    await waitFor(() => updates.events.some((e) => e.experimentUpdated.id === id && e.experimentUpdated.name === 'Live edited'), 30_000);
    updates.stop();
    await client.dispose();
  });

  it('tells open dashboards when a worker archives a version (resume: false), and of the new one', async () => {
    const first = await seed('Live archive', 1);
    const client = server.ws(token);
    const updates = collect<{ experimentUpdated: { id: string; archivedAt: string | null } }>(client, `subscription { experimentUpdated { id archivedAt } }`, {});
    await server.listening(token, 1, 30_000);
    // Enqueued, so the new version gets no trial: what announces it is the archiving itself.
    const ENQUEUE = `mutation ($e: ExperimentInput!) { enqueue(experiment: $e, params: { x: 0.5 }) { place } }`;
    const { errors } = await server.gql(ENQUEUE, { e: { name: 'Live archive', parameters: SPACE, algorithm: 'random', resume: false } }, token);
    expect(errors).toBeUndefined();
    await waitFor(() => updates.events.some((e) => e.experimentUpdated.id === first && e.experimentUpdated.archivedAt !== null), 30_000);
    await waitFor(() => updates.events.some((e) => e.experimentUpdated.id !== first && e.experimentUpdated.archivedAt === null), 30_000);
    updates.stop();
    await client.dispose();
  });

  it('tells open dashboards when a resuming request changes its objectives and algorithm', async () => {
    const id = await seed('Live settings', 1);
    const client = server.ws(token);
    const updates = collect<{ experimentUpdated: { id: string; algorithm: string; objectives: unknown } }>(client, `subscription { experimentUpdated { id algorithm objectives } }`, {});
    await server.listening(token, 1, 30_000);
    // No trials imported: what announces the change is the resume itself.
    const IMPORT = `mutation ($e: ExperimentInput!) { importTrials(experiment: $e, trials: []) { imported } }`;
    const { data, errors } = await server.gql(IMPORT, { e: { name: 'Live settings', parameters: SPACE, algorithm: 'tpe', objectives: { accuracy: 'maximize' } } }, token);
    expect(errors).toBeUndefined();
    expect(data!.importTrials.imported).toBe(0);
    await waitFor(() => updates.events.some((e) => e.experimentUpdated.id === id && e.experimentUpdated.algorithm === 'tpe'), 30_000);
    expect(updates.events.at(-1)!.experimentUpdated).toEqual({ id, algorithm: 'tpe', objectives: { accuracy: 'maximize' } });
    updates.stop();
    await client.dispose();
  });
});

describe('versions', () => {
  it('lists every version, and bounds what nesting them can cost', async () => {
    let id = await seed('Many versions', 1);
    for (let v = 2; v <= 5; v++) id = await seed('Many versions', 1, false);
    const nested = (depth: number) => `query ($id: ID!) { experiment(id: $id) { ${'versions { id '.repeat(depth)}${'}'.repeat(depth)} } }`;
    const three = await server.gql(nested(3), { id }, token);
    expect(three.errors).toBeUndefined();
    expect(three.data!.experiment.versions).toHaveLength(5);
    // Each level multiplies the queries (1 + 5 + 25 + 125 ...): the operation's budget refuses it.
    const four = await server.gql(nested(4), { id }, token);
    expect(four.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(four.errors?.[0]?.message).toContain('versions');
    expect((await server.health()).status).toBe(200);
  });
});

describe('deleting', () => {
  it('deletes one version with its trials, reports and queue, and leaves the others', async () => {
    const keep = await seed('Keeper', 3);
    const v1 = await seed('Doomed', 2);
    const v2 = await seed('Doomed', 2, false);
    // A running trial with a report, and a queued parameter set, on the version deleted.
    const running = await server.gql(SUGGEST, { e: { name: 'Doomed', parameters: SPACE } }, token);
    const reported = await server.gql(`mutation ($id: ID!) { report(trialId: $id, step: 1, value: 0.5) { shouldStop } }`, { id: running.data!.suggest.id }, token);
    expect(reported.errors).toBeUndefined();
    const queued = await server.gql(`mutation { enqueue(experimentName: "Doomed", params: { x: 0.5 }) { id } }`, {}, token);
    expect(queued.errors).toBeUndefined();

    const client = server.ws(token);
    const deletions = collect<{ experimentDeleted: { ids: string[]; name: string } }>(client, `subscription { experimentDeleted { ids name versions } }`, {});
    await server.listening(token, 1, 30_000);

    const { data, errors } = await server.gql(DELETE, { id: v2 }, token);
    expect(errors).toBeUndefined();
    expect(data!.deleteExperiment).toEqual({ name: 'Doomed', ids: [v2], versions: [2], trialCount: 3 });
    await waitFor(() => deletions.events.some((e) => e.experimentDeleted.ids.includes(v2)), 30_000);

    const gone = await server.gql(`query ($id: ID!) { experiment(id: $id) { id } }`, { id: v2 }, token);
    expect(gone.data!.experiment).toBeNull();
    const left = await server.gql(`{ experiments(includeArchived: true) { id name trialCount } }`, {}, token);
    const ids = left.data!.experiments.map((e: { id: string }) => e.id);
    expect(ids).toEqual(expect.arrayContaining([keep, v1]));
    expect(ids).not.toContain(v2);
    expect(left.data!.experiments.find((e: { id: string }) => e.id === keep).trialCount).toBe(3);
    expect(left.data!.experiments.find((e: { id: string }) => e.id === v1).trialCount).toBe(2);

    // The worker that held a trial of it is told plainly, on every operation, and the server keeps serving.
    const trialId = running.data!.suggest.id;
    for (const [operation, query] of [
      ['update', `mutation ($id: ID!) { update(trialId: $id, result: { loss: 1 }) { id } }`],
      ['heartbeat', `mutation ($id: ID!) { heartbeat(trialId: $id) { id } }`],
      ['report', `mutation ($id: ID!) { report(trialId: $id, step: 2, value: 0.4) { shouldStop } }`],
      ['checkpoint', `mutation ($id: ID!) { checkpoint(trialId: $id, data: { at: 2 }) { id } }`],
    ] as const) {
      const answer = await server.gql(query, { id: trialId }, token);
      expect(answer.errors?.[0]?.extensions?.code, operation).toBe('NOT_FOUND');
    }
    expect((await server.health()).status).toBe(200);
    const after = await server.gql(SUGGEST, { e: { name: 'Keeper', parameters: SPACE } }, token);
    expect(after.data!.suggest.experiment.id).toBe(keep);
    deletions.stop();
    await client.dispose();
  });

  it('deletes every version of a name, and the name starts afresh', async () => {
    const a = await seed('All gone', 1);
    const b = await seed('All gone', 1, false);
    const { data } = await server.gql(DELETE, { id: a, all: true }, token);
    expect(data!.deleteExperiment).toMatchObject({ ids: [a, b], versions: [1, 2], trialCount: 2 });
    const fresh = await server.gql(SUGGEST, { e: { name: 'All gone', parameters: SPACE } }, token);
    expect(fresh.data!.suggest.experiment).toMatchObject({ name: 'All gone', version: 1 });
    expect([a, b]).not.toContain(fresh.data!.suggest.experiment.id);
  });

  it("treats another user's experiment as missing, and changes nothing", async () => {
    const id = await seed('Private', 2);
    const missing = await server.gql(DELETE, { id: 'no-such-experiment' }, token);
    for (const answer of [await server.gql(DELETE, { id }, other), await edit({ id, name: 'Hijacked', notes: 'x' }, other)]) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      expect(answer.errors?.[0]?.message).toBe(missing.errors?.[0]?.message.replace('no-such-experiment', id));
    }
    const still = await server.gql(`query ($id: ID!) { experiment(id: $id) { name notes trialCount } }`, { id }, token);
    expect(still.data!.experiment).toEqual({ name: 'Private', notes: '', trialCount: 2 });
    const unsigned = await server.gql(DELETE, { id }, null);
    expect(unsigned.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
