import { userError } from '../errors.ts';

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

  /**
   * Gives the whole limit back: a subscription keeps one context for its life, and each event it
   * delivers is an operation of its own (call it as an event starts; events are resolved one at a time).
   */
  refill(): void {
    this.remaining = this.limit;
  }

  /** Takes `bytes` for `what`, or refuses the operation with QUERY_TOO_COMPLEX. */
  charge(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw userError(
        'QUERY_TOO_COMPLEX',
        `${what}: this operation would load more than ${Math.round(this.limit / (1024 * 1024))} MiB of stored data (all its fields and aliases together); ask for less at a time`,
      );
    }
    this.remaining -= bytes;
  }
}
