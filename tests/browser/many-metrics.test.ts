// A run that logs thousands of differently named metrics: the Trials panel draws a bounded number of
// metric charts and table columns (those the most trials report), says how many it leaves out, and
// stays quick to load.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { browserTestHooks } from './hooks.ts';
import { assertPrerequisites, chartsRendered, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'metrics@example.com';
const PASSWORD = 'a-long-password';
const IMPORT = `mutation ($experiment: ExperimentInput!, $trials: [ImportedTrialInput!]!) {
  importTrials(experiment: $experiment, trials: $trials) { experiment { id } }
}`;
const TRIALS = 50;
/** Metrics only one trial reports, per trial: 50 × 40 = 2,000 names, besides `accuracy` (every trial). */
const OWN_METRICS = 40;
/** What the page may take to draw, table and charts, on a busy 2-core machine: a wide margin. */
const LOAD_MS = 60_000;

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let id: string;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  const token = await server.token(EMAIL);
  const trials = Array.from({ length: TRIALS }, (_, t) => ({
    params: { x: t / TRIALS },
    result: { loss: 1 - t / TRIALS, accuracy: t / TRIALS, ...Object.fromEntries(Array.from({ length: OWN_METRICS }, (_, m) => [`t${t}_m${m}`, m])) },
  }));
  const imported = await server.gql(IMPORT, { experiment: { name: 'Logs everything', parameters: { x: { min: 0, max: 1 } }, algorithm: 'random' }, trials }, token);
  expect(imported.errors).toBeUndefined();
  id = imported.data!.importTrials.experiment.id;
  browser = await launchChromium();
}, 120_000);
browserTestHooks(() => ({ server, browser, page }));

it('draws at most 24 metric charts and 50 metric columns of 2,001 metrics, says so, and loads in time', async () => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, server, EMAIL, PASSWORD);
  const started = Date.now();
  await page.goto(`${origin(server)}/experiments/${id}`);
  await page.locator('[data-testid=trial-table] [data-trial]').first().waitFor({ timeout: LOAD_MS });
  await chartsRendered(page, LOAD_MS);
  expect(Date.now() - started).toBeLessThan(LOAD_MS);

  const metricCharts = page.locator('section:has(h2:has-text("Custom metrics over time")) figure');
  expect(await metricCharts.count()).toBe(24);
  // The metric every trial reports is among them (the others are reported by one trial each).
  expect(await metricCharts.locator('figcaption').allTextContents()).toContain('accuracy');
  expect(await page.textContent('[data-testid=metric-charts-hidden]')).toBe('1,977 more metrics not shown (export CSV for all)');

  const metricColumns = page.locator('[data-testid=trial-table] [role=columnheader].metric');
  expect(await metricColumns.count()).toBe(50);
  expect(await metricColumns.allTextContents()).toContainEqual(expect.stringContaining('accuracy'));
  expect(await page.textContent('[data-testid=metric-columns-hidden]')).toBe('1,951 more metrics not shown (export CSV for all)');
}, 180_000);
