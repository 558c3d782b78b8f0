import { userError } from '../errors.ts';

/** What a subscription's events draw on besides their own limit: their user's allowance (see server/subscriptions/event-allowance.ts). */
export interface SharedAllowance {
  /** Takes `bytes` and answers null, or takes nothing and answers how many ms until they are there. */
  take(bytes: number): number | null;
}

/**
 * Bytes of stored data (parameters, metrics, errors, experiment specs, and a little per row) one
 * operation may load, all its fields and aliases together: a 10,000-trial table of 100 parameters
 * fits; fifteen aliases of every experiment's trials do not.
 */
export const OPERATION_BYTES = 64 * 1024 * 1024;

/**
 * What an operation may still load. Fields that load rows charge their stored size, measured by the
 * database before the rows are read, so no query shape (lists of lists, aliases, defaults) makes the
 * server hold more than {@link OPERATION_BYTES} for one operation.
 */
export class OperationBudget {
  private remaining: number;

  constructor(readonly limit = OPERATION_BYTES) {
    this.remaining = limit;
  }

  /** Set for a subscription's events: every charge also takes from it. */
  private shared: SharedAllowance | null = null;

  /**
   * Gives the whole limit back: a subscription keeps one context for its life, and each event it
   * delivers is an operation of its own (call it as an event starts; events are resolved one at a time).
   * Its charges also take from `shared`, the user's allowance for all their events, and are refused
   * with RATE_LIMITED when that is spent.
   */
  refill(shared: SharedAllowance): void {
    this.remaining = this.limit;
    this.measured.clear();
    this.shared = shared;
  }

  /** Row sizes measured in this operation, by key: a row met many times (a trial's experiment) is measured once. */
  private readonly measured = new Map<string, Promise<number>>();

  /**
   * Takes for `what` the size of a row that many fields may load (each trial's `experiment`), measured
   * once per operation under `key` by `measure`: every time it is loaded it is charged, as each copy is
   * sent, but the database is asked its size only once.
   */
  async chargeRow(key: string, measure: () => Promise<number>, what: string): Promise<void> {
    let bytes = this.measured.get(key);
    if (bytes === undefined) {
      bytes = measure();
      this.measured.set(key, bytes);
    }
    this.charge(await bytes, what);
  }

  /** Takes `bytes` for `what`, or refuses the operation with QUERY_TOO_COMPLEX. */
  charge(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw userError(
        'QUERY_TOO_COMPLEX',
        `${what}: this operation would load more than ${Math.round(this.limit / (1024 * 1024))} MiB of stored data (all its fields and aliases together); ask for less at a time`,
      );
    }
    const waitMs = this.shared?.take(bytes) ?? null;
    if (waitMs !== null) {
      const seconds = Math.ceil(waitMs / 1000);
      const refusal = userError(
        'RATE_LIMITED',
        `${what}: this user's subscription events have loaded all the stored data they may for now; this event leaves it out (enough again in ${seconds} s): select less in subscriptions, and read large fields with a query when needed`,
      );
      Object.assign(refusal.extensions, { retryAfter: seconds });
      throw refusal;
    }
    this.remaining -= bytes;
  }
}
