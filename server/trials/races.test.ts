import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Transaction } from '../runtime/database.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { BACKEND } from '../../tests/harness.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';
import { openExperiment } from '../experiments/experiments.ts';
import { parseExperimentInput } from '../experiments/experiment-input.ts';
import { importTrials } from './import.ts';
import { expireLeases } from './leases.ts';
import { enqueueParams } from './queue.ts';
import { reportValue } from './reports.ts';
import { SuggestQueue } from './suggest-queue.ts';
import { suggestTrial } from './trials.ts';

/** Writes that race other work: what another request does between a write's read and its write is made to happen there. */
const parameters = { x: { min: 0, max: 1 } };
let started: TestRuntime;
let runtime: Runtime;

beforeAll(async () => {
  started = await startRuntime('races');
  runtime = started.runtime;
});

afterAll(() => started?.close());

async function refusal(promise: Promise<unknown>): Promise<{ message: string; extensions: GraphQLError['extensions'] }> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return { message: (error as GraphQLError).message, extensions: (error as GraphQLError).extensions };
}

/**
 * The runtime's database, whose transactions run `race` just before they store an intermediate value:
 * after a report has read its trial, before it writes. `race` gets the database another request would
 * use: on PostgreSQL its own connections; SQLite runs one transaction at a time, so there it is made
 * in the report's own.
 */
function racing(race: (other: Database) => Promise<unknown>): Database {
  return {
    ...runtime.database,
    transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
      runtime.database.transaction((tx) => {
        const within: Database = { ...runtime.database, db: tx as unknown as Database['db'], transaction: (work) => work(tx) };
        const create = (args: Parameters<Transaction['trialReport']['create']>[0]) =>
          race(BACKEND === 'postgresql' ? runtime.database : within).then(() => tx.trialReport.create(args));
        return fn(new Proxy(tx, { get: (target, key) => (key === 'trialReport' ? { ...target.trialReport, create } : Reflect.get(target, key)) }));
      }),
  };
}

async function runningTrial(email: string, lease: Date) {
  const user = await runtime.db.user.create({ data: { email } });
  const experiment = await runtime.db.experiment.create({ data: { ownerId: user.id, name: 'Racing', parameters, algorithm: 'random', seed: 1, pruner: { type: 'none' } } });
  const trial = await runtime.db.trial.create({ data: { experimentId: experiment.id, number: 1, params: { x: 0.5 }, optimizer: 'random', leaseExpiresAt: lease } });
  return { viewer: { userId: user.id, tokenId: null }, experiment, trial };
}

describe('a write racing the deletion of its experiment', () => {
  it('enqueue: the experiment read before its transaction is gone by then: NOT_FOUND naming it', async () => {
    const user = await runtime.db.user.create({ data: { email: 'enqueue-race@example.com' } });
    const experiment = await runtime.db.experiment.create({ data: { ownerId: user.id, name: 'Gone', parameters, algorithm: 'random', seed: 1 } });
    await runtime.db.experiment.delete({ where: { id: experiment.id } });
    const refused = await refusal(enqueueParams(runtime, experiment, { x: 0.5 }));
    expect(refused).toEqual({ message: 'Experiment "Gone" was deleted', extensions: { code: 'NOT_FOUND' } });
  });

  it('report: the trial is deleted after its transaction read it, before the value is stored: NOT_FOUND naming it', async () => {
    const { viewer, experiment, trial } = await runningTrial('report-race@example.com', new Date(Date.now() + 60_000));
    const database = racing((other) => other.db.experiment.delete({ where: { id: experiment.id } }));
    const report = reportValue({ ...runtime, database }, viewer, trial.id, { step: 1, value: 0.5, metrics: {} }, {});
    expect(await refusal(report)).toEqual({ message: `Trial "${trial.id}" was deleted with its experiment`, extensions: { code: 'NOT_FOUND', field: 'trialId' } });
  });
});

describe('a write racing `resume: false`, which archives the version it was aimed at', () => {
  /** A user's experiment, read by a request, then archived by a worker's `resume: false` before the request writes. */
  async function archivedAfterRead(email: string) {
    const user = await runtime.db.user.create({ data: { email } });
    const request = (resume: boolean) => parseExperimentInput({ name: 'Archived meanwhile', parameters, algorithm: 'random', resume });
    const read = await openExperiment(runtime.database, runtime.events, user.id, request(true));
    const current = await openExperiment(runtime.database, runtime.events, user.id, request(false));
    return { read, current };
  }

  it('enqueue: CONFLICT naming the archived version, and nothing queued in either', async () => {
    const { read, current } = await archivedAfterRead('enqueue-archived@example.com');
    const refused = await refusal(enqueueParams(runtime, read, { x: 0.5 }, 'enqueue-into-archived'));
    expect(refused).toEqual({
      message: 'Experiment "Archived meanwhile" version 1 is archived: its trials are kept, but it takes no new ones',
      extensions: { code: 'CONFLICT', field: 'experimentId' },
    });
    expect(await runtime.db.queuedParams.count({ where: { experimentId: { in: [read.id, current.id] } } })).toBe(0);
    expect(await runtime.db.enqueueRequest.count({ where: { requestId: 'enqueue-into-archived' } })).toBe(0);
  });

  it('importTrials: CONFLICT naming the archived version, and nothing stored in either', async () => {
    const { read, current } = await archivedAfterRead('import-archived@example.com');
    const refused = await refusal(importTrials(runtime, read, [{ params: { x: 0.5 }, result: { loss: 1 } }], 'import-into-archived'));
    expect(refused.extensions).toEqual({ code: 'CONFLICT', field: 'experimentId' });
    expect(await runtime.db.trial.count({ where: { experimentId: { in: [read.id, current.id] } } })).toBe(0);
    expect(await runtime.db.importRequest.count({ where: { requestId: 'import-into-archived' } })).toBe(0);
  });
});

describe('a report racing the lease sweep', () => {
  it('keeps the trial RUNNING with its renewed lease when the sweep marked it STALE after the report read it', async () => {
    const { viewer, experiment, trial } = await runningTrial('sweep-race@example.com', new Date(Date.now() - 1000));
    // The sweep (expireLeases) takes no lock of the trial's group: it can mark it STALE in between.
    const database = racing(async (other) => expect(await expireLeases({ database: other, events: runtime.events }, experiment.id)).toBe(1));
    const answer = await reportValue<{ state: string; leaseExpiresAt: Date }>({ ...runtime, database }, viewer, trial.id, { step: 1, value: 0.5, metrics: {} }, {});
    expect(answer.shouldStop).toBe(false);
    expect(answer.trial.state).toBe('RUNNING');
    expect(answer.trial.leaseExpiresAt.getTime()).toBeGreaterThan(Date.now());
  });
});

describe('a suggest racing `resume: false`, which archives the version it opened', () => {
  /**
   * Suggests for `name` while a `resume: false` for that name archives the version the suggest opened:
   * before its queue reads the version (at the experiment's lock), or between that read and the first
   * write (an optimizer call, or a STALE trial's re-offer, in between: at the first transaction).
   */
  async function suggestWhileArchived(email: string, at: 'withExperimentLock' | 'transaction', stale: boolean) {
    const user = await runtime.db.user.create({ data: { email } });
    const name = 'Archive race';
    const request = (resume: boolean) => parseExperimentInput({ name, parameters, algorithm: 'random', resume }, { worker: 'w' });
    const opened = await openExperiment(runtime.database, runtime.events, user.id, request(true));
    if (stale) {
      await runtime.db.trial.create({ data: { experimentId: opened.id, number: 1, state: 'STALE', params: { x: 0.5 }, optimizer: 'random' } });
      await runtime.db.experiment.update({ where: { id: opened.id }, data: { nextTrialNumber: 2 } });
    }
    let archived = false;
    const run = runtime.database[at] as (...args: unknown[]) => Promise<unknown>;
    const database = {
      ...runtime.database,
      [at]: async (...args: unknown[]) => {
        if (!archived) await openExperiment(runtime.database, runtime.events, user.id, request(false));
        archived = true;
        return run(...args);
      },
    } as Database;
    const suggestions = new SuggestQueue({ ...runtime, database });
    const trial = await suggestTrial({ ...runtime, suggestions }, { userId: user.id, tokenId: null }, request(true), {});
    expect(archived).toBe(true);
    const versions = await runtime.db.experiment.findMany({ where: { ownerId: user.id }, orderBy: { version: 'asc' }, include: { trials: { select: { id: true, state: true } } } });
    return { trial, versions };
  }

  for (const [what, at, stale] of [
    ['new parameters, archived before the queue read it', 'withExperimentLock', false],
    ['new parameters, archived while the optimizer proposed them', 'transaction', false],
    ["a STALE trial's parameters, archived before the re-offer", 'transaction', true],
  ] as const) {
    it(`hands ${what}, out in the current version, none in the archived one`, async () => {
      const { trial, versions } = await suggestWhileArchived(`archive-race-${at}-${stale}@example.com`, at, stale);
      expect(versions.map((v) => [v.version, v.archivedAt !== null])).toEqual([
        [1, true],
        [2, false],
      ]);
      expect(versions[0]!.trials.filter((t) => t.state === 'RUNNING')).toEqual([]);
      expect(versions[1]!.trials).toEqual([{ id: trial.id, state: 'RUNNING' }]);
    });
  }
});
