// The vitest hooks a browser test file needs (support.ts stays free of vitest: the benchmark and the
// screenshots use it too).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeEach } from 'vitest';
import type { TestServer } from '../harness.ts';

/** What a browser test file holds, read when a hook runs. */
export interface BrowserTestState {
  readonly server?: TestServer;
  readonly browser?: Browser;
  readonly page?: Page;
}

/**
 * Registers the hooks: when a test fails, print where the page was and the server's last output;
 * after the file, close the browser and stop the server.
 */
export function browserTestHooks(state: () => BrowserTestState): void {
  beforeEach(({ onTestFailed }) =>
    onTestFailed(() => {
      const { page, server } = state();
      console.error(`page at ${page?.url()}\n--- server output ---\n${server?.logs().slice(-3000)}`);
    }),
  );
  afterAll(async () => {
    const { browser, server } = state();
    await browser?.close();
    await server?.stop();
  });
}
