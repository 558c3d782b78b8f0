// Early stopping in the Trials panel: learning curves drawn from intermediate values, PRUNED trials
// counted and shown with the step they were stopped at, all live as workers report.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PANEL_SUBSCRIPTIONS, assertPrerequisites, chartsRendered, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'grace@example.com';
const PASSWORD = 'a-long-password';
/** Asynchronous successive halving: rungs at steps 1, 3, 9...; at each, only the best third goes on. */
const PRUNER = { type: 'asha', min_step: 1, reduction: 3 };
const SUGGEST = `mutation ($pruner: JSON) {
  suggest(experiment: {name: "curves", parameters: {x: {min: 0, max: 1}}, algorithm: "random", pruner: $pruner}, worker: "gpu-1") { id number experiment { id } }
}`;
const REPORT = `mutation ($id: ID!, $step: Int!, $value: Float!) { report(trialId: $id, step: $step, value: $value) { shouldStop trial { state prunedStep } } }`;
const UPDATE = `mutation ($id: ID!, $loss: Float!) { update(trialId: $id, result: {loss: $loss}) { state } }`;

const TIMEOUT = 30_000;

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
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function suggest() {
  const response = await server.gql(SUGGEST, { pruner: PRUNER }, token);
  expect(response.errors).toBeUndefined();
  return response.data?.suggest as { id: string; number: number; experiment: { id: string } };
}

/** Reports `value` at `step`; returns whether the pruner stopped the trial. */
async function report(id: string, step: number, value: number): Promise<boolean> {
  const response = await server.gql(REPORT, { id, step, value }, token);
  expect(response.errors).toBeUndefined();
  return response.data?.report.shouldStop as boolean;
}

/** What the Learning curves card says it drew: curves and points. */
async function drawn(): Promise<{ curves: number; points: number }> {
  const card = page.locator('[data-testid=learning-curves]');
  return { curves: Number(await card.getAttribute('data-curves')), points: Number(await card.getAttribute('data-points')) };
}

/** Non-blank pixels on a chart's canvases. */
function inkedPixels(label: string): Promise<number> {
  return page.$eval(`[data-chart="${label}"]`, (chart) => {
    let count = 0;
    for (const canvas of chart.querySelectorAll('canvas')) {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
    }
    return count;
  });
}

/**
 * The middle of the highest dot drawn in a colour on the Learning curves chart (below its legend):
 * the centroid of that colour's pixels near the topmost one, in page coordinates.
 */
async function highestDot([r, g, b]: readonly [number, number, number]): Promise<{ x: number; y: number }> {
  const chart = page.locator('[data-chart="Learning curves"]');
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  const spot = await chart.evaluate((element, [r, g, b]) => {
    const canvas = element.querySelector('canvas')!;
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const matches = (x: number, y: number) => {
      const i = (y * width + x) * 4;
      return data[i + 3]! > 60 && Math.abs(data[i]! - r) < 10 && Math.abs(data[i + 1]! - g) < 10 && Math.abs(data[i + 2]! - b) < 10;
    };
    for (let y = Math.round(20 * scale); y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!matches(x, y)) continue;
        let sx = 0;
        let sy = 0;
        let n = 0;
        for (let dy = 0; dy < 5 * scale; dy++) {
          for (let dx = -3 * scale; dx < 4 * scale; dx++) {
            if (matches(x + dx, y + dy)) (sx += x + dx), (sy += y + dy), n++;
          }
        }
        return { x: sx / n / scale, y: sy / n / scale };
      }
    }
    return null;
  }, [r, g, b] as const);
  expect(spot, `no dot of rgb(${r}, ${g}, ${b})`).not.toBeNull();
  return { x: box.x + spot!.x, y: box.y + spot!.y };
}

/** Hovers a spot of the Learning curves chart; the tooltip's text. */
async function tooltipAt(spot: { x: number; y: number }): Promise<string> {
  const chart = page.locator('[data-chart="Learning curves"]');
  const box = (await chart.boundingBox())!;
  const handle = (await chart.elementHandle())!;
  // ECharts appends its tooltip to the chart: the child without a canvas. A corner outside the plot hides it first.
  const tooltip = (visible: boolean) =>
    page.waitForFunction(
      ([element, visible]) => {
        const tip = [...element.children].find((c) => !c.querySelector('canvas')) as HTMLElement | undefined;
        const text = tip && getComputedStyle(tip).display !== 'none' && getComputedStyle(tip).visibility !== 'hidden' ? tip.innerText : '';
        return visible ? text || false : !text;
      },
      [handle, visible] as const,
      { timeout: TIMEOUT },
    );
  await page.mouse.move(box.x + 2, box.y + 2);
  await tooltip(false);
  await page.mouse.move(spot.x, spot.y);
  const tip = await tooltip(true);
  return (await tip.jsonValue()) as string;
}

const text = (selector: string) => page.locator(selector).textContent({ timeout: TIMEOUT });

describe('learning curves and pruned trials in the Trials panel, in Chromium', () => {
  let running = { id: '', number: 0 };

  it('draws the curves, counts the PRUNED trial and shows the step it was stopped at', async () => {
    // a: alone at both rungs (steps 1 and 3), then completes at step 4 (so a trial at step 3 has steps
    // left and can still be stopped). b: second of two at rung 0: stopped at step 1.
    const a = await suggest();
    for (const [step, value] of [[0, 5], [1, 1], [2, 0.95], [3, 0.9], [4, 0.9]] as const) expect(await report(a.id, step, value)).toBe(false);
    expect((await server.gql(UPDATE, { id: a.id, loss: 0.9 }, token)).data?.update.state).toBe('COMPLETED');
    const b = await suggest();
    expect(await report(b.id, 0, 6)).toBe(false);
    expect(await report(b.id, 1, 2)).toBe(true);
    // c: the best at rung 0 of three; it runs on while the page is open.
    const c = await suggest();
    expect(await report(c.id, 0, 4)).toBe(false);
    expect(await report(c.id, 1, 0.5)).toBe(false);
    running = c;

    await signIn(page, server, EMAIL, PASSWORD);
    await page.goto(`${origin(server)}/experiments/${a.experiment.id}`);
    await page.waitForSelector('[data-chart="Learning curves"][data-rendered=true]', { timeout: TIMEOUT });
    await chartsRendered(page, TIMEOUT);
    expect(await inkedPixels('Learning curves')).toBeGreaterThan(500);
    expect(await drawn()).toEqual({ curves: 3, points: 9 });
    // Tooltips name the trial, its state, the step and the value: the best trial's curve (orange, on
    // top) starts at 5, the pruned one (grey) at 6, the highest of all.
    expect((await tooltipAt(await highestDot([217, 72, 15]))).split('\n')).toEqual([`trial ${a.number} · completed`, 'step 0', 'value = 5']);
    expect((await tooltipAt(await highestDot([134, 142, 150]))).split('\n')).toEqual([`trial ${b.number} · pruned at step 1`, 'step 0', 'value = 6']);

    expect(await text('[data-testid=count-pruned]')).toBe('1');
    expect(await text('[data-testid=count-completed]')).toBe('1');
    expect(await text('[data-testid=count-running]')).toBe('1');
    expect(await page.locator('[role=columnheader]:has-text("Stopped at")').count()).toBe(1);
    const pruned = page.locator(`[data-trial="${b.number}"]`);
    expect(await pruned.locator('.state').textContent()).toBe('pruned');
    expect(await pruned.locator('.state').getAttribute('title')).toBe('Stopped early by the pruner at step 1');
    expect(await pruned.locator('[role=cell]:has-text("step 1")').count()).toBe(1);
    // Only a pruned trial has a stopped-at step.
    expect(await page.locator(`[data-trial="${a.number}"] [role=cell]:has-text("step")`).count()).toBe(0);
  });

  it('grows the curves as reports arrive, starts a new trial’s, and turns a trial pruned, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await server.listening(token, PANEL_SUBSCRIPTIONS, TIMEOUT);
    await expect.poll(() => text('.live')).toBe('Live');

    // Between rungs: nothing to judge, one more point on its curve.
    expect(await report(running.id, 2, 0.45)).toBe(false);
    await expect.poll(drawn, { timeout: TIMEOUT }).toEqual({ curves: 3, points: 10 });

    // A new trial's first report starts its curve.
    const d = await suggest();
    await page.waitForSelector(`[data-trial="${d.number}"] .state:has-text("running")`, { timeout: TIMEOUT });
    expect(await report(d.id, 0, 3)).toBe(false);
    await expect.poll(drawn, { timeout: TIMEOUT }).toEqual({ curves: 4, points: 11 });
    expect(await text('[data-testid=count-running]')).toBe('2');

    // Rung 1 (step 3) holds a's 0.9: 0.95 is not in the best third, so the trial is stopped there.
    expect(await report(running.id, 3, 0.95)).toBe(true);
    const row = page.locator(`[data-trial="${running.number}"]`);
    await row.locator('.state:has-text("pruned")').waitFor({ timeout: TIMEOUT });
    expect(await row.locator('[role=cell]:has-text("step 3")').count()).toBe(1);
    await expect.poll(() => text('[data-testid=count-pruned]'), { timeout: TIMEOUT }).toBe('2');
    expect(await text('[data-testid=count-running]')).toBe('1');
    await expect.poll(drawn, { timeout: TIMEOUT }).toEqual({ curves: 4, points: 12 });
    await page.waitForSelector('[data-chart="Learning curves"][data-rendered=true]', { timeout: TIMEOUT });
    expect(await inkedPixels('Learning curves')).toBeGreaterThan(500);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });
});
