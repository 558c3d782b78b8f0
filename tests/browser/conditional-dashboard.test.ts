// A conditional experiment (a model choice whose branches carry their own parameters) on the Trials
// panel: inactive parameters are empty cells, each sub-parameter's slice plot holds only the trials
// where it was active, the choice is a categorical axis, importance covers the tree, and the enqueue
// form shows the sub-parameters of the choice made, and only those.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'breiman@example.com';
const PASSWORD = 'a-long-password';
const SUGGEST = `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "w") { id number params experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { state } }`;
const TIMEOUT = 30_000;
const TRIALS = 24;

const PARAMETERS = {
  model: {
    choices: {
      svm: { C: { min: 0.01, max: 10, distribution: 'log_uniform' } },
      forest: { depth: { min: 2, max: 10, step: 1 } },
      linear: {},
    },
  },
  lr: { min: 0, max: 1 },
};
const EXPERIMENT = { name: 'model selection', parameters: PARAMETERS, algorithm: 'random' };

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
const byModel = new Map<string, number>();

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  const token = await server.token(EMAIL);
  for (let i = 0; i < TRIALS; i++) {
    const suggested = await server.gql(SUGGEST, { experiment: EXPERIMENT }, token);
    const trial = suggested.data?.suggest;
    expect(trial, JSON.stringify(suggested.errors)).toBeTruthy();
    experimentId = trial.experiment.id;
    const params = trial.params as { model: string; lr: number; C?: number; depth?: number };
    byModel.set(params.model, (byModel.get(params.model) ?? 0) + 1);
    const loss = params.model === 'svm' ? Math.abs(Math.log10(params.C!)) : params.model === 'forest' ? 1 + params.depth! / 10 : 2 + params.lr;
    const updated = await server.gql(UPDATE, { id: trial.id, result: { loss } }, token);
    expect(updated.data?.update, JSON.stringify(updated.errors)).toEqual({ state: 'COMPLETED' });
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, server, EMAIL, PASSWORD);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function chart(label: string): Locator {
  return page.getByRole('img', { name: label, exact: true });
}

/** The points of a slice plot and its x axis, from its ECharts instance (Chart.svelte puts it on the element). */
function slice(label: string): Promise<{ points: number; axisType: string; categories: string[] | null }> {
  return chart(label).evaluate((element) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const option = (element as any).echarts.getOption();
    return { points: option.series[0].data.length, axisType: option.xAxis[0].type, categories: option.xAxis[0].data ?? null };
  });
}

describe('a conditional experiment on the Trials panel, in Chromium', () => {
  it('plots each sub-parameter over the trials where it was active, and the choice as categories', async () => {
    // The random draws must have visited every branch for the test to say anything.
    expect([...byModel.keys()].sort()).toEqual(['forest', 'linear', 'svm']);
    await page.goto(`${origin(server)}/experiments/${experimentId}`);
    await page.waitForSelector('[data-chart="Loss against C"][data-rendered=true]', { timeout: TIMEOUT });
    await page.waitForSelector('[data-chart="Parameter importance"][data-rendered=true]', { timeout: TIMEOUT });
    expect(await slice('Loss against C')).toMatchObject({ points: byModel.get('svm'), axisType: 'log' });
    expect(await slice('Loss against depth')).toMatchObject({ points: byModel.get('forest') });
    expect(await slice('Loss against model')).toEqual({ points: TRIALS, axisType: 'category', categories: ['forest', 'linear', 'svm'] });
    expect(await slice('Loss against lr')).toMatchObject({ points: TRIALS });
  });

  it('shows inactive parameters as empty cells in the table', async () => {
    const headers = await page.locator('[data-testid=trial-table] [role=columnheader]').allTextContents();
    const column = (name: string) => headers.findIndex((text) => text.trim().replace(/[▲▼]$/, '').trim() === name);
    const [model, c, depth] = [column('model'), column('C'), column('depth')];
    expect(Math.min(model, c, depth)).toBeGreaterThanOrEqual(0);
    const rows = page.locator('[data-testid=trial-table] [role=row][data-trial]');
    const count = await rows.count();
    expect(count).toBeGreaterThan(3);
    for (let i = 0; i < count; i++) {
      const cells = await rows.nth(i).locator('[role=cell]').allTextContents();
      const chosen = cells[model]!.trim();
      expect(cells[c]!.trim() === '', `trial row ${i} (${chosen}): C`).toBe(chosen !== 'svm');
      expect(cells[depth]!.trim() === '', `trial row ${i} (${chosen}): depth`).toBe(chosen !== 'forest');
    }
  });

  it('queues a set from the form showing only the parameters of the choice made', async () => {
    const form = page.locator('[data-testid=enqueue-form]');
    await form.waitFor();
    expect(await form.locator('[data-param=model] option').allTextContents()).toEqual(expect.arrayContaining(['forest', 'linear', 'svm']));
    expect(await form.locator('[data-param=C]').count()).toBe(0);
    await form.locator('[data-param=model]').selectOption({ label: 'svm' });
    await form.locator('[data-param=C]').waitFor();
    expect(await form.locator('[data-param=depth]').count()).toBe(0);
    await form.locator('[data-param=model]').selectOption({ label: 'forest' });
    await form.locator('[data-param=depth]').waitFor();
    expect(await form.locator('[data-param=C]').count()).toBe(0);
    await form.locator('[data-param=depth]').fill('4');
    await form.locator('[data-param=lr]').fill('0.5');
    await form.locator('button[type=submit]').click();
    const done = page.locator('[data-testid=enqueued]');
    await done.waitFor();
    expect(await done.textContent()).toContain('depth = 4, lr = 0.5, model = forest');
  });
});
