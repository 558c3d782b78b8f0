/**
 * What a running command tells the agent about its trial on its output, besides the result: lines
 * `{"step": 3, "loss": 0.41, ...metrics}` (intermediate values, which the experiment's pruner may
 * answer with "stop") and `{"checkpoint": {...}}` (a record to resume from). They are sent one at a
 * time, in the order printed.
 */
import { readCheckpoint } from './trial-command.ts';

/** An intermediate value as a command prints it. */
export interface IntermediateReport {
  readonly step: number;
  readonly value: number;
  readonly metrics: Record<string, unknown>;
}

/** Reports waiting to be sent, at most; past it the oldest waiting is dropped (the latest steps matter most). */
export const MAX_WAITING_REPORTS = 1000;
/** Reports still sent once the command has ended (the latest ones): its result waits for them. */
export const REPORTS_AFTER_END = 20;

/**
 * The intermediate value on a line of output: a JSON object holding a whole `step` from 0 and a finite
 * number `loss` (other keys are metrics); null for any other line.
 */
export function readReport(line: string): IntermediateReport | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('"step"')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { step, loss, ...metrics } = parsed as Record<string, unknown>;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) return null;
  if (typeof loss !== 'number' || !Number.isFinite(loss)) return null;
  return { step, value: loss, metrics };
}

type Message = { readonly kind: 'report'; readonly report: IntermediateReport } | { readonly kind: 'checkpoint'; readonly record: Record<string, unknown> };

/**
 * How messages reach the server: `report` resolves with whether to stop, or null when it could not be
 * sent (failures are logged, not thrown).
 */
export interface TrialChannel {
  report(report: IntermediateReport): Promise<boolean | null>;
  checkpoint(record: Record<string, unknown>): Promise<void>;
}

/** Sends one trial's messages in order, one at a time; tells `onStop` once the pruner stops the trial. */
export class TrialMessages {
  private readonly waiting: Message[] = [];
  /** How many of `waiting` are reports. */
  private waitingReports = 0;
  private draining: Promise<void> = Promise.resolve();
  private busy = false;
  /** The step at which the pruner stopped the trial, or null. */
  prunedAt: number | null = null;

  constructor(
    private readonly channel: TrialChannel,
    private readonly onStop: (step: number) => void,
  ) {}

  /** Reads a line of the command's output; anything but a report or a checkpoint is ignored. */
  line(line: string): void {
    if (this.prunedAt !== null) return;
    const record = readCheckpoint(line);
    if (record) {
      // Only the latest checkpoint matters: one still waiting is replaced.
      const earlier = this.waiting.findIndex((m) => m.kind === 'checkpoint');
      if (earlier >= 0) this.waiting.splice(earlier, 1);
      this.enqueue({ kind: 'checkpoint', record });
      return;
    }
    const report = readReport(line);
    if (!report) return;
    if (this.waitingReports >= MAX_WAITING_REPORTS) {
      // The oldest report waiting is at the front, or just behind the one checkpoint that may wait.
      this.waiting.splice(this.waiting.findIndex((m) => m.kind === 'report'), 1);
      this.waitingReports--;
    }
    this.waitingReports++;
    this.enqueue({ kind: 'report', report });
  }

  /**
   * The command has ended: its result should not wait behind a backlog of curve points, so only the
   * latest {@link REPORTS_AFTER_END} reports still waiting are sent, and none after one fails to go.
   * Checkpoints still go.
   */
  ended(): void {
    this.ending = true;
    let keep = REPORTS_AFTER_END;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.kind !== 'report') continue;
      if (keep > 0) keep--;
      else this.waiting.splice(i, 1);
    }
    this.waitingReports = Math.min(this.waitingReports, REPORTS_AFTER_END);
  }

  private ending = false;

  private dropReports(): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i]!.kind === 'report') this.waiting.splice(i, 1);
    this.waitingReports = 0;
  }

  /** Resolves once everything read so far was sent (or dropped after a stop). */
  settled(): Promise<void> {
    return this.draining;
  }

  private enqueue(message: Message): void {
    this.waiting.push(message);
    if (this.busy) return;
    this.busy = true;
    this.draining = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (let message = this.waiting.shift(); message !== undefined && this.prunedAt === null; message = this.waiting.shift()) {
        if (message.kind === 'report') this.waitingReports--;
        if (message.kind === 'checkpoint') {
          await this.channel.checkpoint(message.record);
        } else {
          const stop = await this.channel.report(message.report);
          if (stop) {
            this.prunedAt = message.report.step;
            this.waiting.length = 0;
            this.waitingReports = 0;
            this.onStop(message.report.step);
          } else if (stop === null && this.ending) {
            this.dropReports();
          }
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
