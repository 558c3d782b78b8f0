// Managing experiments in the dashboard, at 1440 px and on a 390 px phone, in Chromium: renaming,
// Markdown notes and tags, archived versions, and deleting (asked first; open pages follow it live);
// the list shows its latest read (an earlier one answering late changes nothing).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PANEL_SUBSCRIPTIONS, assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'curator@example.com';
const PASSWORD = 'a-long-password';
const SUGGEST = `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "w") { id experiment { id } } }`;

let server: TestServer;
let browser: Browser;
let token: string;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  token = await server.token(EMAIL);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

let page: Page | undefined;
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-3000)}`));
});

/** Runs `trials` trials of `name` to completion (the first with `resume`); returns the experiment's id. */
async function seed(name: string, trials: number, resume = true): Promise<string> {
  let id = '';
  for (let i = 0; i < trials; i++) {
    const { data, errors } = await server.gql(SUGGEST, { e: { name, parameters: { x: { min: 0, max: 1 } }, algorithm: 'random', resume: i === 0 ? resume : true } }, token);
    expect(errors).toBeUndefined();
    id = data!.suggest.experiment.id;
    await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: ${i + 0.5} }) { id } }`, { id: data!.suggest.id }, token);
  }
  return id;
}

async function trialCount(id: string): Promise<number | null> {
  const { data } = await server.gql(`query ($id: ID!) { experiment(id: $id) { trialCount } }`, { id }, token);
  return data?.experiment?.trialCount ?? null;
}

async function noSidewaysScroll(p: Page, width: number): Promise<void> {
  if (width > 400) return;
  expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

describe.each([
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
])('experiment management at $width px, in Chromium', (viewport) => {
  const suffix = `${viewport.width}`;
  let context: BrowserContext;
  let keep = '';
  let first = '';
  let second = '';

  beforeAll(async () => {
    keep = await seed(`Keep ${suffix}`, 2);
    first = await seed(`Line ${suffix}`, 2);
    second = await seed(`Line ${suffix}`, 1, false);
    context = await browser.newContext({ viewport });
    page = await context.newPage();
    await signIn(page, server, EMAIL, PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
  });

  it('renames the experiment (refusing a name in use), and edits its Markdown notes and tags', async () => {
    const p = page!;
    await p.goto(`${origin(server)}/experiments/${second}`);
    await expect.poll(() => p.textContent('[data-testid=experiment-name]'), { timeout: 30_000 }).toBe(`Line ${suffix}`);

    await p.click('[data-testid=rename]');
    await p.fill('[data-testid=rename-input]', `Keep ${suffix}`);
    await p.click('[data-testid=experiment-header] form button:text("Save")');
    await expect.poll(() => p.textContent('[data-testid=experiment-header] [role=alert]'), { timeout: 30_000 }).toContain(`already have an experiment named "Keep ${suffix}"`);
    await p.fill('[data-testid=rename-input]', `Renamed ${suffix}`);
    await p.click('[data-testid=experiment-header] form button:text("Save")');
    await expect.poll(() => p.textContent('[data-testid=experiment-name]'), { timeout: 30_000 }).toBe(`Renamed ${suffix}`);

    await p.click('[data-testid=edit-notes]');
    await p.fill('[data-testid=notes-input]', '# Plan\n\n**Wider** search, see [the paper](https://example.com/paper).\n\n- lr\n- depth');
    await p.click('[data-testid=notes-save]');
    const notes = p.locator('[data-testid=notes-rendered]');
    await notes.locator('h1').waitFor({ timeout: 30_000 });
    expect(await notes.locator('h1').textContent()).toBe('Plan');
    expect(await notes.locator('strong').textContent()).toBe('Wider');
    expect(await notes.locator('li').allTextContents()).toEqual(['lr', 'depth']);
    const link = notes.locator('a');
    expect(await link.getAttribute('href')).toBe('https://example.com/paper');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    // Cancel leaves the notes as they were.
    await p.click('[data-testid=edit-notes]');
    await p.fill('[data-testid=notes-input]', 'discarded');
    await p.click('[data-testid=notes] button:text("Cancel")');
    expect(await notes.locator('h1').textContent()).toBe('Plan');

    await p.click('[data-testid=edit-tags]');
    await p.fill('[data-testid=tags-input]', ' vision , baseline, Vision ,');
    await p.click('[data-testid=experiment-header] form button:text("Save")');
    const chips = p.locator('[data-testid=experiment-header] [data-testid=tags] li');
    await expect.poll(() => chips.allTextContents(), { timeout: 30_000 }).toEqual(['vision', 'baseline']);
    await noSidewaysScroll(p, viewport.width);

    await p.goto(`${origin(server)}/experiments`);
    const row = p.locator('tbody tr').filter({ has: p.locator(`a[href="/experiments/${second}"]`) });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('a').textContent()).toBe(`Renamed ${suffix}`);
    expect(await row.locator('[data-testid=tags] li').allTextContents()).toEqual(['vision', 'baseline']);
    await noSidewaysScroll(p, viewport.width);
  });

  it('renders the Trials panel’s header and headline figures on the server', async () => {
    // Without JavaScript: the first paint is the server's (name, notes, tags, trial count, best loss).
    const bare = await browser.newContext({ javaScriptEnabled: false, viewport });
    try {
      await bare.addCookies(await context.cookies());
      const ssr = await bare.newPage();
      const response = await ssr.goto(`${origin(server)}/experiments/${second}`);
      expect(response?.status()).toBe(200);
      expect(await ssr.textContent('[data-testid=experiment-name]')).toBe(`Renamed ${suffix}`);
      expect(await ssr.textContent('[data-testid=notes-rendered] h1')).toBe('Plan');
      expect(await ssr.locator('[data-testid=experiment-header] [data-testid=tags] li').allTextContents()).toEqual(['vision', 'baseline']);
      expect(await ssr.textContent('[data-testid=trial-count]')).toBe('1');
      expect((await ssr.textContent('[data-testid=best-loss]'))?.replace(/\s+/g, ' ').trim()).toBe('0.5 #1');
      // Rename, tags, notes and delete need the page live: disabled until then, never a dead click.
      for (const control of ['rename', 'edit-tags', 'delete', 'edit-notes']) expect(await ssr.isDisabled(`[data-testid=${control}]`)).toBe(true);
      await noSidewaysScroll(ssr, viewport.width);
      const missing = await ssr.goto(`${origin(server)}/experiments/no-such-experiment`);
      expect(missing?.status()).toBe(404);
      expect(await ssr.textContent('body')).toContain('No such experiment (or it is not yours).');
    } finally {
      await bare.close();
    }
  });

  it('preloads the trial table with the page (beside its scripts) and reads it once', async () => {
    const response = await context.request.get(`${origin(server)}/experiments/${keep}`);
    expect(response.status()).toBe(200);
    const links = (response.headers()['link'] ?? '').split(/,\s*(?=<)/);
    // The table first, so it is fetched while the scripts load; SvelteKit's module preloads still there.
    expect(links[0]).toMatch(/^<\/graphql\?query=query\+ExperimentPage[^>]*>; rel=preload; as=fetch; crossorigin=anonymous$/);
    expect(links.filter((link) => link.includes('rel="modulepreload"')).length).toBeGreaterThan(0);

    const p = page!;
    await p.goto(`${origin(server)}/experiments/${keep}`);
    await p.waitForSelector('[data-testid=trial-table] [data-trial]', { timeout: 30_000 });
    const reads = await p.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name.includes('ExperimentPage'))
        .map((entry) => (entry as PerformanceResourceTiming).initiatorType),
    );
    expect(reads).toEqual(['link']);
  });

  it('reaches archived versions from the list and from the experiment page', async () => {
    const p = page!;
    await p.goto(`${origin(server)}/experiments`);
    await p.locator(`a[href="/experiments/${second}"]`).waitFor({ timeout: 30_000 });
    expect(await p.locator(`a[href="/experiments/${first}"]`).count()).toBe(0);
    await p.check('[data-testid=show-archived]');
    const archivedRow = p.locator('tbody tr').filter({ has: p.locator(`a[href="/experiments/${first}"]`) });
    await archivedRow.waitFor({ timeout: 30_000 });
    expect(new URL(p.url()).search).toBe('?archived=1');
    expect(await archivedRow.textContent()).toContain('archived');
    await noSidewaysScroll(p, viewport.width);
    // Server-rendered with the toggle on, too.
    await p.reload();
    await archivedRow.waitFor({ timeout: 30_000 });
    expect(await p.isChecked('[data-testid=show-archived]')).toBe(true);
    await p.uncheck('[data-testid=show-archived]');
    await archivedRow.waitFor({ state: 'detached', timeout: 30_000 });
    expect(new URL(p.url()).search).toBe('');

    await p.goto(`${origin(server)}/experiments/${second}`);
    await p.locator('[data-testid=versions] summary').click({ timeout: 30_000 });
    const links = p.locator('[data-testid=versions] li');
    expect(await links.count()).toBe(2);
    expect(await links.nth(0).textContent()).toContain('current · 1 trial');
    expect(await links.nth(1).textContent()).toContain('archived · 2 trials');
    await noSidewaysScroll(p, viewport.width);
    await links.nth(1).locator('a').click();
    await p.waitForURL(`**/experiments/${first}`);
    await expect.poll(() => p.textContent('[data-testid=experiment-header] h1'), { timeout: 30_000 }).toContain('archived');
    expect(await p.textContent('[data-testid=experiment-name]')).toBe(`Renamed ${suffix}`);
  });

  it('shows live that the open version was archived by a worker (resume: false), with the new version', async () => {
    const solo = await seed(`Solo ${suffix}`, 1);
    // The shared page may still be swapping its subscriptions (the test before navigated it): park it
    // and wait until none of this user's are left, so the count below is the watcher's own.
    await page!.goto('about:blank');
    await server.listening(token, 0, 30_000);
    const watcher = await context.newPage();
    await watcher.goto(`${origin(server)}/experiments/${solo}`);
    await watcher.locator('[data-testid=experiment-name]').waitFor({ timeout: 30_000 });
    await server.listening(token, PANEL_SUBSCRIPTIONS, 30_000);
    expect(await watcher.textContent('[data-testid=experiment-header] h1')).not.toContain('archived');
    await watcher.locator('[data-testid=enqueue-form]').waitFor({ timeout: 30_000 });

    const next = await seed(`Solo ${suffix}`, 1, false);
    await expect.poll(() => watcher.textContent('[data-testid=experiment-header] h1'), { timeout: 30_000 }).toContain('archived');
    // An archived version takes no new trials: its "Try next" form goes with the archive, no reload needed.
    await watcher.locator('[data-testid=enqueue-form]').waitFor({ state: 'detached', timeout: 30_000 });
    const notice = watcher.locator('[data-testid=archived-notice]');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.locator('a').getAttribute('href')).toBe(`/experiments/${next}`);
    await watcher.locator('[data-testid=versions] summary').click({ timeout: 30_000 });
    const versions = watcher.locator('[data-testid=versions] li');
    await expect.poll(() => versions.allTextContents(), { timeout: 30_000 }).toEqual([expect.stringContaining('current · 1 trial'), expect.stringContaining('archived · 1 trial')]);
    await noSidewaysScroll(watcher, viewport.width);
    await watcher.close();
  });

  it('asks before deleting (Cancel keeps it), then deletes; open pages follow, other experiments stay', async () => {
    const p = page!;
    const list = await context.newPage();
    await list.goto(`${origin(server)}/experiments`);
    const listed = list.locator(`a[href="/experiments/${second}"]`);
    await listed.waitFor({ timeout: 30_000 });
    const watcher = await context.newPage();
    await watcher.goto(`${origin(server)}/experiments/${second}`);
    await watcher.locator('[data-testid=experiment-name]').waitFor({ timeout: 30_000 });

    await p.goto(`${origin(server)}/experiments/${second}`);
    await p.click('[data-testid=delete]', { timeout: 30_000 });
    const dialog = p.locator('[data-testid=delete-dialog]');
    await dialog.waitFor();
    expect(await p.isDisabled('[data-testid=delete-confirm]')).toBe(true);
    await noSidewaysScroll(p, viewport.width);
    await p.click('[data-testid=delete-cancel]');
    await dialog.waitFor({ state: 'detached' });
    expect(await trialCount(second)).toBe(1);

    await p.click('[data-testid=delete]');
    await p.fill('[data-testid=delete-confirm-input]', 'not the name');
    expect(await p.isDisabled('[data-testid=delete-confirm]')).toBe(true);
    await p.fill('[data-testid=delete-confirm-input]', `Renamed ${suffix}`);
    await p.click('[data-testid=delete-confirm]');
    await p.waitForURL(/\/experiments$/, { timeout: 30_000 });

    expect(await trialCount(second)).toBeNull();
    expect(await trialCount(first)).toBe(2); // the other version stays
    expect(await trialCount(keep)).toBe(2);
    await listed.waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => watcher.textContent('[role=alert]'), { timeout: 30_000 }).toBe('This experiment was deleted.');
    expect(await p.locator(`a[href="/experiments/${second}"]`).count()).toBe(0);
    expect(await p.locator(`a[href="/experiments/${keep}"]`).count()).toBe(1);
    await list.close();
    await watcher.close();
  });
});

it('keeps tags that hold commas through Edit tags: saved unchanged they stay, and quotes make new ones', async () => {
  const id = await seed('Comma tags', 1);
  const tags = async () => (await server.gql(`query ($id: ID!) { experiment(id: $id) { tags } }`, { id }, token)).data?.experiment?.tags;
  const set = await server.gql(`mutation ($id: ID!) { updateExperiment(id: $id, tags: ["lr=1e-3,bs=64", "alpha"]) { tags } }`, { id }, token);
  expect(set.data?.updateExperiment.tags).toEqual(['lr=1e-3,bs=64', 'alpha']);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  const p = page;
  await signIn(p, server, EMAIL, PASSWORD);
  await p.goto(`${origin(server)}/experiments/${id}`);
  const chips = p.locator('[data-testid=experiment-header] [data-testid=tags] li');
  await expect.poll(() => chips.allTextContents(), { timeout: 30_000 }).toEqual(['lr=1e-3,bs=64', 'alpha']);

  await p.click('[data-testid=edit-tags]', { timeout: 30_000 });
  expect(await p.inputValue('[data-testid=tags-input]')).toBe('"lr=1e-3,bs=64", alpha');
  await p.click('[data-testid=experiment-header] form button:text("Save")');
  await p.locator('[data-testid=tags-input]').waitFor({ state: 'detached', timeout: 30_000 });
  expect(await tags()).toEqual(['lr=1e-3,bs=64', 'alpha']);
  expect(await chips.allTextContents()).toEqual(['lr=1e-3,bs=64', 'alpha']);

  await p.click('[data-testid=edit-tags]');
  await p.fill('[data-testid=tags-input]', '"lr=1e-3,bs=64", alpha, "depth=4,width=128"');
  await p.click('[data-testid=experiment-header] form button:text("Save")');
  await expect.poll(() => chips.allTextContents(), { timeout: 30_000 }).toEqual(['lr=1e-3,bs=64', 'alpha', 'depth=4,width=128']);
  expect(await tags()).toEqual(['lr=1e-3,bs=64', 'alpha', 'depth=4,width=128']);
  await context.close();
});

it('lists a parameter set queued from a client while the page is open, and drops it once a suggest takes it', async () => {
  const id = await seed('Queued elsewhere', 1);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  const p = page;
  await signIn(p, server, EMAIL, PASSWORD);
  await p.goto(`${origin(server)}/experiments/${id}`);
  await p.locator('[data-testid=enqueue-form]').waitFor({ timeout: 30_000 });
  expect(await p.locator('[data-testid=queue]').count()).toBe(0);

  const ENQUEUE = `mutation ($id: ID!, $params: JSON!) { enqueue(experimentId: $id, params: $params) { place } }`;
  const queued = await server.gql(ENQUEUE, { id, params: { x: 0.25 } }, token);
  expect(queued.errors).toBeUndefined();
  const sets = p.locator('[data-testid=queue] li');
  await expect.poll(() => sets.allTextContents(), { timeout: 30_000 }).toEqual(['x = 0.25']);

  const taken = await server.gql(SUGGEST, { e: { name: 'Queued elsewhere', parameters: { x: { min: 0, max: 1 } } } }, token);
  expect(taken.errors).toBeUndefined();
  await p.locator('[data-testid=queue]').waitFor({ state: 'detached', timeout: 30_000 });
  await context.close();
});

/** What the page's reads of the list (`ExperimentList`) show the test: see {@link listWithHeldRead}. */
interface ListReads {
  /** Answers the page has taken in, by `includeArchived`, the held one aside. */
  handled: Record<string, number>;
  /** Set while the first read of the current versions is held back. */
  releaseHeld?: () => void;
  /** Whether the page has taken in the held answer, or had given that read up when it was released. */
  heldHandled: boolean;
}

/**
 * A signed-in page on the experiments list whose first read of the current versions (the one it makes
 * once live) is held back until `release`. `handled(archived)` resolves once the page has taken in an
 * answer to another read with `includeArchived: archived`, `heldHandled` once it has taken in the held
 * one (and every continuation of it has run) or, had it given that read up, once it is released.
 */
async function listWithHeldRead(): Promise<{ page: Page; release: () => Promise<void>; handled: (archived: boolean) => Promise<unknown>; heldHandled: () => Promise<unknown> }> {
  await page?.close();
  const held = await browser.newPage();
  await held.addInitScript(() => {
    const state = window as unknown as { listReads: ListReads };
    state.listReads = { handled: { true: 0, false: 0 }, heldHandled: false };
    const reads = state.listReads;
    let holding = true;
    const native = window.fetch;
    window.fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (!body.includes('"operationName":"ExperimentList"')) return native(input, init);
      const archived = String(body.includes('"includeArchived":true'));
      const response = await native(input, init);
      let handled = (): void => void reads.handled[archived]!++;
      if (holding && archived === 'false') {
        holding = false;
        handled = () => void (reads.heldHandled = true);
        await new Promise<void>((release) => (reads.releaseHeld = release));
        if (init?.signal?.aborted) {
          handled();
          throw new DOMException('The read was given up', 'AbortError');
        }
      }
      // The page reads the body as text; what it does with it runs before the next task.
      const text = response.text.bind(response);
      response.text = () => text().finally(() => setTimeout(handled));
      return response;
    };
  });
  await signIn(held, server, EMAIL, PASSWORD);
  await held.waitForFunction(() => (window as unknown as { listReads: ListReads }).listReads.releaseHeld !== undefined, undefined, { timeout: 30_000 });
  return {
    page: held,
    release: () => held.evaluate(() => (window as unknown as { listReads: ListReads }).listReads.releaseHeld!()),
    handled: (archived) => held.waitForFunction((archived) => (window as unknown as { listReads: ListReads }).listReads.handled[String(archived)]! > 0, archived, { timeout: 30_000 }),
    heldHandled: () => held.waitForFunction(() => (window as unknown as { listReads: ListReads }).listReads.heldHandled, undefined, { timeout: 30_000 }),
  };
}

describe('the experiments list, when an earlier read answers late', () => {
  it('does not bring back an experiment deleted while an earlier read was on its way', async () => {
    const kept = await seed('Kept in the list', 1);
    const doomed = await seed('Deleted from the list', 1);
    const held = await listWithHeldRead();
    page = held.page;
    const row = (id: string) => held.page.locator(`tbody a[href="/experiments/${id}"]`);
    await row(doomed).waitFor({ timeout: 30_000 });
    // Its activity and deletion subscriptions listen: the deletion reaches it.
    await server.listening(token, 2, 30_000);

    const deleted = await server.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`, { id: doomed }, token);
    expect(deleted.errors).toBeUndefined();
    await row(doomed).waitFor({ state: 'detached', timeout: 30_000 });
    // The held answer was read before the deletion: it still lists the experiment.
    await held.release();
    await held.heldHandled();
    expect(await row(doomed).count()).toBe(0);
    expect(await row(kept).count()).toBe(1);
  });

  it('keeps the archived versions it was asked to show when the read of the current ones answers late', async () => {
    const archived = await seed('Versioned in the list', 1);
    const current = await seed('Versioned in the list', 1, false);
    const held = await listWithHeldRead();
    page = held.page;
    const row = (id: string) => held.page.locator(`tbody a[href="/experiments/${id}"]`);
    await row(current).waitFor({ timeout: 30_000 });
    expect(await row(archived).count()).toBe(0);

    await held.page.check('[data-testid=show-archived]');
    await row(archived).waitFor({ timeout: 30_000 });
    // The page's read of every version has answered: the held one comes after it.
    await held.handled(true);
    await held.release();
    await held.heldHandled();
    expect(await row(archived).count()).toBe(1);
    expect(await row(current).count()).toBe(1);
  });
});
