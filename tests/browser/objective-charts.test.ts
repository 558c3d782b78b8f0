// The Trials panel of an experiment whose objectives do not include `loss`: the loss charts plot its
// first objective instead, titled with its name, the best so far following its direction (rising
// for a maximised one), parameter importance shown; the name is text everywhere, tooltips included;
// objectives a resuming worker switches to re-rank and re-chart the open page.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, colourSpots, createUser, hoverTooltips, launchChromium, origin, signIn, startServer, type Spot, type TestServer } from './support.ts';

const EMAIL = 'condorcet@example.com';
const PASSWORD = 'a-long-password';
const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "w") { id number experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state loss } }`;
const TIMEOUT = 30_000;

/** Colours of the loss chart (web/src/routes/(app)/experiments/[id]/charts.ts): the best-so-far line, and the trials' points. */
const ORANGE = [217, 72, 15] as const;
const BLUE = [47, 93, 138] as const;

const PARAMETERS = { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } };
/** Accuracy to maximise first: the best so far rises 0.52, 0.63, 0.7, 0.79, 0.88. */
const ACCURACIES = [0.52, 0.41, 0.63, 0.58, 0.7, 0.66, 0.79, 0.74, 0.88, 0.85];
const ACCURATE = { name: 'accurate first', parameters: PARAMETERS, algorithm: 'random', objectives: { accuracy: 'maximize', latency_ms: 'minimize' } };

/** A sole objective, to minimise, named to run script if the dashboard ever put it into HTML. */
const LATENCY = 'latency <img src=x onerror="window.__xss=1">';
const LATENCIES = [40, 55, 31, 33, 22, 25, 14, 18, 9, 12];
const FAST = { name: 'fast', parameters: PARAMETERS, algorithm: 'random', objectives: { [LATENCY]: 'minimize' } };

let server: TestServer;
let browser: Browser;
let page: Page;
let token: string;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, server, EMAIL, PASSWORD);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs one trial of `experiment` to completion with `result` (no loss in it); the experiment's id. */
async function runTrial(experiment: object, result: Record<string, number>): Promise<string> {
  const suggested = await server.gql(SUGGEST, { experiment }, token);
  const trial = suggested.data?.suggest;
  expect(trial, JSON.stringify(suggested.errors)).toBeTruthy();
  const updated = await server.gql(UPDATE, { id: trial.id, result }, token);
  expect(updated.data?.update, JSON.stringify(updated.errors)).toEqual({ state: 'COMPLETED', loss: null });
  return trial.experiment.id;
}

/** A chart by its accessible name (its `label`). */
function chart(label: string): Locator {
  return page.getByRole('img', { name: label, exact: true });
}

/** The labels of every chart on the page. */
function chartLabels(): Promise<string[]> {
  return page.locator('[data-chart]').evaluateAll((charts) => charts.map((c) => c.getAttribute('data-chart')!).sort());
}

/** Where the best-so-far line is drawn, below the legend (the plot starts 16 px down), left to right. */
async function bestSoFar(label: string): Promise<Spot[]> {
  const spots = await colourSpots(chart(label), ORANGE, { cell: 12, tolerance: 10, alpha: 120, pixels: 3 });
  return spots.filter((spot) => spot.y > 13).sort((a, b) => a.x - b.x);
}

/** How far (px) the line goes down the chart anywhere from left to right: 0 when it never falls. */
function worstFall(line: readonly Spot[]): number {
  let fall = 0;
  for (const a of line) for (const b of line) if (b.x > a.x + 12) fall = Math.max(fall, b.y - a.y);
  return fall;
}

/** Spots of the trials' points (translucent blue squares), below the legend. */
async function points(label: string): Promise<Spot[]> {
  const spots = await colourSpots(chart(label), BLUE, { cell: 6, tolerance: 8, alpha: 40, pixels: 1 });
  return spots.filter((spot) => spot.y > 13);
}

describe('the loss charts of an experiment without a loss, in Chromium', () => {
  it('plots the first objective, titled accuracy, its best so far rising; importance shown', async () => {
    let id = '';
    for (const [i, accuracy] of ACCURACIES.entries()) id = await runTrial(ACCURATE, { accuracy, latency_ms: 10 + i });
    await page.goto(`${origin(server)}/experiments/${id}`);
    await page.waitForSelector('[data-chart="accuracy over trials"][data-rendered=true]', { timeout: TIMEOUT });

    const headings = (await page.locator('.card h2').allTextContents()).map((h) => h.replace(/\s+/g, ' ').trim());
    expect(headings).toContain('accuracy over trials · best so far (the highest) in orange');
    expect(headings).toContain('accuracy by parameter · most important first');
    expect(headings.find((h) => h.startsWith('Parallel coordinates'))).toBe('Parallel coordinates · 10 completed trials; darker is a higher accuracy');
    expect(headings.some((h) => /loss/i.test(h))).toBe(false);

    // Importance is computed on accuracy: 10 completed trials are enough.
    await page.waitForSelector('[data-chart="Parameter importance"][data-rendered=true]', { timeout: TIMEOUT });
    expect(await chartLabels()).toEqual(
      [
        'Pareto front',
        'accuracy over trials',
        'Parameter importance',
        'Parallel coordinates',
        'accuracy against x',
        'accuracy against y',
        'Contour',
        'accuracy distribution',
        'Metric accuracy',
        'Metric latency_ms',
      ].sort(),
    );

    // The best so far steps up from the first trial's accuracy to the best one's, and never down.
    const line = await bestSoFar('accuracy over trials');
    expect(line.length).toBeGreaterThan(10);
    expect(worstFall(line)).toBeLessThanOrEqual(6);
    expect(line[0]!.y - line.at(-1)!.y).toBeGreaterThan(60);
    // It ends level with the most accurate trial: no point is drawn above it.
    const highest = Math.min(...(await points('accuracy over trials')).map((p) => p.y));
    expect(line.at(-1)!.y).toBeLessThanOrEqual(highest + 4);
  }, 120_000);

  it('follows a minimised first objective down, its name shown as text in headings and tooltips', async () => {
    let id = '';
    for (const latency of LATENCIES) id = await runTrial(FAST, { [LATENCY]: latency });
    await page.goto(`${origin(server)}/experiments/${id}`);
    const label = `${LATENCY} over trials`;
    await expect.poll(() => chart(label).getAttribute('data-rendered'), { timeout: TIMEOUT }).toBe('true');
    await expect.poll(() => chart(`${LATENCY} against x`).getAttribute('data-rendered'), { timeout: TIMEOUT }).toBe('true');

    const headings = (await page.locator('.card h2').allTextContents()).map((h) => h.replace(/\s+/g, ' ').trim());
    expect(headings).toContain(`${LATENCY} over trials · best so far in orange`);
    expect(headings.find((h) => h.startsWith('Parallel coordinates'))).toBe(`Parallel coordinates · 10 completed trials; darker is a lower ${LATENCY}`);

    // Lower is better here: the best so far only ever goes down the chart's values (up the screen's y).
    const line = await bestSoFar(label);
    expect(line.length).toBeGreaterThan(10);
    let rise = 0;
    for (const a of line) for (const b of line) if (b.x > a.x + 12) rise = Math.max(rise, a.y - b.y);
    expect(rise).toBeLessThanOrEqual(6);
    expect(line.at(-1)!.y - line[0]!.y).toBeGreaterThan(60);

    // Tooltips name the objective as text: ECharts' own (the points of the loss chart) and the slice plots'.
    const over = await hoverTooltips(page, chart(label), await points(label), [LATENCY]);
    expect(over.join('\n')).toContain(LATENCY);
    const slice = await hoverTooltips(page, chart(`${LATENCY} against x`), await points(`${LATENCY} against x`), [`${LATENCY} = `]);
    expect(slice.join('\n')).toMatch(/trial \d+x = [\d.]+latency <img src=x onerror="window.__xss=1"> = \d+/);
    expect(await page.evaluate(() => ({ xss: (window as unknown as { __xss?: number }).__xss, images: document.querySelectorAll('img').length }))).toEqual({ xss: undefined, images: 0 });
  }, 120_000);

  it('ranks and charts by the objectives a resuming worker switches to, without a reload', async () => {
    const before = { name: 'switched', parameters: PARAMETERS, algorithm: 'random' };
    let id = '';
    // By loss the first trial is best; by accuracy the second.
    for (const result of [{ loss: 0.2, accuracy: 0.5 }, { loss: 0.9, accuracy: 0.9 }, { loss: 0.5, accuracy: 0.7 }]) {
      const suggested = await server.gql(SUGGEST, { experiment: before }, token);
      id = suggested.data!.suggest.experiment.id;
      await server.gql(UPDATE, { id: suggested.data!.suggest.id, result }, token);
    }
    // The page's reads of parameter importance, which is ranked on the charted objective.
    let importanceReads = 0;
    const countImportance = (request: { postData(): string | null }) => void (request.postData()?.includes('"operationName":"ExperimentImportance"') && importanceReads++);
    page.on('request', countImportance);
    await page.goto(`${origin(server)}/experiments/${id}`);
    await page.waitForSelector('[data-chart="Loss over trials"][data-rendered=true]', { timeout: TIMEOUT });
    await expect.poll(() => importanceReads, { timeout: TIMEOUT }).toBe(1);
    const bestLabel = page.locator('.stats div:has([data-testid=best-loss]) dt');
    const best = async () => (await page.textContent('[data-testid=best-loss]'))?.replace(/\s+/g, ' ').trim();
    const algorithm = page.locator('.stats div:has(dt:text-is("Algorithm")) dd');
    expect(await bestLabel.textContent()).toBe('Best loss');
    expect(await best()).toBe('0.2 #1');
    expect(await algorithm.textContent()).toBe('random');
    // A page that reloaded would lose this.
    await page.evaluate(() => ((window as unknown as { __kept?: boolean }).__kept = true));

    const resumed = await server.gql(SUGGEST, { experiment: { ...before, algorithm: 'tpe', objectives: { accuracy: 'maximize' } } }, token);
    expect(resumed.errors).toBeUndefined();
    await expect.poll(best, { timeout: TIMEOUT }).toBe('0.9 #2');
    expect(await bestLabel.textContent()).toBe('Best accuracy ↑');
    await expect.poll(() => algorithm.textContent(), { timeout: TIMEOUT }).toBe('tpe');
    expect(await page.textContent('[data-testid=objectives]')).toContain('accuracy ↑');
    await page.waitForSelector('[data-chart="accuracy over trials"][data-rendered=true]', { timeout: TIMEOUT });
    // Importance is asked for again for the new objective, before any trial completes.
    await expect.poll(() => importanceReads, { timeout: TIMEOUT }).toBeGreaterThanOrEqual(2);
    page.off('request', countImportance);

    await server.gql(UPDATE, { id: resumed.data!.suggest.id, result: { accuracy: 0.95 } }, token);
    await expect.poll(best, { timeout: TIMEOUT }).toBe('0.95 #4');
    expect(await page.evaluate(() => (window as unknown as { __kept?: boolean }).__kept)).toBe(true);
  }, 120_000);
});
