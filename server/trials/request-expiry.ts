import type { Database, Db } from '../runtime/database.ts';

/**
 * How long the answer to an `enqueue` or `importTrials` call that carried a request id is kept, so a
 * resend gets it instead of queuing or storing again (and the id of the `resume: false` call that
 * started a version, so its resend does not archive it). Clients resend within minutes (their retries stop
 * after 2 minutes); after this the id may be used again as a new call.
 */
export const REQUEST_ID_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long after the start the first sweep runs, and how often the next ones do. */
const FIRST_SWEEP_MS = 60_000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** Deletes the enqueue and import request ids older than {@link REQUEST_ID_DAYS}; returns how many went. */
export async function forgetOldRequests(db: Db, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - REQUEST_ID_DAYS * DAY_MS);
  const [enqueued, imported] = await Promise.all([
    db.enqueueRequest.deleteMany({ where: { createdAt: { lt: before } } }),
    db.importRequest.deleteMany({ where: { createdAt: { lt: before } } }),
  ]);
  return enqueued.count + imported.count;
}

/**
 * Whether a request id recorded at `recordedAt` still stands for its call: for {@link REQUEST_ID_DAYS}.
 * Used where the id is kept on a row that stays (the id of the `resume: false` call that started an
 * experiment version), so that nothing is written to forget it.
 */
export function requestIdKept(recordedAt: Date, now: Date = new Date()): boolean {
  return now.getTime() - recordedAt.getTime() < REQUEST_ID_DAYS * DAY_MS;
}

/** Forgets old request ids a minute after the start, then every `intervalMs` (10 minutes); returns a stop function. */
export function startRequestSweeper(database: Database, intervalMs = SWEEP_EVERY_MS): () => void {
  let timer: NodeJS.Timeout;
  let stopped = false;
  const sweep = (): void => {
    forgetOldRequests(database.db)
      .catch((error: unknown) => console.error('request id sweep failed:', error))
      .finally(() => schedule(intervalMs));
  };
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(sweep, ms);
    timer.unref();
  };
  schedule(Math.min(FIRST_SWEEP_MS, intervalMs));
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
