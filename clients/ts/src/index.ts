import { createClient, type Client } from 'graphql-ws/client';
import {
  BestDocument,
  CheckpointDocument,
  EnqueueDocument,
  ReportDocument,
  ParetoFrontDocument,
  ExperimentIdDocument,
  FailDocument,
  HeartbeatDocument,
  ReleaseDocument,
  SuggestDocument,
  TrialUpdatedDocument,
  TrialsDocument,
  UpdateDocument,
} from './documents.js';
import { BUDGET_SPENT, OscarError, badInput, fromGraphQLErrors, graphqlErrors, type GraphQLErrorPayload } from './errors.js';
import { defaultWorker, environmentVariable, randomHex, webSocketImplementation, type WebSocketConstructor } from './environment.js';
import { describeType, validateExperiment, type Experiment, type JsonObject, type Params, type ParamsOf } from './experiment.js';
import { Feed } from './feed.js';
import type { ExperimentInput, TrialFieldsFragment, TrialOutcomeFragment } from './generated/graphql.js';
import { Heartbeats } from './heartbeats.js';
import { Transport, toJson, VERSION } from './transport.js';

export { BUDGET_SPENT, OscarError, type ClientErrorCode, type GraphQLErrorPayload, type OscarErrorDetails } from './errors.js';
export type { Algorithm, ChoicesSpec, Experiment, JsonObject, JsonValue, NumericSpec, ParameterSpec, ParameterValue, Params, ParamsOf, ValueOf } from './experiment.js';
export type { TrialState } from './generated/graphql.js';
export type { WebSocketConstructor } from './environment.js';
export { VERSION };

/** Used when neither the `url` option nor `OSCAR_URL` is set. */
export const DEFAULT_URL = 'http://localhost:4000/graphql';

/** The most JSON text a checkpoint record may take (UTF-8 bytes), as the server counts. */
export const MAX_CHECKPOINT_BYTES = 16 * 1024;

/** The largest step a report may name (the server refuses more). */
export const MAX_STEP = 1_000_000_000;

/** How a client talks to the server. */
export interface OscarOptions {
  /** The GraphQL endpoint; default `OSCAR_URL` (in Node), then `http://localhost:4000/graphql`. The server's base URL works too. */
  readonly url?: string;
  /**
   * The name recorded on each trial; default `OSCAR_WORKER`, then the host name in Node (a name kept
   * in localStorage in a browser), with `-2`, `-3` ... for further clients in one process. A worker
   * that asks again under the same name after a crash gets its unfinished trial back.
   */
  readonly worker?: string;
  /** Milliseconds to wait for each HTTP request; default 60,000. */
  readonly timeout?: number;
  /** How many times to retry a request that failed transiently; default: until `maxWait` is spent. */
  readonly retries?: number;
  /** The longest time, in milliseconds, spent retrying one call (waits start at 0.5 s and double to 10 s); default 120,000; 0 disables retrying. */
  readonly maxWait?: number;
  /** A fetch implementation; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** A WebSocket implementation for `watch`; default `globalThis.WebSocket`, else the `ws` package. */
  readonly webSocket?: WebSocketConstructor;
  /** Where retries and failed heartbeats are reported; default `console`, `null` for silence. */
  readonly logger?: { warn(message: string): void } | null;
}

/** A checkpoint record: a JSON object of at most 16 KiB, such as where the weights are and the epoch. */
export type Checkpoint = JsonObject;

/**
 * A trial as `best`, `trials` and `watch` return it: the GraphQL `Trial` fields the client reads,
 * with its parameters, metrics and checkpoint typed.
 */
export type Trial<P = Params> = Omit<TrialFieldsFragment, 'params' | 'metrics' | 'checkpoint'> & {
  readonly params: P;
  readonly metrics: JsonObject;
  readonly checkpoint: Checkpoint | null;
};

/** A parameter set waiting in an experiment's queue, as `enqueue` answers: `place` 1 is handed out next. */
export interface QueuedParams<P = Params> {
  readonly id: string;
  readonly place: number;
  readonly params: P;
}

/** What the server says of a trial after `update`, `fail`, `heartbeat` or `checkpoint`. */
export type TrialOutcome = TrialOutcomeFragment;

/**
 * A result: `loss` (to minimise) and any metrics; with other objectives, those keys instead; or
 * `error` for a failed trial.
 */
export type Result =
  | { readonly loss?: number; readonly [objectiveOrMetric: string]: unknown }
  | { readonly error: string; readonly [metric: string]: unknown };

/** A suggested trial: its parameters, and what identifies it. */
export class Job<P = Params> {
  /** The trial id, which `update` reports to. */
  readonly id: string;
  /** The trial's number within its experiment, from 1. */
  readonly number: number;
  /** The experiment's name. */
  readonly experiment: string;
  /** The experiment's id (of its current version). */
  readonly experimentId: string;
  /** The experiment's lease: seconds the trial is kept without a heartbeat. */
  readonly leaseSeconds: number;
  /** The parameters to try. */
  readonly params: P;
  /**
   * The latest checkpoint record: the one saved before a reboot (the trial handed back) or before
   * the lease ran out (its parameters offered again); then the last one this client saved. Null when none.
   */
  checkpoint: Checkpoint | null;
  /** Whether this client has reported its outcome (`update` or `fail`). */
  reported = false;
  /** Whether the experiment's pruner stopped it (a `report` answered `true`): it is PRUNED. */
  pruned = false;

  constructor(fields: { id: string; number: number; experiment: string; experimentId: string; leaseSeconds: number; params: P; checkpoint: Checkpoint | null }) {
    this.id = fields.id;
    this.number = fields.number;
    this.experiment = fields.experiment;
    this.experimentId = fields.experimentId;
    this.leaseSeconds = fields.leaseSeconds;
    this.params = fields.params;
    this.checkpoint = fields.checkpoint;
  }
}

/**
 * A client of an Oscar server, for Node 20+ and browsers.
 *
 * ```ts
 * const scientist = new Oscar('API_ACCESS_TOKEN');
 * const job = await scientist.suggest({ name: 'Square', parameters: { x: { min: -10, max: 10 } } });
 * await scientist.update(job, { loss: job.params.x ** 2 });
 * ```
 */
export class Oscar {
  /** The GraphQL endpoint. */
  readonly url: string;
  /** The worker name recorded on the trials this client is given. */
  readonly worker: string;
  /** A random id of this client object: tells a restarted process from a busy one under the same worker name. */
  readonly instance: string;
  private readonly token: string;
  private readonly options: OscarOptions;
  private readonly logger: { warn(message: string): void } | null;
  private readonly transport: Transport;
  private readonly heartbeats: Heartbeats;
  private readonly closing = new AbortController();
  /** Experiments this client has started afresh (`resume: false`): later suggests continue them. */
  private readonly restarted = new Set<string>();
  private readonly feeds = new Set<Feed<Trial>>();
  private socket: Promise<Client> | null = null;

  constructor(token: string, options: OscarOptions = {}) {
    if (typeof token !== 'string') throw badInput('token', `token must be a string, got ${describeType(token)}`);
    this.token = token;
    this.options = options;
    this.url = endpoint(options.url ?? environmentVariable('OSCAR_URL') ?? DEFAULT_URL);
    this.worker = defaultWorker(options.worker);
    this.instance = randomHex();
    const fetchImplementation = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetchImplementation) throw badInput('fetch', 'no fetch here: pass options.fetch');
    const logger = options.logger === undefined ? console : options.logger;
    this.logger = logger;
    this.transport = new Transport({
      url: this.url,
      token,
      timeout: options.timeout ?? 60_000,
      retries: options.retries,
      maxWait: options.maxWait ?? 120_000,
      fetch: fetchImplementation,
      logger,
      closed: this.closing.signal,
    });
    this.heartbeats = new Heartbeats(
      async (trialId, interval) => (await this.transport.request(HeartbeatDocument, { trialId }, { maxWait: interval })).heartbeat.state,
      (message) => logger?.warn(message),
    );
  }

  /**
   * Suggests one job after another until the experiment's trial budget (`max_trials`) is spent and none
   * of its trials runs any more; every worker can run this loop, and together they run `max_trials`
   * trials. Once the budget is spent, a loop that asks while other workers' trials still run asks again
   * every `pollMs` (10 s by default), so that a trial lost or released meanwhile (a preempted machine) is
   * run here rather than never; `pollMs: null` ends it at once instead. Without a budget it goes on until
   * the loop is left. Any other error rejects as `suggest`'s does.
   *
   * ```ts
   * for await (const job of scientist.jobs({ name: 'Square', parameters: { x: { min: -10, max: 10 } }, max_trials: 100 })) {
   *   await scientist.update(job, { loss: job.params.x ** 2 });
   * }
   * ```
   */
  jobs<const E extends Experiment>(experiment: E, options?: { readonly pollMs?: number | null }): AsyncGenerator<Job<ParamsOf<E>>, void, undefined>;
  /** The same for an existing experiment joined by its name alone (see {@link suggest}). */
  jobs(name: string, options?: { readonly pollMs?: number | null }): AsyncGenerator<Job<Params>, void, undefined>;
  async *jobs(experiment: Experiment | string, options: { readonly pollMs?: number | null } = {}): AsyncGenerator<Job<unknown>, void, undefined> {
    const pollMs = options.pollMs === undefined ? 10_000 : options.pollMs;
    for (;;) {
      let job: Job<unknown>;
      try {
        job = typeof experiment === 'string' ? await this.suggest(experiment) : await this.suggest(experiment);
      } catch (error) {
        if (!(error instanceof OscarError) || error.code !== BUDGET_SPENT) throw error;
        const running = error.errors[0]?.extensions?.['running'];
        if (pollMs === null || typeof running !== 'number' || running <= 0) return;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        continue;
      }
      yield job;
    }
  }

  /**
   * Asks for the next parameters to try. The experiment is created on first use; a worker that asks
   * again after a crash gets its unfinished trial back. Heartbeats keep the trial's lease (every
   * third of it) until `update`, `fail`, `release` or `close`. A retried request carries the same
   * `requestId`, so the server hands back the trial it already made.
   */
  async suggest<const E extends Experiment>(experiment: E): Promise<Job<ParamsOf<E>>>;
  /**
   * Joins an existing experiment by its name alone, in the space it has on the server (also after it was
   * started afresh in another space), its settings kept; a name with no experiment (never created, or
   * deleted) rejects with `NOT_FOUND` and creates nothing.
   */
  async suggest(name: string): Promise<Job<Params>>;
  async suggest(experiment: Experiment | string): Promise<Job<unknown>> {
    const input: ExperimentInput = typeof experiment === 'string' ? { name: experiment } : validateExperiment(experiment);
    const restart = input.resume === false;
    if (restart && this.restarted.has(input.name)) input.resume = true;
    const { suggest: trial } = await this.transport.request(SuggestDocument, {
      experiment: input,
      worker: this.worker,
      instance: this.instance,
      requestId: randomHex(),
    });
    if (restart) this.restarted.add(input.name);
    if (!isObject(trial.params)) throw new OscarError(`unexpected params in the answer to suggest: ${JSON.stringify(trial.params)}`);
    const { leaseSeconds } = trial.experiment;
    if (leaseSeconds > 0) this.heartbeats.watch(trial.id, (leaseSeconds * 1000) / 3);
    return new Job({
      id: trial.id,
      number: trial.number,
      experiment: trial.experiment.name,
      experimentId: trial.experiment.id,
      leaseSeconds,
      params: trial.params,
      checkpoint: isObject(trial.checkpoint) ? (trial.checkpoint as Checkpoint) : null,
    });
  }

  /**
   * Reports a job's result: `loss` (a finite number, minimised) and any custom metrics, or `error`
   * instead of a loss. Sending the same result again is harmless; heartbeats stop.
   */
  async update(job: Job<unknown> | string, result: Result): Promise<TrialOutcome> {
    const trialId = trialIdOf(job);
    if (!isObject(result)) throw badInput('result', `result must be an object holding 'loss', got ${describeType(result)}`);
    // Which keys it needs is the experiment's (its objectives: `loss` by default): the server says.
    if (Object.keys(result).length === 0) throw badInput('result.loss', "result must hold 'loss' (or the experiment's objectives)");
    const { update } = await this.transport.request(UpdateDocument, { trialId, result });
    this.reported(job, trialId);
    return update;
  }

  /** Reports that a job failed (it is kept as FAILED, never used as a loss); an Error becomes "Name: message". */
  async fail(job: Job<unknown> | string, error: unknown, metrics?: Record<string, unknown>): Promise<TrialOutcome> {
    const trialId = trialIdOf(job);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const { fail } = await this.transport.request(FailDocument, { trialId, error: message, metrics: metrics ?? null });
    this.reported(job, trialId);
    return fail;
  }

  /** Renews a job's lease. The client does this by itself for the jobs it suggested; call it for a job another process suggested. */
  async heartbeat(job: Job<unknown> | string): Promise<TrialOutcome> {
    const { heartbeat } = await this.transport.request(HeartbeatDocument, { trialId: trialIdOf(job) });
    return heartbeat;
  }

  /**
   * Saves a running job's latest checkpoint: a JSON object of at most 16 KiB, such as where its
   * weights are and the epoch (the state itself belongs elsewhere). It renews the lease as a
   * heartbeat does. When the trial is handed back after a reboot, or its parameters are offered again
   * after its lease ran out, the next `suggest` returns a job whose `checkpoint` is this record.
   */
  async checkpoint(job: Job<unknown> | string, record: Record<string, unknown>): Promise<TrialOutcome> {
    const trialId = trialIdOf(job);
    if (!isObject(record)) throw badInput('data', `a checkpoint must be a JSON object such as {"path": "s3://bucket/run-17", "epoch": 5}, got ${describeType(record)}`);
    const text = JSON.stringify(record, toJson);
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_CHECKPOINT_BYTES) {
      throw badInput('data', `a checkpoint must be at most ${MAX_CHECKPOINT_BYTES} bytes of JSON (got ${bytes}): store the state elsewhere and its location here`);
    }
    const data = JSON.parse(text) as Checkpoint;
    const { checkpoint } = await this.transport.request(CheckpointDocument, { trialId, data });
    if (job instanceof Job) job.checkpoint = data;
    return checkpoint;
  }

  /**
   * Reports an intermediate value of a running job (its loss at `step`, a whole number from 0 to
   * 1,000,000,000), with any metrics; resolves `true` when the experiment's pruner stopped the trial (it
   * is PRUNED, its heartbeats stop, `job.pruned` is set): stop training it. A result sent afterwards is
   * kept as its final value. Also `true`, with `job.pruned` left false, when the job's lease ran out and
   * its parameters went to another worker, which runs them: stop here too, nothing is lost. Steps may
   * come in any order, and again (the first value of a step stays).
   *
   * ```ts
   * for (let epoch = 0; epoch < 100; epoch++) {
   *   if (await scientist.report(job, epoch, trainOneEpoch())) break;
   * }
   * ```
   */
  async report(job: Job<unknown> | string, step: number, value: number, metrics?: Record<string, unknown>): Promise<boolean> {
    const trialId = trialIdOf(job);
    if (!Number.isSafeInteger(step) || step < 0 || step > MAX_STEP) throw badInput('step', `step must be a whole number from 0 to ${MAX_STEP}, got ${describeType(step)} ${String(step)}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw badInput('value', `value must be a finite number, got ${String(value)}`);
    if (metrics !== undefined && !isObject(metrics)) throw badInput('metrics', `metrics must be an object such as {"accuracy": 0.9}, got ${describeType(metrics)}`);
    const variables = { trialId, step, value, metrics: metrics === undefined ? null : (JSON.parse(JSON.stringify(metrics, toJson)) as Record<string, unknown>) };
    const { report } = await this.transport.request(ReportDocument, variables);
    if (report.shouldStop) {
      this.heartbeats.forget(trialId);
      if (job instanceof Job) job.pruned = report.trial.state === 'PRUNED';
    }
    return report.shouldStop;
  }

  /**
   * Gives a job up without a result (a machine about to shut down, a job abandoned after an error that
   * should not count as a failure): its heartbeats stop and the server offers its parameters again at
   * once, to this worker or another, resuming from its latest checkpoint. Resolves to the trial
   * (`STALE`, or as it was if it had finished). It never rejects (it was a plain call before, which
   * callers need not await): a release the server does not take (a server that predates `release`,
   * none reachable, an unknown trial) resolves to null, said to the logger, and the parameters are
   * then offered again once the lease runs out.
   */
  async release(job: Job<unknown> | string): Promise<TrialOutcome | null> {
    const trialId = trialIdOf(job);
    this.heartbeats.forget(trialId);
    try {
      return (await this.transport.request(ReleaseDocument, { trialId })).release;
    } catch (error) {
      const olderServer = error instanceof OscarError && error.code === 'GRAPHQL_VALIDATION_FAILED' && error.message.includes('release');
      if (!olderServer) this.logger?.warn(`could not release trial ${trialId} (its lease runs out instead): ${(error as Error).message}`);
      return null;
    }
  }

  /**
   * Suggests a job and runs `run` on it. What `run` returns is reported: a result object, or a number
   * as the loss; nothing leaves the job to its lease (unless `run` reported it). If `run` throws, the
   * trial is marked FAILED with the error's message and the error is thrown on.
   */
  async trial<const E extends Experiment>(
    experiment: E,
    run: (job: Job<ParamsOf<E>>) => Promise<Result | number | void> | Result | number | void,
  ): Promise<TrialOutcome | null>;
  /** The same for an existing experiment joined by its name alone (see {@link suggest}). */
  async trial(name: string, run: (job: Job<Params>) => Promise<Result | number | void> | Result | number | void): Promise<TrialOutcome | null>;
  async trial(
    experiment: Experiment | string,
    run: (job: Job<never>) => Promise<Result | number | void> | Result | number | void,
  ): Promise<TrialOutcome | null> {
    const job = (typeof experiment === 'string' ? await this.suggest(experiment) : await this.suggest(experiment)) as Job<never>;
    try {
      const result = await run(job);
      if (result === undefined || job.reported) return null;
      return await this.update(job, typeof result === 'number' ? { loss: result } : result);
    } catch (error) {
      const unreachable = error instanceof OscarError && (error.code === 'CONNECTION_ERROR' || error.code === 'CLIENT_CLOSED');
      if (!job.reported && !unreachable) {
        // Never hide the user's own error behind a failure to report it.
        await this.fail(job, error).catch((failure: Error) => this.logger?.warn(`could not mark trial ${job.id} FAILED: ${failure.message}`));
      }
      throw error;
    } finally {
      this.heartbeats.forget(job.id);
    }
  }

  /**
   * Queues a parameter set to be tried next (as Optuna's `enqueue_trial`): the experiment's next
   * suggests, from any worker, hand queued sets out first, in order, each once, before asking the
   * optimizer. `experiment` is what `suggest` takes (created on first use) or an existing experiment's
   * name; `params` needs a value for every parameter that its spec allows (constants may be left out),
   * else an `OscarError` with `field` naming it (`params.x`), and nothing is queued. `place` 1 is
   * handed out next. The call carries a `requestId`, the same on each retry, so a retry after a lost
   * answer queues nothing more.
   */
  async enqueue<const E extends Experiment>(experiment: E | string, params: ParamsOf<E> | Params): Promise<QueuedParams<ParamsOf<E>>> {
    if (!isObject(params)) throw badInput('params', `params must be an object of parameter name to value, got ${describeType(params)}`);
    let input: ExperimentInput | null = null;
    if (typeof experiment !== 'string') {
      input = validateExperiment(experiment);
      if (input.resume === false && this.restarted.has(input.name)) input.resume = true;
    }
    const { enqueue } = await this.transport.request(EnqueueDocument, {
      ...(input ? { experiment: input } : { experimentName: experiment as string }),
      params,
      requestId: randomHex(),
    });
    // Started afresh once, as suggest does: the suggests that follow continue it (and take the set).
    if (input?.resume === false) this.restarted.add(input.name);
    return { id: enqueue.id, place: enqueue.place, params: enqueue.params as ParamsOf<E> };
  }

  /** The experiment's completed trial with the lowest loss, or null while none has completed; NOT_FOUND without such an experiment. */
  async best<P = Params>(experimentName: string): Promise<Trial<P> | null> {
    const { experiment } = await this.transport.request(BestDocument, { name: experimentName });
    if (!experiment) throw notFound(experimentName);
    return (experiment.bestTrial as Trial<P> | null) ?? null;
  }

  /**
   * The experiment's Pareto front: its feasible completed trials that no other feasible completed
   * trial beats in every objective (the experiment's `objectives`), in order of the first objective.
   */
  async paretoFront<P = Params>(experimentName: string): Promise<Trial<P>[]> {
    const { experiment } = await this.transport.request(ParetoFrontDocument, { name: experimentName });
    if (!experiment) throw notFound(experimentName);
    return experiment.paretoFront as Trial<P>[];
  }

  /**
   * The experiment's trials, newest first, read 100 at a time as the iteration goes (all from the
   * version of the experiment current when it starts): `for await (const trial of scientist.trials('Square'))`.
   */
  async *trials<P = Params>(experimentName: string): AsyncGenerator<Trial<P>, void, undefined> {
    let variables: { name?: string; id?: string; after?: string | null } = { name: experimentName };
    for (;;) {
      const { experiment } = await this.transport.request(TrialsDocument, variables);
      if (!experiment) throw notFound(experimentName);
      for (const edge of experiment.trials.edges) yield edge.node as Trial<P>;
      if (!experiment.trials.pageInfo.hasNextPage) return;
      // Later pages by id: a restart (resume: false) meanwhile does not switch versions mid-way.
      variables = { id: experiment.id, after: experiment.trials.pageInfo.endCursor };
    }
  }

  /**
   * The experiment's trials as they are created or change (a result, a failure, a lease running out),
   * over graphql-ws: `for await (const trial of scientist.watch('Square')) ...`; `break` ends it.
   * Listening starts at once; what arrives before the first `next()` waits in order. Throws NOT_FOUND
   * (at the first `next()`) without such an experiment. A lost connection is reopened with backoff
   * (changes meanwhile are not replayed).
   */
  watch<P = Params>(experimentName: string): AsyncIterableIterator<Trial<P>> {
    let unsubscribe: (() => void) | null = null;
    let stopped = false;
    const feed = new Feed<Trial>(() => {
      stopped = true;
      this.feeds.delete(feed);
      unsubscribe?.();
    });
    this.feeds.add(feed);
    void (async () => {
      const { experiment } = await this.transport.request(ExperimentIdDocument, { name: experimentName });
      if (!experiment) throw notFound(experimentName);
      const client = await this.webSocketClient();
      if (stopped) return;
      unsubscribe = client.subscribe(
        { query: TrialUpdatedDocument.toString(), variables: { experimentId: experiment.id } },
        {
          next: (result) => {
            const errors = graphqlErrors(result);
            if (errors.length > 0) feed.fail(fromGraphQLErrors(errors));
            else if (result.data) feed.push((result.data as { trialUpdated: Trial }).trialUpdated);
          },
          error: (error) => feed.fail(socketError(error)),
          complete: () => feed.end(),
        },
      );
    })().catch((error: unknown) => feed.fail(error));
    return feed as AsyncIterableIterator<Trial<P>>;
  }

  /** Stops every heartbeat and watch, and ends calls in flight (CLIENT_CLOSED); the client cannot be used again. */
  async close(): Promise<void> {
    this.closing.abort();
    this.heartbeats.clear();
    for (const feed of [...this.feeds]) feed.end();
    const socket = this.socket;
    this.socket = null;
    if (socket) await (await socket.catch(() => null))?.dispose();
  }

  /** The trials this client is sending heartbeats for. */
  get openTrials(): readonly string[] {
    return this.heartbeats.trialIds;
  }

  private reported(job: Job<unknown> | string, trialId: string): void {
    this.heartbeats.forget(trialId);
    if (job instanceof Job) job.reported = true;
  }

  /** One graphql-ws connection for all of this client's watches, opened when the first starts and closed after the last. */
  private webSocketClient(): Promise<Client> {
    if (this.closing.signal.aborted) return Promise.reject(new OscarError('the Oscar client was closed', { code: 'CLIENT_CLOSED' }));
    this.socket ??= webSocketImplementation(this.options.webSocket).then((webSocketImpl) => {
      const maxWait = this.options.maxWait ?? 120_000;
      return createClient({
        url: this.url.replace(/^http/i, 'ws'),
        webSocketImpl,
        connectionParams: { authorization: `Bearer ${this.token}` },
        lazy: true,
        lazyCloseTimeout: 0,
        // As for HTTP: 0.5 s doubling to 10 s, for about maxWait in all.
        retryAttempts: retriesWithin(maxWait),
        retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 10_000))),
        // A revoked token (4403) will not come back.
        shouldRetry: (event) => isCloseEvent(event) && event.code !== 4403,
      });
    });
    return this.socket;
  }
}

/** The GraphQL endpoint for a URL: the server's base URL gets /graphql. */
function endpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badInput('url', `Oscar URL must be an http:// or https:// URL, got '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badInput('url', `Oscar URL must start with http:// or https://, got '${url}'`);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/graphql';
  return parsed.href;
}

function trialIdOf(job: Job<unknown> | string): string {
  if (job instanceof Job) return job.id;
  if (typeof job === 'string' && job) return job;
  throw badInput('trialId', `job must be the Job returned by suggest() or a trial id, got ${describeType(job)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notFound(name: string): OscarError {
  return new OscarError(`No experiment named "${name}"`, { code: 'NOT_FOUND', field: 'name' });
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return isObject(value) && typeof value.code === 'number' && typeof value.reason === 'string';
}

/** How many reconnections of 0.5 s doubling to 10 s fit in `maxWait` milliseconds. */
function retriesWithin(maxWait: number): number {
  let attempts = 0;
  for (let spent = 0; spent < maxWait; attempts++) spent += Math.min(500 * 2 ** attempts, 10_000);
  return attempts;
}

/** What a graphql-ws sink's error means to a user: a refused subscription, a closed connection. */
function socketError(error: unknown): OscarError {
  if (Array.isArray(error)) return fromGraphQLErrors(error as GraphQLErrorPayload[]);
  if (isCloseEvent(error)) {
    const code = error.code === 4401 || error.code === 4403 ? 'UNAUTHENTICATED' : error.code === 4429 ? 'TOO_MANY_SUBSCRIPTIONS' : 'CONNECTION_ERROR';
    return new OscarError(`the subscription's connection closed (${error.code}${error.reason ? `: ${error.reason}` : ''})`, { code });
  }
  if (error instanceof OscarError) return error;
  return new OscarError(`the subscription failed: ${error instanceof Error ? error.message : String(error)}`, { code: 'CONNECTION_ERROR', cause: error });
}
