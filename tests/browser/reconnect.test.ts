// An open experiment page outlives a server restart: once the server is back on the same port and
// database, the page's WebSocket reconnects and the page shows what changed, without a reload.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { browserTestHooks } from './hooks.ts';
import { DEMO_PARAMETERS } from './seed.ts';
import { assertPrerequisites, createExperiment, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'restarts@example.com';
const PASSWORD = 'a-long-password';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  browser = await launchChromium();
}, 120_000);
browserTestHooks(() => ({ server, browser, page }));

it('reconnects an open experiment page after the server restarts and shows the changes made since', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Survives restarts');
  page = await browser.newPage();
  // Counts the WebSocket connections the page fails to open (a refused connection is an error event);
  // while `holdSockets` is set, sends them to a port nothing listens on, so the page cannot reconnect
  // until the test has made its changes (which it can then only learn by reading again).
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const state = window as unknown as { refusedSockets: number; holdSockets: boolean };
    state.refusedSockets = 0;
    state.holdSockets = false;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(state.holdSockets ? 'ws://127.0.0.1:9/' : url, protocols);
        this.addEventListener('error', () => (window as unknown as { refusedSockets: number }).refusedSockets++);
      }
    };
  });
  await signIn(page, server, EMAIL, PASSWORD);
  await page.goto(`${origin(server)}/experiments/${id}`);
  const badge = page.locator('.title .live');
  await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe('Live');
  await expect.poll(() => page!.textContent('[data-testid=trial-count]'), { timeout: 30_000 }).toBe('1');

  await page.evaluate(() => ((window as unknown as { holdSockets: boolean }).holdSockets = true));
  await server.kill();
  await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe('Connecting…');
  // The page has tried to reconnect while nothing listened: the case that used to end its retries.
  await page.waitForFunction(() => (window as unknown as { refusedSockets: number }).refusedSockets > 0, undefined, { timeout: 60_000 });
  await server.restart();

  const suggested = await server.gql(
    `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "after-restart") { id } }`,
    { e: { name: 'Survives restarts', parameters: DEMO_PARAMETERS, algorithm: 'random', resume: true } },
    token,
  );
  expect(suggested.errors).toBeUndefined();
  const updated = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: 0.25 }) { id } }`, { id: suggested.data!.suggest.id }, token);
  expect(updated.errors).toBeUndefined();
  const renamed = await server.gql(`mutation ($id: ID!) { updateExperiment(id: $id, name: "Back again") { id } }`, { id }, token);
  expect(renamed.errors).toBeUndefined();
  // Only now may the page reconnect: the rename and the result happened while it was away.
  expect(await badge.textContent()).toBe('Connecting…');
  await page.evaluate(() => ((window as unknown as { holdSockets: boolean }).holdSockets = false));

  await expect.poll(() => badge.textContent(), { timeout: 60_000 }).toBe('Live');
  await expect.poll(() => page!.textContent('[data-testid=experiment-name]'), { timeout: 30_000 }).toBe('Back again');
  await expect.poll(() => page!.textContent('[data-testid=trial-count]'), { timeout: 30_000 }).toBe('2');
  await expect.poll(() => page!.textContent('[data-testid=count-completed]'), { timeout: 30_000 }).toBe('2');
}, 240_000);

/**
 * A signed-in page whose WebSockets go nowhere until `release` (a slow connection): what it reads
 * over HTTP is read, and a change made then, before any subscription starts, is the case to show.
 */
async function pageWithHeldSockets(): Promise<{ page: Page; release: () => Promise<void> }> {
  await page?.close();
  const held = await browser.newPage();
  await held.addInitScript(() => {
    const Native = window.WebSocket;
    const state = window as unknown as { holdSockets: boolean };
    state.holdSockets = true;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(state.holdSockets ? 'ws://127.0.0.1:9/' : url, protocols);
      }
    };
  });
  await signIn(held, server, EMAIL, PASSWORD);
  return { page: held, release: () => held.evaluate(() => void ((window as unknown as { holdSockets: boolean }).holdSockets = false)) };
}

/** Resolves once the page has had the answer to its GraphQL operation `name` (sent by GET or POST). */
function answered(held: Page, name: string): Promise<unknown> {
  return held.waitForResponse((response) => {
    const request = response.request();
    return request.url().includes('/graphql') && `${request.url()} ${request.postData() ?? ''}`.includes(name);
  });
}

const RENAME = `mutation ($id: ID!, $name: String!) { updateExperiment(id: $id, name: $name) { id } }`;

it('shows a rename made between the header reading the experiment and its subscription starting', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Read before listening');
  const held = await pageWithHeldSockets();
  page = held.page;
  const headerRead = answered(page, 'ExperimentHeader');
  await page.goto(`${origin(server)}/experiments/${id}`);
  await headerRead;
  await expect.poll(() => page!.textContent('[data-testid=experiment-name]'), { timeout: 30_000 }).toBe('Read before listening');

  expect((await server.gql(RENAME, { id, name: 'Renamed meanwhile' }, token)).errors).toBeUndefined();
  expect(await page.locator('.title .live').textContent()).toBe('Connecting…');
  await held.release();
  await expect.poll(() => page!.textContent('[data-testid=experiment-name]'), { timeout: 60_000 }).toBe('Renamed meanwhile');
}, 240_000);

it('shows on a trial page a rename made between its read and its subscriptions starting', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Trial page before listening');
  const held = await pageWithHeldSockets();
  page = held.page;
  // Its read is the server's, for the first paint: the browser reads again once its subscriptions listen.
  await page.goto(`${origin(server)}/experiments/${id}/trials/1`);
  await expect.poll(() => page!.textContent('[data-testid=experiment-link]'), { timeout: 30_000 }).toBe('Trial page before listening');

  expect((await server.gql(RENAME, { id, name: 'Trial page renamed' }, token)).errors).toBeUndefined();
  await held.release();
  await expect.poll(() => page!.textContent('[data-testid=experiment-link]'), { timeout: 60_000 }).toBe('Trial page renamed');
}, 240_000);

it('says an experiment was deleted when that happened between its page reading it and its subscriptions starting', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Deleted before listening');
  const held = await pageWithHeldSockets();
  page = held.page;
  const headerRead = answered(page, 'ExperimentHeader');
  await page.goto(`${origin(server)}/experiments/${id}`);
  await headerRead;
  await expect.poll(() => page!.textContent('[data-testid=trial-count]'), { timeout: 30_000 }).toBe('1');

  expect((await server.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`, { id }, token)).errors).toBeUndefined();
  await held.release();
  await expect.poll(() => page!.textContent('p.error[role=alert]'), { timeout: 60_000 }).toBe('This experiment was deleted.');
}, 240_000);

it('shows on a trial page a result that arrived between its read and its subscriptions starting', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Result before listening');
  const suggested = await server.gql(
    `mutation ($e: ExperimentInput!) { suggest(experiment: $e, worker: "late-result") { id number } }`,
    { e: { name: 'Result before listening', parameters: DEMO_PARAMETERS, algorithm: 'random' } },
    token,
  );
  expect(suggested.errors).toBeUndefined();
  const { id: trialId, number } = suggested.data!.suggest as { id: string; number: number };
  const held = await pageWithHeldSockets();
  page = held.page;
  await page.goto(`${origin(server)}/experiments/${id}/trials/${number}`);
  await expect.poll(() => page!.textContent('[data-testid=trial-state]'), { timeout: 30_000 }).toBe('running');

  const updated = await server.gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: 0.125 }) { id } }`, { id: trialId }, token);
  expect(updated.errors).toBeUndefined();
  expect(await page.textContent('[data-testid=trial-state]')).toBe('running');
  await held.release();
  await expect.poll(() => page!.textContent('[data-testid=trial-state]'), { timeout: 60_000 }).toBe('completed');
  expect(await page.textContent('[data-testid=field-loss]')).toBe('0.125');
}, 240_000);

it('says on a trial page that its experiment was deleted between its read and its subscriptions starting', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Trial page deleted before listening');
  const held = await pageWithHeldSockets();
  page = held.page;
  await page.goto(`${origin(server)}/experiments/${id}/trials/1`);
  await expect.poll(() => page!.textContent('[data-testid=experiment-link]'), { timeout: 30_000 }).toBe('Trial page deleted before listening');

  expect((await server.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) { ids } }`, { id }, token)).errors).toBeUndefined();
  await held.release();
  await expect.poll(() => page!.textContent('[data-testid=experiment-deleted]'), { timeout: 60_000 }).toBe('This experiment was deleted, with its trials.');
}, 240_000);

it('shows a rename made while the header’s first read was on its way, once its subscription starts', async () => {
  const token = await server.token(EMAIL);
  const id = await createExperiment(server, token, 'Header read held');
  const held = await pageWithHeldSockets();
  page = held.page;
  // The browser's first read of the header is answered by the server at once, but its answer reaches
  // the page only when the test releases it (a slow network): it says the old name.
  await page.addInitScript(() => {
    const state = window as unknown as { headerRead: { release?: () => void; handled: boolean; sent: number } };
    state.headerRead = { handled: false, sent: 0 };
    let holding = true;
    const native = window.fetch;
    window.fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (!body.includes('"operationName":"ExperimentHeader"')) return native(input, init);
      state.headerRead.sent++;
      if (!holding) return native(input, init);
      holding = false;
      const response = await native(input, init);
      await new Promise<void>((release) => (state.headerRead.release = release));
      const handled = () => void (state.headerRead.handled = true);
      if (init?.signal?.aborted) {
        handled();
        throw new DOMException('The read was given up', 'AbortError');
      }
      const text = response.text.bind(response);
      response.text = () => text().finally(() => setTimeout(handled));
      return response;
    };
  });
  await page.goto(`${origin(server)}/experiments/${id}`);
  await page.waitForFunction(() => (window as unknown as { headerRead: { release?: () => void } }).headerRead.release !== undefined, undefined, { timeout: 30_000 });

  expect((await server.gql(RENAME, { id, name: 'Renamed while read' }, token)).errors).toBeUndefined();
  // The page listens only now: its subscription's first event makes the header read again.
  await held.release();
  // (A read asked for while the held one is in flight must reach the server: urql would answer it with the held one.)
  await page.waitForFunction(() => (window as unknown as { headerRead: { sent: number } }).headerRead.sent >= 2, undefined, { timeout: 60_000 });
  await page.evaluate(() => (window as unknown as { headerRead: { release: () => void } }).headerRead.release());
  await page.waitForFunction(() => (window as unknown as { headerRead: { handled: boolean } }).headerRead.handled, undefined, { timeout: 30_000 });
  await expect.poll(() => page!.textContent('[data-testid=experiment-name]'), { timeout: 30_000 }).toBe('Renamed while read');
}, 240_000);
