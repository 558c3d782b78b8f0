import { builder } from './builder.ts';
import { noRow } from './no-row.ts';
import { badInput } from '../server/errors.ts';

/** The most trials `Trial.retries` and `Trial.group` return (a group is a trial and its re-offered copies). */
export const MAX_GROUP_TRIALS = 100;

builder.prismaObjectField('Experiment', 'trial', (t) =>
  t.prismaField({
    type: 'Trial',
    nullable: true,
    description: 'One of its trials, by number (null when it has none of that number): what the dashboard’s trial page shows.',
    args: { number: t.arg.int({ required: true, description: 'The trial’s number, from 1.' }) },
    select: { id: true },
    resolve: async (query, experiment, args, ctx) => {
      if (args.number < 1) throw badInput('number', `number must be at least 1, but got ${args.number}`);
      const where = { experimentId_number: { experimentId: experiment.id, number: args.number } };
      // Measured before read, like every field that loads rows (see OperationBudget).
      const found = await ctx.runtime.db.trial.findUnique({ where, select: { id: true } });
      if (!found) return noRow(query);
      ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', ids: [found.id] }), 'trial');
      return ctx.runtime.db.trial.findUnique({ ...query, where: { id: found.id } });
    },
  }),
);

builder.prismaObjectFields('Trial', (t) => ({
  group: t.prismaField({
    type: ['Trial'],
    description:
      `The trials with its parameters: the original and every copy offered again after a lease ran out (one result counts; ` +
      `a later one is DUPLICATE), itself included, by number (at most ${MAX_GROUP_TRIALS}).`,
    select: { id: true, retryOfId: true },
    resolve: async (query, trial, _args, ctx) => {
      const rootId = trial.retryOfId ?? trial.id;
      const page = { where: { OR: [{ id: rootId }, { retryOfId: rootId }] }, orderBy: { number: 'asc' as const }, take: MAX_GROUP_TRIALS };
      const ids = (await ctx.runtime.db.trial.findMany({ ...page, select: { id: true } })).map((row) => row.id);
      ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', ids }), 'group');
      return ctx.runtime.db.trial.findMany({ ...query, where: { id: { in: ids } }, orderBy: page.orderBy });
    },
  }),
  retries: t.prismaField({
    type: ['Trial'],
    description: `The copies of it offered again after its lease ran out (when it is the original), by number (at most ${MAX_GROUP_TRIALS}).`,
    select: { id: true },
    resolve: async (query, trial, _args, ctx) => {
      const page = { where: { retryOfId: trial.id }, orderBy: { number: 'asc' as const }, take: MAX_GROUP_TRIALS };
      const ids = (await ctx.runtime.db.trial.findMany({ ...page, select: { id: true } })).map((row) => row.id);
      ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', ids }), 'retries');
      return ctx.runtime.db.trial.findMany({ ...query, where: { id: { in: ids } }, orderBy: page.orderBy });
    },
  }),
}));
