/** A task waited longer than its bound for a free slot, or too many were waiting already. */
export class LaneBusyError extends Error {
  override readonly name = 'LaneBusyError';
}

interface Waiter {
  readonly start: () => void;
  readonly refuse: (error: LaneBusyError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs tasks `capacity` at a time, owners taking turns: each owner's tasks wait in their own line, and
 * a free slot goes to the next owner in rotation, so one user's stream of heavy suggestions delays
 * another user's by at most one task per owner ahead of it, never by the whole stream. A task's own
 * time bound starts when it starts (its caller starts the clock in `task`), not while it waits; the
 * wait has a bound of its own, and so has the number of waiting tasks.
 */
export class FairLane {
  private running = 0;
  private waiting = 0;
  /** Owners with tasks waiting; each owner's tasks oldest first. */
  private readonly lines = new Map<string, Waiter[]>();
  /** When each owner with tasks running or waiting last started one (a counter), and how many run. */
  private readonly owners = new Map<string, { lastStart: number; running: number }>();
  private starts = 0;

  constructor(
    readonly capacity: number,
    readonly maxWaiting: number,
    /** The most one owner may have waiting: one user cannot take every waiting place from the others. */
    readonly maxWaitingPerOwner: number = Math.max(1, Math.floor(maxWaiting / 4)),
  ) {}

  /**
   * `task()`'s result once a slot is free and it is `owner`'s turn; rejects with {@link LaneBusyError}
   * when it waited `maxWaitMs` without starting, or when {@link maxWaiting} tasks wait already.
   */
  run<T>(owner: string, task: () => Promise<T>, maxWaitMs: number): Promise<T> {
    if (this.running < this.capacity && this.waiting === 0) return this.start(owner, task);
    if (this.waiting >= this.maxWaiting) return Promise.reject(new LaneBusyError(`${this.waiting} tasks are waiting for a thread already`));
    if ((this.lines.get(owner)?.length ?? 0) >= this.maxWaitingPerOwner) {
      return Promise.reject(new LaneBusyError(`${this.maxWaitingPerOwner} of this user's tasks are waiting for a thread already`));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => void this.start(owner, task).then(resolve, reject),
        refuse: reject,
        timer: undefined,
      };
      waiter.timer = setTimeout(() => this.giveUp(owner, waiter, maxWaitMs), maxWaitMs);
      const line = this.lines.get(owner);
      if (line) line.push(waiter);
      else this.lines.set(owner, [waiter]);
      if (!this.owners.has(owner)) this.owners.set(owner, { lastStart: -1, running: 0 });
      this.waiting++;
    });
  }

  private start<T>(owner: string, task: () => Promise<T>): Promise<T> {
    this.running++;
    const use = this.owners.get(owner) ?? { lastStart: -1, running: 0 };
    use.lastStart = this.starts++;
    use.running++;
    this.owners.set(owner, use);
    let started: Promise<T>;
    try {
      started = task();
    } catch (error) {
      started = Promise.reject(error);
    }
    return started.finally(() => {
      this.running--;
      use.running--;
      if (use.running === 0 && !this.lines.has(owner)) this.owners.delete(owner);
      this.next();
    });
  }

  /** Starts the oldest task of the waiting owner who started one least recently (tasks started at once count too). */
  private next(): void {
    while (this.running < this.capacity) {
      let owner: string | null = null;
      let oldest = Infinity;
      for (const waiting of this.lines.keys()) {
        const last = this.owners.get(waiting)?.lastStart ?? -1;
        if (last < oldest) {
          oldest = last;
          owner = waiting;
        }
      }
      if (owner === null) return;
      const line = this.lines.get(owner)!;
      const waiter = line.shift()!;
      if (line.length === 0) this.lines.delete(owner);
      this.waiting--;
      clearTimeout(waiter.timer);
      waiter.start();
    }
  }

  private giveUp(owner: string, waiter: Waiter, maxWaitMs: number): void {
    const line = this.lines.get(owner);
    const at = line?.indexOf(waiter) ?? -1;
    if (!line || at < 0) return;
    line.splice(at, 1);
    if (line.length === 0) {
      this.lines.delete(owner);
      if (this.owners.get(owner)?.running === 0) this.owners.delete(owner);
    }
    this.waiting--;
    waiter.refuse(new LaneBusyError(`no thread was free for ${maxWaitMs} ms`));
  }
}
