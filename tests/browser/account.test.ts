// The Account page, at 1440 px and on a 390 px phone, in Chromium: its token list is rendered on the
// server (in the HTML, readable without JavaScript), names as text; creating, renaming and revoking
// in the browser still work, and the next page from the server shows the change.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, signIn, startServer, type TestServer } from './support.ts';

const EMAIL = 'keeper@example.com';
const PASSWORD = 'a-long-password';
const TIMEOUT = 30_000;
/** Runs when a payload gets the chance to. */
const PAYLOAD = `<img src=x onerror="window.__xss=(window.__xss||0)+1">`;
const NAMES = ['cluster-a', PAYLOAD];

let server: TestServer;
let browser: Browser;
/** The first token's secret: the user's subscriptions are counted with it. */
let token = '';

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  for (const name of NAMES) {
    const created = await server.cli('token', 'create', '--email', EMAIL, '--name', name);
    expect(created.code, created.stderr).toBe(0);
    token ||= created.stdout.trim().split('\n').at(-1)!;
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

let page: Page | undefined;
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-4000)}`));
});

/** The token table's rows as the page shows them: name and state. */
function rows(p: Page): Promise<{ name: string; state: string }[]> {
  return p.locator('tr[data-token-id]').evaluateAll((rows) =>
    rows.map((row) => ({ name: row.querySelector('td')!.textContent!.trim(), state: row.querySelector('.badge')!.textContent!.trim() })),
  );
}

describe.each([
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
])('the Account page at $width px, in Chromium', (viewport) => {
  let context: BrowserContext;
  /** The same session, without JavaScript: what the server alone renders. */
  let bare: BrowserContext;
  let session = '';

  beforeAll(async () => {
    context = await browser.newContext({ viewport });
    await context.addInitScript(() => {
      let runs = 0;
      Object.defineProperty(window, '__xss', { configurable: true, get: () => runs, set: (value: number) => (runs = value) });
    });
    page = await context.newPage();
    await signIn(page, server, EMAIL, PASSWORD);
    const cookies = await context.cookies();
    session = cookies.find((cookie) => cookie.name === 'oscar_session')!.value;
    bare = await browser.newContext({ viewport, javaScriptEnabled: false });
    await bare.addCookies(cookies);
  }, 120_000);
  afterAll(async () => {
    await bare?.close();
    await context?.close();
  });

  /** The page as the server renders it, in a tab without JavaScript. */
  async function serverRendered(): Promise<Page> {
    const ssr = await bare.newPage();
    await ssr.goto(`${origin(server)}/account`);
    expect(new URL(ssr.url()).pathname).toBe('/account');
    return ssr;
  }

  it('has the token list in the HTML the server sends, names escaped', async () => {
    const response = await fetch(`${origin(server)}/account`, { headers: { cookie: `oscar_session=${session}` } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('cluster-a');
    expect(html).toContain('&lt;img src=x onerror=');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('Loading…');
  });

  it('shows every token without JavaScript: names, creation, last use and state, fitting the screen', async () => {
    const ssr = await serverRendered();
    try {
      const shown = await rows(ssr);
      expect(shown).toEqual(expect.arrayContaining(NAMES.map((name) => ({ name, state: 'active' }))));
      const cells = (await ssr.locator('tr[data-token-id]').first().locator('td').allTextContents()).map((text) => text.trim());
      expect(cells[1]).toMatch(/^oscar_.*…$/);
      expect(cells[2]).toMatch(/^(just now|\d+ minutes? ago)$/);
      expect(cells[3]).toBe('never');
      expect(await ssr.locator('img[src=x]').count()).toBe(0);
      expect(await ssr.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    } finally {
      await ssr.close();
    }
  });

  it('creates, renames and revokes a token in the browser; the server then renders the change', async () => {
    const p = page!;
    const name = `fresh-${viewport.width}`;
    // From the experiments list once it has hydrated (its subscriptions listen), as a user clicks through.
    await p.goto('about:blank');
    await server.listening(token, 0, TIMEOUT);
    await p.goto(`${origin(server)}/experiments`);
    await server.listening(token, 2, TIMEOUT);
    await Promise.all([p.waitForURL(/\/account$/, { timeout: TIMEOUT }), p.click('header nav a[href="/account"]')]);
    await expect.poll(async () => (await rows(p)).map((row) => row.name), { timeout: TIMEOUT }).toEqual(expect.arrayContaining(NAMES));
    await p.fill('input[aria-label="Token name"]', name);
    await p.click('button:has-text("Create token")');
    expect(await p.inputValue('[data-testid=new-token]', { timeout: TIMEOUT })).toMatch(/^oscar_/);
    await p.locator('tr[data-token-id]').filter({ hasText: name }).locator('.badge:has-text("active")').waitFor({ timeout: TIMEOUT });
    await p.click('button:has-text("Done")');

    await p.locator('tr[data-token-id]').filter({ hasText: name }).locator('button:has-text("Rename")').click();
    await p.fill('input[aria-label="New name"]', `${name}-renamed`);
    await p.click('button:has-text("Save")');
    const renamed = p.locator('tr[data-token-id]').filter({ hasText: `${name}-renamed` });
    await renamed.waitFor({ timeout: TIMEOUT });
    p.once('dialog', (dialog) => void dialog.accept());
    await renamed.locator('button:has-text("Revoke")').click();
    await renamed.locator('.badge:has-text("revoked")').waitFor({ timeout: TIMEOUT });
    expect(await p.locator('[role=alert]').count()).toBe(0);
    expect(await p.evaluate(() => (window as unknown as { __xss: number }).__xss)).toBe(0);
    if (viewport.width < 400) expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

    const ssr = await serverRendered();
    try {
      expect(await rows(ssr)).toEqual(expect.arrayContaining([{ name: `${name}-renamed`, state: 'revoked' }, ...NAMES.map((n) => ({ name: n, state: 'active' }))]));
    } finally {
      await ssr.close();
    }
  });
});
