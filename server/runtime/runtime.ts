import { SignInGuard, type SignInLimits } from '../accounts/sign-in-guard.ts';
import { OperationLimiter } from '../http/graphql-limits.ts';
import { ImportanceCache } from '../insights/experiment-importance.ts';
import { LandscapeCache } from '../insights/experiment-landscape.ts';
import { TrialTables } from '../insights/trial-table.ts';
import { ComputePool, DEFAULT_SUGGEST_TIMEOUT_MS } from '../optimizer/pool/compute-pool.ts';
import { EVENT_BYTES_PER_SECOND, EventAllowances } from '../subscriptions/event-allowance.ts';
import { OPERATION_BYTES } from '../http/operation-budget.ts';
import { SharedResults } from './shared-results.ts';
import { LiveSubscriptions, type SubscriptionLimits } from '../subscriptions/live-subscriptions.ts';
import { replayChanges } from '../subscriptions/replay.ts';
import { HistoryCache } from '../trials/history.ts';
import { startLeaseSweeper } from '../trials/leases.ts';
import { startRequestSweeper } from '../trials/request-expiry.ts';
import { SuggestQueue } from '../trials/suggest-queue.ts';
import { TrialDirectory } from '../trials/trial-directory.ts';
import { ExperimentDirectory } from '../experiments/experiment-directory.ts';
import { forgetDeleted } from '../experiments/experiment-deletion.ts';
import { openDatabase, type Database, type Db } from './database.ts';
import { createEvents, type Events } from './events.ts';
import { memoryLimiters, redisLimiters } from './rate-limiters.ts';
import { connectRedis } from './redis.ts';

/** What a runtime is built from; everything but the database has a default. */
export interface RuntimeOptions {
  /** `file:` (embedded SQLite, one process) or `postgresql://` (any number of replicas). */
  readonly databaseUrl: string;
  /** `redis://`: events, revocations and rate limits shared by every replica. */
  readonly redisUrl?: string | null;
  /** What this deployment's Redis keys and channels start with (replicas share it; other deployments use their own). */
  readonly redisPrefix?: string;
  /** Operations a minute per API token or session (per address without one). */
  readonly rateLimitPerMinute?: number;
  /** Stored data a second one user's subscription events may load (see EventAllowances). */
  readonly eventBytesPerSecond?: number;
  readonly suggestTimeoutMs?: number;
  readonly subscriptionLimits?: SubscriptionLimits;
  readonly signInLimits?: SignInLimits;
  /** How often RUNNING trials past their lease are marked STALE (ms). */
  readonly leaseSweepMs?: number;
}

/**
 * Everything one Oscar process serves with, built in one place ({@link createRuntime}) from its
 * options: no module keeps state of its own, so the backends are chosen at start and a test can run
 * several runtimes (replicas) in one process.
 */
export interface Runtime {
  readonly database: Database;
  /** The Prisma client (`database.db`). */
  readonly db: Db;
  readonly events: Events;
  readonly live: LiveSubscriptions;
  readonly operations: OperationLimiter;
  readonly signIn: SignInGuard;
  readonly pool: ComputePool;
  readonly histories: HistoryCache;
  readonly suggestions: SuggestQueue;
  /** Where trials belong (experiment, owner, group), remembered so results need no lookup. */
  readonly trials: TrialDirectory;
  /** Which experiment an owner's name refers to, remembered so suggests need no lookup. */
  readonly experiments: ExperimentDirectory;
  readonly importance: ImportanceCache;
  /**
   * Pareto fronts (trial ids), shared by the reads of one experiment's front at one revision (aliases in
   * a query, several pages open, a subscription's events), the latest few kept: the insights' single
   * thread, where large fronts are found, is not taken by the same work again.
   */
  readonly fronts: SharedResults<string[]>;
  /**
   * Whole export files (`TrialExport.text`), shared by the reads of one experiment as it is (its row's
   * revision and last change): the aliases of one query and every subscriber's event for one change
   * build the text once; the latest few kept, {@link MAX_KEPT_EXPORT_CHARS} characters at most.
   */
  readonly exports: SharedResults<string>;
  /** Each user's allowance of stored data for their subscription events. */
  readonly eventBytes: EventAllowances;
  /** The GP's predicted loss over two parameters (the dashboard's contour). */
  readonly landscapes: LandscapeCache;
  readonly tables: TrialTables;
  /** `off` without Redis; `ok` while every Redis connection is ready; else `unreachable`. */
  redisStatus(): 'off' | 'ok' | 'unreachable';
  /** Starts the background work: lease expiry, the revocation sweep and old request ids. */
  start(): void;
  /** Stops it, ends open subscriptions, stops the worker threads and closes the connections. */
  close(): Promise<void>;
}

/** The most characters the kept export texts hold together. */
export const MAX_KEPT_EXPORT_CHARS = 64 * 1024 * 1024;

/** Builds a runtime: opens the database (migrations are applied separately), and Redis when configured. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const database = await openDatabase(options.databaseUrl);
  const redis = options.redisUrl ? await connectRedis(options.redisUrl) : null;
  const prefix = options.redisPrefix ?? 'oscar';
  const events = createEvents(redis ? { clients: redis, prefix } : undefined);
  // After a Redis outage, subscribers here get the changes they may have missed, from the database.
  events.onResync((since, topics) => replayChanges(database.db, events, since, topics));
  const limiters = redis ? redisLimiters(redis.limits, prefix) : memoryLimiters;
  const pool = new ComputePool(options.suggestTimeoutMs ?? DEFAULT_SUGGEST_TIMEOUT_MS);
  const histories = new HistoryCache(database.db, pool);
  const trials = new TrialDirectory(database.db);
  const live = new LiveSubscriptions(database.db, events, options.subscriptionLimits);
  let stopLeases = (): void => undefined;
  let stopRequests = (): void => undefined;
  let deletions: AsyncIterator<unknown> | null = null;
  const runtime: Runtime = {
    database,
    db: database.db,
    events,
    live,
    operations: new OperationLimiter(options.rateLimitPerMinute ?? 6000, limiters),
    signIn: new SignInGuard(limiters, options.signInLimits),
    pool,
    histories,
    suggestions: new SuggestQueue({ database, events, histories, trials }),
    trials,
    experiments: new ExperimentDirectory(),
    importance: new ImportanceCache(database, pool),
    fronts: new SharedResults<string[]>({ max: 16 }),
    exports: new SharedResults<string>({ max: 8, maxSize: MAX_KEPT_EXPORT_CHARS, size: (text) => text.length }),
    eventBytes: new EventAllowances(OPERATION_BYTES, options.eventBytesPerSecond ?? EVENT_BYTES_PER_SECOND),
    landscapes: new LandscapeCache(database, pool),
    tables: new TrialTables(database),
    redisStatus() {
      if (!redis) return 'off';
      return [redis.publish, redis.subscribe, redis.limits].every((client) => client.status === 'ready') ? 'ok' : 'unreachable';
    },
    start() {
      stopLeases = startLeaseSweeper({ database, events }, options.leaseSweepMs);
      stopRequests = startRequestSweeper(database);
      live.start();
      // Experiments deleted on any replica: this process's caches forget them.
      const stream = events.pubsub.subscribe('experiments:deleted')[Symbol.asyncIterator]();
      deletions = stream;
      void (async () => {
        for (let next = await stream.next(); !next.done; next = await stream.next()) forgetDeleted(runtime, next.value);
      })().catch((error: unknown) => console.error('deletion events failed:', error));
    },
    async close() {
      stopLeases();
      stopRequests();
      void deletions?.return?.();
      live.stop();
      await pool.close();
      await database.close();
      await redis?.quit();
    },
  };
  return runtime;
}
