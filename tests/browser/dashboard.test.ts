import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, chartsRendered, launchChromium, origin, startServer, type TestServer } from './support.ts';

const EMAIL = 'lin@example.com';
const PASSWORD = 'a-long-password';
const PARAMETERS = { x: { min: -10, max: 10 }, lr: { min: 1e-4, max: 1, distribution: 'log_uniform' }, act: ['relu', 'tanh'] };
const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "e2e") { id number params experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state } }`;

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  const created = await server.cli('user', 'create', '--email', EMAIL, '--password', PASSWORD);
  expect(created.code).toBe(0);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

// When a step fails, show where the page was and what the server said, to tell a slow machine from a bug.
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** One trial through the API with `token`: suggest, then report a loss (x² plus a little for tanh). */
async function runTrial(token: string, complete = true) {
  const suggested = await server.gql(SUGGEST, { experiment: { name: 'e2e', description: 'End to end', parameters: PARAMETERS } }, token);
  const trial = suggested.data?.suggest;
  expect(trial, JSON.stringify(suggested.errors)).toBeTruthy();
  if (complete) {
    const loss = trial.params.x ** 2 + (trial.params.act === 'tanh' ? 1 : 0);
    const updated = await server.gql(UPDATE, { id: trial.id, result: { loss, accuracy: 1 / (1 + loss) } }, token);
    expect(updated.data?.update.state).toBe('COMPLETED');
  }
  return trial as { id: string; number: number; experiment: { id: string } };
}

describe('the dashboard, in Chromium', () => {
  let token = '';
  let experimentId = '';

  it('sends signed-out visitors to the sign-in form, refuses a wrong password and signs in', async () => {
    await page.goto(`${origin(server)}/experiments`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button:has-text("Sign in")');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('Wrong e-mail or password');

    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(/\/experiments$/), page.click('button:has-text("Sign in")')]);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'oscar_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    expect(await page.textContent('header')).toContain(EMAIL);
    expect(await page.getAttribute('a[href="/graphql"]', 'href')).toBe('/graphql');
  });

  it('creates an API token in the Account panel, shown once', async () => {
    await page.click('nav a:has-text("Account")');
    await page.fill('input[aria-label="Token name"]', 'e2e worker');
    await page.click('button:has-text("Create token")');
    token = await page.inputValue('[data-testid=new-token]');
    expect(token).toMatch(/^oscar_/);
    await page.waitForSelector('tr:has-text("e2e worker") .badge:has-text("active")');
    await page.click('button:has-text("Done")');
    expect(await page.locator('[data-testid=new-token]').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
  });

  it('lists the experiments the token runs, then shows their trials and charts', async () => {
    for (let i = 0; i < 10; i++) experimentId = (await runTrial(token)).experiment.id;
    await page.click('nav a:has-text("Experiments")');
    const row = page.locator('tr:has-text("e2e")');
    await expect.poll(() => row.textContent()).toContain('10');
    // The list is live: a new trial shows without a reload, well before the 30 s fallback refresh.
    await runTrial(token);
    await expect.poll(() => row.textContent(), { timeout: 3000 }).toContain('11');
    await row.locator('a').click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}$`));
    await page.waitForSelector('[data-trial="11"]');
    expect(await page.textContent('[data-testid=trial-count]')).toBe('11');
    expect(await page.locator('[role=columnheader]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('act'), expect.stringContaining('lr'), expect.stringContaining('x'), expect.stringContaining('accuracy')]),
    );
    expect(await page.locator('.row.best .star').count()).toBe(1);

    const charts = await chartsRendered(page);
    expect(charts).toBeGreaterThanOrEqual(6);
    await page.waitForSelector('[data-chart="Parameter importance"][data-rendered=true]');
    // Every chart has drawn something: count non-blank pixels on each canvas.
    const inked = await page.$$eval('[data-chart] canvas', (canvases) =>
      canvases.map((canvas) => {
        const { data } = (canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height);
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
        return count;
      }),
    );
    expect(inked.length).toBe(charts);
    for (const pixels of inked) expect(pixels).toBeGreaterThan(500);
  });

  it('shows new trials and results live, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await expect.poll(() => page.textContent('.live')).toBe('Live');
    const trial = await runTrial(token, false);
    await page.waitForSelector(`[data-trial="${trial.number}"] .state:has-text("running")`, { timeout: 5000 });
    await server.gql(UPDATE, { id: trial.id, result: { loss: -1, accuracy: 1 } }, token);
    await page.waitForSelector(`[data-trial="${trial.number}"] .state:has-text("completed")`, { timeout: 5000 });
    await expect.poll(() => page.textContent('[data-testid=best-loss]')).toContain(`#${trial.number}`);
    expect(await page.locator(`[data-trial="${trial.number}"].best`).count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('sorts the trial table by a column', async () => {
    await page.click('[role=columnheader] button:has-text("Loss")');
    const firstRow = page.locator('[data-testid=trial-table] [data-trial]').first();
    expect(await firstRow.getAttribute('class')).toContain('best');
    await page.click('[role=columnheader] button:has-text("Loss")');
    expect(await page.locator('[data-testid=trial-table] [data-trial]').first().getAttribute('class')).not.toContain('best');
  });

  it('revokes the token in the Account panel, after which the API refuses it', async () => {
    await page.click('nav a:has-text("Account")');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('tr:has-text("e2e worker") button:has-text("Revoke")');
    await page.waitForSelector('tr:has-text("e2e worker") .badge:has-text("revoked")');
    const refused = await server.gql(SUGGEST, { experiment: { name: 'e2e', parameters: PARAMETERS } }, token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('links to GraphiQL, which loads without any outside network and runs a query with the session', async () => {
    const [explorer] = await Promise.all([page.context().waitForEvent('page'), page.click('a:has-text("GraphiQL")')]);
    await explorer.waitForSelector('.graphiql-container', { timeout: 15_000 });
    await explorer.waitForSelector('.graphiql-query-editor', { timeout: 15_000 });
    const answer = await explorer.evaluate(async () => {
      const response = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { email } }"}' });
      return response.json();
    });
    expect(answer).toEqual({ data: { me: { email: expect.stringContaining('@') } } });
    await explorer.close();
  });

  it('signs out: the session cookie stops working', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'oscar_session')!;
    await Promise.all([page.waitForURL(/\/signin$/), page.click('button:has-text("Sign out")')]);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `oscar_session=${cookie.value}` },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    expect(JSON.stringify(await response.json())).toContain('UNAUTHENTICATED');
    await page.goto(`${origin(server)}/account`);
    expect(new URL(page.url()).pathname).toBe('/signin');
  });
});
