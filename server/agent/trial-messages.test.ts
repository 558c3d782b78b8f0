import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS_SHOWN, MAX_WAITING_REPORTS, readReport, readStepLine, REPORTS_AFTER_END, TrialMessages, type IntermediateReport, type ReportAnswer } from './trial-messages.ts';

describe('intermediate values on a command\'s output', () => {
  it.each([
    ['{"step": 3, "loss": 0.41}', { step: 3, value: 0.41, metrics: {} }],
    ['{"step": 1000000000, "loss": 1}', { step: 1_000_000_000, value: 1, metrics: {} }],
    ['  {"step": 0, "loss": -2, "acc": 0.9}', { step: 0, value: -2, metrics: { acc: 0.9 } }],
  ])('%j is a report', (line, report) => {
    expect(readReport(line)).toEqual(report);
  });

  it.each(['{"loss": 1}', '{"step": -1, "loss": 1}', '{"step": 1.5, "loss": 1}', '{"step": 1, "loss": "1"}', '{"step": 1, "loss": NaN}', '{"step": 1}', 'step 1', '[{"step": 1, "loss": 1}]'])(
    '%j is not',
    (line) => {
      expect(readReport(line)).toBeNull();
    },
  );
});

describe('step lines that cannot be sent', () => {
  it.each([
    ['{"step": -1, "loss": 1}', '"step" must be a whole number from 0 to 1000000000, got -1'],
    ['{"step": 1.5, "loss": 1}', '"step" must be a whole number from 0 to 1000000000, got 1.5'],
    ['{"step": "3", "loss": 1}', '"step" must be a whole number from 0 to 1000000000, got "3"'],
    ['{"step": 99999999999, "loss": 1}', '"step" must be a whole number from 0 to 1000000000, got 99999999999'],
    ['{"step": 1000000001, "loss": 1}', '"step" must be a whole number from 0 to 1000000000, got 1000000001'], // the server's limit

    ['{"step": 2, "loss": "abc"}', '"loss" must be a finite number, got "abc"'],
    ['{"step": 1, "loss": 1e400}', '"loss" must be a finite number, got Infinity'],
    ['{"step": 2}', 'no "loss" next to "step"'],
    ['{"step": 3, "loss": NaN}', 'not valid JSON (NaN and Infinity are not JSON numbers)'],
    ['{"step": 3, "loss": 0.4', 'not valid JSON'],
    // Escapes in the JSON, so the value holds CSI, a bidi override and ESC: none reaches the terminal raw.
    ['{"step": 3, "loss": "\\u009b31m\\u202ered\\u001b[0m"}', '"loss" must be a finite number, got "\\u009b31m\\u202ered\\u001b[0m"'],
  ])('%j says why', (line, problem) => {
    expect(readStepLine(line)).toEqual({ problem });
  });

  it.each(['training...', '{"epoch": 1, "note": "no step here"}', '{"metrics": {"step": 1}}'])('%j is ordinary output', (line) => {
    expect(readStepLine(line)).toBeNull();
  });

  it(`describes the first ${MAX_PROBLEMS_SHOWN} of a trial, then says once that the rest go unsaid, and sends the good ones`, async () => {
    const exactly: string[] = [];
    const few = new TrialMessages({ report: async () => 'continue', checkpoint: async () => {} }, () => {}, (problem) => exactly.push(problem));
    for (let i = 0; i < MAX_PROBLEMS_SHOWN; i++) few.line('{"step": -1, "loss": 1}');
    expect(exactly).toHaveLength(MAX_PROBLEMS_SHOWN); // no "the rest" notice without a rest
    const problems: string[] = [];
    const sent: number[] = [];
    const messages = new TrialMessages(
      { report: async (report) => (sent.push(report.step), 'continue'), checkpoint: async () => {} },
      () => {},
      (problem) => problems.push(problem),
    );
    for (let i = 0; i < 20; i++) messages.line(`{"step": -${i + 1}, "loss": 1}`);
    messages.line('{"step": 4, "loss": 0.5}');
    await messages.settled();
    expect(problems).toHaveLength(MAX_PROBLEMS_SHOWN + 1);
    expect(problems[0]).toBe('a step line was not sent: "step" must be a whole number from 0 to 1000000000, got -1');
    expect(problems.at(-1)).toBe('more step lines were not sent; the rest are not described');
    expect(sent).toEqual([4]);
  });
});

/** A channel whose calls wait until the test lets them go, recording what was sent. */
function gatedChannel(stopAt: number | null = null) {
  const sent: string[] = [];
  const gates: (() => void)[] = [];
  const wait = () => new Promise<void>((resolve) => gates.push(resolve));
  return {
    sent,
    release: () => gates.splice(0).forEach((open) => open()),
    pending: () => gates.length,
    channel: {
      report: async (report: IntermediateReport) => {
        sent.push(`report ${report.step}`);
        await wait();
        return report.step === stopAt ? 'stop' : 'continue';
      },
      checkpoint: async (record: Record<string, unknown>) => {
        sent.push(`checkpoint ${JSON.stringify(record)}`);
        await wait();
      },
    },
  };
}

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('sending a trial\'s messages', () => {
  it('sends them one at a time, in order, keeping only the latest checkpoint still waiting', async () => {
    const gate = gatedChannel();
    const messages = new TrialMessages(gate.channel, () => {});
    messages.line('{"step": 0, "loss": 1}');
    for (const line of ['{"checkpoint": {"epoch": 0}}', '{"step": 1, "loss": 1}', '{"checkpoint": {"epoch": 1}}', 'epoch 1 done']) messages.line(line);
    await until(() => gate.pending() === 1);
    expect(gate.sent).toEqual(['report 0']); // one at a time
    while (gate.sent.length < 3 || gate.pending() > 0) {
      gate.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await messages.settled();
    expect(gate.sent).toEqual(['report 0', 'report 1', 'checkpoint {"epoch":1}']);
  });

  it('stops at the first report the pruner answers with "stop", and drops what waits after it', async () => {
    const gate = gatedChannel(1);
    const stops: number[] = [];
    const messages = new TrialMessages(gate.channel, (step) => stops.push(step));
    for (let step = 0; step < 4; step++) messages.line(JSON.stringify({ step, loss: 1 }));
    while (messages.prunedAt === null) {
      gate.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await messages.settled();
    messages.line('{"step": 9, "loss": 1}');
    expect(gate.sent).toEqual(['report 0', 'report 1']);
    expect(stops).toEqual([1]);
    expect(messages.prunedAt).toBe(1);
  });

  it(`keeps at most ${MAX_WAITING_REPORTS} reports waiting, dropping the oldest`, async () => {
    const gate = gatedChannel();
    const messages = new TrialMessages(gate.channel, () => {});
    for (let step = 0; step <= MAX_WAITING_REPORTS + 5; step++) messages.line(JSON.stringify({ step, loss: 1 }));
    while (gate.pending() > 0) {
      gate.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await messages.settled();
    // Step 0 went out at once; of the rest, the oldest five were dropped.
    expect(gate.sent).toHaveLength(1 + MAX_WAITING_REPORTS);
    expect(gate.sent.slice(0, 2)).toEqual(['report 0', 'report 6']);
    expect(gate.sent.at(-1)).toBe(`report ${MAX_WAITING_REPORTS + 5}`);
  });

  it(`sends only the latest ${REPORTS_AFTER_END} of the reports still waiting once the command has ended, and its checkpoint`, async () => {
    const gate = gatedChannel();
    const messages = new TrialMessages(gate.channel, () => {});
    for (let step = 0; step < 30; step++) messages.line(JSON.stringify({ step, loss: 1 }));
    messages.line('{"checkpoint": {"epoch": 29}}');
    messages.ended();
    while (gate.pending() > 0 || gate.sent.length < 1 + REPORTS_AFTER_END + 1) {
      gate.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await messages.settled();
    // Step 0 was on its way; of steps 1-29, the latest 20 (10-29) go, then the checkpoint.
    expect(gate.sent).toEqual(['report 0', ...Array.from({ length: 20 }, (_, i) => `report ${i + 10}`), 'checkpoint {"epoch":29}']);
  });

  it('drops the reports still waiting after the end once one could not be sent', async () => {
    const sent: number[] = [];
    const messages = new TrialMessages(
      {
        report: async ({ step }) => {
          sent.push(step);
          return 'unsent'; // the server cannot be reached
        },
        checkpoint: async () => {},
      },
      () => {},
    );
    for (let step = 0; step < 5; step++) messages.line(JSON.stringify({ step, loss: 1 }));
    messages.ended();
    await messages.settled();
    expect(sent.length).toBeLessThanOrEqual(2); // the one on its way, and the first after the end
  });

  it('skips a report the server refuses after the end, and still sends the lines after it', async () => {
    const sent: number[] = [];
    const checkpoints: unknown[] = [];
    const messages = new TrialMessages(
      {
        report: async ({ step }): Promise<ReportAnswer> => {
          sent.push(step);
          return step === 2 ? 'refused' : 'continue'; // too many metrics for the server, say
        },
        checkpoint: async (record) => void checkpoints.push(record),
      },
      () => {},
    );
    for (const line of ['{"step": 1, "loss": 1}', '{"step": 2, "loss": 1}', '{"step": 3, "loss": 1}', '{"checkpoint": {"epoch": 3}}', '{"step": 4, "loss": 1}']) messages.line(line);
    messages.ended();
    await messages.settled();
    expect(sent).toEqual([1, 2, 3, 4]);
    expect(checkpoints).toEqual([{ epoch: 3 }]);
    expect(messages.prunedAt).toBeNull();
  });

  it("does not send a step past the server's limit, and sends the steps after it", async () => {
    const sent: number[] = [];
    const problems: string[] = [];
    const messages = new TrialMessages(
      // As the server answers: a step above 1,000,000,000 is refused.
      { report: async ({ step }) => (sent.push(step), step > 1_000_000_000 ? 'refused' : 'continue'), checkpoint: async () => {} },
      () => {},
      (problem) => problems.push(problem),
    );
    for (const line of ['{"step": 1, "loss": 1}', '{"step": 1500000000, "loss": 1}', '{"step": 2, "loss": 1}']) messages.line(line);
    messages.ended();
    await messages.settled();
    expect(sent).toEqual([1, 2]);
    expect(problems).toEqual(['a step line was not sent: "step" must be a whole number from 0 to 1000000000, got 1500000000']);
  });
});
