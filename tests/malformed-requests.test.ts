import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.ts';

const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id } }`;
const COUNT = `{ experiments(includeArchived: true) { name trialCount } }`;

let server: TestServer;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([server.token('mallory@example.com'), server.token('bob@example.com')]);
});
afterAll(() => server?.stop());

/** [what is wrong, parameters, the parameter the message must name, words the message must hold] */
const badSpaces: [string, unknown, string, RegExp][] = [
  ['min above max', { x: { min: 5, max: 1 } }, 'x', /min/],
  ['min equal to max', { x: { min: 1, max: 1 } }, 'x', /min/],
  ['missing max', { x: { min: 1 } }, 'x', /max/],
  ['min not a number', { x: { min: 'a', max: 1 } }, 'x', /min/],
  ['unknown key', { x: { min: 0, max: 1, stp: 1 } }, 'x', /stp/],
  ['negative step', { x: { min: 0, max: 10, step: -1 } }, 'x', /step/],
  ['zero step', { x: { min: 0, max: 10, step: 0 } }, 'x', /step/],
  ['log_uniform with min 0', { lr: { min: 0, max: 1, distribution: 'log_uniform' } }, 'lr', /min/],
  ['unknown distribution', { x: { min: 0, max: 1, distribution: 'gamma' } }, 'x', /gamma/],
  ['normal without sigma', { x: { distribution: 'normal', mu: 0 } }, 'x', /sigma/],
  ['normal with sigma 0', { x: { distribution: 'normal', mu: 0, sigma: 0 } }, 'x', /sigma/],
  ['log_normal with a negative bound', { x: { distribution: 'log_normal', mu: 0, sigma: 1, min: -1 } }, 'x', /min/],
  ['empty list', { act: [] }, 'act', /empty/],
  ['duplicate choices', { act: ['relu', 'relu'] }, 'act', /relu/],
  ['nested list', { act: [['a'], 'b'] }, 'act', /act/],
  ['null value', { x: null }, 'x', /x/],
  // Grids too fine to count once hung the server for good (a loop in the step snapping never ended above 2^53).
  ['a step of 1 up to 1e17', { x: { min: 0, max: 1e17, step: 1 } }, 'x', /step=1 is too fine/],
  ['a step of 1e-17 up to 1', { x: { min: 0, max: 1, step: 1e-17 } }, 'x', /step=1e-17 is too fine/],
  ['a step of 3 across +-2^63', { x: { min: -(2 ** 63), max: 2 ** 63, step: 3 } }, 'x', /step=3 is too fine/],
  ['a step of 1 up to 2^60', { x: { min: 0, max: 2 ** 60, step: 1 } }, 'x', /step=1 is too fine/],
  ['a log_uniform step of 1e-300', { lr: { min: 1e-5, max: 1, step: 1e-300, distribution: 'log_uniform' } }, 'lr', /step=1e-300/],
  ['integers beyond 2^53', { n: { min: 0, max: 2 ** 54, step: 2 } }, 'n', /2\^53|too fine/],
  ['more than 2^40 grid values', { x: { min: 0, max: 2 ** 50, step: 1 } }, 'x', /more than \d+ values/],
  ['a range wider than double precision', { x: { min: -1e308, max: 1e308 } }, 'x', /finite/],
  ['a prior beyond double precision', { x: { distribution: 'log_normal', mu: 0, sigma: 200 } }, 'x', /prior/],
  ['a step wider than the prior', { x: { distribution: 'normal', mu: 0.5, sigma: 0.01, step: 1 } }, 'x', /no value of the step grid/],
  ['a grid whose end cells overflow', { x: { min: -Number.MAX_VALUE, max: 3, step: 1e300 } }, 'x', /end cells/],
  ['a step as large as double precision', { x: { min: -0.1, max: Number.MAX_VALUE, step: Number.MAX_VALUE } }, 'x', /end cells|too large/],
  ['1,001 choices', { act: Array.from({ length: 1001 }, (_, i) => i) }, 'act', /at most 1000 choices/],
  ['a NUL in a choice', { act: ['relu', 'ta\u0000nh'] }, 'act', /NUL/],
  ['a parameter named __proto__', JSON.parse('{"__proto__": [1, 2]}'), '__proto__', /__proto__/],
  ['a NUL in a parameter name', { 'x\u0000y': [1, 2] }, 'x\u0000y', /control characters/],
  // Stored as a key of the space, a choice named __proto__ was lost while trials were handed it.
  ['a choice named __proto__', JSON.parse('{"a": {"choices": {"__proto__": {"y": {"min": 0, "max": 1}}, "b": {}}}}'), 'a', /choice "__proto__" must not be "__proto__"/],
  // PostgreSQL's JSON refuses half a surrogate pair (an internal error once); SQLite kept it.
  ['a lone surrogate in a choice', { c: ['\ud800', 'b'] }, 'c', /lone surrogate U\+D800/],
  ['a lone surrogate in a choice with sub-parameters', { c: { choices: { 'a\udc00': {}, b: {} } } }, 'c', /lone surrogate U\+DC00/],
  ['a lone surrogate in a parameter name', { 'x\udfff': [1, 2] }, 'x\udfff', /lone surrogate U\+DFFF/],
];

describe('bad parameter spaces', () => {
  it.each(badSpaces)('refuses %s, naming the parameter, and stores nothing', async (_what, parameters, name, words) => {
    const response = await server.gql(SUGGEST, { experiment: { name: `Bad ${JSON.stringify(name)}`, parameters } }, alice);
    const error = response.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.extensions?.field).toBe(`experiment.parameters.${name}`);
    expect(error?.message).toContain(JSON.stringify(name));
    expect(error?.message).toMatch(words);
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });

  it.each([
    ['parameters not an object', 'not a space', 'experiment.parameters'],
    ['no parameters at all', {}, 'experiment.parameters'],
  ])('refuses %s', async (_what, parameters, field) => {
    const response = await server.gql(SUGGEST, { experiment: { name: 'Bad', parameters } }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });

  it.each([
    ['an objective direction', (deep: string) => `"objectives": {"acc": ${deep}}`, 'experiment.objectives.acc'],
    ['a constraint limit', (deep: string) => `"constraints": {"m": {"max": ${deep}}}`, 'experiment.constraints.m.max'],
    ['a pruner type', (deep: string) => `"pruner": {"type": ${deep}}`, 'experiment.pruner.type'],
    ['a pruner setting', (deep: string) => `"pruner": {"type": "asha", "warmup_steps": ${deep}}`, 'experiment.pruner.warmup_steps'],
  ])('refuses %s nested 40,000 deep with BAD_USER_INPUT naming it, without echoing it, and stores nothing', async (_what, spec, field) => {
    // Written by hand: serialising such a value would overflow this process's stack too.
    const deep = `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}`;
    const experiment = `{"name": "Deep", "parameters": {"x": {"min": 0, "max": 1}}, ${spec(deep)}}`;
    const body = `{"query": ${JSON.stringify(SUGGEST)}, "variables": {"experiment": ${experiment}}}`;
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body });
    const answer = (await response.json()) as { errors?: { message: string; extensions?: { code?: string; field?: string } }[] };
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(answer.errors?.[0]?.message.length).toBeLessThan(300);
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });

  it('refuses an empty name and an unknown algorithm', async () => {
    const space = { x: { min: 0, max: 1 } };
    const noName = await server.gql(SUGGEST, { experiment: { name: '  ', parameters: space } }, alice);
    expect(noName.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.name' });
    const algorithm = await server.gql(SUGGEST, { experiment: { name: 'A', parameters: space, algorithm: 'magic' } }, alice);
    expect(algorithm.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment.algorithm' });
    expect(algorithm.errors?.[0]?.message).toContain('magic');
    expect((await server.gql(COUNT, {}, alice)).data?.experiments).toEqual([]);
  });
});

describe('bad results', () => {
  let trialId: string;
  beforeAll(async () => {
    const response = await server.gql(SUGGEST, { experiment: { name: 'Results', parameters: { x: { min: 0, max: 1 } } } }, alice);
    trialId = response.data?.suggest.id;
  });

  it.each([
    ['a missing loss', { accuracy: 0.9 }, 'result.loss'],
    ['NaN', { loss: 'NaN' }, 'result.loss'],
    ['Infinity', { loss: 'Infinity' }, 'result.loss'],
    ['-Infinity', { loss: '-Infinity' }, 'result.loss'],
    ['a numeric string', { loss: '0.5' }, 'result.loss'],
    ['the largest double (SQLite stored it as Inf)', { loss: Number.MAX_VALUE }, 'result.loss'],
    ['a loss past ±1e300', { loss: -1.5e300 }, 'result.loss'],
    ['null', { loss: null }, 'result.loss'],
    ['a list instead of an object', [1, 2], 'result'],
    ['a bare number', 0.5, 'result'],
    ['a metric named __proto__', JSON.parse('{"loss": 1, "__proto__": {"polluted": true}}'), 'result'],
    ['a NUL in a metric name', { loss: 1, 'acc\u0000': 1 }, 'result'],
    ['a newline in a metric name', { loss: 1, 'acc\nuracy': 1 }, 'result'],
    ['a NUL in a metric value', { loss: 1, note: 'a\u0000b' }, 'result.note'],
    ['a nested __proto__ key', JSON.parse('{"loss": 1, "curve": {"__proto__": {"x": 1}}}'), 'result.curve'],
    ['a NUL in an error message', { error: 'out of \u0000memory' }, 'result.error'],
    ['a lone surrogate in a metric value', { loss: 1, m: '\udfff' }, 'result.m'],
    ['a lone surrogate in a nested value', { loss: 1, m: ['ok', { deep: 'a\ud800' }] }, 'result.m[1].deep'],
    ['a lone surrogate in a metric name', { loss: 1, ['m\ud800']: 1 }, 'result'],
    ['a lone surrogate in an error message', { error: 'out of \ud800memory' }, 'result.error'],
  ])('refuses %s and leaves the trial running', async (_what, result, field) => {
    const response = await server.gql(UPDATE, { id: trialId, result }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(response.errors?.[0]?.message).toContain(field);
    const trial = await server.gql(`{ experiment(name: "Results") { trials { edges { node { state loss metrics } } } } }`, {}, alice);
    expect(trial.data?.experiment.trials.edges[0].node).toEqual({ state: 'RUNNING', loss: null, metrics: {} });
  });

  it('names a NaN loss as NaN, as the clients send it (the string "NaN"), not as some string', async () => {
    const response = await server.gql(UPDATE, { id: trialId, result: { loss: 'NaN' } }, alice);
    expect(response.errors?.[0]?.message).toBe('result.loss must be a finite number within ±1e+300, but got NaN (sent as the string "NaN")');
  });

  it('stores a NaN or infinite metric as null (metrics hold finite numbers), keeping the result or failure it came with', async () => {
    const carol = await server.token('diverged@example.com');
    const experiment = { name: 'Diverged', parameters: { x: { min: 0, max: 1 } } };
    const ok = (await server.gql(SUGGEST, { experiment }, carol)).data?.suggest;
    const completed = await server.gql(UPDATE, { id: ok.id, result: { loss: 0.3, grad_norm: 'Infinity', curve: [0.5, '-Infinity'], note: 'NaN at epoch 3' } }, carol);
    expect(completed.errors).toBeUndefined();
    // A failure with the last loss of a run that diverged: no loss, so no "both loss and error".
    const bad = (await server.gql(SUGGEST, { experiment }, carol)).data?.suggest;
    const failed = await server.gql(UPDATE, { id: bad.id, result: { error: 'diverged', loss: 'NaN', last_loss: 'NaN' } }, carol);
    expect(failed.errors).toBeUndefined();
    const trials = await server.gql(`{ experiment(name: "Diverged") { trials { edges { node { number state loss error metrics } } } } }`, {}, carol);
    const byNumber = new Map(trials.data?.experiment.trials.edges.map((e: { node: { number: number } }) => [e.node.number, e.node]));
    expect(byNumber.get(1)).toEqual({ number: 1, state: 'COMPLETED', loss: 0.3, error: null, metrics: { grad_norm: null, curve: [0.5, null], note: 'NaN at epoch 3' } });
    expect(byNumber.get(2)).toEqual({ number: 2, state: 'FAILED', loss: null, error: 'diverged', metrics: { last_loss: null } });
  });

  it('refuses a metric nested 100,000 deep with BAD_USER_INPUT, not a crash', async () => {
    // Written by hand: serialising such a value would overflow this process's stack too.
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `{"query": ${JSON.stringify(UPDATE)}, "variables": {"id": ${JSON.stringify(trialId)}, "result": {"loss": 1, "curve": ${deep}}}}`;
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body });
    const answer = (await response.json()) as { errors?: { message: string; extensions?: { code?: string; field?: string } }[] };
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(/nested more than 8 levels/);
  });

  it('refuses an intermediate value past ±1e300, so a learning curve always reads back', async () => {
    const REPORT = `mutation ($id: ID!, $value: Float!) { report(trialId: $id, step: 1, value: $value) { shouldStop } }`;
    const refused = await server.gql(REPORT, { id: trialId, value: Number.MAX_VALUE }, alice);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
    expect(refused.errors?.[0]?.message).toMatch(/within ±1e\+300/);
    const curves = await server.gql(`{ experiment(name: "Results") { trials { edges { node { intermediateValues { step value } } } } } }`, {}, alice);
    expect(curves.errors).toBeUndefined();
    expect(curves.data?.experiment.trials.edges[0].node.intermediateValues).toEqual([]);
  });

  it('refuses lone surrogates in reports, checkpoints and failures, on every database', async () => {
    const report = await server.gql(
      `mutation ($id: ID!, $metrics: JSON) { report(trialId: $id, step: 1, value: 0.5, metrics: $metrics) { shouldStop } }`,
      { id: trialId, metrics: { p: '\ud800' } },
      alice,
    );
    expect(report.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metrics.p' });
    const checkpoint = await server.gql(`mutation ($id: ID!, $data: JSON!) { checkpoint(trialId: $id, data: $data) { id } }`, { id: trialId, data: { p: '\ud800' } }, alice);
    expect(checkpoint.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'data.p' });
    const failure = await server.gql(`mutation ($id: ID!, $error: String!) { fail(trialId: $id, error: $error) { id } }`, { id: trialId, error: 'bad \udfff' }, alice);
    expect(failure.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'error' });
    const trial = await server.gql(`{ experiment(name: "Results") { trials { edges { node { state checkpoint } } } } }`, {}, alice);
    expect(trial.data?.experiment.trials.edges[0].node).toEqual({ state: 'RUNNING', checkpoint: null });
  });

  it('refuses lone surrogates in an experiment\'s new name, notes and tags, and hidden characters in a new name', async () => {
    const { id } = (await server.gql(`{ experiment(name: "Results") { id } }`, {}, alice)).data?.experiment;
    const EDIT = `mutation ($id: ID!, $name: String, $notes: String, $tags: [String!]) { updateExperiment(id: $id, name: $name, notes: $notes, tags: $tags) { name } }`;
    for (const [change, field] of [
      [{ name: 'Re\ud800sults' }, 'name'],
      [{ name: 'Re\u200bsults' }, 'name'], // a new name that would look like another
      [{ notes: '# Notes \udc00' }, 'notes'],
      [{ tags: ['fine', 'bad\ud800'] }, 'tags[1]'],
    ] as const) {
      const response = await server.gql(EDIT, { id, ...change }, alice);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await server.gql(`{ experiment(name: "Results") { name notes tags } }`, {}, alice)).data?.experiment).toEqual({ name: 'Results', notes: '', tags: [] });
  });

  it('refuses an unknown trial and another user\'s trial with NOT_FOUND', async () => {
    const unknown = await server.gql(UPDATE, { id: 'no-such-trial', result: { loss: 1 } }, alice);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'trialId' });
    const foreign = await server.gql(UPDATE, { id: trialId, result: { loss: 1 } }, bob);
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'trialId' });
    expect(foreign.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message.replace('no-such-trial', trialId));
  });

  it('keeps serving after all of the above', async () => {
    const response = await server.gql(UPDATE, { id: trialId, result: { loss: 0.25 } }, alice);
    expect(response.data?.update.id).toBe(trialId);
  });
});

/** Raw HTTP requests that are wrong before GraphQL even runs: [what, init, HTTP status, code]. */
const badHttp: [string, () => RequestInit, number, string][] = [
  ['invalid JSON', () => ({ method: 'POST', body: '{bad json' }), 400, 'BAD_REQUEST'],
  ['a JSON body without a query', () => ({ method: 'POST', body: '{}' }), 200, 'BAD_REQUEST'],
  ['a query that is not a string', () => ({ method: 'POST', body: '{"query": 5}' }), 400, 'BAD_REQUEST'],
  ['variables that are not an object', () => ({ method: 'POST', body: '{"query": "{ me { email } }", "variables": "x"}' }), 400, 'BAD_REQUEST'],
  ['a batch of operations', () => ({ method: 'POST', body: '[{"query": "{ me { email } }"}, {"query": "{ me { email } }"}]' }), 400, 'BAD_REQUEST'],
  [
    'a body over 1 MiB',
    () => ({ method: 'POST', body: JSON.stringify({ query: '{ me { email } }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }) }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
];

/** GraphQL documents refused by parsing, validation or the query limits: [what, query, code]. */
const badQueries: [string, string, string][] = [
  ['a syntax error', '{ me { email ', 'GRAPHQL_PARSE_FAILED'],
  ['an unknown field', '{ nope }', 'GRAPHQL_VALIDATION_FAILED'],
  ['a missing required argument', 'mutation { update(trialId: "x") { id } }', 'GRAPHQL_VALIDATION_FAILED'],
  ['an argument of the wrong type', 'mutation { heartbeat(trialId: {a: 1}) { id } }', 'GRAPHQL_VALIDATION_FAILED'],
  ['a query nested too deeply', `{ experiments { ${'bestTrial { experiment { '.repeat(6)}id${' } }'.repeat(6)} } }`, 'QUERY_TOO_COMPLEX'],
  ['too many aliases', `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { email }`).join(' ')} }`, 'QUERY_TOO_COMPLEX'],
  ['too many tokens', `{ me { ${'email '.repeat(2100)}} }`, 'QUERY_TOO_COMPLEX'],
  ['too many directives', `{ me { email ${'@include(if: true) '.repeat(21)}} }`, 'QUERY_TOO_COMPLEX'],
];

describe('malformed HTTP requests and expensive queries', () => {
  it.each(badHttp)('refuses %s with a clear error', async (_what, init, status, code) => {
    const response = await fetch(server.url, {
      ...init(),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe(code);
    expect(body.errors[0]?.message.length).toBeGreaterThan(10);
  });

  it('refuses a body that is not JSON with 415 and a code, not an empty answer', async () => {
    for (const type of ['text/plain', 'application/xml']) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${alice}` },
        body: JSON.stringify({ query: '{ me { email } }' }),
      });
      expect(response.status).toBe(415);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(body.errors[0]?.message).toContain(type);
    }
  });

  it('answers at /graphql/ (a URL copied with a trailing slash) as at /graphql, by POST and by GET', async () => {
    const post = await fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body: JSON.stringify({ query: '{ me { email } }' }) });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { data: { me: { email: string } } }).data.me.email).toMatch(/@/);
    const get = await fetch(`${server.url}/?query=${encodeURIComponent('{ me { email } }')}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(((await get.json()) as { data: { me: { email: string } } }).data.me.email).toMatch(/@/);
  });

  it('refuses other methods than GET and POST with 405, with or without a body', async () => {
    for (const init of [{ method: 'DELETE' }, { method: 'PUT', body: '{"query": "{ me { email } }"}' }, { method: 'PATCH', body: '' }]) {
      const response = await fetch(server.url, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
      expect(body.errors[0]?.message).toContain(init.method);
    }
  });

  it('refuses an operation name the document does not hold with the code the README lists', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
      body: JSON.stringify({ query: 'query Mine { me { email } }', operationName: 'Other' }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(body.errors[0]?.message).toMatch(/operation/);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of ['OPERATION_RESOLUTION_FAILURE', 'UNSUPPORTED_MEDIA_TYPE', 'BAD_REQUEST']) expect(readme).toContain(`\`${code}\``);
  });

  it('refuses an operation name that is not a string with 400 BAD_REQUEST, however deeply nested', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    for (const operationName of ['5', '{"a": 1}', deep]) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
        body: `{"query": "{ me { email } }", "operationName": ${operationName}}`,
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/^operationName must be a string/) });
    }
  });

  it('refuses a mutation sent with GET', async () => {
    const query = encodeURIComponent('mutation { fail(trialId: "x", error: "e") { id } }');
    const response = await fetch(`${server.url}?query=${query}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(response.status).toBe(405);
  });

  it.each(badQueries)('refuses %s', async (_what, query, code) => {
    const response = await server.gql(query, {}, alice);
    expect(response.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.data ?? null).toBeNull();
  });

  it.each([
    ['a name that is not a string', { experiment: { name: 5, parameters: { x: [1, 2] } } }, 'experiment.name'],
    ['a seed beyond 32 bits', { experiment: { name: 'Seed', parameters: { x: [1, 2] }, seed: 2 ** 40 } }, 'experiment.seed'],
  ])('refuses variables with %s as bad input, naming the field', async (_what, variables, field) => {
    const response = await server.gql(SUGGEST, variables, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('answers a name alone that names no experiment with NOT_FOUND on experiment.name, creating nothing', async () => {
    const response = await server.gql(SUGGEST, { experiment: { name: 'Nothing' } }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'experiment.name' });
    expect(response.errors?.[0]?.message).toMatch(/experiment\.parameters/);
    const listed = await server.gql(COUNT, {}, alice);
    expect(listed.data?.experiments.map((e: { name: string }) => e.name)).not.toContain('Nothing');
  });

  it.each([
    ['a lease of 1 second', { leaseSeconds: 1 }, 'experiment.leaseSeconds'],
    ['a lease over a week', { leaseSeconds: 8 * 24 * 3600 }, 'experiment.leaseSeconds'],
    ['a description over 10,000 characters', { description: 'd'.repeat(10_001) }, 'experiment.description'],
    ['101 parameters', { parameters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, [1, 2]])) }, 'experiment.parameters'],
    ['a parameter name over 128 characters', { parameters: { ['p'.repeat(129)]: [1, 2] } }, `experiment.parameters.${'p'.repeat(129)}`],
    ['a NUL in its name', { name: 'Lim\u0000its' }, 'experiment.name'],
    ['a newline in its name', { name: 'Lim\nits' }, 'experiment.name'],
    ['a NUL in its description', { description: 'a\u0000b' }, 'experiment.description'],
    ['a lone surrogate in its name', { name: 'Lim\ud800its' }, 'experiment.name'],
    // Names that look like another: hidden characters, text turned around.
    ['a zero-width space in its name', { name: 'Lim\u200bits' }, 'experiment.name'],
    ['a right-to-left override in its name', { name: '\u202estimiL' }, 'experiment.name'],
    ['a zero-width space in a parameter name', { parameters: { 'x\u200b': [1, 2] } }, 'experiment.parameters.x\u200b'],
    ['a lone surrogate in its description', { description: 'a\udc00b' }, 'experiment.description'],
    // A result with "error" is a failure: such an objective or constraint could never be met.
    ['an objective named error', { objectives: { error: 'minimize' } }, 'experiment.objectives'],
    ['an objective named error among others', { objectives: [{ loss: 'minimize' }, { error: 'maximize' }] }, 'experiment.objectives'],
    ['a constraint named error', { constraints: { error: { max: 1 } } }, 'experiment.constraints'],
  ])('refuses an experiment with %s', async (_what, change, field) => {
    const experiment = { name: 'Limits', parameters: { x: [1, 2] }, ...change };
    const response = await server.gql(SUGGEST, { experiment }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it.each([
    ['a NUL in the worker name', 'worker'],
    ['a NUL in the instance', 'instance'],
    ['a NUL in the request id', 'requestId'],
  ])('refuses a suggest with %s', async (_what, field) => {
    const response = await server.gql(
      `mutation ($experiment: ExperimentInput!, $value: String) { suggest(experiment: $experiment, ${field}: $value) { id } }`,
      { experiment: { name: 'Limits', parameters: { x: [1, 2] } }, value: 'host\u0000-1' },
      alice,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses a list of experiments longer than 500', async () => {
    for (const first of [0, 501, 1_000_000]) {
      const response = await server.gql(`query ($first: Int!) { experiments(first: $first) { id bestTrial { id } } }`, { first }, alice);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });

  it('stored none of it, and still answers', async () => {
    expect((await server.gql(COUNT, {}, alice)).data?.experiments.map((e: any) => e.name)).toEqual(['Results']);
    const health = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
  });
});

describe('heartbeats and failures for trials that are not there or not yours', () => {
  it.each([
    ['heartbeat', 'mutation ($id: ID!) { heartbeat(trialId: $id) { id } }'],
    ['fail', 'mutation ($id: ID!) { fail(trialId: $id, error: "boom") { id } }'],
  ])('%s refuses an unknown trial and a foreign one with NOT_FOUND', async (_name, mutation) => {
    const mine = (await server.gql(SUGGEST, { experiment: { name: 'Results', parameters: { x: { min: 0, max: 1 } } } }, alice)).data
      ?.suggest;
    for (const [id, token] of [
      ['nope', alice],
      [mine.id, bob],
    ] as const) {
      const response = await server.gql(mutation, { id }, token);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'trialId' });
    }
  });

  it('refuses a failure without a message', async () => {
    const trial = (await server.gql(SUGGEST, { experiment: { name: 'Results', parameters: { x: { min: 0, max: 1 } } } }, alice)).data
      ?.suggest;
    const response = await server.gql(`mutation ($id: ID!) { fail(trialId: $id, error: "  ") { id } }`, { id: trial.id }, alice);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'error' });
  });
});

describe('the rate limit', () => {
  it('refuses a token past its operations a minute with RATE_LIMITED and 429, and serves others', async () => {
    const limited = await startServer({ env: { OSCAR_RATE_LIMIT: '20' } });
    try {
      const [greedy, calm] = await Promise.all([limited.token('greedy@example.com'), limited.token('calm@example.com')]);
      const answers = await Promise.all(Array.from({ length: 25 }, () => limited.gql('{ me { email } }', {}, greedy)));
      const refused = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
      expect(refused).toHaveLength(5);
      expect(refused[0]?.errors?.[0]?.message).toMatch(/retry in \d+ s/);
      const raw = await fetch(limited.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${greedy}` },
        body: JSON.stringify({ query: '{ me { email } }' }),
      });
      expect(raw.status).toBe(429);
      expect(raw.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await limited.gql('{ me { email } }', {}, calm)).data?.me.email).toBe('calm@example.com');
    } finally {
      await limited.stop();
    }
  });
});

describe('pages of trials asked for with bad arguments', () => {
  const PAGE = `query ($name: String!, $first: Int, $last: Int, $after: String, $before: String) {
    experiment(name: $name) { trials(first: $first, last: $last, after: $after, before: $before) { edges { node { number } } pageInfo { endCursor } } }
  }`;
  const cursor = (text: string) => Buffer.from(text).toString('base64');

  it.each([
    ['a negative first', { first: -5 }, 'first'],
    ['a negative last', { last: -1 }, 'last'],
    ['after and before together', { first: 1, after: 'x', before: 'y' }, 'after'],
    ['a cursor that is not base64 of ours', { first: 2, after: 'not a cursor at all' }, 'after'],
    ['a hand-made cursor holding an object', { first: 2, after: cursor('GPC:J:{"a":1}') }, 'after'],
    ['a hand-made cursor holding a number', { first: 2, after: cursor('GPC:N:1e999') }, 'after'],
    ['a hand-made cursor holding a date', { last: 2, before: cursor('GPC:D:xx') }, 'before'],
    ['a megabyte of cursor', { first: 2, after: 'A'.repeat(1_000_000) }, 'after'],
  ])('refuses %s with BAD_USER_INPUT naming the argument, quoting none of it', async (_what, variables, field) => {
    const token = await server.token('pages@example.com');
    const trial = await server.gql(SUGGEST, { experiment: { name: 'Pages', parameters: { x: { min: 0, max: 1 } } } }, token);
    expect(trial.errors).toBeUndefined();
    const answer = await server.gql(PAGE, { name: 'Pages', ...variables }, token);
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(answer.errors?.[0]?.message.length).toBeLessThan(200);
    // A cursor the API gave still pages.
    const first = await server.gql(PAGE, { name: 'Pages', first: 1 }, token);
    const next = await server.gql(PAGE, { name: 'Pages', first: 1, after: first.data?.experiment.trials.pageInfo.endCursor }, token);
    expect(next.errors).toBeUndefined();
  });
});
