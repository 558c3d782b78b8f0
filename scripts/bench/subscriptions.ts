/**
 * `npm run bench:subscriptions`: what subscription load does to the server and to everyone else.
 *
 * Starts the real server (tests/harness.ts: server/main.ts on a free port, temporary SQLite
 * database) and measures, in four phases:
 * 1. baseline: a `suggest` + `update` round trip and GET /healthz, one request at a time; RSS.
 * 2. flood: one token sends `--flood` subscribe messages as fast as it can on one raw
 *    graphql-transport-ws socket; how many are accepted and refused (by code), how long until all
 *    are answered or the server closes the connection, the server's CPU time and peak RSS growth.
 * 3. fan-out: one user holds 200 subscriptions (4 sockets x 50) on one experiment while another
 *    client of that user reports results on it back to back for `--fanout-seconds`; events
 *    delivered per second and the delay from each `update` response to its event on sampled
 *    subscriptions.
 * 4. many users: `--users` users x 5 sockets x 40 subscriptions connect at once, then every user
 *    reports 10 results at once; connect time, RSS, delivery time.
 * During phases 2-4 another user's `suggest` + `update` round trips and a GET /healthz every 100 ms
 * are timed from a worker thread, so the load generator's own work does not delay the probe's clock.
 *
 * Users and API tokens are written straight into the server's database: the CLI's `token create`
 * takes over a second a token, and this needs some thirty. RSS is the server's VmRSS; a phase's peak
 * is its VmHWM after resetting it (`/proc/PID/clear_refs`). The heap V8 grows for one phase is mostly
 * kept for the next, so later phases' RSS figures start from earlier phases' high-water marks. Server
 * CPU is utime + stime of the whole process. p99 is the nearest-rank value, so with
 * fewer than 100 samples it is the largest. Prints a Markdown table and writes it to
 * scripts/bench/results/subscriptions.md.
 *
 * usage: tsx scripts/bench/subscriptions.ts [--flood 30000] [--fanout-seconds 10] [--users 20] [--pairs 16]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pLimit from 'p-limit';
import WebSocket from 'ws';
import { startServer } from '../../tests/harness.ts';
import { percentile } from './common.ts';

const WATCH = 'subscription ($id: ID!) { trialUpdated(experimentId: $id) { id state } }';
const SUGGEST = 'mutation ($e: ExperimentInput!) { suggest(experiment: $e) { id experiment { id } } }';
const UPDATE = 'mutation ($id: ID!, $r: JSON!) { update(trialId: $id, result: $r) { id } }';

/** The server's caps (server/subscriptions.ts), which the phases are sized to. */
const PER_SOCKET = 50;
const PER_USER = 200;

/** How long any one fact may take to come true before the benchmark gives up. */
const FACT_TIMEOUT_MS = 60_000;

/** An error as the API sends it. */
interface ApiError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

/** A GraphQL answer over HTTP. */
interface Answer {
  readonly data?: Record<string, any> | null;
  readonly errors?: readonly ApiError[];
}

/** A trial as `trialUpdated` sends it. */
interface TrialEvent {
  readonly id: string;
  readonly state: string;
}

/** A graphql-transport-ws message from the server, as far as this benchmark reads it. */
type ServerMessage =
  | { readonly type: 'connection_ack' | 'ping' | 'pong' }
  | { readonly type: 'next'; readonly id: string; readonly payload: { readonly data?: { readonly trialUpdated: TrialEvent } | null; readonly errors?: readonly ApiError[] } }
  | { readonly type: 'error'; readonly id: string; readonly payload: readonly ApiError[] }
  | { readonly type: 'complete'; readonly id: string };

/** What a message says about its subscription: an event, or a refusal with its code. */
type Outcome = { readonly event: TrialEvent } | { readonly refusal: string } | null;

function outcomeOf(message: ServerMessage): Outcome {
  if (message.type === 'error') return { refusal: message.payload[0]?.extensions?.code ?? 'NO_CODE' };
  if (message.type !== 'next') return null;
  if (message.payload.errors?.length) return { refusal: message.payload.errors[0]?.extensions?.code ?? 'NO_CODE' };
  return message.payload.data ? { event: message.payload.data.trialUpdated } : null;
}

/** The experiment every user here works on: two float parameters, random search (no optimizer time). */
function experimentInput(name: string) {
  return { name, algorithm: 'random', leaseSeconds: 600, parameters: { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } } };
}

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer;
}

function codeOf(answer: Answer): string {
  return answer.errors?.[0]?.extensions?.code ?? (answer.data ? 'NONE' : 'NO_DATA');
}

/** A new trial of experiment `name`; throws with the error code when refused. */
async function suggest(url: string, token: string, name: string): Promise<{ trialId: string; experimentId: string }> {
  const answer = await graphql(url, token, SUGGEST, { e: experimentInput(name) });
  if (!answer.data?.suggest) throw new Error(`suggest refused: ${codeOf(answer)} ${answer.errors?.[0]?.message ?? ''}`);
  return { trialId: answer.data.suggest.id, experimentId: answer.data.suggest.experiment.id };
}

/** Reports a loss for a trial; null when accepted, else the error code. */
async function update(url: string, token: string, trialId: string): Promise<string | null> {
  const answer = await graphql(url, token, UPDATE, { id: trialId, r: { loss: Math.random() } });
  return answer.data?.update ? null : codeOf(answer);
}

/** One `suggest` + `update` round trip, timed; or the code it was refused with (NETWORK_ERROR without an answer). */
async function timedPair(url: string, token: string, name: string): Promise<{ suggestMs: number; pairMs: number } | { refusal: string }> {
  try {
    const start = performance.now();
    const answer = await graphql(url, token, SUGGEST, { e: experimentInput(name) });
    const suggestMs = performance.now() - start;
    if (!answer.data?.suggest) return { refusal: codeOf(answer) };
    const refusal = await update(url, token, answer.data.suggest.id);
    return refusal ? { refusal } : { suggestMs, pairMs: performance.now() - start };
  } catch {
    return { refusal: 'NETWORK_ERROR' };
  }
}

/** One GET /healthz, timed; status 0 when no answer came. */
async function timedHealth(healthUrl: string): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  try {
    const response = await fetch(healthUrl);
    await response.arrayBuffer();
    return { ms: performance.now() - start, status: response.status };
  } catch {
    return { ms: performance.now() - start, status: 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// The probe: another user's requests, timed on a worker thread.

/** What the probe thread is told to do until it is told to stop. */
interface ProbeOrder {
  readonly url: string;
  readonly healthUrl: string;
  readonly token: string;
  readonly experiment: string;
}

/** What the probe measured, in milliseconds, and what was refused (by code). */
interface ProbeReport {
  readonly suggest: number[];
  readonly pair: number[];
  readonly health: number[];
  readonly refusals: Record<string, number>;
}

type ToProbe = { readonly type: 'start'; readonly order: ProbeOrder } | { readonly type: 'stop' };
type FromProbe = { readonly type: 'ready' } | { readonly type: 'report'; readonly report: ProbeReport };

/** How often the probe asks GET /healthz while the load runs. */
const HEALTH_EVERY_MS = 100;

/** The probe thread's body: pairs back to back and /healthz every 100 ms, from `start` to `stop`. */
function serveProbe(port: NonNullable<typeof parentPort>): void {
  let stopping = false;
  const send = (message: FromProbe) => port.postMessage(message);
  port.on('message', (message: ToProbe) => {
    if (message.type === 'stop') {
      stopping = true;
      return;
    }
    stopping = false;
    const { url, healthUrl, token, experiment } = message.order;
    const report: ProbeReport = { suggest: [], pair: [], health: [], refusals: {} };
    const refused = (code: string) => (report.refusals[code] = (report.refusals[code] ?? 0) + 1);
    void (async () => {
      await timedPair(url, token, experiment); // warms this thread's connections; not counted
      send({ type: 'ready' });
      const pairs = (async () => {
        while (!stopping) {
          const pair = await timedPair(url, token, experiment);
          if ('refusal' in pair) refused(pair.refusal);
          else {
            report.suggest.push(pair.suggestMs);
            report.pair.push(pair.pairMs);
          }
        }
      })();
      const health = (async () => {
        while (!stopping) {
          const { ms, status } = await timedHealth(healthUrl);
          report.health.push(ms);
          if (status !== 200) refused(`HEALTHZ_${status}`);
          // A sampling cadence, not a wait for something to happen.
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, HEALTH_EVERY_MS - ms)));
        }
      })();
      await Promise.all([pairs, health]);
      send({ type: 'report', report });
    })();
  });
}

/** The main thread's handle on the probe thread. */
class Probe {
  private constructor(private readonly worker: Worker) {}

  /** Starts the probe thread (this file again, loaded through tsx). */
  static start(): Probe {
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    return new Probe(new Worker(boot, { eval: true }));
  }

  private next<T extends FromProbe['type']>(type: T): Promise<Extract<FromProbe, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`the probe sent no "${type}" within ${FACT_TIMEOUT_MS / 1000} s`)), FACT_TIMEOUT_MS);
      const onMessage = (message: FromProbe) => message.type === type && done(null, message as Extract<FromProbe, { type: T }>);
      const onExit = (code: number) => done(new Error(`the probe thread exited with ${code}`));
      const done = (error: Error | null, message?: Extract<FromProbe, { type: T }>) => {
        clearTimeout(timer);
        this.worker.off('message', onMessage).off('error', done).off('exit', onExit);
        if (error) reject(error);
        else resolve(message!);
      };
      this.worker.on('message', onMessage).once('error', done).once('exit', onExit);
    });
  }

  /** Runs `load` while the probe times `order`'s requests (from its first timed request on). */
  async during<T>(order: ProbeOrder, load: () => Promise<T>): Promise<{ result: T; probe: ProbeReport }> {
    const ready = this.next('ready');
    this.worker.postMessage({ type: 'start', order } satisfies ToProbe);
    await ready;
    try {
      return { result: await load(), probe: (await this.stopped()).report };
    } catch (error) {
      await this.stopped().catch(() => undefined);
      throw error;
    }
  }

  private stopped() {
    const report = this.next('report');
    this.worker.postMessage({ type: 'stop' } satisfies ToProbe);
    return report;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// Load generation on the main thread.

/** How the server closed a socket, and when (performance.now()). */
interface Closure {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

/** A bare graphql-transport-ws socket signed in with an API token. */
class Connection {
  private closing = false;
  private closedBy: Closure | null = null;

  constructor(private readonly socket: WebSocket) {}

  /** False once a close frame came or went (readyState CLOSING or CLOSED). */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** How the server closed the socket; null while open or when this side closed it. */
  get closure(): Closure | null {
    return this.closedBy;
  }

  /** Records the socket's close (Sockets calls this). */
  noteClose(code: number, reason: string): void {
    if (!this.closing) this.closedBy = { code, reason, at: performance.now() };
  }

  /** Sends a `trialUpdated` subscribe message. */
  subscribe(id: string, experimentId: string): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: WATCH, variables: { id: experimentId } } }));
  }

  /** Closes the socket; resolves once it is closed (terminated if the server does not answer in 5 s). */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.closing = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.terminate(), 5000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.close(1000);
    });
  }
}

/** Every socket this benchmark opened, so that all of them are closed whatever happens. */
class Sockets {
  private readonly open = new Set<Connection>();

  constructor(private readonly wsUrl: string) {}

  /** Opens a socket for `token`; resolves on `connection_ack`. Every later message goes to `onMessage` with its arrival time. */
  connect(token: string, onMessage: (message: ServerMessage, at: number) => void): Promise<Connection> {
    const socket = new WebSocket(this.wsUrl, 'graphql-transport-ws');
    const connection = new Connection(socket);
    this.open.add(connection);
    socket.once('close', () => this.open.delete(connection));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no connection_ack within ${FACT_TIMEOUT_MS / 1000} s`)), FACT_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.terminate();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('close', (code, reason) => fail(new Error(`socket closed before connection_ack: ${code} ${reason.toString()}`)));
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('message', (data) => {
        const at = performance.now();
        const message = JSON.parse(data.toString()) as ServerMessage;
        if (message.type === 'connection_ack') {
          clearTimeout(timer);
          socket.removeAllListeners('close').removeAllListeners('error');
          socket.once('close', (code, reason) => {
            connection.noteClose(code, reason.toString());
            this.open.delete(connection);
          });
          socket.on('error', () => undefined);
          resolve(connection);
        } else onMessage(message, at);
      });
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((connection) => connection.close()));
  }
}

/** How many of these connections the server closed, by code; null when none. */
function serverClosures(connections: readonly Connection[]): string | null {
  const byCode = new Map<string, number>();
  for (const { closure } of connections) {
    if (!closure) continue;
    const key = `${closure.code} "${closure.reason}"`;
    byCode.set(key, (byCode.get(key) ?? 0) + 1);
  }
  return byCode.size ? [...byCode].map(([code, n]) => `${n} x ${code}`).join(', ') : null;
}

/** Tallies of refusals by code. */
class Refusals {
  private readonly byCode = new Map<string, number>();
  total = 0;

  add(code: string): void {
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    this.total++;
  }

  toString(): string {
    return this.total === 0 ? 'none' : [...this.byCode].map(([code, n]) => `${code} ${n.toLocaleString('en')}`).join(', ');
  }
}

/** Resolves once `predicate` holds (checked every 10 ms); fails naming `what` after `ms`. */
async function until(what: string, predicate: () => boolean, ms = FACT_TIMEOUT_MS, state: () => string = () => ''): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`${what}: not reached within ${ms / 1000} s ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function ms(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${value.toFixed(value < 100 ? 1 : 0)} ms`;
}

function seconds(valueMs: number): string {
  return `${(valueMs / 1000).toFixed(2)} s`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

/** p50 / p99 of latencies, with the number of samples. */
function spread(values: readonly number[]): string {
  return `${ms(percentile(values, 0.5))} / ${ms(percentile(values, 0.99))} (n=${values.length})`;
}

/** The server's memory now and its peak since the last {@link resetPeak}, in bytes (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kB('VmRSS'), peak: kB('VmHWM') };
}

/** CPU time the process has used so far, threads included, in ms (utime + stime of /proc/PID/stat, in 10 ms ticks). */
function cpuTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Server CPU time over a count of things, as time each. */
function cpuEach(cpuMs: number, things: number, what: string): string {
  return `${seconds(cpuMs)} = ${((cpuMs * 1000) / things).toFixed(0)} µs a ${what}`;
}

/** Starts a new peak (VmHWM) measurement; false when the kernel does not allow it (the peak is then since start). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** What /healthz says about subscriptions. */
interface Listening {
  readonly subscriptions: number;
  readonly sockets: number;
}

/** A measure of a phase and its value: one row of the table. */
type Row = readonly [measure: string, value: string];

/** What every phase works with. */
interface Bench {
  readonly url: string;
  readonly healthUrl: string;
  /** The server process's id, for its memory. */
  readonly pid: number;
  readonly sockets: Sockets;
  readonly probe: Probe;
  /** A new API token for `email` (the user is created on first use). */
  tokenFor(email: string): Promise<string>;
  /** The probe's order for a phase, with a new token: each phase gets its own rate-limit budget. */
  probeOrder(): Promise<ProbeOrder>;
  /** Resolves with /healthz's counts once `predicate` holds of them (checked every 50 ms). */
  untilServer(what: string, predicate: (health: Listening) => boolean): Promise<Listening>;
  /** Closes every socket, then waits until the server counts no subscription and no socket. */
  allClosed(): Promise<void>;
}

function refused(refusals: Refusals | Record<string, number>): string {
  if (refusals instanceof Refusals) return refusals.total ? `; refused: ${refusals}` : '';
  return Object.keys(refusals).length ? `; refused: ${JSON.stringify(refusals)}` : '';
}

/** One request at a time, nothing else running. */
async function baseline(bench: Bench, pairCount: number): Promise<Row[]> {
  const token = await bench.tokenFor('probe@example.com');
  await timedPair(bench.url, token, 'probe'); // creates the experiment; not counted
  const pairs: number[] = [];
  const refusals = new Refusals();
  for (let i = 0; i < pairCount; i++) {
    const pair = await timedPair(bench.url, token, 'probe');
    if ('refusal' in pair) refusals.add(pair.refusal);
    else pairs.push(pair.pairMs);
  }
  const health: number[] = [];
  for (let i = 0; i < 50; i++) health.push((await timedHealth(bench.healthUrl)).ms);
  return [
    ['suggest + update round trip, p50 / p99', spread(pairs) + refused(refusals)],
    ['GET /healthz, p50 / p99', spread(health)],
    ['server RSS', megabytes(memory(bench.pid).rss)],
  ];
}

/** One socket, `size` subscribe messages as fast as the client can send them. */
async function flood(bench: Bench, size: number): Promise<Row[]> {
  const token = await bench.tokenFor('flood@example.com');
  const { experimentId } = await suggest(bench.url, token, 'flood');
  const refusals = new Refusals();
  const delivered = new Set<string>();
  let lastRefusalAt = 0;
  const connection = await bench.sockets.connect(token, (message, at) => {
    const outcome = outcomeOf(message);
    if (outcome && 'refusal' in outcome) {
      refusals.add(outcome.refusal);
      lastRefusalAt = at;
    } else if (outcome && 'id' in message) delivered.add(message.id);
  });
  const peakFromNow = resetPeak(bench.pid);
  const before = memory(bench.pid).rss;
  const { result, probe } = await bench.probe.during(await bench.probeOrder(), async () => {
    const start = performance.now();
    const cpuBefore = cpuTime(bench.pid);
    for (let i = 0; i < size; i++) connection.subscribe(String(i), experimentId);
    const sentMs = performance.now() - start;
    // Accepted subscriptions send nothing until an event: all but at most PER_USER are refused, then
    // /healthz counts the rest as listening. Or the server closes the connection.
    let closingAt = 0;
    const answeredOrClosed = () => {
      if (!connection.open && !closingAt) closingAt = performance.now();
      return connection.closure !== null || refusals.total >= size - PER_USER;
    };
    await until(`all but ${PER_USER} refused, or the connection closed`, answeredOrClosed, FACT_TIMEOUT_MS, () => `(refused: ${refusals})`);
    const health = await bench.untilServer('every subscribe message answered, or none listening after the close', (h) =>
      connection.closure ? h.subscriptions === 0 : h.subscriptions + refusals.total === size,
    );
    const answeredMs = (connection.closure?.at ?? performance.now()) - start;
    const cpuMs = cpuTime(bench.pid) - cpuBefore;
    return { sentMs, answeredMs, closingMs: closingAt - start, lastRefusalMs: lastRefusalAt - start, accepted: connection.closure ? 0 : health.subscriptions, cpuMs };
  });
  const { peak } = memory(bench.pid);
  // The flood token's next request: refused if the subscribe messages counted against its rate limit.
  const next = await graphql(bench.url, token, SUGGEST, { e: experimentInput('flood') });
  // The accepted subscriptions really listen: that trial's event reaches each of them.
  const closure = connection.closure;
  if (next.data?.suggest && !closure) await until(`an event on each of the ${result.accepted} accepted subscriptions`, () => delivered.size === result.accepted);
  await bench.allClosed();
  return [
    ['subscribe messages sent on 1 socket', `${count(size)} in ${ms(result.sentMs)}`],
    [
      'outcome',
      closure
        ? `connection closed by the server, ${closure.code} "${closure.reason}": closing seen after ${seconds(result.closingMs)}, closed after ${seconds(result.answeredMs)}`
        : `all answered after ${seconds(result.answeredMs)}`,
    ],
    ['listening / refused / unanswered', `${count(result.accepted)} / ${count(refusals.total)} / ${count(size - result.accepted - refusals.total)}`],
    ['refusals by code (last one after)', refusals.total ? `${refusals} (${seconds(result.lastRefusalMs)})` : 'none'],
    ['listening subscriptions that got the next event', closure ? 'none listening' : `${count(delivered.size)} / ${count(result.accepted)}`],
    ["the flood token's next request (a suggest)", next.data?.suggest ? 'answered' : `refused: ${codeOf(next)}`],
    [`server CPU until ${closure ? 'closed and none listening' : 'all answered'} (the probe included)`, cpuEach(result.cpuMs, size, 'message sent')],
    [`peak RSS growth${peakFromNow ? '' : ' (peak since start)'}`, `+${megabytes(peak - before)} (${megabytes(before)} -> peak ${megabytes(peak)})`],
    ["other user's suggest + update, p50 / p99", spread(probe.pair) + refused(probe.refusals)],
    ['GET /healthz max (p50)', `${ms(Math.max(...probe.health))} (${ms(percentile(probe.health, 0.5))}, n=${probe.health.length})`],
  ];
}

/** PER_USER subscriptions of one user on one experiment; another client reports results on it back to back for `durationMs`. */
async function fanOut(bench: Bench, durationMs: number): Promise<Row[]> {
  const subscriber = await bench.tokenFor('fanout@example.com');
  const stocker = await bench.tokenFor('fanout@example.com');
  const poster = await bench.tokenFor('fanout@example.com');
  // Trials to report on, made before anyone listens (so that making them sends no events).
  const stockSize = Math.ceil(durationMs / 10);
  const limit = pLimit(4);
  const stock = await Promise.all(Array.from({ length: stockSize }, () => limit(() => suggest(bench.url, stocker, 'fanout'))));
  const experimentId = stock[0]!.experimentId;
  const stocked = memory(bench.pid).rss;
  const sampled = new Set<string>();
  const receipts: { trialId: string; at: number }[] = [];
  const refusals = new Refusals();
  let delivered = 0;
  let others = 0;
  let lastDeliveryAt = 0;
  const onMessage = (message: ServerMessage, at: number) => {
    const outcome = outcomeOf(message);
    if (outcome && 'refusal' in outcome) refusals.add(outcome.refusal);
    else if (outcome && outcome.event.state !== 'COMPLETED') others++;
    else if (outcome) {
      delivered++;
      lastDeliveryAt = at;
      if ('id' in message && sampled.has(message.id)) receipts.push({ trialId: outcome.event.id, at });
    }
  };
  const connections: Connection[] = [];
  for (let s = 0; s < PER_USER / PER_SOCKET; s++) {
    const connection = await bench.sockets.connect(subscriber, onMessage);
    connections.push(connection);
    for (let i = 0; i < PER_SOCKET; i++) {
      const id = `${s}-${i}`;
      if (i % 10 === 0) sampled.add(id);
      connection.subscribe(id, experimentId);
    }
  }
  await bench.untilServer(`${PER_USER} subscriptions listening`, (h) => h.subscriptions === PER_USER);
  const peakFromNow = resetPeak(bench.pid);
  const before = memory(bench.pid).rss;
  const responded = new Map<string, number>();
  const updateRefusals = new Refusals();
  const { result, probe } = await bench.probe.during(await bench.probeOrder(), async () => {
    const start = performance.now();
    const cpuBefore = cpuTime(bench.pid);
    let posted = 0;
    while (performance.now() - start < durationMs && posted < stock.length) {
      const { trialId } = stock[posted++]!;
      const refusal = await update(bench.url, poster, trialId);
      if (refusal) updateRefusals.add(refusal);
      else responded.set(trialId, performance.now());
    }
    const postingMs = performance.now() - start;
    const expected = responded.size * PER_USER;
    await until(`${count(expected)} events delivered`, () => delivered >= expected, FACT_TIMEOUT_MS, () => `(delivered ${delivered})`);
    return { start, postingMs, ranOut: posted >= stock.length, expected, cpuMs: cpuTime(bench.pid) - cpuBefore };
  });
  const { peak } = memory(bench.pid);
  const closures = serverClosures(connections);
  await bench.allClosed();
  const delays = receipts.flatMap(({ trialId, at }) => (responded.has(trialId) ? [at - responded.get(trialId)!] : []));
  const deliveryMs = lastDeliveryAt - result.start;
  const rows: Row[] = [
    [
      `results reported back to back by 1 client (${PER_USER} subscribers)`,
      `${count(responded.size)} in ${seconds(result.postingMs)} = ${(responded.size / (result.postingMs / 1000)).toFixed(1)}/s` + refused(updateRefusals) + (result.ranOut ? ' (the stock of trials ran out)' : ''),
    ],
    [
      'events delivered',
      `${count(delivered)} / ${count(result.expected)} in ${seconds(deliveryMs)} = ${count(Math.round(delivered / (deliveryMs / 1000)))}/s; the last ${seconds(deliveryMs - result.postingMs)} after the last update's answer`,
    ],
    ['server CPU until all delivered (the probe included)', cpuEach(result.cpuMs, delivered, 'delivered event')],
    ['update answer -> event, p50 / p99 (20 sampled subscriptions)', spread(delays)],
    ["other user's suggest, p50 / p99", spread(probe.suggest) + refused(probe.refusals)],
    ["other user's suggest + update, p50 / p99", spread(probe.pair)],
    ['GET /healthz p50 / max', `${ms(percentile(probe.health, 0.5))} / ${ms(Math.max(...probe.health))} (n=${probe.health.length})`],
    [`server RSS: after making ${count(stockSize)} trials / ${PER_USER} listening / peak${peakFromNow ? '' : ' since start'}`, `${megabytes(stocked)} / ${megabytes(before)} / ${megabytes(peak)}`],
  ];
  if (refusals.total || others) rows.push(['unexpected messages', `refusals: ${refusals}; other events: ${others}`]);
  if (closures) rows.push(['connections closed by the server', closures]);
  return rows;
}

/** `users` users, each with every socket's worth of subscriptions its cap allows, connected at once; then every user reports results at once. */
async function manyUsers(bench: Bench, users: number): Promise<Row[]> {
  const socketsPerUser = 5;
  const perSocket = PER_USER / socketsPerUser;
  const resultsPerUser = 10;
  const subscriptions = users * PER_USER;
  const limit = pLimit(4);
  const people = await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      const token = await bench.tokenFor(`user${u}@example.com`);
      const trials = await Promise.all(Array.from({ length: resultsPerUser }, () => limit(() => suggest(bench.url, token, 'many'))));
      return { token, experimentId: trials[0]!.experimentId, trialIds: trials.map((t) => t.trialId) };
    }),
  );
  const refusals = new Refusals();
  let delivered = 0;
  let lastDeliveryAt = 0;
  const onMessage = (message: ServerMessage, at: number) => {
    const outcome = outcomeOf(message);
    if (outcome && 'refusal' in outcome) refusals.add(outcome.refusal);
    else if (outcome?.event.state === 'COMPLETED') {
      delivered++;
      lastDeliveryAt = at;
    }
  };
  const before = memory(bench.pid).rss;
  const peakFromNow = resetPeak(bench.pid);
  const updateRefusals = new Refusals();
  const connections: Connection[] = [];
  const { result, probe } = await bench.probe.during(await bench.probeOrder(), async () => {
    const start = performance.now();
    const cpuBefore = cpuTime(bench.pid);
    await Promise.all(
      people.flatMap((person) =>
        Array.from({ length: socketsPerUser }, async (_, s) => {
          const connection = await bench.sockets.connect(person.token, onMessage);
          connections.push(connection);
          for (let i = 0; i < perSocket; i++) connection.subscribe(`${s}-${i}`, person.experimentId);
        }),
      ),
    );
    const acknowledgedMs = performance.now() - start;
    await bench.untilServer(`${subscriptions} subscriptions listening`, (h) => h.subscriptions + refusals.total >= subscriptions);
    const connectMs = performance.now() - start;
    const connected = memory(bench.pid).rss;
    const connectCpuMs = cpuTime(bench.pid) - cpuBefore;
    const burst = performance.now();
    const burstCpuBefore = cpuTime(bench.pid);
    await Promise.all(
      people.flatMap((person) =>
        person.trialIds.map(async (trialId) => {
          const refusal = await update(bench.url, person.token, trialId);
          if (refusal) updateRefusals.add(refusal);
        }),
      ),
    );
    const answeredMs = performance.now() - burst;
    const expected = (users * resultsPerUser - updateRefusals.total) * PER_USER;
    await until(`${count(expected)} events delivered`, () => delivered >= expected, FACT_TIMEOUT_MS, () => `(delivered ${delivered})`);
    const burstCpuMs = cpuTime(bench.pid) - burstCpuBefore;
    return { acknowledgedMs, connectMs, connectCpuMs, connected, answeredMs, deliveredMs: lastDeliveryAt - burst, burstCpuMs, expected };
  });
  const { peak } = memory(bench.pid);
  const closures = serverClosures(connections);
  await bench.allClosed();
  const rows: Row[] = [
    [`${users} users x ${socketsPerUser} sockets x ${perSocket} subscriptions`, `${count(subscriptions)} connected at once`],
    ['connect time: all acknowledged / all listening', `${seconds(result.acknowledgedMs)} / ${seconds(result.connectMs)}` + refused(refusals)],
    ['server CPU to connect them (the probe included)', cpuEach(result.connectCpuMs, subscriptions, 'subscription')],
    ['server RSS before / with them listening', `${megabytes(before)} / ${megabytes(result.connected)}`],
    [`burst of ${users * resultsPerUser} results (all at once): all answered`, seconds(result.answeredMs) + refused(updateRefusals)],
    ['events delivered', `${count(delivered)} / ${count(result.expected)} in ${seconds(result.deliveredMs)} = ${count(Math.round(delivered / (result.deliveredMs / 1000)))}/s`],
    ['server CPU for the burst (the probe included)', cpuEach(result.burstCpuMs, delivered, 'delivered event')],
    [`server RSS peak${peakFromNow ? '' : ' (since start)'}`, megabytes(peak)],
    ['GET /healthz p50 / p99 / max', `${ms(percentile(probe.health, 0.5))} / ${ms(percentile(probe.health, 0.99))} / ${ms(Math.max(...probe.health))} (n=${probe.health.length})`],
    ["other user's suggest + update, p50 / p99", spread(probe.pair) + refused(probe.refusals)],
  ];
  if (closures) rows.push(['connections closed by the server', closures]);
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      flood: { type: 'string', default: '30000' },
      'fanout-seconds': { type: 'string', default: '10' },
      users: { type: 'string', default: '20' },
      pairs: { type: 'string', default: '16' },
    },
  });
  const began = performance.now();
  const loadBefore = loadavg()[0]!;
  const server = await startServer();
  const { openDatabase } = await import('../../server/runtime/database.ts');
  const { createApiToken } = await import('../../server/accounts/auth.ts');
  const database = await openDatabase(server.databaseUrl);
  const prisma = database.db;
  const healthUrl = server.url.replace('/graphql', '/healthz');
  const userIds = new Map<string, string>();
  const bench: Bench = {
    url: server.url,
    healthUrl,
    pid: server.pid(),
    sockets: new Sockets(server.wsUrl),
    probe: Probe.start(),
    async tokenFor(email) {
      const userId = userIds.get(email) ?? (await prisma.user.create({ data: { email } })).id;
      userIds.set(email, userId);
      return (await createApiToken(prisma, userId, 'bench')).token;
    },
    async probeOrder() {
      return { url: server.url, healthUrl, token: await bench.tokenFor('probe@example.com'), experiment: 'probe' };
    },
    async untilServer(what, predicate) {
      const deadline = performance.now() + FACT_TIMEOUT_MS;
      for (;;) {
        const health = (await server.health()).body as Listening;
        if (predicate(health)) return health;
        if (performance.now() > deadline) throw new Error(`${what}: not reached within ${FACT_TIMEOUT_MS / 1000} s (/healthz: ${JSON.stringify(health)})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async allClosed() {
      await bench.sockets.closeAll();
      await bench.untilServer('every subscription and socket closed', (h) => h.subscriptions === 0 && h.sockets === 0);
    },
  };
  const rows: [phase: string, ...Row][] = [];
  try {
    const phases: [string, () => Promise<Row[]>][] = [
      ['Baseline', () => baseline(bench, Number(values.pairs))],
      ['Flood', () => flood(bench, Number(values.flood))],
      ['Fan-out', () => fanOut(bench, Number(values['fanout-seconds']) * 1000)],
      ['Many users', () => manyUsers(bench, Number(values.users))],
    ];
    for (const [phase, run] of phases) for (const [measure, value] of await run()) rows.push([phase, measure, value]);
    rows.push(['End', 'server RSS, every socket closed', megabytes(memory(bench.pid).rss)]);
    const logged = server.logs().split('\n').filter((line) => line.trim() && !/listening on|migration/i.test(line));
    rows.push(['End', 'server log lines besides startup', logged.length ? `${logged.length}, first: \`${logged[0]!.slice(0, 160).replaceAll('|', '\\|')}\`` : 'none']);
  } finally {
    await bench.sockets.closeAll();
    await bench.probe.close();
    await database.close();
    await server.stop();
  }

  const args = process.argv.slice(2).join(' ');
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const facts = [
    `Command: \`npm run bench:subscriptions${args ? ` -- ${args}` : ''}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${seconds(performance.now() - began)} in all)`,
    `Machine: ${availableParallelism()} cores (${cpu}), ${megabytes(totalmem())} memory, Linux ${release()}, Node ${process.version}; server and load generator on the same machine`,
    `Load average (1 min): ${loadBefore.toFixed(2)} before the server started (other work on these ${availableParallelism()} cores), ${loadavg()[0]!.toFixed(2)} at the end (this benchmark included)`,
  ];
  const table = ['| Phase | Measure | Value |', '| --- | --- | --- |', ...rows.map((cells) => `| ${cells.join(' | ')} |`)];
  const text = ['# Subscriptions under load', '', ...facts.map((fact) => `${fact}  `), '', ...table, ''].join('\n');
  console.log(text);
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'subscriptions.md'), text);
}

if (isMainThread) await main();
else serveProbe(parentPort!);
