import { unref } from './environment.js';

/** Trial states in which the server still expects heartbeats. */
const OPEN_STATES: ReadonlySet<string> = new Set(['RUNNING', 'STALE']);

/** Sends one heartbeat; resolves with the trial's state, or rejects (an OscarError). */
export type Beat = (trialId: string, interval: number) => Promise<string>;

/**
 * Renews the leases of a client's open jobs: one timer per job, each heartbeat sent a full interval
 * after the previous one ended. The timers do not keep a Node process alive.
 */
export class Heartbeats {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly beat: Beat,
    private readonly warn: (message: string) => void,
  ) {}

  /** Starts (or restarts) heartbeats for a trial, every `interval` milliseconds. */
  watch(trialId: string, interval: number): void {
    this.forget(trialId);
    const timer = setTimeout(() => void this.send(trialId, interval, timer), interval);
    unref(timer);
    this.timers.set(trialId, timer);
  }

  /** Stops a trial's heartbeats. */
  forget(trialId: string): void {
    const timer = this.timers.get(trialId);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(trialId);
  }

  /** Stops every heartbeat. */
  clear(): void {
    for (const trialId of [...this.timers.keys()]) this.forget(trialId);
  }

  /** The trials being kept alive. */
  get trialIds(): readonly string[] {
    return [...this.timers.keys()];
  }

  private async send(trialId: string, interval: number, timer: ReturnType<typeof setTimeout>): Promise<void> {
    let open = true;
    try {
      open = OPEN_STATES.has(await this.beat(trialId, interval));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'CLIENT_CLOSED') return;
      this.warn(`heartbeat for trial ${trialId} failed: ${(error as Error).message}`);
      // A trial that is gone (or not this user's) or finished will never take another.
      if (code === 'NOT_FOUND' || code === 'CONFLICT' || code === 'UNAUTHENTICATED') open = false;
    }
    // Forgotten (or watched anew) while this heartbeat was on its way: leave it be.
    if (this.timers.get(trialId) !== timer) return;
    if (open) this.watch(trialId, interval);
    else this.forget(trialId);
  }
}
