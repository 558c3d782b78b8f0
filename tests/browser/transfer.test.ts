// The Trials panel's export buttons (a real download, signed in by the session cookie) and its form
// that queues a parameter set to try next, at 1440 px and on a 390 px phone, in Chromium.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'exporter@example.com';
const PASSWORD = 'a-long-password';
const EXPERIMENT = {
  name: 'Exported, "quoted"',
  parameters: { x: { min: -10, max: 10 }, layers: { min: 1, max: 8, step: 1 }, activation: ['relu', 'tanh', '=gelu'], epochs: 20 },
  algorithm: 'random',
};
const SUGGEST = `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "w") { id params optimizer experiment { id } } }`;

let server: TestServer;
let browser: Browser;
let token: string;
let experimentId: string;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  for (let i = 0; i < 3; i++) {
    const { data } = await server.gql(SUGGEST, { e: EXPERIMENT }, token);
    experimentId = data!.suggest.experiment.id;
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: ${i + 0.5}, note: "=cmd()"}) { id } }`, { id: data!.suggest.id }, token);
  }
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

let page: Page | undefined;
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-3000)}`));
});

async function queued(): Promise<number> {
  const { data } = await server.gql(`query ($id: ID!) { experiment(id: $id) { queueLength } }`, { id: experimentId }, token);
  return data?.experiment.queueLength;
}

describe.each([
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
])('export and enqueue at $width px, in Chromium', (viewport) => {
  it('downloads the trials as CSV and JSON with the session cookie', async () => {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    page = await context.newPage();
    await signIn(page, server, EMAIL, PASSWORD);
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    await page.waitForSelector('[data-testid=export-csv]');

    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')]);
    expect(csv.suggestedFilename()).toBe('Exported_quoted_-trials.csv');
    const text = readFileSync((await csv.path())!, 'utf8');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'number,state,params.activation,params.epochs,params.layers,params.x,loss,metrics.note,error,worker,optimizer,created_at,completed_at,pruned_step,feasible',
    );
    expect(lines.length).toBeGreaterThanOrEqual(4); // the three trials (and one per earlier width's form test)
    expect(lines[1]).toMatch(/^1,COMPLETED,/);
    expect(lines[1]).toContain(",0.5,'=cmd(),");

    const [json] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
    const document = JSON.parse(readFileSync((await json.path())!, 'utf8'));
    expect(document.experiment.name).toBe(EXPERIMENT.name);
    expect(document.trials.slice(0, 3).map((t: { loss: number }) => t.loss)).toEqual([0.5, 1.5, 2.5]);
    if (viewport.width === 390) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  });

  it('queues a parameter set from the form: a bad value is named beside its field, a good one is queued and handed out next', async () => {
    const context = await browser.newContext({ viewport });
    page = await context.newPage();
    await signIn(page, server, EMAIL, PASSWORD);
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    const form = page.locator('[data-testid=enqueue-form]');
    await form.waitFor();
    expect(await form.textContent()).toContain('(constant)');

    await form.locator('[data-param=x]').fill('50');
    await form.locator('[data-param=layers]').fill('3');
    await form.locator('[data-param=activation]').selectOption({ label: '=gelu' });
    await form.locator('button[type=submit]').click();
    const error = form.locator('[data-error-for=x]');
    await error.waitFor();
    expect(await error.textContent()).toContain('params.x must be between -10 and 10, but got 50');
    expect(await form.locator('[data-param=x]').getAttribute('aria-invalid')).toBe('true');
    expect(await queued()).toBe(0);
    if (viewport.width === 390) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await form.locator('[data-param=x]').fill('-2.5');
    await form.locator('button[type=submit]').click();
    const done = page.locator('[data-testid=enqueued]');
    await done.waitFor();
    expect(await done.textContent()).toContain('activation = =gelu, epochs = 20, layers = 3, x = -2.5');
    expect(await form.locator('[data-error-for=x]').count()).toBe(0);
    await page.locator('[data-testid=queue] li').first().waitFor();
    expect(await page.locator('[data-testid=queue] li').count()).toBe(1);
    expect(await queued()).toBe(1);
    if (viewport.width === 390) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The next suggest takes it; the open page's list follows.
    const { data } = await server.gql(SUGGEST, { e: EXPERIMENT }, token);
    expect(data?.suggest).toMatchObject({ params: { x: -2.5, layers: 3, activation: '=gelu', epochs: 20 }, optimizer: 'enqueued' });
    await page.locator('[data-testid=queue]').waitFor({ state: 'detached', timeout: 15_000 });
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: {loss: 9}) { id } }`, { id: data!.suggest.id }, token);
    await context.close();
  });
});
