import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { CurvePrediction } from '../../pruners/learning-curve.ts';
import type { ComputeTask, ExtrapolateTask } from './compute-task.ts';
import { runSuggestTask, type SuggestTask } from '../task.ts';
import { quasiRandomSuggestions } from '../qmc.ts';
import type { GraphQLError } from 'graphql';
import { FairLane, LaneBusyError } from './fair-lane.ts';
import { userError } from '../../errors.ts';
import type { SuggestResult } from '../types.ts';
import type { ImportanceTask, ParameterImportance } from '../../insights/importance.ts';
import type { LandscapeOutcome, LandscapeTask } from '../../insights/model-landscape.ts';

/** Default time bound of one suggestion, in milliseconds (OSCAR_SUGGEST_TIMEOUT_MS overrides it). */
export const DEFAULT_SUGGEST_TIMEOUT_MS = 5_000;

/** Time bound of one parameter-importance estimate, in milliseconds. */
export const IMPORTANCE_TIMEOUT_MS = 10_000;

/** Time bound of one model landscape (a GP fit and a grid of predictions), in milliseconds. */
export const LANDSCAPE_TIMEOUT_MS = 10_000;

/** Time bound of one Pareto front of many trials, in milliseconds. */
export const FRONT_TIMEOUT_MS = 10_000;

/** Optimizers whose work per suggestion is a few random draws (no model): run on the event loop. */
const IN_PROCESS: ReadonlySet<string> = new Set(['random', 'quasi_random']);

/** Tasks that may wait for a suggestion thread (every owner together): past it, callers get their fallback at once. */
const MAX_WAITING = 256;

/** Insight tasks (importance, landscapes, fronts) that may wait for the insights thread, every owner together. */
const MAX_INSIGHTS_WAITING = 64;

/**
 * Longest an insight waits for the insights thread before SERVER_BUSY: three whole estimates ahead of
 * it (owners take turns, so those are other users').
 */
export const INSIGHTS_WAIT_MS = 30_000;

/** Threads for suggestions: all cores but one (the event loop and the database keep one). */
const SUGGEST_THREADS = Math.max(1, availableParallelism() - 1);

/** A worker thread's heap limit: a runaway task ends that worker (and falls back), never the server. */
const WORKER_HEAP_MB = 1024;

/** A suggestion and, if the chosen optimizer's answer was not used, why. */
export interface PooledResult extends SuggestResult {
  /** Null when the optimizer answered in time; else why the quasi-random fallback answered. */
  readonly fallbackReason: string | null;
}

/** A task ran past its time bound and was stopped. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`took longer than ${timeoutMs} ms`);
  }
}

/**
 * `error` as the client should see it when `what` (an insight) could not get the insights thread: a
 * LaneBusyError becomes SERVER_BUSY (retry shortly; clients retry it); anything else is returned as it is.
 */
export function insightsBusy(what: string, error: unknown): unknown {
  if (!(error instanceof LaneBusyError)) return error;
  const busy: GraphQLError = userError('SERVER_BUSY', `${what}: the insights thread is busy with other estimates (${error.message}); retry shortly`);
  return busy;
}

/** The time bound from OSCAR_SUGGEST_TIMEOUT_MS, else the default. */
export function suggestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.OSCAR_SUGGEST_TIMEOUT_MS;
  const value = raw === undefined || raw === '' ? DEFAULT_SUGGEST_TIMEOUT_MS : Number(raw);
  if (!(value > 0)) throw new Error(`OSCAR_SUGGEST_TIMEOUT_MS must be a positive number of milliseconds, but got "${raw}"`);
  return value;
}

/**
 * The quasi-random answer when the optimizer's did not come. Not for grid search, which must never hand
 * out a point twice nor run past its grid: when it ran out of time or threads its caller is told
 * SERVER_BUSY (clients retry it); when it failed, the error is the server's own (logged, not retried).
 */
function fallback(task: SuggestTask, kind: 'timeout' | 'busy' | 'error', detail: string): PooledResult {
  const reason = `${kind}: ${detail}`;
  if (task.algorithm === 'grid') {
    if (kind === 'error') throw new Error(`grid search failed: ${detail}`);
    throw userError('SERVER_BUSY', `grid search could not choose the next points (${reason}); retry shortly`);
  }
  const suggestions = quasiRandomSuggestions(task, task.count ?? 1);
  return { suggestions, state: task.state, fallbackReason: reason };
}

/**
 * Worker threads (piscina) for the heavy work: optimizers, parameter importance and model landscapes. A slow task never
 * blocks the event loop, and each has a time bound past which its thread is stopped. Threads start
 * on the first task and stop after a minute idle.
 */
export class ComputePool {
  private readonly pools = new Map<'suggest' | 'insights', Piscina>();
  /** Who runs next on the suggestion threads: owners (users) take turns, each task timed from its start. */
  private readonly suggestLane = new FairLane(SUGGEST_THREADS, MAX_WAITING);
  /** Who runs next on the insights thread, likewise: one user's estimates never use up another's time bound. */
  private readonly insightsLane = new FairLane(1, MAX_INSIGHTS_WAITING);

  constructor(readonly suggestTimeoutMs: number = DEFAULT_SUGGEST_TIMEOUT_MS) {}

  /**
   * The threads for a kind of task: suggestions get all cores but one (the event loop and the database
   * keep one), insights one thread of their own, so a long estimate never makes a suggestion wait.
   */
  private threads(kind: ComputeTask['kind']): Piscina {
    const lane = kind === 'suggest' || kind === 'extrapolate' ? 'suggest' : 'insights';
    let pool = this.pools.get(lane);
    if (!pool) {
      pool = new Piscina({
        filename: new URL('./compute-worker.mjs', import.meta.url).href,
        maxThreads: lane === 'suggest' ? SUGGEST_THREADS : 1,
        minThreads: lane === 'suggest' ? 1 : 0,
        idleTimeout: 60_000,
        // Tasks wait in the fair lanes, not here.
        maxQueue: MAX_WAITING,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      // Piscina reports some faults as an 'error' event (a result that arrives for a task just aborted
      // at its time bound: "Unexpected message from Worker"), which without a listener would throw and
      // end the server. The task's caller has had its answer (the timeout) already: say so, go on.
      pool.on('error', (error: unknown) => console.error(`oscar: ${lane} thread: ${error instanceof Error ? error.message : String(error)}`));
      this.pools.set(lane, pool);
    }
    return pool;
  }

  /**
   * Runs a task on a worker thread, aborting it `timeoutMs` after it starts; throws on timeout
   * (`TimeoutError`) or failure. It first waits for its `owner`'s turn on its threads: a suggestion
   * (or curve extrapolation) on the suggestion threads at most `timeoutMs` too, an insight on the
   * insights thread at most {@link INSIGHTS_WAIT_MS} (then `LaneBusyError`). The time bound is the
   * task's own, never spent waiting behind another's.
   */
  private run<T>(task: ComputeTask, timeoutMs: number, owner: string): Promise<T> {
    const work = () => this.runNow<T>(task, timeoutMs);
    if (task.kind === 'suggest' || task.kind === 'extrapolate') return this.suggestLane.run(owner, work, timeoutMs);
    return this.insightsLane.run(owner, work, INSIGHTS_WAIT_MS);
  }

  private async runNow<T>(task: ComputeTask, timeoutMs: number): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs);
    try {
      return (await this.threads(task.kind).run(task, { signal: controller.signal })) as T;
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a suggestion on a worker thread. If it takes longer than `timeoutMs`, the worker is stopped and
   * the experiment's quasi-random sequence answers instead; likewise if the optimizer fails. Either way
   * `fallbackReason` says so. For grid search it throws SERVER_BUSY instead (see {@link fallback}). The time bound counts from the moment a thread takes it; waiting for one
   * (owners take turns, `owner` being the experiment's user) has a bound of the same length.
   */
  async suggest(task: SuggestTask, timeoutMs = this.suggestTimeoutMs, owner = ''): Promise<PooledResult> {
    if (IN_PROCESS.has(task.algorithm)) {
      // Constant work per suggestion, whatever the history: cheaper here than the trip to a thread.
      try {
        return { ...runSuggestTask(task), fallbackReason: null };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return fallback(task, 'error', `optimizer "${task.algorithm}" failed: ${message.slice(0, 300)}`);
      }
    }
    try {
      const result = await this.run<SuggestResult>({ kind: 'suggest', task }, timeoutMs, owner);
      return { ...result, fallbackReason: null };
    } catch (error) {
      if (error instanceof TimeoutError) return fallback(task, 'timeout', `optimizer "${task.algorithm}" took longer than ${timeoutMs} ms`);
      if (error instanceof LaneBusyError) return fallback(task, 'busy', `the optimizer threads were all taken (${error.message})`);
      const message = error instanceof Error ? error.message : String(error);
      return fallback(task, 'error', `optimizer "${task.algorithm}" failed: ${message.slice(0, 300)}`);
    }
  }

  /**
   * Estimates parameter importance on the insights thread, within `timeoutMs` of starting (throws
   * `TimeoutError` past it, `LaneBusyError` after waiting {@link INSIGHTS_WAIT_MS} for `owner`'s turn).
   * `prepare` reads the task (the trials) once it is `owner`'s turn, so one estimate's trials are held
   * at a time, however many wait.
   */
  importance(prepare: () => Promise<ImportanceTask>, owner: string, timeoutMs = IMPORTANCE_TIMEOUT_MS): Promise<ParameterImportance[]> {
    return this.insight(async () => ({ kind: 'importance', task: await prepare() }), owner, timeoutMs);
  }

  /** Fits the GP and predicts a model landscape on the insights thread, prepared and bounded as {@link importance}. */
  landscape(prepare: () => Promise<LandscapeTask>, owner: string, timeoutMs = LANDSCAPE_TIMEOUT_MS): Promise<LandscapeOutcome> {
    return this.insight(async () => ({ kind: 'landscape', task: await prepare() }), owner, timeoutMs);
  }

  /** Runs an insight prepared in `owner`'s turn on the insights thread, timed from when it starts there. */
  private insight<T>(prepare: () => Promise<ComputeTask>, owner: string, timeoutMs: number): Promise<T> {
    return this.insightsLane.run(owner, async () => this.runNow<T>(await prepare(), timeoutMs), INSIGHTS_WAIT_MS);
  }

  /**
   * Extrapolates learning curves to `finalStep` on a worker thread (the suggestions' threads: it is part
   * of one, and waits for `owner`'s turn like one), within `timeoutMs` (throws `TimeoutError` past it,
   * `LaneBusyError` after waiting that long): one prediction or null per curve.
   */
  extrapolate(task: ExtrapolateTask, timeoutMs = this.suggestTimeoutMs, owner = ''): Promise<(CurvePrediction | null)[]> {
    return this.run<(CurvePrediction | null)[]>({ kind: 'extrapolate', task }, timeoutMs, owner);
  }

  /** Finds the Pareto front of `points` on the insights thread, bounded as {@link importance}. */
  front(points: readonly (readonly number[])[], owner: string, timeoutMs = FRONT_TIMEOUT_MS): Promise<number[]> {
    return this.run<number[]>({ kind: 'front', task: { points } }, timeoutMs, owner);
  }

  /** Stops the worker threads; a later task starts them again. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

/** Runs a suggestion in this thread (tests, scripts); no time bound. */
export function suggestInProcess(task: SuggestTask): SuggestResult {
  return runSuggestTask(task);
}
