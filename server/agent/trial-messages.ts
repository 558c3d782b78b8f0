/**
 * What a running command tells the agent about its trial on its output, besides the result: lines
 * `{"step": 3, "loss": 0.41, ...metrics}` (intermediate values, which the experiment's pruner may
 * answer with "stop") and `{"checkpoint": {...}}` (a record to resume from). They are sent one at a
 * time, in the order printed.
 */
import { MAX_REPORT_STEP } from '../trials/trial-result.ts';
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

/** How many ignored step lines of one trial are described on the agent's output; then one notice. */
export const MAX_PROBLEMS_SHOWN = 5;

/**
 * A line of output that is a JSON object with a `step` key: a report, or why it cannot be one. Null for
 * any other line (ordinary output).
 */
export type StepLine = { readonly report: IntermediateReport } | { readonly problem: string };

/**
 * Reads a line of output: a JSON object holding a whole `step` from 0 to {@link MAX_REPORT_STEP} and a finite
 * number `loss` (other keys are metrics) is a report; a line that starts with `{` and names `"step"` but
 * is not one (bad JSON, a negative, fractional or string step, a missing or non-finite loss) is a
 * problem, so the user learns why it was not sent; null for any other line.
 */
export function readStepLine(line: string): StepLine | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('"step"')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { problem: /\b(NaN|-?Infinity)\b/.test(trimmed) ? 'not valid JSON (NaN and Infinity are not JSON numbers)' : 'not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.hasOwn(parsed, 'step')) return null;
  const { step, loss, ...metrics } = parsed as Record<string, unknown>;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > MAX_REPORT_STEP) {
    return { problem: `"step" must be a whole number from 0 to ${MAX_REPORT_STEP}, got ${describe(step)}` };
  }
  if (typeof loss !== 'number' || !Number.isFinite(loss)) {
    return { problem: loss === undefined ? 'no "loss" next to "step"' : `"loss" must be a finite number, got ${describe(loss)}` };
  }
  return { report: { step, value: loss, metrics } };
}

/**
 * A value as a problem names it, to be written to a terminal: a number as JavaScript writes it
 * (Infinity for 1e400), else JSON with every character outside printable ASCII escaped (C1 controls
 * and bidi overrides too, which JSON leaves as they are), cut to 40 characters.
 */
function describe(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  const cut = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The intermediate value on a line of output ({@link readStepLine}), or null. */
export function readReport(line: string): IntermediateReport | null {
  const read = readStepLine(line);
  return read !== null && 'report' in read ? read.report : null;
}

type Message = { readonly kind: 'report'; readonly report: IntermediateReport } | { readonly kind: 'checkpoint'; readonly record: Record<string, unknown> };

/**
 * The server's answer to a report: go on, or stop (the pruner stopped the trial, or another worker took
 * it); `refused` when the server refused that report (the lines after it still go); `unsent` when the
 * server could not be reached.
 */
export type ReportAnswer = 'continue' | 'stop' | 'refused' | 'unsent';

/** How messages reach the server (failures are logged, not thrown). */
export interface TrialChannel {
  report(report: IntermediateReport): Promise<ReportAnswer>;
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

  /** How many ignored step lines were described so far. */
  private problems = 0;

  /**
   * `onProblem` hears why a step line was not sent: the first {@link MAX_PROBLEMS_SHOWN} of them, then,
   * at the next, once that the rest go unsaid.
   */
  constructor(
    private readonly channel: TrialChannel,
    private readonly onStop: (step: number) => void,
    private readonly onProblem: (message: string) => void = () => {},
  ) {}

  /** Reads a line of the command's output; anything but a report or a checkpoint is ignored (a malformed report with a word why). */
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
    const read = readStepLine(line);
    if (read === null) return;
    if ('problem' in read) {
      this.problems++;
      if (this.problems <= MAX_PROBLEMS_SHOWN) this.onProblem(`a step line was not sent: ${read.problem}`);
      else if (this.problems === MAX_PROBLEMS_SHOWN + 1) this.onProblem('more step lines were not sent; the rest are not described');
      return;
    }
    const { report } = read;
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
   * latest {@link REPORTS_AFTER_END} reports still waiting are sent, and none after one fails to reach
   * the server (one the server refuses is skipped). Checkpoints still go.
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
          const answer = await this.channel.report(message.report);
          if (answer === 'stop') {
            this.prunedAt = message.report.step;
            this.waiting.length = 0;
            this.waitingReports = 0;
            this.onStop(message.report.step);
          } else if (answer === 'unsent' && this.ending) {
            this.dropReports();
          }
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
