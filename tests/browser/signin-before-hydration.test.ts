// A user who types the e-mail and password before the page's scripts have run (a slow connection, a
// password manager) signs in with one click: hydration must not wipe what was typed.
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPrerequisites, createUser, launchChromium, origin, startServer, type TestServer } from './support.ts';

const EMAIL = 'fast-typist@example.com';
const PASSWORD = 'typed-before-hydration';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  assertPrerequisites();
  server = await startServer();
  await createUser(server, EMAIL, PASSWORD);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('signing in before the page has hydrated, in Chromium', () => {
  it('keeps what was typed and signs in on the first click', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Hold the app's scripts until the fields are filled, so the typing surely comes first.
    const held: Route[] = [];
    let release = false;
    await page.route('**/_app/immutable/**/*.js', (route) => (release ? route.continue() : void held.push(route)));
    await page.goto(`${origin(server)}/signin`, { waitUntil: 'domcontentloaded' });
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    expect(held.length).toBeGreaterThan(0);
    release = true;
    await Promise.all(held.map((route) => route.continue()));
    // Every script loaded and run (SvelteKit hydrates as soon as its entry modules have), then a frame.
    await page.waitForLoadState('networkidle');
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.inputValue('input[name=email]')).toBe(EMAIL);
    await Promise.all([page.waitForURL(/\/experiments$/, { timeout: 30_000 }), page.click('button:has-text("Sign in")')]);
    await page.close();
  });
});
