// Filtering the Trials panel's table (state, worker, parameter range, category, search) with the match
// count; the loss landscape (contour over two chosen parameters: the GP's prediction, or the
// interpolation at a switch; brushed to select trials) and the ECDF of losses; user text as text
// throughout, tooltips included; a 390 px phone.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PANEL_SUBSCRIPTIONS, assertPrerequisites, chartsRendered, createUser, hoverTooltips, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'hedy@example.com';
const PASSWORD = 'a-long-password';
const TIMEOUT = 30_000;
const RUN = 'window.__xss=(window.__xss||0)+1';
const IMG = `<img src=x onerror="${RUN}">`;
const SVG = `<svg onload="${RUN}">`;
/** x, a numeric parameter named by a payload, and a category whose choices include one. */
const PARAMETERS = { x: { min: 0, max: 1 }, [SVG]: { min: 0, max: 1 }, cat: [IMG, 'plain'] };
const SUGGEST = `mutation ($experiment: ExperimentInput!, $worker: String) { suggest(experiment: $experiment, worker: $worker) { id number params experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;
const FAIL = `mutation ($id: ID!, $error: String!) { fail(trialId: $id, error: $error) { state } }`;
const TRIALS = 30;

interface Seeded {
  readonly number: number;
  readonly params: Record<string, unknown>;
  readonly state: 'COMPLETED' | 'FAILED' | 'RUNNING';
  readonly worker: string;
  readonly loss: number | null;
}

let server: TestServer;
let browser: Browser;
let page: Page;
let token: string;
let experimentId: string;
const trials: Seeded[] = [];

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  for (let i = 0; i < TRIALS; i++) {
    const worker = i % 2 ? IMG : 'w-a';
    const response = await server.gql(SUGGEST, { experiment: { name: 'filters', parameters: PARAMETERS, algorithm: 'random' }, worker }, token);
    const trial = response.data!.suggest;
    experimentId = trial.experiment.id;
    const x = trial.params.x as number;
    const y = trial.params[SVG] as number;
    if (i % 5 === 4) {
      await server.gql(FAIL, { id: trial.id, error: `boom ${IMG}` }, token);
      trials.push({ number: trial.number, params: trial.params, state: 'FAILED', worker, loss: null });
    } else if (i % 7 === 6) {
      trials.push({ number: trial.number, params: trial.params, state: 'RUNNING', worker, loss: null });
    } else {
      const loss = (x - 0.3) ** 2 + (y - 0.7) ** 2 + 0.01;
      await server.gql(UPDATE, { id: trial.id, result: { loss, [IMG]: i } }, token);
      trials.push({ number: trial.number, params: trial.params, state: 'COMPLETED', worker, loss });
    }
  }
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

const matchCount = () => page.locator('[data-testid=match-count]').textContent({ timeout: TIMEOUT });
const matching = (count: number) => `${count} of ${trials.length} trials match`;
const count = (keep: (trial: Seeded) => boolean) => trials.filter(keep).length;
/** The trial numbers of the table's drawn rows. */
const shownRows = () => page.locator('[data-testid=trial-table] [data-trial]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-trial'))));

async function expectNoInjection(): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss: number }).__xss)).toBe(0);
  expect(await page.locator('img[src=x], svg[onload]').count()).toBe(0);
}

/** Checks the table shows just the trials `keep` picks (as far as its drawn rows go) and says how many. */
async function expectTable(keep: (trial: Seeded) => boolean): Promise<void> {
  const wanted = count(keep);
  expect(wanted).toBeGreaterThan(0);
  expect(wanted).toBeLessThan(trials.length);
  await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(matching(wanted));
  const shown = await shownRows();
  expect(shown.length).toBe(Math.min(wanted, shown.length));
  for (const number of shown) expect(keep(trials.find((t) => t.number === number)!)).toBe(true);
}

describe('filtering the trials table, in Chromium', () => {
  it('narrows the table and its count by state, worker, parameter range, category and search', async () => {
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    await chartsRendered(page, TIMEOUT);
    expect(await matchCount()).toBe(`${TRIALS} trials`);
    // The chips and the toggle are legible: their text is not the colour of their background.
    for (const selector of ['[data-testid=filter-state-failed]', '[data-testid=filter-parameters-toggle]']) {
      const { color, background } = await page.locator(selector).evaluate((element) => {
        const style = getComputedStyle(element);
        return { color: style.color, background: style.backgroundColor };
      });
      expect(color, `${selector} text`).not.toBe(background);
    }

    await page.click('[data-testid=filter-state-failed]');
    await expectTable((t) => t.state === 'FAILED');
    await page.click('[data-testid=filter-state-running]');
    await expectTable((t) => t.state === 'FAILED' || t.state === 'RUNNING');
    await page.click('[data-testid=filter-clear]');
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${TRIALS} trials`);

    // The worker's name is a payload: an option, shown as text.
    expect(await page.locator('[data-testid=filter-worker] option').allTextContents()).toEqual(['Every worker', IMG, 'w-a'].sort((a, b) => (a === 'Every worker' ? -1 : b === 'Every worker' ? 1 : a < b ? -1 : 1)));
    await page.selectOption('[data-testid=filter-worker]', IMG);
    await expectTable((t) => t.worker === IMG);
    await page.click('[data-testid=filter-clear]');

    await page.click('[data-testid=filter-parameters-toggle]');
    await page.fill('[data-parameter=x] [data-testid=filter-min]', '0.5');
    await page.press('[data-parameter=x] [data-testid=filter-min]', 'Enter');
    await expectTable((t) => (t.params.x as number) >= 0.5);
    await page.fill('[data-parameter=x] [data-testid=filter-max]', '0.8');
    await page.press('[data-parameter=x] [data-testid=filter-max]', 'Enter');
    await expectTable((t) => (t.params.x as number) >= 0.5 && (t.params.x as number) <= 0.8);
    await page.click('[data-testid=filter-clear]');

    expect(await page.locator('[data-parameter=cat] option').allTextContents()).toEqual(['Any', IMG, 'plain'].sort((a, b) => (a === 'Any' ? -1 : b === 'Any' ? 1 : a < b ? -1 : 1)));
    await page.selectOption('[data-parameter=cat] select', IMG);
    await expectTable((t) => t.params.cat === IMG);
    await page.click('[data-testid=filter-clear]');

    await page.fill('[data-testid=filter-search]', 'BOOM');
    await expectTable((t) => t.state === 'FAILED');
    await page.fill('[data-testid=filter-search]', 'w-a');
    await expectTable((t) => t.worker === 'w-a');
    await page.fill('[data-testid=filter-search]', 'plain');
    await expectTable((t) => t.params.cat === 'plain');
    await page.click('[data-testid=filter-clear]');
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${TRIALS} trials`);
    await expectNoInjection();
  });

  it('keeps the filter as new trials arrive, counting the ones that match', async () => {
    await page.click('[data-testid=filter-state-failed]');
    const failed = count((t) => t.state === 'FAILED');
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(matching(failed));
    await server.listening(token, PANEL_SUBSCRIPTIONS, TIMEOUT);
    const response = await server.gql(SUGGEST, { experiment: { name: 'filters', parameters: PARAMETERS, algorithm: 'random' }, worker: 'late' }, token);
    const late = response.data!.suggest;
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${failed} of ${TRIALS + 1} trials match`);
    await server.gql(FAIL, { id: late.id, error: 'late failure' }, token);
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${failed + 1} of ${TRIALS + 1} trials match`);
    trials.push({ number: late.number, params: late.params, state: 'FAILED', worker: 'late', loss: null });
    await page.click('[data-testid=filter-clear]');
  });
});

describe('the loss landscape, in Chromium', () => {
  /** The contour's plot area (its grid) in page pixels, and the axes' ranges (the completed trials'). */
  async function plotArea() {
    const chart = page.locator('[data-chart=Contour]');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const done = trials.filter((t) => t.state === 'COMPLETED');
    const xs = done.map((t) => t.params.x as number);
    const ys = done.map((t) => t.params[SVG] as number);
    const plot = { left: box.x + 64, top: box.y + 12, width: box.width - 80, height: box.height - 100 };
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const at = (x: number, y: number) => ({ x: plot.left + ((x - x0) / (x1 - x0)) * plot.width, y: plot.top + (1 - (y - y0) / (y1 - y0)) * plot.height });
    return { box, plot, at, done };
  }

  it('draws the contour over two chosen parameters and the ECDF of the losses', async () => {
    await page.waitForSelector('[data-chart=Contour][data-rendered=true]', { timeout: TIMEOUT });
    const completed = count((t) => t.state === 'COMPLETED');
    expect(await page.locator('[data-chart=Contour]').getAttribute('data-points')).toBe(String(completed));
    // By default the two numeric parameters, in importance order once it is known (either way round here).
    expect([await page.locator('[data-testid=contour-x]').inputValue(), await page.locator('[data-testid=contour-y]').inputValue()].sort()).toEqual([SVG, 'x'].sort());
    // Choose the axes: x across, the payload-named parameter up.
    await page.selectOption('[data-testid=contour-x]', 'x');
    await page.selectOption('[data-testid=contour-y]', SVG);
    await expect.poll(() => page.locator('[data-testid=contour-y]').inputValue(), { timeout: TIMEOUT }).toBe(SVG);
    expect(await page.locator('[data-testid=contour-x] option').allTextContents()).toEqual([SVG, 'x'].sort());
    await page.waitForSelector('[data-chart=Contour][data-rendered=true]', { timeout: TIMEOUT });
    const inked = await page.$eval('[data-chart=Contour]', (chart) => {
      const canvas = chart.querySelector('canvas')!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<string>();
      for (let i = 0; i < data.length; i += 16) if (data[i + 3]! > 200) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
      return colours.size;
    });
    // An interpolated surface: many shades, not a blank plot.
    expect(inked).toBeGreaterThan(50);

    await page.waitForSelector('[data-chart="Loss distribution"][data-rendered=true]', { timeout: TIMEOUT });
    expect(await page.locator('[data-testid=ecdf]').getAttribute('data-count')).toBe(String(completed));
  });

  /** Waits until the contour shows the GP's prediction, then switches it to the interpolation. */
  async function modelThenInterpolated(): Promise<void> {
    const source = page.locator('[data-testid=contour-source]');
    await expect.poll(() => source.textContent(), { timeout: TIMEOUT }).toContain('GP prediction');
    expect(await source.textContent()).toContain('other parameters at the best trial’s values');
    await page.waitForSelector('[data-chart=Contour][data-source=model][data-rendered=true]', { timeout: TIMEOUT });
    // The best trial's category (a payload, perhaps) is shown as text.
    const best = trials.filter((t) => t.state === 'COMPLETED').reduce((a, b) => (b.loss! < a.loss! ? b : a));
    expect(await page.locator('[data-testid=contour-held]').textContent()).toContain(`cat = ${best.params.cat}`);
    // A cell's tooltip gives the prediction and its spread, the payload-named parameter as text.
    const chart = page.locator('[data-chart=Contour]');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const spots = [0.33, 0.5, 0.71].flatMap((fx) => [0.37, 0.62].map((fy) => ({ x: 64 + (box.width - 80) * fx, y: 12 + (box.height - 100) * fy })));
    const tips = await hoverTooltips(page, chart, spots, ['(GP prediction)']);
    const tip = tips.find((t) => t.includes('(GP prediction)'));
    expect(tip, tips.join(' | ')).toMatch(/loss ≈ \S+ ± \S+ \(GP prediction\)/);
    expect(tip).toContain(`${SVG} `);
    await page.mouse.move(box.x + 2, box.y + 2);
    const interpolated = page.getByRole('button', { name: 'Interpolated' });
    await interpolated.click();
    await expect.poll(() => source.textContent(), { timeout: TIMEOUT }).toContain('interpolated over two parameters');
    await page.waitForSelector('[data-chart=Contour][data-source=interpolated][data-rendered=true]', { timeout: TIMEOUT });
    expect(await interpolated.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-testid=contour-held]').count()).toBe(0);
    await expectNoInjection();
  }

  it('shows the GP prediction with enough completed trials, and switches to the interpolation', async () => {
    await modelThenInterpolated();
  });

  it('names trials in its tooltips, payloads as text', async () => {
    const { at, done, box } = await plotArea();
    const chart = page.locator('[data-chart=Contour]');
    const spots = done.map((t) => at(t.params.x as number, t.params[SVG] as number)).map((p) => ({ x: p.x - box.x, y: p.y - box.y }));
    const tips = await hoverTooltips(page, chart, spots, ['trial ']);
    const tip = tips.find((t) => t.startsWith('trial '));
    expect(tip, tips.join(' | ')).toBeDefined();
    expect(tip).toContain(`${SVG} = `);
    await expectNoInjection();
  });

  it('selects the trials in a dragged rectangle: the table shows just those, until cleared', async () => {
    const chip = page.locator('[data-testid=filter-selection]');
    // The panel's other charts may still move the contour down the page (importance arriving): drag
    // where it is now, and again if no selection came of it.
    for (let attempt = 1; ; attempt++) {
      await page.waitForSelector('[data-chart=Contour][data-rendered=true]', { timeout: TIMEOUT });
      const { plot } = await plotArea();
      await page.mouse.move(plot.left + plot.width * 0.2, plot.top + plot.height * 0.15);
      await page.mouse.down();
      await page.mouse.move(plot.left + plot.width * 0.75, plot.top + plot.height * 0.85, { steps: 8 });
      await page.mouse.up();
      const selected = await chip.waitFor({ timeout: attempt < 4 ? 5000 : TIMEOUT }).then(() => true, () => false);
      if (selected) break;
      expect(attempt).toBeLessThan(4);
    }
    expect(await chip.getAttribute('data-source')).toBe('contour');
    expect(await chip.textContent()).toContain(`${SVG} `);
    const ranges = JSON.parse((await chip.getAttribute('data-ranges'))!) as Record<string, { min: number; max: number }>;
    expect(Object.keys(ranges).sort()).toEqual([`p:${SVG}`, 'p:x'].sort());
    const within = (t: Seeded) =>
      Object.entries(ranges).every(([key, { min, max }]) => {
        const value = t.params[key.slice(2)] as number;
        return value >= min && value <= max;
      });
    await expectTable(within);

    await chip.locator('button').click();
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${trials.length} trials`);
    expect(await chip.count()).toBe(0);
    await expectNoInjection();
  });

  it('fits a 390 px phone without scrolling sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await chartsRendered(page, TIMEOUT);
    await page.click('[data-testid=filter-parameters-toggle]');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.waitForSelector('[data-chart=Contour][data-rendered=true]', { timeout: TIMEOUT });
    await page.locator('[data-testid=contour]').scrollIntoViewIfNeeded();
    await modelThenInterpolated();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.fill('[data-testid=filter-search]', 'boom');
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${count((t) => t.state === 'FAILED' && t.worker !== 'late')} of ${trials.length} trials match`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expectNoInjection();
  });
});

describe('a category whose choices read alike (1, "1", true, "true"), in Chromium', () => {
  const MIXED = { c: [1, '1', true, 'true'], x: { min: 0, max: 1 } };
  const ENQUEUE = `mutation ($experiment: ExperimentInput!, $params: JSON!) { enqueue(experiment: $experiment, params: $params) { place } }`;

  it('offers each choice once, distinctly named, and filters by the number 1 to just those trials', async () => {
    const experiment = { name: 'mixed-choices', parameters: MIXED, algorithm: 'random' };
    const picked = [1, '1', true, 'true', 1, '1', 'true'];
    const numbers = new Map<number, unknown>();
    let id = '';
    for (const [i, c] of picked.entries()) {
      await server.gql(ENQUEUE, { experiment, params: { c, x: i / 10 } }, token);
      const trial = (await server.gql(SUGGEST, { experiment, worker: '42' }, token)).data!.suggest;
      expect(trial.params.c).toStrictEqual(c);
      await server.gql(UPDATE, { id: trial.id, result: { loss: i } }, token);
      numbers.set(trial.number, c);
      id = trial.experiment.id;
    }
    await page.goto(`${origin(server)}/experiments/${id}`);
    await chartsRendered(page, TIMEOUT);
    await page.click('[data-testid=filter-parameters-toggle]');
    expect(await page.locator('[data-parameter=c] option').allTextContents()).toEqual(['Any', '"1"', '"true"', '1', 'true']);

    await page.selectOption('[data-parameter=c] select', { label: '1' });
    const ones = [...numbers].filter(([, c]) => c === 1).map(([n]) => n);
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${ones.length} of ${picked.length} trials match`);
    expect((await shownRows()).sort()).toEqual(ones.sort());
    await page.selectOption('[data-parameter=c] select', { label: '"true"' });
    const texts = [...numbers].filter(([, c]) => c === 'true').map(([n]) => n);
    await expect.poll(matchCount, { timeout: TIMEOUT }).toBe(`${texts.length} of ${picked.length} trials match`);
    expect((await shownRows()).sort()).toEqual(texts.sort());
    // The table names the text "true" in quotes, as the filter does.
    const row = await page.locator(`[data-testid=trial-table] [data-trial="${texts[0]}"]`).textContent();
    expect(row).toContain('"true"');
    // A worker's name is not a value: the worker 42 is shown as it is, not in quotes.
    expect(row).toContain('42');
    expect(row).not.toContain('"42"');
    await page.click('[data-testid=filter-clear]');

    // The slice plot over c has the four categories, each once.
    await page.waitForSelector('[data-chart="Loss against c"][data-rendered=true]', { timeout: TIMEOUT });
    const slice = await page.locator('[data-chart="Loss against c"]').evaluate((element) => {
      const option = (element as unknown as { echarts: { getOption(): { xAxis: { data: string[] }[]; series: { data: [string, number][] }[] } } }).echarts.getOption();
      return { categories: option.xAxis[0]!.data, points: option.series[0]!.data.map(([c, loss]) => [c, loss]) };
    });
    expect(slice.categories).toEqual(['1', '"1"', 'true', '"true"']);
    // Each trial's point sits over its own choice: trial i was given picked[i] and the loss i.
    expect(slice.points.sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual(picked.map((c, i) => [typeof c === 'string' ? JSON.stringify(c) : String(c), i]));
  });
});
