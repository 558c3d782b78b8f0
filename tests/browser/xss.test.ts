// Stored XSS: every name and text a user or worker controls is shown as text, on every page and in
// every chart tooltip, under the dashboard's Content-Security-Policy.
import type { ConsoleMessage, Locator, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, chartsRendered, colourSpots, hoverTooltips, launchChromium, origin, startServer, type Spot, type TestServer } from './support.ts';

/** What each payload runs when it gets the chance. */
const RUN = 'window.__xss=(window.__xss||0)+1';
const PAYLOADS = {
  img: `<img src=x onerror="${RUN}">`,
  svg: `<svg onload="${RUN}">`,
  script: `"><script>${RUN}</script>`,
  url: `javascript:${RUN}`,
  template: `{{constructor.constructor('${RUN}')()}}`,
} as const;
const ALL = Object.values(PAYLOADS);

const EMAIL = 'mallory@example.com';
const PASSWORD = 'a-long-password';
const EXPERIMENT = { name: `exp ${PAYLOADS.img}`, description: ALL.join(' ') };
/** A numeric, a categorical (payload choices), a log-scale, a second categorical and a constant parameter. */
const PARAMETERS = {
  [PAYLOADS.img]: { min: 0, max: 1 },
  [PAYLOADS.svg]: ALL,
  [PAYLOADS.script]: { min: 1e-3, max: 1, distribution: 'log_uniform' },
  [PAYLOADS.template]: ['plain', PAYLOADS.url],
  [PAYLOADS.url]: `constant ${PAYLOADS.svg}`,
};
const CATEGORICAL = { [PAYLOADS.svg]: ALL, [PAYLOADS.template]: ['plain', PAYLOADS.url] } as Record<string, readonly string[]>;
const TUNABLE = [PAYLOADS.img, PAYLOADS.svg, PAYLOADS.script, PAYLOADS.template];
/** Numeric custom metrics (one chart each) named by payloads, and a text one. */
const METRICS = ALL.map((payload) => `m ${payload}`);
const NOTE = 'note';
const TOKEN_NAMES = [`t ${PAYLOADS.img}`, `t ${PAYLOADS.script}`, `t ${PAYLOADS.svg}`];
const COMPLETED = 12;

const SUGGEST = `mutation ($experiment: ExperimentInput!, $worker: String) { suggest(experiment: $experiment, worker: $worker) { id number params experiment { id } } }`;
const UPDATE = `mutation ($id: ID!, $result: JSON!) { update(trialId: $id, result: $result) { id state } }`;
const REPORT = `mutation ($id: ID!, $step: Int!, $value: Float!, $metrics: JSON) { report(trialId: $id, step: $step, value: $value, metrics: $metrics) { shouldStop } }`;
/** Intermediate values each completed trial reports (one learning curve each). */
const STEPS = 4;
const FAIL = `mutation ($id: ID!, $error: String!, $metrics: JSON) { fail(trialId: $id, error: $error, metrics: $metrics) { id state } }`;

/**
 * Runs in every page before its own scripts: reports (through the `__report` binding) a payload that
 * runs, an element or attribute a payload would add, and any CSP violation.
 */
function guard(): void {
  const send = (window as unknown as { __report: (problem: string) => void }).__report;
  const report = (problem: string) => send(`${location.pathname}: ${problem}`);
  let runs = 0;
  Object.defineProperty(window, '__xss', {
    configurable: true,
    get: () => runs,
    set: (value: number) => {
      runs = value;
      report(`a payload ran (window.__xss = ${value})`);
    },
  });
  document.addEventListener('securitypolicyviolation', (e) => report(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ${e.sample}`), true);
  const URL_ATTRIBUTES = /^(href|src|action|formaction|xlink:href|data)$/i;
  const FOREIGN = new Set(['img', 'image', 'iframe', 'frame', 'object', 'embed', 'foreignobject']);
  const check = (el: Element) => {
    const flag = (why: string) => report(`${why}: ${el.outerHTML.slice(0, 160)}`);
    for (const attribute of Array.from(el.attributes)) {
      if (/^on/i.test(attribute.name)) flag(`an inline ${attribute.name} handler`);
      if (URL_ATTRIBUTES.test(attribute.name) && /^[\s\u0000-\u001f]*javascript:/i.test(attribute.value)) flag('a javascript: URL');
    }
    const tag = el.localName.toLowerCase();
    // The dashboard draws no images, frames or plugins, and its only SVG is the logo.
    if (FOREIGN.has(tag)) flag(`an <${tag}>`);
    if (tag === 'svg' && !el.closest('.brand')) flag('an <svg> outside the logo');
    if (el instanceof HTMLScriptElement) {
      const ours = el.src ? new URL(el.src).origin === location.origin : el.nonce !== '';
      if (!ours) flag('a <script> that is not the app’s');
      // The app's own inline script carries the page's server-rendered data, payloads included, but
      // serialised: every < escaped (\u003C), so no payload's markup survives in it as written.
      if (ours && el.text.includes('__xss') && /<(script|img|svg|\/script)/i.test(el.text)) flag('a payload written unescaped into the app’s <script>');
    }
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes' && record.target instanceof Element) check(record.target);
      for (const node of Array.from(record.addedNodes)) {
        if (!(node instanceof Element)) continue;
        check(node);
        node.querySelectorAll('*').forEach(check);
      }
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
}

let server: TestServer;
let page: Page;
let closeBrowser: () => Promise<void>;
/** Everything that went wrong in any page, across navigations. */
const problems: string[] = [];
/** Set while a confirm() of the dashboard's own is expected. */
let expectConfirm = false;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer({ env: { OSCAR_SIGNUP: '1' } });
  const browser = await launchChromium();
  closeBrowser = () => browser.close();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: origin(server) });
  await context.exposeBinding('__report', (_source, problem: string) => void problems.push(problem));
  await context.addInitScript(guard);
  page = await context.newPage();
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    if (expectConfirm && dialog.type() === 'confirm') return void dialog.accept();
    problems.push(`unexpected ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

afterEach(async () => {
  // Reports still in flight from the page arrive before the check.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  expect(problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

/** The CSP a server-rendered page must carry, with the nonce SvelteKit put on its inline script. */
async function expectPolicy(response: Response | null): Promise<void> {
  expect(response, 'no response').not.toBeNull();
  const policy = (await response!.allHeaders())['content-security-policy'] ?? '';
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(policy).toMatch(/(^|;)\s*script-src 'self' 'nonce-[^']+'/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("object-src 'none'");
  expect(policy).toContain("default-src 'self'");
  expect(await page.evaluate(() => [...document.querySelectorAll('script:not([src])')].map((s) => (s as HTMLScriptElement).nonce))).toEqual([nonce]);
}

/** Opens a dashboard page by its address (a server-rendered document) and checks its policy. */
async function open(path: string, landing = path): Promise<void> {
  const response = await page.goto(`${origin(server)}${path}`);
  expect(new URL(page.url()).pathname).toBe(landing);
  await expectPolicy(response);
}

/**
 * Where a chart has drawn in the accent colour (scatter points and bars): one spot per 6 px cell, the
 * first of each 16 px row and of each 16 px column first, so that a few of them reach every category.
 */
async function inkedSpots(chart: Locator): Promise<Spot[]> {
  const spots = await colourSpots(chart, [47, 93, 138], { cell: 6, tolerance: 8, alpha: 40, pixels: 1 });
  const firstPer = (band: (spot: Spot) => number) => {
    const first = new Map<number, Spot>();
    for (const spot of spots) if (!first.has(band(spot))) first.set(band(spot), spot);
    return [...first.values()];
  };
  return [...new Set([...firstPer((s) => Math.floor(s.y / 16)), ...firstPer((s) => Math.floor(s.x / 16)), ...spots])];
}

/** Spots down a vertical line at three quarters of a chart's width, every 6 px: each row of a bar chart, however short its bar. */
async function rowSpots(chart: Locator): Promise<Spot[]> {
  const { width, height } = (await chart.boundingBox())!;
  return Array.from({ length: Math.floor((height - 8) / 6) }, (_, i) => ({ x: width * 0.75, y: 4 + i * 6 }));
}

describe('user-controlled text in the dashboard, in Chromium', () => {
  let token = '';
  let experimentId = '';

  it('signs up, then names API tokens with payloads in the Account panel (created, copied, renamed, revoked)', async () => {
    await open('/signin');
    await open('/signup');
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(/\/experiments$/), page.click('button:has-text("Create account")')]);
    await page.waitForSelector('text=No experiments yet');

    await open('/account');
    for (const name of TOKEN_NAMES) expect(name.length).toBeLessThanOrEqual(100);
    await page.fill('input[aria-label="Token name"]', TOKEN_NAMES[0]!);
    await page.click('button:has-text("Create token")');
    const created = page.locator('section[aria-label="New API token"]');
    await expect.poll(() => created.locator('h2').textContent()).toBe(`Your new token “${TOKEN_NAMES[0]}”`);
    token = await page.inputValue('[data-testid=new-token]');
    expect(token).toMatch(/^oscar_/);
    await created.locator('button:has-text("Copy")').click();
    await created.locator('button:has-text("Copied ✓")').waitFor();
    await created.locator('button:has-text("Done")').click();

    await page.fill('input[aria-label="Token name"]', TOKEN_NAMES[1]!);
    await page.click('button:has-text("Create token")');
    await page.waitForSelector('[data-testid=new-token]');
    await page.click('button:has-text("Done")');
    const second = page.locator('tbody tr').filter({ hasText: TOKEN_NAMES[1]! });
    await second.locator('button:has-text("Rename")').click();
    expect(await page.inputValue('input[aria-label="New name"]')).toBe(TOKEN_NAMES[1]);
    await page.fill('input[aria-label="New name"]', TOKEN_NAMES[2]!);
    await page.click('button:has-text("Save")');
    const renamed = page.locator('tbody tr').filter({ hasText: TOKEN_NAMES[2]! });
    await renamed.waitFor();
    expectConfirm = true;
    await renamed.locator('button:has-text("Revoke")').click();
    await renamed.locator('.badge:has-text("revoked")').waitFor();
    expectConfirm = false;

    const names = await page.locator('tbody tr td:first-child').allTextContents();
    expect(names.map((n) => n.trim()).sort()).toEqual([TOKEN_NAMES[0], TOKEN_NAMES[2]].sort());
  });

  it('lists an experiment whose name, description, parameters, metrics and workers are payloads', async () => {
    const seen = new Set<string>();
    let completed = 0;
    for (let i = 0; completed < COMPLETED || Object.values(CATEGORICAL).some((choices) => choices.some((c) => !seen.has(c))); i++) {
      expect(i, 'the random sampler never tried every choice').toBeLessThan(200);
      const suggested = await server.gql(SUGGEST, { experiment: { ...EXPERIMENT, parameters: PARAMETERS, algorithm: 'random', seed: 7, pruner: 'none' }, worker: ALL[i % ALL.length] }, token);
      const trial = suggested.data?.suggest;
      expect(trial, JSON.stringify(suggested.errors)).toBeTruthy();
      experimentId = trial.experiment.id;
      for (const name of Object.keys(CATEGORICAL)) seen.add(String(trial.params[name]));
      const loss = Number(trial.params[PAYLOADS.img]) + ALL.indexOf(trial.params[PAYLOADS.svg]) / 10 + Math.log10(Number(trial.params[PAYLOADS.script])) / 10;
      // A learning curve down to the loss, its metrics named by payloads (no pruner: every trial completes).
      for (let step = 0; step < STEPS; step++) {
        const reported = await server.gql(REPORT, { id: trial.id, step, value: loss + (STEPS - 1 - step) / 5, metrics: { [PAYLOADS.img]: PAYLOADS.svg } }, token);
        expect(reported.data?.report.shouldStop, JSON.stringify(reported.errors)).toBe(false);
      }
      const metrics = Object.fromEntries(METRICS.map((name, m) => [name, loss * (m + 1) + i / 10]));
      const updated = await server.gql(UPDATE, { id: trial.id, result: { loss, ...metrics, [NOTE]: ALL[(i + 1) % ALL.length] } }, token);
      expect(updated.data?.update.state, JSON.stringify(updated.errors)).toBe('COMPLETED');
      completed++;
    }
    const failing = await server.gql(SUGGEST, { experiment: { ...EXPERIMENT, parameters: PARAMETERS }, worker: PAYLOADS.template }, token);
    const failed = await server.gql(FAIL, { id: failing.data?.suggest.id, error: ALL.join('\n'), metrics: { [NOTE]: PAYLOADS.svg } }, token);
    expect(failed.data?.fail.state, JSON.stringify(failed.errors)).toBe('FAILED');

    await open('/experiments');
    const row = page.locator('tbody tr').filter({ has: page.locator(`a[href="/experiments/${experimentId}"]`) });
    await row.waitFor();
    expect(await row.locator('td.name').textContent()).toBe(EXPERIMENT.name);
    expect(await row.locator('td.description').textContent()).toBe(EXPERIMENT.description);
  });

  it('shows the payloads as text on the Trials panel and in every chart tooltip', async () => {
    await open(`/experiments/${experimentId}`);
    await page.waitForSelector('[data-chart="Parameter importance"]', { timeout: 30_000 });
    await chartsRendered(page, 60_000);
    expect(await page.title()).toBe(`${EXPERIMENT.name} · Oscar`);
    expect((await page.locator('h1').textContent())?.trim()).toBe(EXPERIMENT.name);
    expect(await page.locator('.description').textContent()).toBe(EXPERIMENT.description);
    await expect.poll(() => page.textContent('.live')).toBe('Live');

    const headers = (await page.locator('[role=columnheader]').allTextContents()).map((h) => h.trim());
    for (const name of [...Object.keys(PARAMETERS), ...METRICS, NOTE]) expect(headers).toContain(name);
    const column = (label: string) =>
      page.locator('[data-testid=trial-table] [role=row][data-trial]').evaluateAll(
        (rows, index) => rows.map((row) => row.querySelectorAll('[role=cell]')[index]?.textContent?.trim()),
        headers.indexOf(label),
      );
    expect(new Set(await column('Worker'))).toEqual(new Set(ALL));
    expect(new Set(await column(NOTE))).toEqual(new Set(ALL));
    expect(new Set(await column(PAYLOADS.url))).toEqual(new Set([PARAMETERS[PAYLOADS.url]]));
    const best = (await page.locator('.best-params code').allTextContents()).join('\n');
    for (const name of Object.keys(PARAMETERS)) expect(best).toContain(`${name} = `);

    const labels = await page.locator('[data-chart]').evaluateAll((charts) => charts.map((c) => c.getAttribute('data-chart')!));
    expect([...labels].sort()).toEqual(
      [
        'Loss over trials',
        'Parameter importance',
        'Learning curves',
        'Parallel coordinates',
        'Contour',
        'Loss distribution',
        ...TUNABLE.map((n) => `Loss against ${n}`),
        ...METRICS.map((n) => `Metric ${n}`),
      ].sort(),
    );

    for (const [index, label] of labels.entries()) {
      const chart = page.locator('[data-chart]').nth(index);
      expect(await chart.getAttribute('data-chart')).toBe(label);
      if (label === 'Parallel coordinates') {
        // No tooltip here: sweep across every axis (names and choices are drawn on the canvas).
        await chart.scrollIntoViewIfNeeded();
        const box = (await chart.boundingBox())!;
        for (const y of [0.3, 0.5, 0.7]) {
          await page.mouse.move(box.x + 4, box.y + box.height * y);
          await page.mouse.move(box.x + box.width - 4, box.y + box.height * y, { steps: 25 });
        }
        continue;
      }
      let wanted: string[];
      if (label === 'Loss over trials') wanted = ['loss'];
      else if (label === 'Learning curves') wanted = ['trial ', 'step ', 'value = '];
      else if (label === 'Parameter importance') wanted = TUNABLE;
      else if (label === 'Contour') wanted = ['loss ≈'];
      else if (label === 'Loss distribution') wanted = ['loss ≤'];
      else if (label.startsWith('Loss against ')) {
        const name = label.slice('Loss against '.length);
        wanted = CATEGORICAL[name] ? CATEGORICAL[name].map((choice) => `${name} = ${choice}`) : [`${name} = `];
      } else wanted = [`${label.slice('Metric '.length)} = `];
      // The importance chart's tooltip follows the row under the mouse; the others' follow the points.
      const spots = label === 'Parameter importance' ? await rowSpots(chart) : await inkedSpots(chart);
      expect(spots.length, `${label}: nothing drawn`).toBeGreaterThan(0);
      const texts = await hoverTooltips(page, chart, spots, wanted);
      // Soft: every chart is still hovered, so a failure lists every payload that got through.
      for (const text of wanted) expect.soft(texts.join('\n'), `${label}: a tooltip holding ${text}`).toContain(text);
    }

    // A failure reported while the page is open arrives live, payloads and all.
    const running = await server.gql(SUGGEST, { experiment: { ...EXPERIMENT, parameters: PARAMETERS }, worker: PAYLOADS.script }, token);
    const trial = running.data?.suggest;
    await page.waitForSelector(`[data-trial="${trial.number}"]`);
    // Its checkpoint record, payloads as keys and values, shows as text in its cell and its title.
    const record = { [PAYLOADS.svg]: PAYLOADS.img, note: PAYLOADS.script };
    const saved = await server.gql(`mutation ($id: ID!, $data: JSON!) { checkpoint(trialId: $id, data: $data) { id } }`, { id: trial.id, data: record }, token);
    expect(saved.errors).toBeUndefined();
    const cell = page.locator(`[data-trial="${trial.number}"] [role=cell][title]`);
    await cell.waitFor();
    expect(await cell.textContent()).toContain(JSON.stringify(PAYLOADS.img).slice(1, -1));
    expect(JSON.parse((await cell.getAttribute('title'))!)).toEqual(record);
    await server.gql(FAIL, { id: trial.id, error: PAYLOADS.img, metrics: { [NOTE]: PAYLOADS.img } }, token);
    await page.waitForSelector(`[data-trial="${trial.number}"] .state:has-text("failed")`);
    expect(await page.locator(`[data-trial="${trial.number}"]`).textContent()).toContain(PAYLOADS.img);
  }, 240_000);

  it('shows Markdown notes and tags made of payloads as text, with no unsafe link', async () => {
    const tags = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '{{7*7}}'];
    const notes = `${ALL.join('\n\n')}\n\n[click](javascript:alert(1)) [data](data:text/html,<script>alert(1)</script>) <b onclick="${RUN}">b</b>`;
    const edited = await server.gql(
      `mutation ($id: ID!, $notes: String, $tags: [String!]) { updateExperiment(id: $id, notes: $notes, tags: $tags) { tags } }`,
      { id: experimentId, notes, tags },
      token,
    );
    expect(edited.data?.updateExperiment.tags, JSON.stringify(edited.errors)).toEqual(tags);
    await open(`/experiments/${experimentId}`);
    const rendered = page.locator('[data-testid=notes-rendered]');
    await rendered.waitFor({ timeout: 30_000 });
    const text = (await rendered.textContent()) ?? '';
    for (const payload of [PAYLOADS.img, PAYLOADS.svg, PAYLOADS.template, '[click](javascript:alert(1))', `<b onclick="${RUN}">b</b>`]) expect(text).toContain(payload);
    expect(await rendered.locator('a, img, script, svg, b').count()).toBe(0);
    expect(await page.locator('[data-testid=experiment-header] [data-testid=tags] li').allTextContents()).toEqual(tags);
    await open('/experiments');
    const row = page.locator('tbody tr').filter({ has: page.locator(`a[href="/experiments/${experimentId}"]`) });
    await row.waitFor();
    expect(await row.locator('[data-testid=tags] li').allTextContents()).toEqual(tags);
  });

  it('signs out and back in through a redirectTo with a tab, landing on this server', async () => {
    await Promise.all([page.waitForURL(/\/signin$/), page.click('button:has-text("Sign out")')]);
    await open(`/signin?redirectTo=${encodeURIComponent('/\t/evil.example')}`, '/signin');
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/experiments'), page.click('button:has-text("Sign in")')]);
    expect(new URL(page.url()).origin).toBe(origin(server));
    await page.locator(`a[href="/experiments/${experimentId}"]`).waitFor();
  });
});
