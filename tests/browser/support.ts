// Shared by the dashboard's browser test, benchmark and screenshots: Debian's Chromium through
// playwright-core (no browser download), and a server with a signed-up user.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
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

/** A spot on a chart, in CSS pixels from its top-left corner. */
export interface Spot {
  readonly x: number;
  readonly y: number;
}

/** How {@link colourSpots} matches a colour. */
export interface ColourMatch {
  /** Side of the squares pixels are grouped by, in CSS pixels. */
  readonly cell: number;
  /** Largest difference in each of red, green and blue. */
  readonly tolerance: number;
  /** Least opacity (0-255). */
  readonly alpha: number;
  /** Least pixels in a square for it to count. */
  readonly pixels: number;
}

/** Where a chart has drawn in a colour: the middle of its pixels in each square of `cell` px, from the chart's corner. */
export function colourSpots(chart: Locator, colour: readonly [number, number, number], match: ColourMatch): Promise<Spot[]> {
  return chart.evaluate(
    (element, { colour: [r, g, b], match }) => {
      const box = element.getBoundingClientRect();
      const cells = new Map<string, { x: number; y: number; n: number }>();
      for (const canvas of element.querySelectorAll('canvas')) {
        const rect = canvas.getBoundingClientRect();
        const scale = canvas.width / rect.width;
        const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 4;
            if (data[i + 3]! < match.alpha || Math.abs(data[i]! - r) > match.tolerance || Math.abs(data[i + 1]! - g) > match.tolerance || Math.abs(data[i + 2]! - b) > match.tolerance) continue;
            const cx = rect.left - box.left + x / scale;
            const cy = rect.top - box.top + y / scale;
            const key = `${Math.floor(cx / match.cell)},${Math.floor(cy / match.cell)}`;
            const cell = cells.get(key) ?? { x: 0, y: 0, n: 0 };
            cell.x += cx;
            cell.y += cy;
            cell.n++;
            cells.set(key, cell);
          }
        }
      }
      return [...cells.values()].filter((c) => c.n >= match.pixels).map((c) => ({ x: c.x / c.n, y: c.y / c.n }));
    },
    { colour: [...colour] as [number, number, number], match },
  );
}

/**
 * Hovers spots of a chart one by one (at most 60), each time waiting for its tooltip to hide and then
 * show, until the tooltips seen hold every `wanted` text; returns those tooltips' texts.
 */
export async function hoverTooltips(page: Page, chart: Locator, spots: readonly Spot[], wanted: readonly string[]): Promise<string[]> {
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  const handle = (await chart.elementHandle())!;
  const texts: string[] = [];
  for (const spot of spots.slice(0, 60)) {
    // A corner outside the plot area hides the tooltip, so the next one is known to be new.
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.waitForFunction(
      (chart) => {
        // ECharts appends its tooltip to the chart: the child without a canvas.
        const tip = [...chart.children].find((c) => !c.querySelector('canvas'));
        return !tip?.textContent || getComputedStyle(tip).visibility === 'hidden' || getComputedStyle(tip).display === 'none';
      },
      handle,
      { timeout: 10_000 },
    );
    await page.mouse.move(box.x + spot.x, box.y + spot.y);
    const shown = await page
      .waitForFunction(
        (chart) => {
          const tip = [...chart.children].find((c) => !c.querySelector('canvas'));
          return tip && getComputedStyle(tip).visibility !== 'hidden' && getComputedStyle(tip).display !== 'none' && tip.textContent ? tip.textContent : false;
        },
        handle,
        { timeout: 4000 },
      )
      .then((result) => result.jsonValue() as Promise<string>)
      .catch(() => null);
    if (shown) texts.push(shown);
    if (wanted.every((w) => texts.some((t) => t.includes(w)))) break;
  }
  return texts;
}

export { startServer, type TestServer };

/** Subscriptions an open Trials panel holds: its trials, and its header's activity (versions' counts) and deletions. */
export const PANEL_SUBSCRIPTIONS = 3;
