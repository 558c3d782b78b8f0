import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../runtime/database.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { BACKEND } from '../../tests/harness.ts';
import { startRuntime, type TestRuntime } from '../../tests/runtime.ts';
import { enqueueParams } from './queue.ts';
import { reportValue } from './reports.ts';

/** A write racing deleteExperiment: the experiment (or trial) was read, then deleted before the write. */
const parameters = { x: { min: 0, max: 1 } };
let started: TestRuntime;
let runtime: Runtime;

beforeAll(async () => {
  started = await startRuntime('deleted-meanwhile');
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

describe('a write racing the deletion of its experiment', () => {
  it('enqueue: the experiment read before its transaction is gone by then: NOT_FOUND naming it', async () => {
    const user = await runtime.db.user.create({ data: { email: 'enqueue-race@example.com' } });
    const experiment = await runtime.db.experiment.create({ data: { ownerId: user.id, name: 'Gone', parameters, algorithm: 'random', seed: 1 } });
    await runtime.db.experiment.delete({ where: { id: experiment.id } });
    const refused = await refusal(enqueueParams(runtime.database, experiment, { x: 0.5 }));
    expect(refused).toEqual({ message: 'Experiment "Gone" was deleted', extensions: { code: 'NOT_FOUND' } });
  });

  it('report: the trial is deleted after its transaction read it, before the value is stored: NOT_FOUND naming it', async () => {
    const user = await runtime.db.user.create({ data: { email: 'report-race@example.com' } });
    const experiment = await runtime.db.experiment.create({ data: { ownerId: user.id, name: 'Going', parameters, algorithm: 'random', seed: 1, pruner: { type: 'none' } } });
    const trial = await runtime.db.trial.create({ data: { experimentId: experiment.id, number: 1, params: { x: 0.5 }, optimizer: 'random' } });
    // The deletion lands between the transaction's read of the trial and its insert of the value: on
    // PostgreSQL from another connection, as deleteExperiment's would; SQLite runs one transaction at a
    // time, so there it is made in the report's own.
    const database = {
      ...runtime.database,
      transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
        runtime.database.transaction((tx) => {
          const racing = new Proxy(tx, {
            get: (target, key) =>
              key !== 'trialReport'
                ? Reflect.get(target, key)
                : {
                    ...target.trialReport,
                    create: async (args: Parameters<Transaction['trialReport']['create']>[0]) => {
                      await (BACKEND === 'postgresql' ? runtime.db : target).experiment.delete({ where: { id: experiment.id } });
                      return target.trialReport.create(args);
                    },
                  },
          });
          return fn(racing);
        }),
    };
    const report = reportValue({ ...runtime, database }, { userId: user.id, tokenId: null }, trial.id, { step: 1, value: 0.5, metrics: {} }, {});
    expect(await refusal(report)).toEqual({ message: `Trial "${trial.id}" was deleted with its experiment`, extensions: { code: 'NOT_FOUND', field: 'trialId' } });
  });
});
