import type { Browser, ConsoleMessage, Page, Request, Response, WebError } from 'playwright-core';
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
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('11');
    await row.locator('a').click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}$`));
    await page.waitForSelector('[data-trial="11"]');
    expect(await page.textContent('[data-testid=trial-count]')).toBe('11');
    expect(await page.locator('[role=columnheader]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('act'), expect.stringContaining('lr'), expect.stringContaining('x'), expect.stringContaining('accuracy')]),
    );
    expect(await page.locator('.row.best .star').count()).toBe(1);

    // Parameter importance arrives last (computed off the event loop): then every chart is there.
    await page.waitForSelector('[data-chart="Parameter importance"][data-rendered=true]', { timeout: 30_000 });
    const charts = await chartsRendered(page);
    expect(charts).toBeGreaterThanOrEqual(7);
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
    await page.waitForSelector(`[data-trial="${trial.number}"] .state:has-text("running")`, { timeout: 30_000 });
    // A checkpoint saved by the worker shows on its trial (in a column that appears with the first one).
    const saved = await server.gql(`mutation ($id: ID!) { checkpoint(trialId: $id, data: {epoch: 7, path: "/shared/run-7"}) { id } }`, { id: trial.id }, token);
    expect(saved.errors).toBeUndefined();
    const cell = page.locator(`[data-trial="${trial.number}"] [role=cell][title]`);
    await cell.waitFor({ timeout: 30_000 });
    expect(await cell.textContent()).toContain('"epoch":7');
    expect(JSON.parse((await cell.getAttribute('title'))!)).toEqual({ epoch: 7, path: '/shared/run-7' });
    expect(await page.locator('[role=columnheader]:has-text("Checkpoint")').count()).toBe(1);
    await server.gql(UPDATE, { id: trial.id, result: { loss: -1, accuracy: 1 } }, token);
    await page.waitForSelector(`[data-trial="${trial.number}"] .state:has-text("completed")`, { timeout: 30_000 });
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

  it('shows what is left of a trial budget, on the first paint and live', async () => {
    const budgeted = { name: 'Budgeted e2e', parameters: { x: { min: 0, max: 1 } }, maxTrials: 3 };
    const first = await server.gql(SUGGEST, { experiment: budgeted }, token);
    const id = first.data?.suggest.experiment.id;
    const html = await (await page.request.get(`${origin(server)}/experiments/${id}`)).text();
    expect(html).toContain('2 of 3 left');
    await page.goto(`${origin(server)}/experiments/${id}`);
    await expect.poll(() => page.textContent('.live')).toBe('Live');
    expect(await page.textContent('[data-testid=trial-budget]')).toBe('2 of 3 left');
    for (let i = 0; i < 2; i++) expect((await server.gql(SUGGEST, { experiment: budgeted }, token)).errors).toBeUndefined();
    await expect.poll(() => page.textContent('[data-testid=trial-budget]'), { timeout: 30_000 }).toBe('0 of 3 left');
    // Grid search: the points of its grid left, and with a budget too, the grid's size beside it.
    const grid = { name: 'Grid e2e', parameters: { x: { min: 1, max: 3, step: 1 }, kind: ['a', 'b'] } };
    const gridTrial = await server.gql(SUGGEST, { experiment: { ...grid, algorithm: 'grid' } }, token);
    await page.goto(`${origin(server)}/experiments/${gridTrial.data?.suggest.experiment.id}`);
    await expect.poll(() => page.textContent('.live')).toBe('Live');
    expect(await page.textContent('[data-testid=trial-budget]')).toBe('5 of 6 points left');
    expect((await server.gql(SUGGEST, { experiment: { ...grid, algorithm: 'grid', maxTrials: 4 } }, token)).errors).toBeUndefined();
    await expect.poll(() => page.textContent('[data-testid=trial-budget]'), { timeout: 30_000 }).toBe('2 of 4 left · grid of 6 points');
    // An experiment without a budget shows none.
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    await page.waitForSelector('[data-testid=trial-count]');
    expect(await page.locator('[data-testid=trial-budget]').count()).toBe(0);
  });

  it('revokes the token in the Account panel, after which the API refuses it', async () => {
    await page.click('nav a:has-text("Account")');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('tr:has-text("e2e worker") button:has-text("Revoke")');
    await page.waitForSelector('tr:has-text("e2e worker") .badge:has-text("revoked")');
    const refused = await server.gql(SUGGEST, { experiment: { name: 'e2e', parameters: PARAMETERS } }, token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('links to GraphiQL, which loads from this server alone under its CSP, completes a query and runs it with the session', async ({ onTestFailed }) => {
    const context = page.context();
    // A CSP violation anywhere shows as a console error naming the directive and what it blocked.
    await context.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ${e.sample}`), true),
    );
    const problems: string[] = [];
    onTestFailed(() => console.error(`GraphiQL's problems:\n${problems.join('\n')}`));
    /** Monaco's worker scripts by label (editor, json, graphql): their HTTP status. */
    const workerScripts = new Map<string, number>();
    const ours = (from: Page | null) => from !== page;
    const pageOf = (request: Request) => {
      try {
        return request.frame().page();
      } catch {
        return null; // a worker's request
      }
    };
    const onConsole = (message: ConsoleMessage) => {
      if (!ours(message.page())) return;
      if (message.type() === 'error' || (message.type() === 'warning' && /worker/i.test(message.text()))) problems.push(`console ${message.type()}: ${message.text()}`);
    };
    const onError = (error: WebError) => void (ours(error.page()) && problems.push(`page error: ${error.error().message}`));
    const onRequest = (request: Request) => void (ours(pageOf(request)) && new URL(request.url()).origin !== origin(server) && problems.push(`outside request: ${request.url()}`));
    const onFailed = (request: Request) => void (ours(pageOf(request)) && problems.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
    const onResponse = (response: Response) => {
      if (!ours(pageOf(response.request()))) return;
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.request().method()} ${response.url()}`);
      const worker = /^\/graphiql\/(\w+)\.worker\.[0-9a-f]+\.js$/.exec(new URL(response.url()).pathname);
      if (worker) workerScripts.set(worker[1]!, response.status());
    };
    // Listened for on the context: a new tab's first requests come before its page object does.
    context.on('console', onConsole);
    context.on('weberror', onError);
    context.on('request', onRequest);
    context.on('requestfailed', onFailed);
    context.on('response', onResponse);
    try {
      const [explorer] = await Promise.all([context.waitForEvent('page'), page.click('a:has-text("GraphiQL")')]);
      await explorer.waitForSelector('.graphiql-container', { timeout: 30_000 });
      const editor = explorer.locator('.graphiql-query-editor .monaco-editor');
      await editor.waitFor({ timeout: 30_000 });

      // Completion comes from the GraphQL worker, which knows the schema.
      await editor.click();
      await explorer.keyboard.press('Control+A');
      await explorer.keyboard.type('{ m');
      await explorer.keyboard.press('Control+Space');
      await explorer.locator('.graphiql-query-editor .suggest-widget .monaco-list-row .label-name', { hasText: /^me$/ }).waitFor({ timeout: 30_000 });
      await explorer.keyboard.press('Escape');
      // The whole query at once: typed key by key, the editor's closing brackets get in the way.
      await explorer.keyboard.press('Control+A');
      await explorer.keyboard.press('Delete');
      await explorer.keyboard.insertText('{ me { email } }');
      await explorer.click('.graphiql-execute-button');
      // Monaco draws spaces as no-break spaces.
      const response = async () => (await explorer.textContent('.graphiql-response'))?.replace(/\s+/g, ' ');
      await expect.poll(response, { timeout: 30_000 }).toContain(`"me": { "email": "${EMAIL}" }`);

      await expect.poll(() => [...workerScripts.keys()].sort(), { timeout: 30_000 }).toEqual(['editor', 'graphql', 'json']);
      expect([...new Set(workerScripts.values())]).toEqual([200]);
      expect(problems).toEqual([]);
      await explorer.close();
    } finally {
      context.off('console', onConsole);
      context.off('weberror', onError);
      context.off('request', onRequest);
      context.off('requestfailed', onFailed);
      context.off('response', onResponse);
    }
  });

  it('draws the contour over the two most important parameters until the user picks others', async () => {
    // c matters most, then b, a not at all: in the space's order the contour would show a and b.
    const experiment = { name: 'contour', parameters: { a: { min: 0, max: 1 }, b: { min: 0, max: 1 }, c: { min: -1, max: 1 } }, algorithm: 'random' };
    const fresh = await server.token(EMAIL); // the panel's token was revoked above
    let id = '';
    for (let i = 0; i < 40; i++) {
      const { data } = await server.gql(SUGGEST, { experiment }, fresh);
      id = data!.suggest.experiment.id;
      const { b, c } = data!.suggest.params as { b: number; c: number };
      await server.gql(UPDATE, { id: data!.suggest.id, result: { loss: 12 * c ** 2 + 6 * b } }, fresh);
    }
    // The ranking the page reads (seeded by the experiment: the same trials give the same order).
    const read = await server.gql(`query ($id: ID!) { experiment(id: $id) { insights { importance { parameter } } } }`, { id }, fresh);
    const ranked = (read.data?.experiment.insights.importance as { parameter: string }[]).map((i) => i.parameter);
    expect(ranked).toHaveLength(3);
    await page.goto(`${origin(server)}/experiments/${id}`);
    await page.waitForSelector('[data-chart="Parameter importance"][data-rendered=true]', { timeout: 30_000 });
    const axes = async () => [await page.locator('[data-testid=contour-x]').inputValue(), await page.locator('[data-testid=contour-y]').inputValue()];
    await expect.poll(axes, { timeout: 30_000 }).toEqual(ranked.slice(0, 2));
    // A pick is kept.
    await page.selectOption('[data-testid=contour-y]', ranked[2]!);
    await expect.poll(axes, { timeout: 30_000 }).toEqual([ranked[0], ranked[2]]);
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
