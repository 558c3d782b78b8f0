import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Transaction } from '../runtime/database.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { BACKEND } from '../../tests/harness.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';
import { expireLeases } from './leases.ts';
import { enqueueParams } from './queue.ts';
import { reportValue } from './reports.ts';

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
    const refused = await refusal(enqueueParams(runtime.database, experiment, { x: 0.5 }));
    expect(refused).toEqual({ message: 'Experiment "Gone" was deleted', extensions: { code: 'NOT_FOUND' } });
  });

  it('report: the trial is deleted after its transaction read it, before the value is stored: NOT_FOUND naming it', async () => {
    const { viewer, experiment, trial } = await runningTrial('report-race@example.com', new Date(Date.now() + 60_000));
    const database = racing((other) => other.db.experiment.delete({ where: { id: experiment.id } }));
    const report = reportValue({ ...runtime, database }, viewer, trial.id, { step: 1, value: 0.5, metrics: {} }, {});
    expect(await refusal(report)).toEqual({ message: `Trial "${trial.id}" was deleted with its experiment`, extensions: { code: 'NOT_FOUND', field: 'trialId' } });
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
