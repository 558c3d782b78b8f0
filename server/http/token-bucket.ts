/**
 * A token bucket: up to `capacity` at once, refilled at `perSecond` (a connection's messages, a user's
 * bytes of subscription events).
 */
export class TokenBucket {
  private left: number;
  private at: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
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

  /** Takes `amount` and answers null, or takes nothing and answers how many ms until it is there. */
  take(amount: number): number | null {
    this.refresh();
    if (amount <= this.left) {
      this.left -= amount;
      return null;
    }
    return Math.ceil(((Math.min(amount, this.capacity) - this.left) / this.perSecond) * 1000);
  }

  /** Whether nothing is spent: forgetting it changes nothing. */
  get full(): boolean {
    this.refresh();
    return this.left >= this.capacity;
  }
}
