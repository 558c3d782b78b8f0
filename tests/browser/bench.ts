// `npm run bench:dashboard`: how fast the Trials panel of a 100,000-trial experiment shows its table and
// charts in headless Chromium, how long a result takes from the API to the open page, and how much
// memory the tab holds (its JavaScript heap, and the resident memory of its renderer process).
// Goals (issue 13): table and every chart in under 2 s, a live result in under 100 ms, under 500 MB.
// Usage: tsx tests/browser/bench.ts [--trials 100000] [--updates 20] [--loads 6] [--profile] [--trace]
// --profile: one more load under Chromium's CPU profiler, printing where its time went (the GraphQL
// requests, fetched or preloaded (`link`): their server time and size; the `oscar:*` user timings;
// the functions that took the most time on the main thread).
// --trace: one more load under Chromium's tracing, printing the page's main-thread time by kind of
// work (scripts, style, layout, paint, parsing, garbage collection), native work included.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { assertPrerequisites, chartsRendered, createExperiment, createUser, launchChromium, origin, signIn, startServer } from './support.ts';
import { DEMO_PARAMETERS, seedTrials } from './seed.ts';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '100000' }, updates: { type: 'string', default: '20' }, loads: { type: 'string', default: '6' }, profile: { type: 'boolean', default: false }, trace: { type: 'boolean', default: false } } });
const TRIALS = Number(values.trials);
const UPDATES = Number(values.updates);
const LOADS = Number(values.loads);

/** Median and 95th percentile of a sample, rounded to 0.1 ms. */
function summary(sample: number[]): string {
  const sorted = [...sample].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return `median ${r(at(0.5))} ms, p95 ${r(at(0.95))} ms, max ${r(sorted[sorted.length - 1]!)} ms (n=${sample.length})`;
}

/** Resident memory of a process in MB, from /proc (Linux). */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** The open tab's JavaScript heap (CDP Performance metrics) and its renderer process's resident memory, in MB. */
async function tabMemory(browser: Browser, page: Page): Promise<{ heap: number; renderer: number }> {
  const session = await page.context().newCDPSession(page);
  await session.send('HeapProfiler.collectGarbage');
  await session.send('Performance.enable');
  const { metrics } = await session.send('Performance.getMetrics');
  const heap = (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN) / 2 ** 20;
  const browserSession = await browser.newBrowserCDPSession();
  const info = (await browserSession.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  // One page is open: the largest renderer is its process.
  const renderer = Math.max(...info.processInfo.filter((p) => p.type === 'renderer').map((p) => residentMb(p.id)));
  return { heap, renderer };
}

/**
 * Waits for the panel to show its table's rows and every chart drawn, parameter importance's included
 * (it is asked for beside the table: without this wait a load could count as done before it arrives).
 */
async function panelShown(page: Page): Promise<number> {
  await page.waitForSelector('[data-testid=trial-table] [data-trial]', { timeout: 30_000 });
  await page.waitForSelector('[data-chart="Parameter importance"]', { timeout: 30_000 });
  return chartsRendered(page);
}

/** A CPU profile's node, as CDP's Profiler domain gives it. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

/** Loads the panel once more under the CPU profiler and prints the GraphQL requests and the functions with the most self time. */
async function profileLoad(page: Page, url: string): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 200 });
  await session.send('Profiler.start');
  await page.goto(url, { waitUntil: 'commit' });
  await panelShown(page);
  const total = await page.evaluate(() => performance.now());
  const { profile } = (await session.send('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  const requests = (await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname === '/graphql')
      .map((e) => {
        const r = e as PerformanceResourceTiming;
        return { how: r.initiatorType, start: r.startTime, waiting: r.responseStart - r.requestStart, receiving: r.responseEnd - r.responseStart, end: r.responseEnd, bytes: r.decodedBodySize };
      }),
  )) as { how: string; start: number; waiting: number; receiving: number; end: number; bytes: number }[];
  const marks = (await page.evaluate(() => performance.getEntriesByType('measure').map((m) => ({ name: m.name, start: m.startTime, duration: m.duration })))) as { name: string; start: number; duration: number }[];
  const saved = join(tmpdir(), 'oscar-dashboard-load.cpuprofile');
  writeFileSync(saved, JSON.stringify(profile));
  console.log(`Profiled load: ${Math.round(total)} ms from navigation to table and charts (profile for DevTools: ${saved})`);
  const navigation = (await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { request: n.requestStart, response: n.responseStart, html: n.responseEnd, interactive: n.domInteractive, loaded: n.domContentLoadedEventEnd };
  })) as Record<string, number>;
  console.log(`  page: requested at ${Math.round(navigation.request!)} ms, first byte ${Math.round(navigation.response!)} ms, HTML in ${Math.round(navigation.html!)} ms, interactive ${Math.round(navigation.interactive!)} ms, DOMContentLoaded ${Math.round(navigation.loaded!)} ms`);
  for (const r of requests) console.log(`  ${r.how} at ${Math.round(r.start)} ms: server ${Math.round(r.waiting)} ms, transfer ${Math.round(r.receiving)} ms, done at ${Math.round(r.end)} ms, ${(r.bytes / 2 ** 20).toFixed(2)} MB`);
  for (const m of marks) console.log(`  measure ${m.name} at ${Math.round(m.start)} ms: ${m.duration.toFixed(1)} ms`);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byFunction = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.log('  self time, top functions:');
  for (const [key, ms] of top) console.log(`    ${ms.toFixed(0).padStart(6)} ms  ${key}`);
  await session.detach();
}

/** A trace event, as Chromium's tracing records it. */
interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string };
}

/** Loads the panel once more under Chromium's tracing and prints the renderer main thread's busiest kinds of work. */
async function traceLoad(browser: Browser, page: Page, url: string): Promise<void> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing'] });
  await page.goto(url, { waitUntil: 'commit' });
  await panelShown(page);
  const total = await page.evaluate(() => performance.now());
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
  // The renderer's main thread: the thread named CrRendererMain that did the most.
  const names = traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const busy = (pid: number, tid: number) => traceEvents.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X').reduce((sum, e) => sum + (e.dur ?? 0), 0);
  const main = names.sort((a, b) => busy(b.pid, b.tid) - busy(a.pid, a.tid))[0];
  if (!main) return;
  const events = traceEvents.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // Self time per event name: an event's duration less its direct children's.
  const selfTime = new Map<string, number>();
  const open: { end: number; name: string }[] = [];
  for (const event of events) {
    while (open.length && open[open.length - 1]!.end <= event.ts) open.pop();
    const parent = open[open.length - 1];
    if (parent) selfTime.set(parent.name, (selfTime.get(parent.name) ?? 0) - event.dur!);
    selfTime.set(event.name, (selfTime.get(event.name) ?? 0) + event.dur!);
    open.push({ end: event.ts + event.dur!, name: event.name });
  }
  if (process.env.OSCAR_TRACE_TASKS) {
    const nav = events.find((e) => e.name === 'ParseHTML')?.ts ?? events[0]!.ts;
    for (const task of events.filter((e) => e.name === 'RunTask' && e.dur! > 20_000)) {
      const inner = events.filter((e) => e !== task && e.ts >= task.ts && e.ts < task.ts + task.dur! && e.dur! > 3000).map((e) => `${e.name} ${(e.dur! / 1000).toFixed(0)}`);
      console.log(`  task at ${((task.ts - nav) / 1000).toFixed(0)} ms: ${(task.dur! / 1000).toFixed(0)} ms [${inner.slice(0, 8).join(', ')}]`);
    }
  }
  console.log(`Traced load: ${Math.round(total)} ms from navigation to table and charts; main thread self time by kind of work:`);
  for (const [name, us] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

assertPrerequisites();
const server = await startServer();
const browser = await launchChromium();
try {
  await createUser(server, 'bench@example.com', 'bench-password');
  const token = await server.token('bench@example.com');
  const experimentId = await createExperiment(server, token, 'Benchmark', `${TRIALS.toLocaleString('en')} seeded trials`);
  const seeding = Date.now();
  let last = await seedTrials({ databaseUrl: server.databaseUrl, experimentId, count: TRIALS - 1, running: 0 });
  console.log(`seeded ${TRIALS - 1} trials through Prisma in ${Date.now() - seeding} ms`);

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signIn(page, server, 'bench@example.com', 'bench-password');
  const url = `${origin(server)}/experiments/${experimentId}`;

  // Load: from navigation start to the table's rows and every chart drawn (performance.now() is relative to it).
  const loads: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto(url, { waitUntil: 'commit' });
    const charts = await panelShown(page);
    loads.push(await page.evaluate(() => performance.now()));
    if (i === 0) console.log(`page shows ${charts} charts and the trial table`);
  }
  console.log(`Trials panel, ${TRIALS} trials, table and charts drawn: first (cold) load ${Math.round(loads[0]!)} ms; then ${summary(loads.slice(1))}`);
  if (values.profile) await profileLoad(page, url);
  if (values.trace) await traceLoad(browser, page, url);

  // Live: time from sending a mutation to its effect being in the page's DOM (MutationObserver, same clock),
  // and to the API's answer (the server's part of it).
  const answered: number[] = [];
  const arrive = async (number: number, state: string, send: () => Promise<unknown>): Promise<number> => {
    // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
    await page.evaluate(`
      window.__seen = new Promise((resolve) => {
        const seen = () => document.querySelector('[data-trial="${number}"] .state')?.textContent === '${state}';
        const observer = new MutationObserver(() => {
          if (seen()) {
            observer.disconnect();
            resolve(performance.timeOrigin + performance.now());
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      undefined;
    `);
    const start = performance.timeOrigin + performance.now();
    await send();
    answered.push(performance.timeOrigin + performance.now() - start);
    const seen = (await page.evaluate('window.__seen')) as number;
    return seen - start;
  };

  const created: number[] = [];
  const results: number[] = [];
  for (let i = 0; i < UPDATES; i++) {
    const number = ++last;
    let trialId = '';
    created.push(
      await arrive(number, 'running', async () => {
        const response = await server.gql(
          `mutation ($experiment: ExperimentInput!) { suggest(experiment: $experiment, worker: "bench") { id number } }`,
          { experiment: { name: 'Benchmark', parameters: DEMO_PARAMETERS } },
          token,
        );
        trialId = response.data?.suggest.id;
        if (response.data?.suggest.number !== number) throw new Error(`expected trial ${number}, got ${JSON.stringify(response)}`);
      }),
    );
    results.push(
      await arrive(number, 'completed', () =>
        server.gql(`mutation ($id: ID!) { update(trialId: $id, result: { loss: 0.5, accuracy: 0.5 }) { id } }`, { id: trialId }, token),
      ),
    );
  }
  console.log(`New trial (suggest) from request to row in the open page: ${summary(created)}`);
  console.log(`Result (update) from request to row in the open page: ${summary(results)}`);
  console.log(`Of which the API's answer (suggest and update alike, from request to response): ${summary(answered)}`);
  const memory = await tabMemory(browser, page);
  console.log(`Tab memory after the loads and updates: JavaScript heap ${memory.heap.toFixed(0)} MB, renderer process ${memory.renderer.toFixed(0)} MB resident`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`Goals: load under 2 s (median of warm loads ${Math.round(median(loads.slice(1)))} ms: ${median(loads.slice(1)) < 2000 ? 'met' : 'not met'}); ` +
    `live result under 100 ms (median ${Math.round(median(results))} ms: ${median(results) < 100 ? 'met' : 'not met'}); ` +
    `tab under 500 MB (renderer ${memory.renderer.toFixed(0)} MB: ${memory.renderer < 500 ? 'met' : 'not met'})`);
} finally {
  await browser.close();
  await server.stop();
}
