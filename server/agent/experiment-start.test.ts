import { describe, expect, it } from 'vitest';
import { ExperimentStart, type ExperimentInput } from './experiment-start.ts';

/** A server whose answers wait until the test lets them go, recording the `resume` each suggest sent. */
function gatedServer() {
  const sent: unknown[] = [];
  const answers: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    sent,
    answers,
    send: (experiment: ExperimentInput) => {
      sent.push(experiment.resume);
      return new Promise<void>((resolve, reject) => answers.push({ resolve, reject }));
    },
  };
}

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('starting an experiment afresh', () => {
  it('sends "resume": false with the first suggest only; suggests made meanwhile wait for it, then continue', async () => {
    const server = gatedServer();
    const start = new ExperimentStart({ name: 'E', parameters: {}, resume: false });
    const suggests = [1, 2, 3].map(() => start.suggest(server.send));
    await until(() => server.sent.length === 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.sent).toEqual([false]); // the others wait
    server.answers[0]!.resolve();
    await until(() => server.sent.length === 3);
    server.answers.slice(1).forEach((answer) => answer.resolve());
    await Promise.all(suggests);
    await start.suggest(async (experiment) => void server.sent.push(experiment.resume));
    expect(server.sent).toEqual([false, true, true, true]);
  });

  it('fails the waiting and later suggests with the first one\'s error, never restarting twice', async () => {
    const server = gatedServer();
    const start = new ExperimentStart({ name: 'E', parameters: {}, resume: false });
    const first = start.suggest(server.send);
    const second = start.suggest(server.send);
    await until(() => server.sent.length === 1);
    server.answers[0]!.reject(new Error('unreachable'));
    await expect(first).rejects.toThrow('unreachable');
    await expect(second).rejects.toThrow('unreachable');
    await expect(start.suggest(server.send)).rejects.toThrow('unreachable');
    expect(server.sent).toEqual([false]);
  });

  it('leaves a spec that resumes as it is', async () => {
    const spec = { name: 'E', parameters: {} };
    const seen: ExperimentInput[] = [];
    const start = new ExperimentStart(spec);
    await Promise.all([1, 2].map(() => start.suggest(async (experiment) => void seen.push(experiment))));
    expect(seen).toEqual([spec, spec]);
  });
});
