import { builder } from './builder.ts';
import { prisma } from '../server/db.ts';
import { pubsub } from '../server/pubsub.ts';
import { userError } from '../server/errors.ts';
import { TRIAL_STATES, asTrialState } from '../server/trial-state.ts';
import { parseExperimentInput } from '../server/experiment-input.ts';
import { parseTrialResult } from '../server/trial-result.ts';
import { suggestTrial, completeTrial } from '../server/trials.ts';

const TrialStateEnum = builder.enumType('TrialState', {
  description: 'RUNNING: handed to a worker. COMPLETED: its result is in.',
  values: TRIAL_STATES,
});

builder.prismaObject('Trial', {
  description: 'One suggested set of parameters and, once reported, its result.',
  fields: (t) => ({
    id: t.exposeID('id'),
    number: t.exposeInt('number', { description: 'Position in the experiment, from 1.' }),
    state: t.field({ type: TrialStateEnum, resolve: (trial) => asTrialState(trial.state) }),
    params: t.expose('params', { type: 'JSON', description: 'Parameter name to value.' }),
    loss: t.exposeFloat('loss', { nullable: true }),
    metrics: t.field({
      type: 'JSON',
      description: 'Custom metrics reported with the loss (an empty object until then).',
      resolve: (trial) => trial.metrics ?? {},
    }),
    worker: t.exposeString('worker', { nullable: true }),
    optimizer: t.exposeString('optimizer', { description: 'The optimizer that produced the parameters.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    experiment: t.relation('experiment'),
  }),
});

const ExperimentInput = builder.inputType('ExperimentInput', {
  description: 'An experiment as in the original Oscar: a name and a parameter space.',
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    parameters: t.field({ type: 'JSON', required: true, description: 'Parameter name to spec (see the README).' }),
    resume: t.boolean({ defaultValue: true, description: 'false archives earlier trials of this name and starts afresh.' }),
    algorithm: t.string({ description: 'Optimizer name; "auto" for a new experiment when omitted, unchanged when resuming.' }),
    seed: t.int({ description: 'Optimizer seed for reproducible suggestions; random when omitted.' }),
  }),
});

builder.mutationField('suggest', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: 'Creates the experiment on first use and returns a new RUNNING trial to evaluate.',
    args: {
      experiment: t.arg({ type: ExperimentInput, required: true }),
      worker: t.arg.string({ description: 'Who runs the trial (e.g. a host name).' }),
    },
    resolve: (query, _root, args, ctx) =>
      suggestTrial(ctx.viewer, parseExperimentInput(args.experiment, args.worker), query),
  }),
);

builder.mutationField('update', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: 'Reports a trial\'s result: a finite `loss` (minimised) and any custom metrics.',
    args: {
      trialId: t.arg.id({ required: true }),
      result: t.arg({ type: 'JSON', required: true }),
    },
    resolve: (query, _root, args, ctx) =>
      completeTrial(ctx.viewer, String(args.trialId), parseTrialResult(args.result), query),
  }),
);

builder.subscriptionField('trialUpdated', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: 'Emits a trial of the experiment each time one is created or changes.',
    args: { experimentId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const experimentId = String(args.experimentId);
      const owned = await prisma.experiment.count({ where: { id: experimentId, ownerId: ctx.viewer.userId } });
      if (!owned) throw userError('NOT_FOUND', `No experiment with id "${experimentId}"`, 'experimentId');
      return pubsub.subscribe('experiment:trials', experimentId);
    },
    resolve: (query, event) => prisma.trial.findUniqueOrThrow({ ...query, where: { id: event.trialId } }),
  }),
);
