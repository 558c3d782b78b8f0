// The trial page: every field of one trial, rendered on the server, then live as its worker sends
// heartbeats, reports, a checkpoint and its result; its retries and duplicates; user text as text.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'ada@example.com';
const PASSWORD = 'a-long-password';
const TIMEOUT = 30_000;
/** Runs when a payload gets the chance to. */
const PAYLOAD = `<img src=x onerror="window.__xss=(window.__xss||0)+1">`;
const SUGGEST = `mutation ($name: String!, $worker: String, $lease: Int) {
  suggest(experiment: {name: $name, parameters: {lr: {min: 0.0001, max: 1, distribution: "log_uniform"}, mode: ${JSON.stringify(PAYLOAD)}}, algorithm: "random", leaseSeconds: $lease}, worker: $worker) {
    id number params leaseExpiresAt experiment { id }
  }
}`;
const REPORT = `mutation ($id: ID!, $step: Int!, $value: Float!) { report(trialId: $id, step: $step, value: $value) { shouldStop } }`;
const HEARTBEAT = `mutation ($id: ID!) { heartbeat(trialId: $id) { heartbeatAt } }`;
const CHECKPOINT = `mutation ($id: ID!, $data: JSON!) { checkpoint(trialId: $id, data: $data) { id } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;
const FAIL = `mutation ($id: ID!, $error: String!) { fail(trialId: $id, error: $error) { state } }`;
/** Subscriptions an open trial page holds: its experiment's trials, renames and deletions. */
const TRIAL_PAGE_SUBSCRIPTIONS = 3;

let server: TestServer;
let browser: Browser;
let page: Page;
let token: string;

async function gql(query: string, variables: Record<string, unknown>) {
  const response = await server.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(() => {
    let runs = 0;
    Object.defineProperty(window, '__xss', { configurable: true, get: () => runs, set: (value: number) => (runs = value) });
  });
  await signIn(page, server, EMAIL, PASSWORD);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const text = (testid: string) => page.locator(`[data-testid=${testid}]`).textContent({ timeout: TIMEOUT });
const time = (testid: string) => page.locator(`[data-testid=${testid}]`).getAttribute('data-time', { timeout: TIMEOUT });

/** No payload ran, and none became an element. */
async function expectNoInjection(): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss: number }).__xss)).toBe(0);
  expect(await page.locator('img[src=x]').count()).toBe(0);
}

/** The page does not scroll sideways. */
async function expectNoSidewaysScroll(): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

describe('the trial page, in Chromium', () => {
  let trial: { id: string; number: number; experiment: { id: string } };

  it('renders every field on the server, first paint included', async () => {
    trial = (await gql(SUGGEST, { name: 'trial page', worker: PAYLOAD })).suggest;
    for (const [step, value] of [[0, 2], [1, 1.5], [2, 1.2]] as const) await gql(REPORT, { id: trial.id, step, value });
    await gql(CHECKPOINT, { id: trial.id, data: { epoch: 2, path: `s3://bucket/${PAYLOAD}` } });
    await gql(HEARTBEAT, { id: trial.id });

    const url = `${origin(server)}/experiments/${trial.experiment.id}/trials/${trial.number}`;
    // The server's HTML already holds the trial (no script run yet).
    const html = await (await page.request.get(url)).text();
    expect(html).toContain('data-testid="trial-fields"');
    expect(html).toContain('Trial 1');
    expect(html).not.toContain(PAYLOAD);
    expect(html).toContain('&lt;img src=x onerror=');

    // So does the experiments list: its first paint lists the experiment, linked, before any script.
    const list = await (await page.request.get(`${origin(server)}/experiments`)).text();
    expect(list).toContain(`href="/experiments/${trial.experiment.id}"`);
    expect(list).toContain('>trial page</a>');
    expect(list).not.toContain('Loading…');

    await page.goto(url);
    expect(await text('trial-state')).toBe('running');
    expect(await text('field-worker')).toBe(PAYLOAD);
    expect(await text('field-optimizer')).toBe('random');
    expect(await text('field-loss')).toBe('—');
    expect(await time('field-lease')).toMatch(/^\d{4}-/);
    expect(await time('field-heartbeat')).toMatch(/^\d{4}-/);
    expect(await time('field-created')).toMatch(/^\d{4}-/);
    expect(await text('field-completed')).toBe('—');
    expect(await text('field-last-report')).toBe('step 2: 1.2');
    const params = await page.locator('[data-testid=trial-params] tr').allInnerTexts();
    expect(params.map((row) => row.split('\t')[0])).toEqual(['lr', 'mode']);
    expect(params[1]).toBe(`mode\t${PAYLOAD}`);
    expect(await text('trial-metrics')).toBe('None reported yet.');
    expect(await page.locator('[data-testid=trial-curve]').getAttribute('data-points')).toBe('3');
    await page.waitForSelector('[data-chart="Trial learning curve"][data-rendered=true]', { timeout: TIMEOUT });
    expect(JSON.parse((await page.locator('[data-testid=trial-checkpoint] pre').textContent())!)).toEqual({ epoch: 2, path: `s3://bucket/${PAYLOAD}` });
    expect(await text('trial-group')).toContain('never offered again');
    await expectNoInjection();
  });

  it('follows a heartbeat, a report and the result without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await server.listening(token, TRIAL_PAGE_SUBSCRIPTIONS, TIMEOUT);
    await expect.poll(() => page.locator('.live').textContent(), { timeout: TIMEOUT }).toBe('Live');

    const before = await time('field-heartbeat');
    const { heartbeat } = await gql(HEARTBEAT, { id: trial.id });
    expect(heartbeat.heartbeatAt).not.toBe(before);
    await expect.poll(() => time('field-heartbeat'), { timeout: TIMEOUT }).toBe(heartbeat.heartbeatAt);

    await gql(REPORT, { id: trial.id, step: 3, value: 0.9 });
    await expect.poll(() => page.locator('[data-testid=trial-curve]').getAttribute('data-points'), { timeout: TIMEOUT }).toBe('4');
    expect(await text('field-last-report')).toBe('step 3: 0.9');

    await gql(UPDATE, { id: trial.id, result: { loss: 0.25, [PAYLOAD]: 7 } });
    await expect.poll(() => text('trial-state'), { timeout: TIMEOUT }).toBe('completed');
    expect(await text('field-loss')).toBe('0.25');
    expect(await time('field-completed')).toMatch(/^\d{4}-/);
    expect(await page.locator('[data-testid=trial-metrics] tr').allInnerTexts()).toEqual([`${PAYLOAD}\t7`]);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expectNoInjection();
  });

  it('shows a failed trial’s error as text, and a lost trial’s copy and duplicate result, linked', async () => {
    const failed = (await gql(SUGGEST, { name: 'trial page', worker: 'w' })).suggest;
    await gql(FAIL, { id: failed.id, error: `Traceback: ${PAYLOAD}` });
    await page.goto(`${origin(server)}/experiments/${failed.experiment.id}/trials/${failed.number}`);
    expect(await text('trial-state')).toBe('failed');
    expect(await text('field-error')).toBe(`Traceback: ${PAYLOAD}`);

    // Lost: its lease (2 s, as the server says) runs out, another worker gets a copy and completes it.
    const lost = (await gql(SUGGEST, { name: 'retried', worker: 'spot-1', lease: 2 })).suggest;
    await expect.poll(() => Date.now() > Date.parse(lost.leaseExpiresAt) + 200, { timeout: 10_000 }).toBe(true);
    const copy = (await gql(SUGGEST, { name: 'retried', worker: 'spot-2', lease: 2 })).suggest;
    expect(copy.params).toEqual(lost.params);
    await gql(UPDATE, { id: copy.id, result: { loss: 0.5 } });
    await gql(UPDATE, { id: lost.id, result: { loss: 0.6 } });
    await page.goto(`${origin(server)}/experiments/${lost.experiment.id}/trials/${lost.number}`);
    expect(await text('trial-state')).toBe('duplicate');
    const rows = await page.locator('[data-testid=trial-group] tbody tr').allInnerTexts();
    expect(rows.map((row) => row.split('\t').map((cell) => cell.trim()))).toEqual([
      [String(lost.number), 'duplicate', '0.6', 'spot-1', expect.any(String), 'this trial'],
      [String(copy.number), 'completed', '0.5', 'spot-2', expect.any(String), 'offered again'],
    ]);
    await page.click(`[data-testid=trial-group] a:text-is("${copy.number}")`);
    await page.waitForURL(new RegExp(`/trials/${copy.number}$`), { timeout: TIMEOUT });
    await expect.poll(() => text('trial-state'), { timeout: TIMEOUT }).toBe('completed');
    expect((await page.locator('[data-testid=trial-group] tr.current').innerText()).split('\t')[0]).toBe(String(copy.number));
  });

  it('shows a trial its worker released as given back, live', async () => {
    const given = (await gql(SUGGEST, { name: 'released', worker: 'spot-3' })).suggest;
    await page.goto(`${origin(server)}/experiments/${given.experiment.id}/trials/${given.number}`);
    expect(await text('trial-state')).toBe('running');
    await expect.poll(() => page.locator('.live').textContent(), { timeout: TIMEOUT }).toBe('Live');
    await server.listening(token, TRIAL_PAGE_SUBSCRIPTIONS, TIMEOUT);
    await gql(`mutation ($id: ID!) { release(trialId: $id) { state } }`, { id: given.id });
    await expect.poll(() => text('trial-state'), { timeout: TIMEOUT }).toBe('stale');
    expect((await text('field-lease'))?.trim()).toBe('released by its worker');
  });

  it('shows a trial failed for its losses, live: how often it was lost, and why it is not offered again', async () => {
    // No retries: the first loss fails it. The server's lease sweep does it, with nobody asking.
    const doomed = (
      await gql(
        `mutation { suggest(experiment: {name: "crashes its workers", parameters: {x: {min: 0, max: 1}}, leaseSeconds: 2, maxRetries: 0}, worker: "oom-1") { id number leaseExpiresAt experiment { id } } }`,
        {},
      )
    ).suggest;
    await page.goto(`${origin(server)}/experiments/${doomed.experiment.id}/trials/${doomed.number}`);
    expect(await text('trial-state')).toBe('running');
    expect(await page.locator('[data-testid=field-lost]').count()).toBe(0);
    await expect.poll(() => page.locator('.live').textContent(), { timeout: TIMEOUT }).toBe('Live');
    await server.listening(token, TRIAL_PAGE_SUBSCRIPTIONS, TIMEOUT);
    await expect.poll(() => text('trial-state'), { timeout: TIMEOUT }).toBe('failed');
    expect((await text('field-lost'))?.trim()).toBe('once, no progress (max_retries 0)');
    expect(await text('field-error')).toMatch(/^Lost once with no progress .*max_retries is 0/);
  });

  it('is linked from the trials table', async () => {
    await page.goto(`${origin(server)}/experiments/${trial.experiment.id}`);
    await page.click(`[data-trial="${trial.number}"] a`, { timeout: TIMEOUT });
    await page.waitForURL(new RegExp(`/experiments/${trial.experiment.id}/trials/${trial.number}$`), { timeout: TIMEOUT });
    expect(await text('field-worker')).toBe(PAYLOAD);
  });

  it('says so for a trial that does not exist, or is not yours', async () => {
    const missing = await page.goto(`${origin(server)}/experiments/${trial.experiment.id}/trials/999`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('body').innerText()).toContain('has no trial 999');
    await createUser(server, 'eve@example.com', PASSWORD);
    const other = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await signIn(other, server, 'eve@example.com', PASSWORD);
      const response = await other.goto(`${origin(server)}/experiments/${trial.experiment.id}/trials/${trial.number}`);
      expect(response?.status()).toBe(404);
      const body = await other.locator('body').innerText();
      expect(body).toContain('No such experiment (or it is not yours).');
      expect(body).not.toContain('trial page');
    } finally {
      await other.close();
    }
  });

  it('follows a rename of its experiment, and says so when the experiment is deleted', async () => {
    const doomed = (await gql(SUGGEST, { name: 'Doomed', worker: 'w' })).suggest;
    await page.goto(`${origin(server)}/experiments/${doomed.experiment.id}/trials/${doomed.number}`);
    await expect.poll(() => page.locator('.live').textContent(), { timeout: TIMEOUT }).toBe('Live');
    await server.listening(token, TRIAL_PAGE_SUBSCRIPTIONS, TIMEOUT);
    expect(await text('experiment-link')).toBe('Doomed');

    await gql(`mutation ($id: ID!) { updateExperiment(id: $id, name: "Doomed, renamed") { id } }`, { id: doomed.experiment.id });
    await expect.poll(() => text('experiment-link'), { timeout: TIMEOUT }).toBe('Doomed, renamed');
    await expect.poll(() => page.title(), { timeout: TIMEOUT }).toContain('Doomed, renamed');

    await gql(`mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`, { id: doomed.experiment.id });
    await expect.poll(() => page.locator('[role=alert]').textContent(), { timeout: TIMEOUT }).toBe('This experiment was deleted, with its trials.');
    expect(await page.locator('.live').count()).toBe(0);
    expect(await page.locator('[data-testid=trial-state]').count()).toBe(0);
  });

  it('says whether a result met the constraints, only for an experiment that has them', async () => {
    // `trial` completed above, in an experiment without constraints: the API calls it feasible, the page says nothing.
    await page.goto(`${origin(server)}/experiments/${trial.experiment.id}/trials/${trial.number}`);
    expect(await text('field-loss')).toBe('0.25');
    expect(await page.locator('[data-testid=field-feasible]').count()).toBe(0);

    const constrained = `mutation { suggest(experiment: {name: "constrained", parameters: {x: {min: 0, max: 1}}, constraints: {memory: {max: 16}}}) { id number experiment { id } } }`;
    for (const memory of [8, 20]) {
      const { suggest } = await gql(constrained, {});
      await gql(UPDATE, { id: suggest.id, result: { loss: 1, memory } });
      await page.goto(`${origin(server)}/experiments/${suggest.experiment.id}/trials/${suggest.number}`);
      expect(await text('field-feasible')).toBe(memory === 8 ? 'met' : 'outside (violation 0.25)');
    }
  });

  it('draws a curve spanning many decades on a log axis that ends at the powers of ten around it', async () => {
    const { suggest } = await gql(SUGGEST, { name: 'decades', worker: 'w' });
    for (const [step, value] of [[1, 100], [2, 0.5], [3, 3e-4], [4, 3e-10]] as const) await gql(REPORT, { id: suggest.id, step, value });
    await page.goto(`${origin(server)}/experiments/${suggest.experiment.id}/trials/${suggest.number}`);
    const chart = page.locator('[data-chart="Trial learning curve"][data-rendered=true]');
    await chart.waitFor({ timeout: TIMEOUT });
    const axis = await chart.evaluate((element) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const instance = (element as any).echarts;
      return { type: instance.getOption().yAxis[0].type, extent: instance.getModel().getComponent('yAxis', 0).axis.scale.getExtent() };
    });
    expect(axis.type).toBe('log');
    // 1e-11 or 1e-10 up to 1e2 or 1e3, not ECharts' own whole ticks (1e-10 to 1e10 for these).
    expect(axis.extent[0]).toBeGreaterThanOrEqual(1e-11);
    expect(axis.extent[0]).toBeLessThanOrEqual(3e-10);
    expect(axis.extent[1]).toBeGreaterThanOrEqual(100);
    expect(axis.extent[1]).toBeLessThanOrEqual(1000);
  });

  it('fits a 390 px phone without scrolling sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin(server)}/experiments/${trial.experiment.id}/trials/${trial.number}`);
    await page.waitForSelector('[data-chart="Trial learning curve"][data-rendered=true]', { timeout: TIMEOUT });
    expect(await text('field-worker')).toBe(PAYLOAD);
    await expectNoSidewaysScroll();
    await expectNoInjection();
  });
});
