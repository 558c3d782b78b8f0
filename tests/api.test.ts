import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND, startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!, $worker: String) {
  suggest(experiment: $experiment, worker: $worker) { id number state params worker optimizer experiment { id name } }
}`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) {
  update(trialId: $id, result: $result) { id state loss metrics completedAt }
}`;
const square = { name: 'Square', parameters: { x: { min: -10, max: 10 } } };

let server: TestServer;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('alice@example.com'), server.token('bob@example.com')]);
});
afterAll(() => server?.stop());

describe('authentication', () => {
  it.each([
    ['a query', '{ me { email } }'],
    ['a mutation', `mutation { suggest(experiment: {name: "x", parameters: {x: 1}}) { id } }`],
  ])('refuses %s without a token, or with a wrong one', async (_kind, query) => {
    for (const token of [null, 'oscar_not-a-real-token']) {
      const response = await server.gql(query, {}, token);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('tells who owns the token', async () => {
    const response = await server.gql('{ me { email } }', {}, alice);
    expect(response.data?.me.email).toBe('alice@example.com');
  });

  it('serves GraphiQL to a browser and answers /healthz', async () => {
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('GraphiQL');
    const health = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    // Liveness and readiness for a load balancer or an orchestrator (docs/deploy.md).
    const live = await fetch(server.url.replace('/graphql', '/livez'));
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(server.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'ok', redis: BACKEND === 'postgresql' ? 'ok' : 'off' });
  });
});

describe('the suggest / update loop', () => {
  it('creates the experiment on first use and hands out numbered RUNNING trials', async () => {
    const first = await server.gql(SUGGEST, { experiment: { ...square, name: 'Loop' }, worker: 'node-1' }, alice);
    const second = await server.gql(SUGGEST, { experiment: { ...square, name: 'Loop' } }, alice);
    expect(first.errors).toBeUndefined();
    expect(first.data?.suggest).toMatchObject({ number: 1, state: 'RUNNING', worker: 'node-1', optimizer: expect.any(String) });
    expect(second.data?.suggest.number).toBe(2);
    expect(second.data?.suggest.experiment.id).toBe(first.data?.suggest.experiment.id);
    const x = first.data?.suggest.params.x;
    expect(x).toBeGreaterThanOrEqual(-10);
    expect(x).toBeLessThanOrEqual(10);
  });

  it('stores the loss and custom metrics, and tracks the best trial', async () => {
    const experiment = { ...square, name: 'Metrics' };
    const losses = [5, 2, 9];
    for (const loss of losses) {
      const trial = (await server.gql(SUGGEST, { experiment }, alice)).data?.suggest;
      const updated = await server.gql(UPDATE, { id: trial.id, result: { loss, train_time: 20, note: 'ok' } }, alice);
      expect(updated.data?.update).toMatchObject({ state: 'COMPLETED', loss, metrics: { train_time: 20, note: 'ok' } });
      expect(updated.data?.update.completedAt).toEqual(expect.any(String));
    }
    const result = await server.gql(
      `{ experiment(name: "Metrics") { trialCount bestTrial { loss number } trials(first: 2) { totalCount edges { node { number } } pageInfo { hasNextPage endCursor } } } }`,
      {},
      alice,
    );
    const exp = result.data?.experiment;
    expect(exp.trialCount).toBe(3);
    expect(exp.bestTrial).toEqual({ loss: 2, number: 2 });
    expect(exp.trials.totalCount).toBe(3);
    expect(exp.trials.edges.map((e: any) => e.node.number)).toEqual([3, 2]);
    expect(exp.trials.pageInfo.hasNextPage).toBe(true);
    const next = await server.gql(
      `query ($after: String) { experiment(name: "Metrics") { trials(first: 2, after: $after) { edges { node { number } } } } }`,
      { after: exp.trials.pageInfo.endCursor },
      alice,
    );
    expect(next.data?.experiment.trials.edges.map((e: any) => e.node.number)).toEqual([1]);
  });

  it('keeps the server log free of warnings through a suggest / update loop', async () => {
    const experiment = { ...square, name: 'Quiet log' };
    for (let i = 0; i < 3; i++) {
      const trial = (await server.gql(SUGGEST, { experiment }, alice)).data?.suggest;
      const updated = await server.gql(UPDATE, { id: trial.id, result: { loss: i } }, alice);
      expect(updated.data?.update.state).toBe('COMPLETED');
    }
    // Fields with no row to load (no best trial yet, no trial of that number) answer null quietly too.
    await server.gql(SUGGEST, { experiment: { ...square, name: 'Quiet, nothing done' } }, alice);
    const empty = await server.gql(
      // `objective` reads the trial's experiment: a query with a relation in it, which Pothos watches.
      `{ experiment(name: "Quiet, nothing done") { bestTrial { number objective } trialByNumber: trial(number: 99) { number objective } bestSoFar { bestTrial { number objective } } } }`,
      {},
      alice,
    );
    expect(empty.errors).toBeUndefined();
    expect(empty.data?.experiment).toEqual({ bestTrial: null, trialByNumber: null, bestSoFar: { bestTrial: null } });
    expect(server.logs()).not.toMatch(/Prisma query was unused/);
  });

  it('accepts the same result twice but refuses a different one for a completed trial', async () => {
    const trial = (await server.gql(SUGGEST, { experiment: { ...square, name: 'Twice' } }, alice)).data?.suggest;
    await server.gql(UPDATE, { id: trial.id, result: { loss: 1 } }, alice);
    const again = await server.gql(UPDATE, { id: trial.id, result: { loss: 1 } }, alice);
    expect(again.data?.update.loss).toBe(1);
    const other = await server.gql(UPDATE, { id: trial.id, result: { loss: 3 } }, alice);
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('takes a token sent with "Bearer " in front twice (a client given "Bearer oscar_..."), and the bare token', async () => {
    const ask = async (authorization: string) => {
      const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ experiments { name } }' }) });
      return (await response.json()) as { data?: { experiments: unknown[] } | null; errors?: { extensions?: { code?: string } }[] };
    };
    for (const authorization of [`Bearer Bearer ${alice}`, `bearer  BEARER ${alice}`, alice]) {
      const answer = await ask(authorization);
      expect(answer.errors, authorization).toBeUndefined();
      expect(answer.data?.experiments.length).toBeGreaterThan(0);
    }
    expect((await ask(`Bearer Bearer Bearer ${alice}`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a result with -0.0 sent again, and a failure with -0.0 sent again, but not another result', async () => {
    // Written by hand: JSON.stringify writes -0 as 0, and a Python client sends -0.0.
    const send = async (query: string, variables: string) => {
      const body = `{"query": ${JSON.stringify(query)}, "variables": ${variables}}`;
      const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body });
      return (await response.json()) as { data?: Record<string, any> | null; errors?: { extensions?: { code?: string } }[] };
    };
    const completed = (await server.gql(SUGGEST, { experiment: { ...square, name: 'Minus zero' } }, alice)).data?.suggest;
    for (let i = 0; i < 2; i++) {
      const answer = await send(UPDATE, `{"id": ${JSON.stringify(completed.id)}, "result": {"loss": 1, "m": -0.0}}`);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.update).toMatchObject({ state: 'COMPLETED', loss: 1, metrics: { m: 0 } });
    }
    const other = await send(UPDATE, `{"id": ${JSON.stringify(completed.id)}, "result": {"loss": 1, "m": -0.5}}`);
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const failed = (await server.gql(SUGGEST, { experiment: { ...square, name: 'Minus zero' } }, alice)).data?.suggest;
    const FAIL = `mutation ($id: ID!, $metrics: JSON) { fail(trialId: $id, error: "diverged", metrics: $metrics) { state metrics } }`;
    for (let i = 0; i < 2; i++) {
      const answer = await send(FAIL, `{"id": ${JSON.stringify(failed.id)}, "metrics": {"m": -0.0}}`);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.fail).toEqual({ state: 'FAILED', metrics: { m: 0 } });
    }
    const otherFailure = await send(FAIL, `{"id": ${JSON.stringify(failed.id)}, "metrics": {"m": 1}}`);
    expect(otherFailure.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('finds an experiment by its name with spaces around it, as suggest names it', async () => {
    const trial = (await server.gql(SUGGEST, { experiment: { ...square, name: ' Spaced ' } }, alice)).data?.suggest;
    expect(trial.experiment.name).toBe('Spaced');
    for (const name of [' Spaced ', 'Spaced', '\tSpaced\n']) {
      const found = await server.gql(`query ($name: String) { experiment(name: $name) { id name } }`, { name }, alice);
      expect(found.data?.experiment).toEqual({ id: trial.experiment.id, name: 'Spaced' });
    }
    const queued = await server.gql(
      `mutation ($name: String) { enqueue(experimentName: $name, params: {x: 1}) { id } }`,
      { name: ' Spaced ' },
      alice,
    );
    expect(queued.errors).toBeUndefined();
  });

  it('joins an existing experiment by its name alone (suggest, enqueue, importTrials), and creates none from a name alone', async () => {
    const alone = { name: 'Alone' };
    const missing = await server.gql(SUGGEST, { experiment: alone }, alice);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'experiment.name' });
    expect(missing.errors?.[0]?.message).toBe('No experiment named "Alone": give its parameters (experiment.parameters) to create it');
    const importing = `mutation ($experiment: ExperimentInput, $dryRun: Boolean!) { importTrials(experiment: $experiment, trials: [{params: {x: 1}, result: {loss: 1}}], dryRun: $dryRun) { imported experiment { id } } }`;
    for (const dryRun of [true, false]) {
      expect((await server.gql(importing, { experiment: alone, dryRun }, alice)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'experiment.name' });
    }
    const enqueueing = `mutation ($experiment: ExperimentInput) { enqueue(experiment: $experiment, params: {x: 2}) { place } }`;
    expect((await server.gql(enqueueing, { experiment: alone }, alice)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'experiment.name' });
    expect((await server.gql(`{ experiment(name: "Alone") { id } }`, {}, alice)).data?.experiment).toBeNull();

    const created = (await server.gql(SUGGEST, { experiment: { name: 'Alone', parameters: { x: { min: 0, max: 4, step: 1 } }, algorithm: 'random' } }, alice)).data?.suggest;
    // Another user's experiment of that name is not theirs to join.
    expect((await server.gql(SUGGEST, { experiment: alone }, bob)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const joined = (await server.gql(SUGGEST, { experiment: alone }, alice)).data?.suggest;
    expect(joined.experiment.id).toBe(created.experiment.id);
    expect(Object.keys(joined.params)).toEqual(['x']);
    expect((await server.gql(enqueueing, { experiment: alone }, alice)).data?.enqueue).toEqual({ place: 1 });
    expect((await server.gql(importing, { experiment: alone, dryRun: false }, alice)).data?.importTrials).toEqual({ imported: 1, experiment: { id: created.experiment.id } });
    // resume: false with the name alone starts afresh in the space it had, its settings kept.
    const fresh = (await server.gql(SUGGEST, { experiment: { ...alone, resume: false } }, alice)).data?.suggest;
    expect(fresh.experiment.id).not.toBe(created.experiment.id);
    expect(fresh.number).toBe(1);
    const now = await server.gql(`{ experiment(name: "Alone") { id version algorithm parameters } }`, {}, alice);
    expect(now.data?.experiment).toEqual({ id: fresh.experiment.id, version: 2, algorithm: 'random', parameters: { x: { min: 0, max: 4, step: 1 } } });

    // importTrials with the name alone and resume: false checks rows against the objectives the new
    // version keeps; refused rows archive nothing.
    await server.gql(SUGGEST, { experiment: { name: 'Scored', parameters: { x: [1, 2] }, objectives: { accuracy: 'maximize' } } }, alice);
    const afresh = `mutation ($result: JSON!) { importTrials(experiment: {name: "Scored", resume: false}, trials: [{params: {x: 1}, result: $result}]) { imported experiment { version objectives } } }`;
    const versions = async () => (await server.gql(`{ experiment(name: "Scored") { versions { version } } }`, {}, alice)).data?.experiment.versions.length;
    const lossOnly = await server.gql(afresh, { result: { loss: 1 } }, alice);
    expect(lossOnly.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'trials[0].result.accuracy' });
    expect(await versions()).toBe(1);
    const scored = await server.gql(afresh, { result: { accuracy: 0.9 } }, alice);
    expect(scored.data?.importTrials).toEqual({ imported: 1, experiment: { version: 2, objectives: { accuracy: 'maximize' } } });
  });

  it('with resume: false archives the earlier trials, keeps them queryable, and starts afresh', async () => {
    const experiment = { ...square, name: 'Restart' };
    const old = (await server.gql(SUGGEST, { experiment }, alice)).data?.suggest;
    const fresh = (await server.gql(SUGGEST, { experiment: { ...experiment, resume: false } }, alice)).data?.suggest;
    expect(fresh.number).toBe(1);
    expect(fresh.experiment.id).not.toBe(old.experiment.id);
    const archived = await server.gql(
      `query ($id: ID!) { experiment(id: $id) { archivedAt trialCount } experiments(includeArchived: true) { id name } }`,
      { id: old.experiment.id },
      alice,
    );
    expect(archived.data?.experiment.archivedAt).toEqual(expect.any(String));
    expect(archived.data?.experiment.trialCount).toBe(1);
    const current = await server.gql(`{ experiment(name: "Restart") { id } experiments { name } }`, {}, alice);
    expect(current.data?.experiment.id).toBe(fresh.experiment.id);
    expect(current.data?.experiments.filter((e: any) => e.name === 'Restart')).toHaveLength(1);
  });

  it('with resume: false, a resend of the same request (its answer lost) gets the same trial and archives nothing more', async () => {
    const experiment = { ...square, name: 'Restart once' };
    const old = (await server.gql(SUGGEST, { experiment }, alice)).data?.suggest;
    const RETRIED = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, requestId: "afresh-1") { id number experiment { id } } }`;
    const first = (await server.gql(RETRIED, { experiment: { ...experiment, resume: false } }, alice)).data?.suggest;
    const resent = await server.gql(RETRIED, { experiment: { ...experiment, resume: false } }, alice);
    expect(resent.errors).toBeUndefined();
    expect(resent.data?.suggest).toEqual(first);
    expect(first.experiment.id).not.toBe(old.experiment.id);
    const versions = await server.gql(`{ experiments(includeArchived: true) { id name archivedAt } }`, {}, alice);
    const restarts = versions.data?.experiments.filter((e: any) => e.name === 'Restart once');
    expect(restarts.map((e: any) => [e.id, e.archivedAt === null]).sort()).toEqual(
      [
        [old.experiment.id, false],
        [first.experiment.id, true],
      ].sort(),
    );
    // A new request with resume: false still starts afresh.
    const another = (await server.gql(SUGGEST, { experiment: { ...experiment, resume: false } }, alice)).data?.suggest;
    expect(another.experiment.id).not.toBe(first.experiment.id);
  });

  it('with resume: false sent by several workers at once, gives each a trial and starts at most one version each', async () => {
    const experiment = { ...square, name: 'Restart together' };
    await server.gql(SUGGEST, { experiment }, alice);
    const CALLS = 4;
    const answers = await Promise.all(Array.from({ length: CALLS }, (_, i) => server.gql(SUGGEST, { experiment: { ...experiment, resume: false }, worker: `w${i}` }, alice)));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const handed = answers.map((answer) => answer.data?.suggest);
    expect(new Set(handed.map((trial) => trial.id)).size).toBe(CALLS);
    // The last call to start afresh made the current version, and its trial is there (a trial handed out
    // before another call started afresh is archived with its version, as with calls one after another).
    const current = await server.gql(`{ experiment(name: "Restart together") { id trialCount } }`, {}, alice);
    expect(handed.map((trial) => trial.experiment.id)).toContain(current.data?.experiment.id);
    const versions = await server.gql(`{ experiments(includeArchived: true) { name } }`, {}, alice);
    // The first version and at most one started by each call.
    expect(versions.data?.experiments.filter((e: any) => e.name === 'Restart together').length).toBeLessThanOrEqual(1 + CALLS);
  });

  it('refuses a changed parameter space on resume, naming the way out', async () => {
    await server.gql(SUGGEST, { experiment: { ...square, name: 'Changed' } }, alice);
    const changed = await server.gql(SUGGEST, { experiment: { name: 'Changed', parameters: { x: { min: 0, max: 1 } } } }, alice);
    expect(changed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(changed.errors?.[0]?.message).toMatch(/resume: false/);
    const count = await server.gql(`{ experiment(name: "Changed") { trialCount } }`, {}, alice);
    expect(count.data?.experiment.trialCount).toBe(1);
  });
});

describe('isolation between users', () => {
  it("never shows or changes another user's experiments and trials", async () => {
    const trial = (await server.gql(SUGGEST, { experiment: { ...square, name: 'Private' } }, alice)).data?.suggest;
    const list = await server.gql(`{ experiments { name } }`, {}, bob);
    expect(list.data?.experiments.map((e: any) => e.name)).not.toContain('Private');
    const byId = await server.gql(`query ($id: ID!) { experiment(id: $id) { name } }`, { id: trial.experiment.id }, bob);
    expect(byId.data?.experiment).toBeNull();
    const byName = await server.gql(`{ experiment(name: "Private") { name } }`, {}, bob);
    expect(byName.data?.experiment).toBeNull();
    const update = await server.gql(UPDATE, { id: trial.id, result: { loss: 1 } }, bob);
    expect(update.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const mine = await server.gql(`{ experiment(name: "Private") { trials { edges { node { state loss } } } } }`, {}, alice);
    expect(mine.data?.experiment.trials.edges[0].node).toEqual({ state: 'RUNNING', loss: null });
  });

  it('lets two users use the same experiment name independently', async () => {
    const a = (await server.gql(SUGGEST, { experiment: { ...square, name: 'Shared name' } }, alice)).data?.suggest;
    const b = (await server.gql(SUGGEST, { experiment: { name: 'Shared name', parameters: { y: [1, 2] } } }, bob)).data?.suggest;
    expect(b.number).toBe(1);
    expect(b.experiment.id).not.toBe(a.experiment.id);
  });
});
