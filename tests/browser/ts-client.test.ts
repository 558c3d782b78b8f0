// The TypeScript client in Chromium: bundled for the browser by esbuild, loaded by a page on another
// origin than the server's (as a notebook or a lab's own page would be), it suggests, reports, saves a
// checkpoint and watches over the browser's own fetch and WebSocket, with a token (CORS, no cookie).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../harness.ts';
import { CHROMIUM, startServer, type TestServer } from './support.ts';

/** What the page reports back. */
interface PageOutcome {
  readonly worker: string;
  readonly jobs: { id: string; number: number; x: number; checkpoint: unknown }[];
  readonly watched: { number: number; state: string }[];
  readonly error: { name: string; code: string | null; field: string | null };
  readonly best: { loss: number } | null;
}

let server: TestServer;
let page: Server;
let browser: Browser;
let pageOrigin: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM.`);
  server = await startServer();
  // As an application would bundle the package for the browser: its ESM entry, nothing from Node.
  const bundle = await build({
    entryPoints: [join(ROOT, 'clients/ts/src/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  page = createServer((request, response) => {
    if (request.url === '/oscar-client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(script);
    } else {
      response.writeHead(200, { 'content-type': 'text/html' });
      // The application's own module imports the package.
      response.end(
        `<!doctype html><title>experiments</title><h1>My lab</h1>
         <script type="module">import { Oscar } from '/oscar-client.js'; window.Oscar = Oscar;</script>`,
      );
    }
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  // "localhost" rather than 127.0.0.1: another host and port, so every call to the API is cross-origin.
  pageOrigin = `http://localhost:${(page.address() as { port: number }).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => page?.close(resolve));
  await server?.stop();
});

describe('the TypeScript client in a browser', () => {
  it('suggests, reports, checkpoints and watches from a page on another origin', async () => {
    const token = await server.token('browser-client@example.com');
    const context = await browser.newContext();
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (error) => problems.push(error.message));
    tab.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await tab.goto(`${pageOrigin}/`);
    await tab.waitForFunction(() => 'Oscar' in window);

    const watching = tab.evaluate(async ({ token, url }) => {
      const { Oscar } = window as unknown as { Oscar: typeof import('../../clients/ts/src/index.ts').Oscar };
      const scientist = new Oscar(token, { url });
      const experiment = { name: 'In the browser', parameters: { x: { min: -10, max: 10 } }, lease_seconds: 30 };
      const first = await scientist.suggest(experiment);
      await scientist.update(first, { loss: first.params.x ** 2 });
      const watched: { number: number; state: string }[] = [];
      const feed = scientist.watch('In the browser');
      (window as unknown as { watching: boolean }).watching = true;
      // Wait for the test to say the subscription listens (a fact it reads from the server).
      await new Promise<void>((resolve) => {
        const check = () => ((window as unknown as { listening?: boolean }).listening ? resolve() : setTimeout(check, 20));
        check();
      });
      const jobs = [];
      for (let i = 0; i < 3; i++) {
        const job = await scientist.suggest(experiment);
        await scientist.checkpoint(job, { epoch: i, path: `opfs://run-${job.number}` });
        await scientist.update(job, { loss: job.params.x ** 2, epoch: i });
        jobs.push({ id: job.id, number: job.number, x: job.params.x, checkpoint: job.checkpoint });
      }
      for await (const trial of feed) {
        watched.push({ number: trial.number, state: trial.state });
        if (watched.filter((t) => t.state === 'COMPLETED').length === 3) break;
      }
      const error = await scientist
        .suggest({ name: 'Bad', parameters: { lr: { min: 0, max: 1, distribution: 'log_uniform' } } })
        .then(
          () => ({ name: 'none', code: null, field: null }),
          (e: { name: string; code: string | null; field: string | null }) => ({ name: e.name, code: e.code, field: e.field }),
        );
      const best = await scientist.best('In the browser');
      await scientist.close();
      return { worker: scientist.worker, jobs, watched, error, best } as PageOutcome;
    }, { token, url: server.url });

    await tab.waitForFunction(() => (window as unknown as { watching?: boolean }).watching === true, undefined, { timeout: 30_000 });
    await server.listening(token, 1, 30_000);
    await tab.evaluate(() => ((window as unknown as { listening: boolean }).listening = true));
    const outcome = await watching;

    expect(problems).toEqual([]);
    expect(outcome.worker).toMatch(/^browser-[0-9a-f]{8}$/);
    expect(outcome.jobs.map((job) => job.number)).toEqual([2, 3, 4]);
    expect(outcome.jobs.map((job) => job.checkpoint)).toEqual([0, 1, 2].map((i) => ({ epoch: i, path: `opfs://run-${i + 2}` })));
    expect(outcome.watched.filter((t) => t.state === 'COMPLETED').map((t) => t.number)).toEqual([2, 3, 4]);
    expect(outcome.error).toEqual({ name: 'OscarError', code: 'BAD_USER_INPUT', field: 'experiment.parameters.lr' });
    const stored = await server.gql(
      `{ experiment(name: "In the browser") { trials { edges { node { number state loss worker checkpoint params } } } } }`,
      {},
      token,
    );
    const trials = stored.data?.experiment.trials.edges.map((edge: { node: unknown }) => edge.node) as { number: number; state: string; loss: number; worker: string; params: { x: number } }[];
    expect(trials).toHaveLength(4);
    for (const trial of trials) {
      expect(trial.state).toBe('COMPLETED');
      expect(trial.worker).toBe(outcome.worker);
      expect(trial.loss).toBeCloseTo(trial.params.x ** 2, 9);
    }
    expect(outcome.best?.loss).toBe(Math.min(...trials.map((t) => t.loss)));
    await server.listening(token, 0, 30_000);

    // The page's worker name is kept: a reload is the same worker (its unfinished trial comes back to it).
    await tab.reload();
    await tab.waitForFunction(() => 'Oscar' in window);
    const again = await tab.evaluate(async ({ token, url }) => {
      const { Oscar } = window as unknown as { Oscar: typeof import('../../clients/ts/src/index.ts').Oscar };
      return new Oscar(token, { url }).worker;
    }, { token, url: server.url });
    expect(again).toBe(outcome.worker);
    await context.close();
  }, 120_000);
});
