// Workers over their user's rate limit (OSCAR_RATE_LIMIT): each client, and `oscar run`, waits what the
// server's Retry-After says and goes on, so no result is lost and no good trial is marked FAILED.
// The limit's window is a minute, so each test waits most of one; they run side by side, a user each.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oscar } from '../clients/ts/src/index.ts';
import { ROOT, startServer, type TestServer } from './harness.ts';

const exec = promisify(execFile);

/**
 * Operations a minute per user. Each test spends one first ({@link spendOne}), so for a client that
 * sends a suggest and an update a trial (Lua, `oscar run`) the fifth, the second trial's result, is
 * refused: it shows a result refused, waited for and stored.
 */
const LIMIT = 4;
/** Each test waits for the limit's minute to roll on. */
const MINUTE_AND_MORE = 240_000;

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer({ env: { OSCAR_RATE_LIMIT: String(LIMIT) } });
  dir = mkdtempSync(join(tmpdir(), 'oscar-limited-'));
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The states of an experiment's trials, read once the user's minute lets the read through (as the server says). */
async function states(token: string, name: string): Promise<string[]> {
  for (;;) {
    const result = await server.gql(`query ($name: String!) { experiment(name: $name) { trials(first: 10) { edges { node { state } } } } }`, { name }, token);
    const extensions = result.errors?.[0]?.extensions as { code?: string; retryAfter?: number } | undefined;
    const retryAfter = extensions?.code === 'RATE_LIMITED' ? Number(extensions.retryAfter) : null;
    if (retryAfter === null) {
      expect(result.errors).toBeUndefined();
      return result.data?.experiment.trials.edges.map((e: { node: { state: string } }) => e.node.state);
    }
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }
}

/** A token for a new user, who has spent one operation of the minute. */
async function spendOne(email: string): Promise<string> {
  const token = await server.token(email);
  const result = await server.gql(`{ experiments { id } }`, {}, token);
  expect(result.errors).toBeUndefined();
  return token;
}

/** The wait, in seconds, of the retry logged after a RATE_LIMITED answer ("... RATE_LIMITED: ...; retrying in 57.9 s"). */
function limitedWait(log: string): number {
  const match = /RATE_LIMITED: [^\n]*retrying in (\d+(?:\.\d+)?) s/.exec(log);
  expect(match, log).not.toBeNull();
  return Number(match![1]);
}

describe.concurrent('a worker over the rate limit', () => {
  it('Python: waits for Retry-After inside scientist.trial(), and its trials complete', { timeout: MINUTE_AND_MORE }, async () => {
    const token = await spendOne('python-limited@example.com');
    const script = join(dir, 'limited.py');
    writeFileSync(
      script,
      `
import os
from Oscar import Oscar
scientist = Oscar(os.environ['OSCAR_TOKEN'])
experiment = {'name': 'Limited', 'parameters': {'x': {'min': -10, 'max': 10}}}
for _ in range(3):
    with scientist.trial(experiment) as job:
        scientist.update(job, {'loss': job['x'] ** 2})
`,
    );
    const { stderr } = await exec('/usr/bin/python3', [script], {
      env: { ...process.env, PYTHONPATH: join(ROOT, 'clients/python'), OSCAR_TOKEN: token, OSCAR_URL: server.url },
    });
    // It waited for the limit's window to roll on (backoff alone would have waited 0.5 s).
    expect(limitedWait(stderr)).toBeGreaterThan(10);
    expect(await states(token, 'Limited')).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it('Lua: waits for Retry-After in update, and its trials complete', { timeout: MINUTE_AND_MORE }, async () => {
    const token = await spendOne('lua-limited@example.com');
    const script = join(dir, 'limited.lua');
    writeFileSync(
      script,
      `
local Oscar = require('Oscar')
local scientist = Oscar(os.getenv('TOKEN'))
local experiment = {name = 'Limited', parameters = {x = {min = -10, max = 10}}}
for _ = 1, 3 do
  local job = scientist:suggest(experiment)
  scientist:update(job, {loss = job.x ^ 2})
end
`,
    );
    const { stderr } = await exec('/usr/bin/lua5.1', [script], {
      env: { ...process.env, LUA_PATH: `${join(ROOT, 'clients/lua/?.lua')};;`, TOKEN: token, OSCAR_URL: server.url },
    });
    expect(limitedWait(stderr)).toBeGreaterThan(10);
    expect(await states(token, 'Limited')).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it('TypeScript: waits for Retry-After inside scientist.trial(), and its trials complete', { timeout: MINUTE_AND_MORE }, async () => {
    const token = await spendOne('ts-limited@example.com');
    const warnings: string[] = [];
    const scientist = new Oscar(token, { url: server.url, logger: { warn: (message) => warnings.push(message) } });
    try {
      const experiment = { name: 'Limited', parameters: { x: { min: -10, max: 10 } } } as const;
      for (let i = 0; i < 3; i++) await scientist.trial(experiment, (job) => job.params.x ** 2);
    } finally {
      await scientist.close();
    }
    expect(limitedWait(warnings.join('\n'))).toBeGreaterThan(10);
    expect(await states(token, 'Limited')).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it('oscar run: waits for Retry-After and goes on, and its trials complete', { timeout: MINUTE_AND_MORE }, async () => {
    const token = await spendOne('agent-limited@example.com');
    const spec = join(dir, 'limited.json');
    writeFileSync(spec, JSON.stringify({ name: 'Limited', parameters: { x: { min: -10, max: 10 } } }));
    const train = 'console.log(JSON.stringify({ loss: Number(process.env.OSCAR_PARAM_X) ** 2 }))';
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'bin/oscar.mjs'), 'run', '--experiment', spec, '--trials', '3', '--', process.execPath, '-e', train], {
      cwd: dir,
      env: { ...process.env, OSCAR_URL: server.url, OSCAR_TOKEN: token },
    });
    expect(limitedWait(stderr)).toBeGreaterThan(10);
    expect(stdout).toContain('Experiment "Limited": 3 trials run here, 3 with a loss, 0 failed.');
    expect(await states(token, 'Limited')).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });
});
