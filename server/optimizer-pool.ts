import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { runSuggestTask, type SuggestTask } from './optimizer/task.ts';
import { quasiRandomSuggestions } from './optimizer/qmc.ts';
import type { SuggestResult } from './optimizer/types.ts';

/** Default time bound of one suggestion, in milliseconds (OSCAR_SUGGEST_TIMEOUT_MS overrides it). */
export const DEFAULT_SUGGEST_TIMEOUT_MS = 5_000;

/** A suggestion and, if the chosen optimizer's answer was not used, why. */
export interface PooledResult extends SuggestResult {
  /** Null when the optimizer answered in time; else why the quasi-random fallback answered. */
  readonly fallbackReason: string | null;
}

let pool: Piscina | null = null;

function getPool(): Piscina {
  pool ??= new Piscina({
    filename: new URL('./optimizer-worker.mjs', import.meta.url).href,
    // Leave a core for the event loop and the database; at least one worker.
    maxThreads: Math.max(1, availableParallelism() - 1),
    minThreads: 1,
    idleTimeout: 60_000,
  });
  return pool;
}

/** The time bound from OSCAR_SUGGEST_TIMEOUT_MS, else the default. */
export function suggestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.OSCAR_SUGGEST_TIMEOUT_MS;
  const value = raw === undefined || raw === '' ? DEFAULT_SUGGEST_TIMEOUT_MS : Number(raw);
  if (!(value > 0)) throw new Error(`OSCAR_SUGGEST_TIMEOUT_MS must be a positive number of milliseconds, but got "${raw}"`);
  return value;
}

function fallback(task: SuggestTask, reason: string): PooledResult {
  const suggestions = quasiRandomSuggestions(task, task.count ?? 1);
  return { suggestions, state: task.state, fallbackReason: reason };
}

/**
 * Runs a suggestion on a worker thread, so a slow optimizer never blocks the
 * event loop. If it takes longer than `timeoutMs`, the worker is stopped and
 * the experiment's quasi-random sequence answers instead; likewise if the
 * optimizer fails. Either way `fallbackReason` says so.
 */
export async function suggestOffThread(task: SuggestTask, timeoutMs = suggestTimeoutMs()): Promise<PooledResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const result = (await getPool().run(task, { signal: controller.signal })) as SuggestResult;
    return { ...result, fallbackReason: null };
  } catch (error) {
    if (controller.signal.aborted) return fallback(task, `timeout: optimizer "${task.algorithm}" took longer than ${timeoutMs} ms`);
    const message = error instanceof Error ? error.message : String(error);
    return fallback(task, `error: optimizer "${task.algorithm}" failed: ${message.slice(0, 300)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a suggestion in this thread (tests, scripts); no time bound. */
export function suggestInProcess(task: SuggestTask): SuggestResult {
  return runSuggestTask(task);
}

/** Stops the worker threads (tests and shutdown); a later suggestion starts them again. */
export async function closeOptimizerPool(): Promise<void> {
  const current = pool;
  pool = null;
  await current?.destroy();
}
