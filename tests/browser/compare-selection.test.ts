// Ticking experiments on the experiments list to compare them, at 1440 px and on a 390 px phone: a
// box per row named by the experiment and its version, "Compare selected (N)" enabled for 2 to 8, the
// Compare page showing the ticked ones; a deleted experiment leaves the selection live; names as text.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'picker@example.com';
const PASSWORD = 'a-long-password';
const TIMEOUT = 30_000;
/** Runs when a payload gets the chance to. */
const PAYLOAD = `<img src=x onerror="window.__xss=(window.__xss||0)+1">`;
const IMPORT = `mutation ($experiment: ExperimentInput!, $trials: [ImportedTrialInput!]!) {
  importTrials(experiment: $experiment, trials: $trials) { experiment { id } }
}`;
const DELETE = `mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`;
/** Subscriptions the experiments list holds: activity and deletions. */
const LIST_SUBSCRIPTIONS = 2;

let server: TestServer;
let browser: Browser;
let token: string;
let alpha: string;
let hostile: string;
/** Seven more, so that nine can be ticked. */
let fillers: string[];

async function gql(query: string, variables: Record<string, unknown>) {
  const response = await server.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

/** An experiment with one finished trial of loss `loss`; returns its id. */
async function experiment(name: string, loss: number): Promise<string> {
  const imported = await gql(IMPORT, { experiment: { name, parameters: { lr: { min: 0.01, max: 1 } }, algorithm: 'random' }, trials: [{ params: { lr: 0.5 }, result: { loss } }] });
  return imported.importTrials.experiment.id as string;
}

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  alpha = await experiment('Alpha', 2);
  hostile = await experiment(PAYLOAD, 1.5);
  fillers = [];
  for (let i = 1; i <= 7; i++) fillers.push(await experiment(`Filler ${i}`, i));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

let page: Page | undefined;
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

describe.each([
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
])('ticking experiments to compare at $width px, in Chromium', (viewport) => {
  let context: BrowserContext;

  beforeAll(async () => {
    context = await browser.newContext({ viewport });
    await context.addInitScript(() => {
      let runs = 0;
      Object.defineProperty(window, '__xss', { configurable: true, get: () => runs, set: (value: number) => (runs = value) });
    });
    page = await context.newPage();
    await signIn(page, server, EMAIL, PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
  });

  const button = () => page!.locator('[data-testid=compare-selected]');
  const tickBox = (label: string) => page!.getByRole('checkbox', { name: `Compare ${label}`, exact: true });

  /** The list, read on the server and hydrated: its subscriptions listen (the page before it left first). */
  async function openList(): Promise<void> {
    await page!.goto('about:blank');
    await server.listening(token, 0, TIMEOUT);
    await page!.goto(`${origin(server)}/experiments`);
    await server.listening(token, LIST_SUBSCRIPTIONS, TIMEOUT);
  }

  /** The page does not scroll sideways, and the compare button is wholly on screen. */
  async function expectFits(): Promise<void> {
    expect(await page!.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    const box = (await button().boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
  }

  /** No payload ran, and none became an element. */
  async function expectNoInjection(): Promise<void> {
    expect(await page!.evaluate(() => (window as unknown as { __xss: number }).__xss)).toBe(0);
    expect(await page!.locator('img[src=x]').count()).toBe(0);
  }

  it('ticks two experiments, one named with a payload, and compares them', async () => {
    const p = page!;
    await openList();
    expect(await p.getByRole('checkbox', { name: /^Compare / }).count()).toBe(9);
    expect(await button().textContent()).toBe('Compare selected (0)');
    expect(await button().isDisabled()).toBe(true);
    await tickBox('Alpha v1').check();
    await expect.poll(() => button().textContent()).toBe('Compare selected (1)');
    expect(await button().isDisabled()).toBe(true);
    // The box is named by the experiment's name as text: the payload is its label, not an element.
    await tickBox(`${PAYLOAD} v1`).check();
    await expect.poll(() => button().textContent()).toBe('Compare selected (2)');
    expect(await button().isEnabled()).toBe(true);
    await expectFits();
    await expectNoInjection();

    await button().click();
    await p.waitForURL((url) => url.pathname === '/compare' && url.searchParams.get('ids') === `${alpha},${hostile}`, { timeout: TIMEOUT });
    const columns = p.locator('[data-testid=column]');
    await expect.poll(async () => (await columns.allTextContents()).map((text) => text.trim()), { timeout: TIMEOUT }).toEqual(['Alpha v1', `${PAYLOAD} v1`]);
    expect((await p.locator('[data-row=best] td').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())).toEqual(['2 trial 1', '1.5 trial 1']);
    if (viewport.width < 400) expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    await expectNoInjection();
  });

  it('drops an experiment deleted elsewhere out of the selection, live', async () => {
    const doomed = await experiment(`Doomed ${viewport.width}`, 9);
    await openList();
    await tickBox('Alpha v1').check();
    await tickBox(`Doomed ${viewport.width} v1`).check();
    await expect.poll(() => button().textContent()).toBe('Compare selected (2)');
    expect(await button().isEnabled()).toBe(true);

    await gql(DELETE, { id: doomed });
    await page!.locator(`a[href="/experiments/${doomed}"]`).waitFor({ state: 'detached', timeout: TIMEOUT });
    await expect.poll(() => button().textContent(), { timeout: TIMEOUT }).toBe('Compare selected (1)');
    expect(await button().isDisabled()).toBe(true);
    expect(await tickBox('Alpha v1').isChecked()).toBe(true);
    await expectFits();
  });

  it('compares at most 8: a ninth disables the button until one is unticked', async () => {
    await openList();
    const labels = ['Alpha v1', `${PAYLOAD} v1`, ...fillers.map((_, i) => `Filler ${i + 1} v1`)];
    for (const label of labels) await tickBox(label).check();
    await expect.poll(() => button().textContent()).toBe('Compare selected (9)');
    expect(await button().isDisabled()).toBe(true);
    expect(await page!.locator('#compare-hint').textContent()).toContain('At most 8 at once');
    await expectFits();

    await tickBox('Filler 7 v1').uncheck();
    await expect.poll(() => button().textContent()).toBe('Compare selected (8)');
    expect(await button().isEnabled()).toBe(true);
    await button().click();
    await page!.waitForURL((url) => url.pathname === '/compare' && url.searchParams.get('ids') === [alpha, hostile, ...fillers.slice(0, 6)].join(','), { timeout: TIMEOUT });
    await expect.poll(() => page!.locator('[data-testid=column]').count(), { timeout: TIMEOUT }).toBe(8);

    // Back on the list, nothing is ticked; Clear unticks all at once.
    await openList();
    expect(await button().textContent()).toBe('Compare selected (0)');
    await tickBox('Alpha v1').check();
    await tickBox('Filler 1 v1').check();
    await page!.getByRole('button', { name: 'Clear', exact: true }).click();
    await expect.poll(() => button().textContent()).toBe('Compare selected (0)');
    expect(await page!.getByRole('checkbox', { name: /^Compare /, checked: true }).count()).toBe(0);
    await expectNoInjection();
  });
});
