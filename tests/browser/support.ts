// Shared by the dashboard's browser test, benchmark and screenshots: Debian's Chromium through
// playwright-core (no browser download), and a server with a signed-up user.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, startServer, type TestServer } from '../harness.ts';
import { DEMO_PARAMETERS } from './seed.ts';

/** Debian's Chromium; CHROMIUM overrides it. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Fails with what to do when the dashboard is not built or Chromium is missing. */
export function assertPrerequisites(): void {
  if (!existsSync(join(ROOT, 'web/build/handler.js'))) {
    throw new Error('The dashboard is not built (web/build/handler.js is missing): run `npm run build` first.');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM.`);
  }
}

/** Launches headless Chromium with the flags this project's machines need. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** The dashboard's origin for a test server (its `url` is the /graphql endpoint). */
export function origin(server: TestServer): string {
  return new URL(server.url).origin;
}

/** Creates a dashboard user through the CLI. */
export async function createUser(server: TestServer, email: string, password: string): Promise<void> {
  const result = await server.cli('user', 'create', '--email', email, '--password', password);
  if (result.code !== 0) throw new Error(`user create failed: ${result.stderr}`);
}

/** Signs in through the dashboard's form; resolves on the experiments page. */
export async function signIn(page: Page, server: TestServer, email: string, password: string): Promise<void> {
  await page.goto(`${origin(server)}/signin`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(/\/experiments$/), page.click('button:has-text("Sign in")')]);
}

/** Creates an experiment with the demo parameter space by one `suggest` (and completes that trial). */
export async function createExperiment(server: TestServer, token: string, name: string, description = ''): Promise<string> {
  const suggested = await server.gql(
    `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "worker-1") { id experiment { id } } }`,
    { experiment: { name, description, parameters: DEMO_PARAMETERS, algorithm: 'random' } },
    token,
  );
  const trial = suggested.data?.suggest;
  if (!trial) throw new Error(`suggest failed: ${JSON.stringify(suggested.errors)}`);
  await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: 1.2, accuracy: 0.1, train_seconds: 60 }) { id } }`, { id: trial.id }, token);
  return trial.experiment.id as string;
}

/** Waits until every chart on the page has drawn; returns how many there are. */
export async function chartsRendered(page: Page, timeout = 30_000): Promise<number> {
  await page.waitForFunction(
    () => {
      const charts = [...document.querySelectorAll('[data-chart]')];
      return charts.length > 0 && charts.every((c) => c.getAttribute('data-rendered') === 'true');
    },
    undefined,
    { timeout, polling: 'raf' },
  );
  return page.locator('[data-chart]').count();
}

export { startServer, type TestServer };
