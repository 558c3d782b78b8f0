import { OPERATION_BYTES } from '../http/operation-budget.ts';
import { TokenBucket } from '../http/token-bucket.ts';

/**
 * Bytes of stored data one user's subscription events may load per second, all their subscriptions
 * on this process together, on top of a burst of one whole operation ({@link OPERATION_BYTES}). Each
 * event is an operation of its own, but events are not requests the user sends: without this, a
 * user's 200 subscriptions selecting a long curve would each read it again on every heartbeat.
 */
export const EVENT_BYTES_PER_SECOND = 16 * 1024 * 1024;

/** Users whose allowance is remembered; past it, full allowances (nothing spent lately) are forgotten. */
const MAX_REMEMBERED = 10_000;

/** Each user's allowance of bytes (a {@link TokenBucket}) for subscription events, on this process. */
export class EventAllowances {
  private readonly users = new Map<string, TokenBucket>();

  constructor(
    private readonly capacity = OPERATION_BYTES,
    private readonly perSecond = EVENT_BYTES_PER_SECOND,
  ) {}

  /** `userId`'s allowance. */
  of(userId: string): TokenBucket {
    let allowance = this.users.get(userId);
    if (allowance === undefined) {
      if (this.users.size >= MAX_REMEMBERED) {
        for (const [user, kept] of this.users) if (kept.full) this.users.delete(user);
      }
      allowance = new TokenBucket(this.capacity, this.perSecond);
      this.users.set(userId, allowance);
    }
    return allowance;
  }
}
