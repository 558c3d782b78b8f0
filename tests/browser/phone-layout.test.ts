// Every page on a 390 px phone: nothing scrolls sideways (a wide table scrolls inside its own box),
// the header's links are all on screen, a new token's box and its Done button fit and work, and the
// parallel coordinates name their axes in full. The Account table's cells line up at any width.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedTrials } from './seed.ts';
import { assertPrerequisites, chartsRendered, createExperiment, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'a-rather-long-address.for-a-phone@example.com';
const PASSWORD = 'a-long-password';
const PHONE = { width: 390, height: 844 };
const TIMEOUT = 30_000;

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId: string;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  const token = await server.token(EMAIL);
  experimentId = await createExperiment(server, token, 'mnist-cnn-with-a-long-name', 'Small CNN on MNIST: learning rate, depth, dropout and activation');
  await seedTrials({ databaseUrl: server.databaseUrl, experimentId, count: 40, running: 2, seed: 9 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** How far the page scrolls sideways, and the elements that stick out (outside boxes that scroll on their own). */
function sideways(): Promise<{ overflow: number; culprits: string[] }> {
  // Against the phone's width, not window.innerWidth: a mobile browser widens its layout viewport to
  // content wider than the screen, so innerWidth grows with the very overflow this looks for.
  return page.evaluate((width) => ({
    overflow: document.documentElement.scrollWidth - width,
    culprits: [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 0.5)
      .filter((element) => ![...document.querySelectorAll('body *')].some((box) => box !== element && box.contains(element) && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(box).overflowX)))
      .slice(0, 5)
      .map((element) => `<${element.localName} class="${element.getAttribute('class') ?? ''}"> right ${Math.round(element.getBoundingClientRect().right)}`),
  }), PHONE.width);
}

/** Asserts the page does not scroll sideways: document.documentElement.scrollWidth <= the phone's width. */
async function expectNoSideways(where: string): Promise<void> {
  const { overflow, culprits } = await sideways();
  expect(overflow, `${where} scrolls sideways by ${overflow}px: ${culprits.join(', ')}`).toBeLessThanOrEqual(0);
}

/** Whether an element is wholly on screen (horizontally) and shown. */
async function onScreen(selector: string): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= PHONE.width;
}

/** Asserts every header link is on screen. */
async function expectHeaderOnScreen(signedIn: boolean): Promise<void> {
  const links = ['header a.brand', 'header a[href="/graphql"]', ...(signedIn ? ['header nav a[href="/experiments"]', 'header nav a[href="/account"]', 'header button:has-text("Sign out")'] : [])];
  for (const link of links) expect(await onScreen(link), `${link} on screen`).toBe(true);
}

/** Every cell of each Account table row spans the same height: no cell sits a pixel off its row. */
async function expectTokenRowsAligned(): Promise<void> {
  const rows = await page.locator('tr[data-token-id]').evaluateAll((rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((cell) => [cell.getBoundingClientRect().top, cell.getBoundingClientRect().bottom])),
  );
  expect(rows.length).toBeGreaterThan(0);
  for (const cells of rows) {
    for (const [top, bottom] of cells) {
      expect(Math.abs(top! - cells[0]![0]!)).toBeLessThan(0.25);
      expect(Math.abs(bottom! - cells[0]![1]!)).toBeLessThan(0.25);
    }
  }
}

describe('the dashboard on a 390 px phone, in Chromium', () => {
  it('signs in without the page scrolling sideways', async () => {
    await page.goto(`${origin(server)}/signin`);
    await page.waitForSelector('input[name=email]');
    await expectNoSideways('the sign-in page');
    await expectHeaderOnScreen(false);
    await signIn(page, server, EMAIL, PASSWORD);
  });

  it('lists the experiments, its header links all on screen', async () => {
    await page.waitForSelector('table tbody tr');
    await expectNoSideways('the experiments list');
    await expectHeaderOnScreen(true);
  });

  it('shows the Trials panel: charts and table fit, the table scrolls in its own box, parallel axes named in full', async () => {
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    await page.waitForSelector('[data-trial]', { timeout: TIMEOUT });
    await page.waitForSelector('[data-chart="Parameter importance"][data-rendered=true]', { timeout: TIMEOUT });
    await chartsRendered(page, TIMEOUT);
    await expectNoSideways('the Trials panel');
    await expectHeaderOnScreen(true);
    expect(await onScreen('[data-testid=trial-table]')).toBe(true);
    const table = await page.locator('[data-testid=trial-table]').evaluate((box) => ({ scrollWidth: box.scrollWidth, clientWidth: box.clientWidth }));
    expect(table.scrollWidth).toBeGreaterThan(table.clientWidth);
    for (const control of ['Linear', 'Log', 'All', 'Best 90%', 'Best 50%']) {
      expect(await onScreen(`[data-testid=value-axis] button:text-is("${control}")`), `${control} on screen`).toBe(true);
    }

    // The text ECharts draws for the parallel axes' names: whole words, not "learn…".
    const texts = await page.locator('[data-chart="Parallel coordinates"]').evaluate((element) =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      ((element as any).echarts.getZr().storage.getDisplayList(true) as { style?: { text?: string } }[]).map((shape) => shape.style?.text).filter((text) => typeof text === 'string'),
    );
    for (const name of ['learning_rate', 'layers', 'dropout', 'activation', 'loss']) expect(texts).toContain(name);
  }, 120_000);

  it('wraps a long choice with no spaces in the Best parameters line instead of scrolling sideways', async () => {
    const token = await server.token(EMAIL);
    const long = `${'resnet50_imagenet_pretrained_'.repeat(6)}v2`;
    const experiment = { name: 'long-choice', parameters: { weights: [`${long}_a`, `${long}_b`], x: { min: 0, max: 1 } }, algorithm: 'random' };
    const suggested = await server.gql(`mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "w") { id params experiment { id } } }`, { experiment }, token);
    const trial = suggested.data?.suggest;
    expect(trial, JSON.stringify(suggested.errors)).toBeTruthy();
    // The only completed trial, so the best: its choice (either is 180 characters with no place to break) is in the line.
    const updated = await server.gql(`mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`, { id: trial.id, result: { loss: 1 } }, token);
    expect(updated.data?.update.state, JSON.stringify(updated.errors)).toBe('COMPLETED');
    await page.goto(`${origin(server)}/experiments/${trial.experiment.id}`);
    await page.waitForSelector('.best-params code', { timeout: TIMEOUT });
    expect(await page.locator('.best-params').textContent()).toContain(`weights = ${trial.params.weights}`);
    await expectNoSideways('the Trials panel with a long best choice');
    await page.goto(`${origin(server)}/experiments/${trial.experiment.id}/trials/1`);
    await page.waitForSelector(`text=${trial.params.weights}`, { timeout: TIMEOUT });
    await expectNoSideways('the trial page with a long choice');
  });

  it('creates a token in the Account panel: its box and Done button fit and work', async () => {
    await page.click('header nav a[href="/account"]');
    await page.waitForSelector('tr[data-token-id]');
    await expectNoSideways('the Account panel');
    await expectHeaderOnScreen(true);
    await expectTokenRowsAligned();

    await page.fill('input[aria-label="Token name"]', 'phone');
    await page.click('button:has-text("Create token")');
    await page.waitForSelector('[data-testid=new-token]');
    await page.waitForSelector('tr:has-text("phone") .badge:has-text("active")');
    await expectNoSideways('the Account panel with a new token');
    for (const part of ['section[aria-label="New API token"]', '[data-testid=new-token]', 'button:has-text("Copy")', 'button:has-text("Done")']) {
      expect(await onScreen(part), `${part} on screen`).toBe(true);
    }
    await page.click('button:has-text("Done")');
    await page.waitForSelector('[data-testid=new-token]', { state: 'detached' });
    await expectNoSideways('the Account panel');
  });

  it('lines up the Account table’s cells at 1440 px too', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.reload();
    await page.waitForSelector('tr[data-token-id]');
    await expectTokenRowsAligned();
    await page.setViewportSize(PHONE);
  });
});
