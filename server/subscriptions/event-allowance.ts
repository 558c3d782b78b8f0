import { OPERATION_BYTES } from '../http/operation-budget.ts';

/**
 * Bytes of stored data one user's subscription events may load per second, all their subscriptions
 * on this process together, on top of a burst of one whole operation ({@link OPERATION_BYTES}). Each
 * event is an operation of its own, but events are not requests the user sends: without this, a
 * user's 200 subscriptions selecting a long curve would each read it again on every heartbeat.
 */
export const EVENT_BYTES_PER_SECOND = 16 * 1024 * 1024;

/** Users whose allowance is remembered; past it, full allowances (nothing spent lately) are forgotten. */
const MAX_REMEMBERED = 10_000;

/** One user's allowance: a token bucket of bytes. */
export class ByteAllowance {
  private left: number;
  private at: number;

  constructor(
    readonly capacity = OPERATION_BYTES,
    readonly perSecond = EVENT_BYTES_PER_SECOND,
    /** The clock, in milliseconds (tests set their own). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.left = capacity;
    this.at = now();
  }

  private refresh(): void {
    const now = this.now();
    this.left = Math.min(this.capacity, this.left + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }

  /** Takes `bytes` and answers null, or takes nothing and answers how many ms until they are there. */
  take(bytes: number): number | null {
    this.refresh();
    if (bytes <= this.left) {
      this.left -= bytes;
      return null;
    }
    return Math.ceil(((Math.min(bytes, this.capacity) - this.left) / this.perSecond) * 1000);
  }

  /** Whether nothing is spent: forgetting it changes nothing. */
  get full(): boolean {
    this.refresh();
    return this.left >= this.capacity;
  }
}

/** Each user's {@link ByteAllowance} for subscription events, on this process. */
export class EventAllowances {
  private readonly users = new Map<string, ByteAllowance>();

  constructor(
    private readonly capacity = OPERATION_BYTES,
    private readonly perSecond = EVENT_BYTES_PER_SECOND,
  ) {}

  /** `userId`'s allowance. */
  of(userId: string): ByteAllowance {
    let allowance = this.users.get(userId);
    if (allowance === undefined) {
      if (this.users.size >= MAX_REMEMBERED) {
        for (const [user, kept] of this.users) if (kept.full) this.users.delete(user);
      }
      allowance = new ByteAllowance(this.capacity, this.perSecond);
      this.users.set(userId, allowance);
    }
    return allowance;
  }
}
