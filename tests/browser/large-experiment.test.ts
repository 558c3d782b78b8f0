// The Trials panel of an experiment of 20,000 trials: every chart is drawn from a bounded number of
// points (web/src/routes/(app)/experiments/[id]/downsample.ts), the best trial is always among them,
// the best-so-far line is exact at every step, and a new best result still moves it live.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PARAMETERS, seedTrials } from './seed.ts';
import { assertPrerequisites, chartsRendered, createExperiment, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'large@example.com';
const PASSWORD = 'a-long-password';
const TRIALS = 20_000;
/** MAX_SCATTER_POINTS in downsample.ts, the parallel coordinates' 1,000 lines, the contour's 2,000 points, the ECDF's 1,000. */
const MAX_SCATTER_POINTS = 3000;
const TIMEOUT = 90_000;
const TABLE = `query ($id: ID!) { experiment(id: $id) { trialTable { numbers states losses } } }`;

let server: TestServer;
let browser: Browser;
let page: Page;
let token: string;
let experimentId: string;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  experimentId = await createExperiment(server, token, 'Large', 'twenty thousand trials');
  await seedTrials({ databaseUrl: server.databaseUrl, experimentId, count: TRIALS - 1, running: 0 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, server, EMAIL, PASSWORD);
}, 300_000);

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Each ECharts chart's series: its type and how many data items it draws, by the chart's label. */
function drawnSeries(): Promise<Record<string, { type: string; count: number; data: unknown[] }[]>> {
  return page.evaluate(() => {
    const out: Record<string, { type: string; count: number; data: unknown[] }[]> = {};
    for (const element of document.querySelectorAll('[data-chart]')) {
      const chart = (element as unknown as { echarts?: { getOption(): { series: { type: string; data: unknown[] }[] } } }).echarts;
      if (!chart) continue;
      out[element.getAttribute('data-chart')!] = chart.getOption().series.map((s) => ({ type: s.type, count: s.data.length, data: s.data }));
    }
    return out;
  });
}

/** The best-so-far staircase over the completed trials, computed here from the API's table. */
async function expectedStaircase(): Promise<{ steps: [number, number][]; best: number }> {
  const response = await server.gql(TABLE, { id: experimentId }, token);
  const { numbers, states, losses } = response.data?.experiment.trialTable as { numbers: number[]; states: string[]; losses: (number | null)[] };
  const steps: [number, number][] = [];
  let best = Infinity;
  let last = 0;
  numbers.forEach((number, row) => {
    const loss = losses[row];
    if (states[row] !== 'COMPLETED' || typeof loss !== 'number') return;
    last = number;
    if (loss < best) {
      best = loss;
      steps.push([number, loss]);
    }
  });
  steps.push([last, best]);
  return { steps, best: steps.at(-2)![0] };
}

describe('an experiment of 20,000 trials', () => {
  it('draws every chart from a bounded sample that holds the best trial and the exact best-so-far line', async () => {
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    await page.waitForSelector('[data-testid=trial-table] [data-trial]', { timeout: TIMEOUT });
    const charts = await chartsRendered(page, TIMEOUT);
    expect(charts).toBeGreaterThanOrEqual(10);
    await expect.poll(() => page.textContent('[data-testid=sampled]'), { timeout: TIMEOUT }).toMatch(/of 20,000 trials drawn/);

    const { steps, best } = await expectedStaircase();
    expect(await page.textContent('[data-testid=best-loss]')).toContain(`#${best}`);
    const series = await drawnSeries();

    const [points, line] = series['Loss over trials']!;
    expect(points!.count).toBeLessThanOrEqual(MAX_SCATTER_POINTS);
    expect(points!.count).toBeGreaterThan(MAX_SCATTER_POINTS / 2);
    const drawnNumbers = new Set((points!.data as [number, number][]).map(([number]) => number));
    // Every step of the line is a drawn point, the best trial among them; the line is exact.
    expect(steps.slice(0, -1).filter(([number]) => !drawnNumbers.has(number))).toEqual([]);
    expect(line!.data).toEqual(steps);

    const slices = Object.keys(series).filter((label) => label.startsWith('Loss against '));
    expect(slices.length).toBe(4);
    for (const label of slices) {
      const [scatter] = series[label]!;
      expect(scatter!.count, label).toBeLessThanOrEqual(MAX_SCATTER_POINTS);
      expect((scatter!.data as [unknown, number, number][]).some(([, , number]) => number === best), label).toBe(true);
    }
    for (const label of ['Metric accuracy', 'Metric train_seconds']) {
      expect(series[label]![0]!.count, label).toBeLessThanOrEqual(MAX_SCATTER_POINTS);
      expect((series[label]![0]!.data as [number, number, number][]).some(([, , number]) => number === best), label).toBe(true);
    }
    expect(series['Parallel coordinates']![0]!.count).toBeLessThanOrEqual(1000);
    expect(series['Loss distribution']![0]!.count).toBeLessThanOrEqual(1000);
    expect(Number(await page.getAttribute('[data-chart=Contour]', 'data-points'))).toBeLessThanOrEqual(2000);
  });

  it('moves the best-so-far line live when a new trial beats every other', async () => {
    const suggested = await server.gql(
      `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "w") { id number } }`,
      { experiment: { name: 'Large', parameters: DEMO_PARAMETERS } },
      token,
    );
    const trial = suggested.data?.suggest as { id: string; number: number };
    expect(trial, JSON.stringify(suggested.errors)).toBeTruthy();
    const updated = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: 0.0001, accuracy: 0.99 }) { state } }`, { id: trial.id }, token);
    expect(updated.data?.update).toEqual({ state: 'COMPLETED' });
    await expect.poll(() => page.textContent('[data-testid=best-loss]'), { timeout: TIMEOUT }).toContain(`#${trial.number}`);
    await expect
      .poll(async () => (await drawnSeries())['Loss over trials']![1]!.data.at(-2), { timeout: TIMEOUT })
      .toEqual([trial.number, 0.0001]);
    const [points] = (await drawnSeries())['Loss over trials']!;
    expect((points!.data as [number, number][]).some(([number]) => number === trial.number)).toBe(true);
  });
});
