import { builder } from './builder.ts';
import { badInput } from '../server/errors.ts';
import { holdsKeptJson } from '../server/http/kept-json.ts';
import type { ExperimentLandscape } from '../server/insights/experiment-landscape.ts';
import type { ParameterImportance } from '../server/insights/importance.ts';
import type { LandscapeAxis } from '../server/insights/model-landscape.ts';
import { parseSearchSpace, tunableParameters } from '../server/optimizer/space.ts';
import { CHECKPOINT_SUMMARY, type TrialColumn, type TrialTable } from '../server/insights/trial-table.ts';
import { learningCurves, MAX_CURVES, MAX_POINTS_PER_CURVE, type LearningCurve } from '../server/insights/learning-curves.ts';

const TrialColumnRef = builder.objectRef<TrialColumn>('TrialColumn').implement({
  description: 'One parameter or custom metric: a value per trial (null where a trial has none), in trial order.',
  fields: (t) => ({
    name: t.exposeString('name'),
    values: t.field({ type: 'JSON', description: 'An array, one value per trial.', resolve: (column) => column.values }),
  }),
});

/**
 * A column of the trial table. Each is one JSON array rather than a typed GraphQL list: the values are
 * the same on the wire, but a list is completed value by value (about 0.5 s for the 1.6 million cells
 * of 100,000 trials), a JSON array is sent as it is. The descriptions give the element types.
 */
const column = <T>(description: string, values: (table: TrialTable) => readonly T[]) => ({ type: 'JSON' as const, description, resolve: values });

const TrialTableRef = builder.objectRef<TrialTable>('TrialTable').implement({
  description:
    "Every trial of an experiment as columns (arrays in trial order, index i is the same trial everywhere): compact enough for the dashboard's table and charts over 100,000 trials.",
  fields: (t) => ({
    numbers: t.field(column('Trial numbers, ascending: an array of Int.', (table) => table.numbers)),
    states: t.field(column('Trial states (RUNNING, COMPLETED, ...: a TrialState name): an array of String.', (table) => table.states)),
    losses: t.field(column('Losses, null until reported: an array of Float or null.', (table) => table.losses)),
    workers: t.field(column('Worker names: an array of String or null.', (table) => table.workers)),
    createdAt: t.field(column('Creation times, milliseconds since the epoch: an array of Float.', (table) => table.createdAt)),
    completedAt: t.field(column('Completion times, milliseconds since the epoch: an array of Float or null.', (table) => table.completedAt)),
    parameters: t.field({ type: [TrialColumnRef], description: 'One column per parameter, by name.', resolve: (table) => table.parameters }),
    metrics: t.field({ type: [TrialColumnRef], description: 'One column per custom metric, by name.', resolve: (table) => table.metrics }),
    prunedSteps: t.field(column('The step at which the pruner stopped each trial (PRUNED), or null: an array of Int or null.', (table) => table.prunedSteps)),
    errors: t.field(column('Why each FAILED trial failed, as its worker reported, or null: an array of String or null.', (table) => table.errors)),
    revision: t.exposeInt('revision', {
      description: 'Every change to the trials up to this revision is in the table: `trialUpdated(since: revision)` emits the ones after it.',
    }),
    checkpoints: t.field(
      column(
        `Each trial's latest checkpoint record as compact JSON, cut to ${CHECKPOINT_SUMMARY} characters (then ending in …), or null: an array of String or null; the whole record is Trial.checkpoint.`,
        (table) => table.checkpoints,
      ),
    ),
  }),
});

const ParameterImportanceRef = builder.objectRef<ParameterImportance>('ParameterImportance').implement({
  description: "How much of the loss's variation (or the first objective's, when loss is not an objective) a parameter explains (mean decrease in impurity of a random forest).",
  fields: (t) => ({
    parameter: t.exposeString('parameter'),
    importance: t.exposeFloat('importance', { description: 'From 0 to 1; the parameters of an experiment sum to 1.' }),
  }),
});

const LandscapeAxisRef = builder.objectRef<LandscapeAxis>('LandscapeAxis').implement({
  description: 'One axis of a loss landscape: a parameter and its grid values, ascending.',
  fields: (t) => ({
    name: t.exposeString('name'),
    values: t.exposeFloatList('values', { description: 'Evenly spaced over the parameter’s range (in ln for a log scale), on its steps.' }),
  }),
});

const LossLandscapeRef = builder.objectRef<ExperimentLandscape>('LossLandscape').implement({
  description:
    "The Gaussian process's prediction of the loss (or the first objective, when loss is not an objective) over two parameters, every other parameter held at the best trial's value. Without a model (fewer than 8 completed trials, a parameter that is not numeric or is inactive in the best trial) only `objective` and `reason` are set.",
  fields: (t) => ({
    objective: t.string({ description: 'The objective predicted: loss, or the first objective.', resolve: ({ objective }) => objective.name }),
    direction: t.string({ description: 'Which way the objective is better: minimize or maximize.', resolve: ({ objective }) => objective.direction }),
    x: t.field({ type: LandscapeAxisRef, nullable: true, resolve: ({ landscape }) => landscape?.x ?? null }),
    y: t.field({ type: LandscapeAxisRef, nullable: true, resolve: ({ landscape }) => landscape?.y ?? null }),
    mean: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Posterior mean in the objective’s units: an array over y.values of arrays over x.values of Float (mean[j][i] at x.values[i], y.values[j]).',
      resolve: ({ landscape }) => landscape?.mean ?? null,
    }),
    sd: t.field({ type: 'JSON', nullable: true, description: 'Posterior standard deviation, shaped as `mean`.', resolve: ({ landscape }) => landscape?.sd ?? null }),
    heldAt: t.field({ type: 'JSON', nullable: true, description: 'The other parameters’ values (the best trial’s), by name.', resolve: ({ landscape }) => landscape?.heldAt ?? null }),
    reason: t.string({ nullable: true, description: 'Why there is no model prediction; null when there is one.', resolve: ({ reason }) => reason }),
  }),
});

const InsightsRef = builder.objectRef<{ readonly experimentId: string; readonly parameters: unknown }>('ExperimentInsights').implement({
  description: 'What the completed trials say about the experiment.',
  fields: (t) => ({
    importance: t.field({
      type: [ParameterImportanceRef],
      description: 'Tunable parameters, most important first; empty until 8 trials have completed.',
      resolve: ({ experimentId }, _args, ctx) => ctx.runtime.importance.of(experimentId, ctx.budget),
    }),
    landscape: t.field({
      type: LossLandscapeRef,
      description: 'The GP’s predicted loss over tunable parameters `x` and `y` (BAD_USER_INPUT naming the argument when it is not one), recomputed when a trial completes.',
      args: { x: t.arg.string({ required: true }), y: t.arg.string({ required: true }) },
      resolve: ({ experimentId, parameters }, args, ctx) => {
        const names = tunableParameters(parseSearchSpace(parameters)).map((p) => p.name);
        for (const field of ['x', 'y'] as const) {
          if (!names.includes(args[field])) {
            const shown = names.slice(0, 20).map((name) => JSON.stringify(name)).join(', ');
            throw badInput(field, `${field} must name a tunable parameter of the experiment (${shown}${names.length > 20 ? ', ...' : ''}), but got ${JSON.stringify(args[field].slice(0, 200))}`);
          }
        }
        return ctx.runtime.landscapes.of(experimentId, args.x, args.y, ctx.budget);
      },
    }),
  }),
});

builder.prismaObjectField('Experiment', 'trialTable', (t) =>
  t.field({
    type: TrialTableRef,
    description: 'All trials as columns, in one round trip (the dashboard uses it for its table and charts).',
    select: { id: true },
    resolve: (experiment, _args, ctx) => {
      // The columns' JSON text is kept between requests: the response splices it in (server/http/kept-json.ts).
      holdsKeptJson(ctx);
      return ctx.runtime.tables.load(experiment.id, ctx.budget);
    },
  }),
);

const LearningCurveRef = builder.objectRef<LearningCurve>('LearningCurve').implement({
  description: "A trial's intermediate values, by step.",
  fields: (t) => ({
    number: t.exposeInt('number'),
    state: t.exposeString('state', { description: 'Its TrialState name.' }),
    prunedStep: t.exposeInt('prunedStep', { nullable: true }),
    steps: t.exposeIntList('steps'),
    values: t.exposeFloatList('values'),
  }),
});

builder.prismaObjectField('Experiment', 'learningCurves', (t) =>
  t.field({
    type: [LearningCurveRef],
    description: `Learning curves for the dashboard: the latest ${MAX_CURVES} trials that reported intermediate values and the 10 best completed ones, oldest first, each thinned to at most ${MAX_POINTS_PER_CURVE} evenly spaced points.`,
    select: { id: true },
    resolve: (experiment, _args, ctx) => learningCurves(ctx.runtime.database, experiment.id, ctx.budget),
  }),
);

builder.prismaObjectField('Experiment', 'insights', (t) =>
  t.field({
    type: InsightsRef,
    select: { id: true, parameters: true },
    resolve: (experiment) => ({ experimentId: experiment.id, parameters: experiment.parameters }),
  }),
);
