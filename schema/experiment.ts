import { builder } from './builder.ts';
import { badInput } from '../server/errors.ts';

builder.prismaObject('Experiment', {
  description: 'A named search over a parameter space, owned by one user.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    parameters: t.expose('parameters', { type: 'JSON', description: 'The parameter space, as given.' }),
    algorithm: t.exposeString('algorithm', { description: 'The optimizer asked for ("auto" by default).' }),
    seed: t.exposeInt('seed', { description: 'Seed of the optimizer: same seed and history, same suggestions.' }),
    leaseSeconds: t.exposeInt('leaseSeconds', {
      description: 'Seconds a RUNNING trial is kept without a heartbeat before it becomes STALE.',
    }),
    version: t.exposeInt('version', { description: 'Starts at 1; each `resume: false` archives this and starts the next.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last activity.' }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    trialCount: t.relationCount('trials'),
    bestTrial: t.prismaField({
      type: 'Trial',
      nullable: true,
      description: 'The completed trial with the lowest loss.',
      resolve: (query, experiment, _args, ctx) =>
        ctx.runtime.db.trial.findFirst({
          ...query,
          where: { experimentId: experiment.id, state: 'COMPLETED' },
          orderBy: [{ loss: 'asc' }, { number: 'asc' }],
        }),
    }),
    trials: t.relatedConnection('trials', {
      description: 'Trials, newest first.',
      cursor: 'id',
      totalCount: true,
      query: { orderBy: { number: 'desc' } },
    }),
  }),
});

/** The most experiments one `experiments` query returns (each may resolve its best trial: the work stays bounded). */
const MAX_EXPERIMENTS = 500;

builder.queryField('experiments', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: ['Experiment'],
    description: `The caller's experiments, most recently active first: the first \`first\` of them (at most ${MAX_EXPERIMENTS}).`,
    args: {
      includeArchived: t.arg.boolean({ defaultValue: false, required: true }),
      first: t.arg.int({ defaultValue: MAX_EXPERIMENTS, required: true }),
    },
    resolve: (query, _root, args, ctx) => {
      if (args.first < 1 || args.first > MAX_EXPERIMENTS) {
        throw badInput('first', `first must be between 1 and ${MAX_EXPERIMENTS}, but got ${args.first}`);
      }
      return ctx.runtime.db.experiment.findMany({
        ...query,
        where: { ownerId: ctx.viewer.userId, ...(args.includeArchived ? {} : { archivedAt: null }) },
        orderBy: { updatedAt: 'desc' },
        take: args.first,
      });
    },
  }),
);

builder.queryField('experiment', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Experiment',
    nullable: true,
    description: 'One experiment: by id (archived ones too), or by name (the current version).',
    args: { id: t.arg.id(), name: t.arg.string() },
    resolve: (query, _root, args, ctx) => {
      if ((args.id == null) === (args.name == null)) throw badInput('id', 'Pass exactly one of id and name');
      return ctx.runtime.db.experiment.findFirst({
        ...query,
        where: {
          ownerId: ctx.viewer.userId,
          ...(args.id != null ? { id: String(args.id) } : { name: args.name ?? '', archivedAt: null }),
        },
        orderBy: { version: 'desc' },
      });
    },
  }),
);

builder.subscriptionField('experimentUpdated', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Experiment',
    description: "Emits one of the caller's experiments each time one of its trials is created or changes.",
    subscribe: (_root, _args, ctx) => {
      return ctx.runtime.live.watch(ctx.viewer, ctx.runtime.events.pubsub.subscribe('user:experiments', ctx.viewer.userId));
    },
    resolve: (query, event, _args, ctx) =>
      ctx.runtime.events.loadOnce(`experiment:${event.experimentId}:${JSON.stringify(query)}`, () =>
        ctx.runtime.db.experiment.findUniqueOrThrow({ ...query, where: { id: event.experimentId } }),
      ),
  }),
);
