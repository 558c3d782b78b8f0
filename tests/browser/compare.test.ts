// The Compare page: two experiments' best-so-far curves on one chart and their spaces side by side,
// rendered on the server, then live; user text as text; a 390 px phone without sideways scroll.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'a-long-password';
const TIMEOUT = 30_000;
/** Runs when a payload gets the chance to. */
const PAYLOAD = `<img src=x onerror="window.__xss=(window.__xss||0)+1">`;
const IMPORT = `mutation ($experiment: ExperimentInput!, $trials: [ImportedTrialInput!]!) {
  importTrials(experiment: $experiment, trials: $trials) { experiment { id } }
}`;
const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment) { id number } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;

let server: TestServer;
let browser: Browser;
let page: Page;
let token: string;
let baseline: string;
let hostile: string;

const BASELINE = { name: 'Baseline', parameters: { lr: { min: 0.001, max: 1, distribution: 'log_uniform' }, layers: [1, 2, 3] }, algorithm: 'random' };
const HOSTILE = { name: PAYLOAD, parameters: { lr: { min: 0.01, max: 1 } }, algorithm: 'random' };

async function gql(query: string, variables: Record<string, unknown>) {
  const response = await server.gql(query, variables, token);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  // Baseline: losses 3, 2, 2.5 (best 2, trial 2); the hostile name: 1.5, 4 (best 1.5, trial 1).
  baseline = (
    await gql(IMPORT, {
      experiment: BASELINE,
      trials: [
        { params: { lr: 0.1, layers: 1 }, result: { loss: 3 } },
        { params: { lr: 0.02, layers: 2 }, result: { loss: 2 } },
        { params: { lr: 0.5, layers: 3 }, result: { loss: 2.5 } },
      ],
    })
  ).importTrials.experiment.id;
  hostile = (
    await gql(IMPORT, {
      experiment: HOSTILE,
      trials: [
        { params: { lr: 0.3 }, result: { loss: 1.5 } },
        { params: { lr: 0.9 }, result: { loss: 4 } },
      ],
    })
  ).importTrials.experiment.id;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(() => {
    let runs = 0;
    Object.defineProperty(window, '__xss', { configurable: true, get: () => runs, set: (value: number) => (runs = value) });
  });
  await signIn(page, server, EMAIL, PASSWORD);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const chart = () => page.locator('[data-chart="Best so far by trial number"]');
/** A row's cells, their text with spaces collapsed. */
const cells = async (row: string) => (await page.locator(`[data-row="${row}"] td`).allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());

/** No payload ran, and none became an element. */
async function expectNoInjection(): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss: number }).__xss)).toBe(0);
  expect(await page.locator('img[src=x]').count()).toBe(0);
}

/** The page does not scroll sideways. */
async function expectNoSidewaysScroll(): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

/** The series names the chart's legend shows, once it has drawn. */
async function legendNames(): Promise<string[]> {
  await page.locator('[data-chart="Best so far by trial number"][data-rendered=true]').waitFor({ timeout: TIMEOUT });
  return chart().evaluate((element) => {
    const option = (element as unknown as { echarts: { getOption(): { series: { name: string }[] } } }).echarts.getOption();
    return option.series.map((series) => series.name);
  });
}

describe('the Compare page, in Chromium', () => {
  it('is linked from the experiments list and the experiment page', async () => {
    await page.goto(`${origin(server)}/experiments`);
    await page.locator('[data-testid=compare-link]').click({ timeout: TIMEOUT });
    await page.waitForURL(/\/compare$/, { timeout: TIMEOUT });
    await page.getByText('Pick two experiments to compare.').waitFor({ timeout: TIMEOUT });
    await page.goto(`${origin(server)}/experiments/${baseline}`);
    await page.locator('[data-testid=compare-link]').click({ timeout: TIMEOUT });
    await page.waitForURL((url) => url.pathname === '/compare' && url.searchParams.get('ids') === baseline, { timeout: TIMEOUT });
    await page.getByText('Pick one more experiment to compare.').waitFor({ timeout: TIMEOUT });
  });

  it('adds an experiment with the picker: the address names both', async () => {
    await page.goto(`${origin(server)}/compare?ids=${baseline}`);
    await page.locator('#compare-add').selectOption(hostile);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('ids') === `${baseline},${hostile}`, { timeout: TIMEOUT });
    expect(await page.locator('[data-testid=compared]').allTextContents()).toEqual([expect.stringContaining('Baseline v1'), expect.stringContaining(`${PAYLOAD} v1`)]);
  });

  it('renders both experiments on the server: legend, columns and best values, names as text', async () => {
    // Without JavaScript: the first paint is the server's.
    const bare = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1440, height: 900 } });
    try {
      await bare.addCookies(await page.context().cookies());
      const ssr = await bare.newPage();
      await ssr.goto(`${origin(server)}/compare?ids=${baseline},${hostile}`);
      const cells = await ssr.locator('[data-row=best] td').allTextContents();
      expect(cells.map((cell) => cell.replace(/\s+/g, ' ').trim())).toEqual(['2 trial 2', '1.5 trial 1']);
    } finally {
      await bare.close();
    }

    await page.goto(`${origin(server)}/compare?ids=${baseline},${hostile}`);
    expect(await legendNames()).toEqual(['Baseline v1', `${PAYLOAD} v1`]);
    const columns = await page.locator('[data-testid=column]').allTextContents();
    expect(columns.map((text) => text.trim())).toEqual(['Baseline v1', `${PAYLOAD} v1`]);
    expect(await cells('best')).toEqual(['2 trial 2', '1.5 trial 1']);
    expect(await page.locator('[data-row=best] td a').first().getAttribute('href')).toBe(`/experiments/${baseline}/trials/2`);
    // The spaces differ (lr's range; layers only in one): highlighted; each best trial's value beside it.
    expect(await page.locator('[data-row="p:lr"]').getAttribute('data-differs')).toBe('true');
    expect(await cells('p:layers')).toEqual(['one of 1, 2, 3 best: 2', '—']);
    expect(await cells('p:lr')).toEqual(['log_uniform [0.001, 1] best: 0.02', 'uniform [0.01, 1] best: 0.3']);
    expect(await page.locator('[data-row=algorithm]').getAttribute('data-differs')).toBe('false');

    // The tooltip names each experiment, as text.
    await chart().scrollIntoViewIfNeeded();
    const box = (await chart().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
    const tip = await page.waitForFunction(
      (element) => {
        const found = [...element!.children].find((child) => !child.querySelector('canvas'));
        return found && getComputedStyle(found).display !== 'none' && found.textContent?.includes('best so far at trial') ? found.textContent : false;
      },
      await chart().elementHandle(),
      { timeout: TIMEOUT },
    );
    const tipText = (await tip.jsonValue()) as string;
    expect(tipText).toContain(`${PAYLOAD} v1: 1.5`);
    expect(tipText).toContain('Baseline v1: 2');
    await expectNoInjection();

    // Linear to begin with (the losses span less than three decades); Log on demand.
    const axisType = () => chart().evaluate((element) => (element as unknown as { echarts: { getOption(): { yAxis: { type: string }[] } } }).echarts.getOption().yAxis[0]!.type);
    expect(await axisType()).toBe('value');
    await page.getByRole('button', { name: 'Log', exact: true }).click();
    await page.waitForFunction((element) => (element as unknown as { echarts: { getOption(): { yAxis: { type: string }[] } } }).echarts.getOption().yAxis[0]!.type === 'log', await chart().elementHandle(), { timeout: TIMEOUT });
  });

  it('follows a new result live: the best value and the curve update', async () => {
    await page.goto(`${origin(server)}/compare?ids=${baseline},${hostile}`);
    await legendNames();
    const trial = (await gql(SUGGEST, { experiment: BASELINE })).suggest;
    await gql(UPDATE, { id: trial.id, result: { loss: 0.25 } });
    await page.locator('[data-row=best] td').first().filter({ hasText: '0.25' }).waitFor({ timeout: TIMEOUT });
    expect((await cells('best'))[0]).toBe(`0.25 trial ${trial.number}`);
    expect(await cells('trials')).toEqual(['4', '2']);
    expect(await cells('completed')).toEqual(['4', '2']);
    await page.waitForFunction(
      (element) => {
        const option = (element as unknown as { echarts: { getOption(): { series: { data: [number, number][] }[] } } }).echarts.getOption();
        return option.series[0]!.data.some(([, value]) => value === 0.25);
      },
      await chart().elementHandle(),
      { timeout: TIMEOUT },
    );
    await expectNoInjection();
  });

  it('drops a deleted experiment with a notice and keeps the others live; the chips follow renames', async () => {
    const RENAME = `mutation ($id: ID!, $name: String) { updateExperiment(id: $id, name: $name) { id } }`;
    const DELETE = `mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`;
    const space = { lr: { min: 0.01, max: 1 } };
    const imported = async (name: string, loss: number) =>
      (await gql(IMPORT, { experiment: { name, parameters: space, algorithm: 'random' }, trials: [{ params: { lr: 0.5 }, result: { loss } }] })).importTrials.experiment.id as string;
    const [a, b, c] = [await imported('Alpha', 3), await imported('Beta', 2), await imported('Gamma', 5)];
    await page.goto(`${origin(server)}/compare?ids=${a},${b},${c}`);
    expect(await legendNames()).toEqual(['Alpha v1', 'Beta v1', 'Gamma v1']);
    // The page's subscriptions: activity and deletions.
    await server.listening(token, 2, TIMEOUT);
    const chips = () => page.locator('[data-testid=compared] .chip-label').allTextContents();

    await gql(RENAME, { id: a, name: 'Alpha renamed' });
    await expect.poll(chips, { timeout: TIMEOUT }).toEqual(['Alpha renamed v1', 'Beta v1', 'Gamma v1']);

    await gql(DELETE, { id: b });
    await page.locator('[data-testid=compare-dropped]').filter({ hasText: 'Beta v1' }).waitFor({ timeout: TIMEOUT });
    await expect.poll(chips, { timeout: TIMEOUT }).toEqual(['Alpha renamed v1', 'Gamma v1']);
    expect(new URL(page.url()).searchParams.get('ids')).toBe(`${a},${c}`);
    expect(await legendNames()).toEqual(['Alpha renamed v1', 'Gamma v1']);

    // Gamma still updates live.
    await server.listening(token, 2, TIMEOUT);
    const trial = (await gql(SUGGEST, { experiment: { name: 'Gamma', parameters: space, algorithm: 'random' } })).suggest;
    await gql(UPDATE, { id: trial.id, result: { loss: 0.5 } });
    await expect.poll(async () => (await cells('best'))[1], { timeout: TIMEOUT }).toBe(`0.5 trial ${trial.number}`);
    await expect.poll(() => page.locator('[data-testid=compare-dropped]').textContent(), { timeout: TIMEOUT }).toContain('Beta v1');
    expect(await page.locator('[data-testid=compare-stale]').count()).toBe(0);
  });

  it('offers archived versions in the picker, and says so when the objectives differ', async () => {
    const versions = { name: 'Accuracy', parameters: { lr: { min: 0.01, max: 1 } }, objectives: { accuracy: 'maximize' }, algorithm: 'random' };
    const first = (await gql(IMPORT, { experiment: versions, trials: [{ params: { lr: 0.5 }, result: { accuracy: 0.7 } }] })).importTrials.experiment.id;
    const trials = [
      { params: { lr: 0.5 }, result: { accuracy: 0.8 } },
      { params: { lr: 0.2 }, result: { accuracy: 0.9 } },
    ];
    await gql(IMPORT, { experiment: { ...versions, resume: false }, trials });
    await page.goto(`${origin(server)}/compare?ids=${baseline}`);
    const options = (await page.locator('#compare-add option').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
    expect(options).toEqual(expect.arrayContaining(['Accuracy v1 (archived) · 1 trial', 'Accuracy v2 · 2 trials']));

    await page.goto(`${origin(server)}/compare?ids=${baseline},${first}`);
    expect(await legendNames()).toEqual(['Baseline v1', 'Accuracy v1']);
    const note = (await page.locator('[data-testid=objectives-differ]').textContent({ timeout: TIMEOUT }))!.replace(/\s+/g, ' ');
    expect(note).toContain('loss ↓ for Baseline v1; accuracy ↑ for Accuracy v1');
    expect(await cells('version')).toEqual(['v1', 'v1 (archived)']);
    expect((await cells('best'))[1]).toBe('0.7 trial 1');
  });

  it('says so beyond 8 experiments', async () => {
    const ids = Array.from({ length: 9 }, (_, i) => `id${i}`).join(',');
    await page.goto(`${origin(server)}/compare?ids=${ids}`);
    await page.getByText('At most 8 experiments can be compared at once, and this address names 9').waitFor({ timeout: TIMEOUT });
  });

  it('fits a 390 px phone without scrolling sideways; the table scrolls in its own box', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin(server)}/compare?ids=${baseline},${hostile}`);
    expect(await legendNames()).toEqual(['Baseline v1', `${PAYLOAD} v1`]);
    await page.locator('[data-testid=compare-table]').waitFor({ timeout: TIMEOUT });
    await expectNoSidewaysScroll();
    const box = await page.locator('[data-testid=compare-table]').evaluate((table) => {
      const parent = table.parentElement!;
      return { right: parent.getBoundingClientRect().right, overflow: getComputedStyle(parent).overflowX };
    });
    expect(box.right).toBeLessThanOrEqual(390);
    expect(box.overflow).toBe('auto');
    for (const chip of await page.locator('[data-testid=compared]').all()) expect((await chip.boundingBox())!.x + (await chip.boundingBox())!.width).toBeLessThanOrEqual(390);
    await expectNoInjection();
  });
});
