import { builder } from './builder.ts';
import { noRow } from './no-row.ts';
import { comparedIds, experimentCurve, MAX_COMPARED, MIN_COMPARED, type ExperimentCurve } from '../server/experiments/compare.ts';
import { MAX_CURVE_POINTS } from '../server/experiments/compare-curve.ts';

const BestSoFarRef = builder.objectRef<ExperimentCurve>('BestSoFar').implement({
  description:
    `The best so far of an experiment's charted objective (loss, or its first objective when loss is not one) over trial number, as a staircase: ` +
    `at trial numbers[i] the best became values[i]. Improvements and the last completed trial, at most ${MAX_CURVE_POINTS} points ` +
    '(past that, each of 999 equal ranges of trial numbers keeps its first and last improvement; every point is exact).',
  fields: (t) => ({
    objective: t.string({ description: 'The objective charted: `loss`, or a result key.', resolve: (curve) => curve.objective.name }),
    direction: t.string({ description: '`minimize` or `maximize`.', resolve: (curve) => curve.objective.direction }),
    numbers: t.intList({ description: 'Trial numbers, ascending.', resolve: (curve) => [...curve.numbers] }),
    values: t.floatList({ description: 'The best value so far at each of `numbers`.', resolve: (curve) => [...curve.values] }),
    completed: t.exposeInt('completed', { description: 'COMPLETED trials.' }),
    valued: t.exposeInt('valued', { description: 'COMPLETED trials with a finite value of the objective (the ones the curve reads).' }),
    improvements: t.exposeInt('improvements', { description: 'Times the best so far improved.' }),
    thinned: t.exposeBoolean('thinned', { description: `Whether improvements were left out to keep within ${MAX_CURVE_POINTS} points.` }),
    bestNumber: t.int({ nullable: true, description: 'The best trial’s number (the first to reach the best), null before any.', resolve: (curve) => curve.best?.number ?? null }),
    bestValue: t.float({ nullable: true, description: 'The best value, null before any.', resolve: (curve) => curve.best?.value ?? null }),
    bestTrial: t.prismaField({
      type: 'Trial',
      nullable: true,
      description: 'The trial at `bestNumber`, with its parameters.',
      resolve: async (query, curve, _args, ctx) => {
        if (curve.best === null) return noRow(query);
        const where = { experimentId_number: { experimentId: curve.experimentId, number: curve.best.number } };
        const found = await ctx.runtime.db.trial.findUnique({ where, select: { id: true } });
        if (!found) return noRow(query);
        ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', ids: [found.id] }), 'bestTrial');
        return ctx.runtime.db.trial.findUnique({ ...query, where: { id: found.id } });
      },
    }),
  }),
});

builder.prismaObjectField('Experiment', 'bestSoFar', (t) =>
  t.field({
    type: BestSoFarRef,
    description: `Its best-so-far curve (feasible trials only, when it has constraints), bounded to ${MAX_CURVE_POINTS} points whatever the trial count (the Compare page draws one per experiment).`,
    select: { id: true, objectives: true, constraints: true },
    resolve: (experiment, _args, ctx) => experimentCurve(ctx.runtime.database, experiment, ctx.budget),
  }),
);

builder.queryField('compareExperiments', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: ['Experiment'],
    description:
      `${MIN_COMPARED} to ${MAX_COMPARED} of the caller's experiments, archived versions included, in the order given: ` +
      'NOT_FOUND naming the first id that is not one of them; BAD_USER_INPUT for fewer, more or a repeated id.',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const ids = await comparedIds(ctx.runtime.database, ctx.viewer.userId, args.ids.map(String));
      ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Experiment', ids }), 'compareExperiments');
      const rows = await ctx.runtime.db.experiment.findMany({ ...query, where: { id: { in: ids } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id)!);
    },
  }),
);
