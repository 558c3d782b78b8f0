/**
 * An async iterator fed by callbacks (a subscription's sink): values wait in order until read;
 * `return()` (a `break` out of `for await`) ends it at once, also while a `next()` is waiting.
 */
export class Feed<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }[] = [];
  private failure: { readonly error: unknown } | null = null;
  private ended = false;

  /** @param onEnd called once, when the consumer stops (return) or the feed ends by itself. */
  constructor(private readonly onEnd: () => void) {}

  /** Delivers a value. */
  push(value: T): void {
    if (this.ended) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve({ value, done: false });
    else this.buffer.push(value);
  }

  /** Ends the feed with an error, thrown by the next `next()` once the values before it are read. */
  fail(error: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = { error };
    if (this.buffer.length === 0) this.flush();
  }

  /** Ends the feed; the values before the end are still read. */
  end(): void {
    if (this.ended || this.failure) return;
    this.failure = { error: undefined };
    if (this.buffer.length === 0) this.flush();
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.buffer.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.failure && !this.ended) {
      const { error } = this.failure;
      this.finish();
      if (error !== undefined) return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private flush(): void {
    const error = this.failure?.error;
    const waiters = this.waiting.splice(0);
    this.finish();
    for (const waiter of waiters) {
      if (error !== undefined) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
    this.onEnd();
  }
}
