import { builder } from './builder.ts';
import { ExperimentInput } from './trial.ts';
import { badInput } from '../server/errors.ts';
import { parseRequestId } from '../server/experiments/experiment-input.ts';
import { previewTarget, targetExperiment } from '../server/experiments/experiment-target.ts';
import { parseSearchSpace } from '../server/optimizer/space.ts';
import { REQUEST_ID_DAYS } from '../server/trials/request-expiry.ts';
import { enqueuedBefore, enqueueParams, MAX_QUEUED, type QueuedSet } from '../server/trials/queue.ts';
import { parseParams } from '../server/trials/trial-params.ts';

/** The most queued sets one `Experiment.queue` field lists. */
const MAX_LISTED = 1000;

const QueuedParamsRef = builder.objectRef<QueuedSet>('QueuedParams').implement({
  description: "A parameter set waiting in an experiment's queue: suggest hands it out before asking the optimizer.",
  fields: (t) => ({
    id: t.exposeID('id'),
    params: t.expose('params', { type: 'JSON', description: 'Parameter name to value, as checked against the space (constants filled in).' }),
    place: t.exposeInt('place', { description: 'Its place in the queue (when enqueued, for `enqueue`): 1 is handed out next.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    experiment: t.prismaField({
      type: 'Experiment',
      resolve: (query, set, _args, ctx) => ctx.runtime.db.experiment.findUniqueOrThrow({ ...query, where: { id: set.experimentId } }),
    }),
  }),
});

builder.prismaObjectField('Experiment', 'queueLength', (t) =>
  t.int({
    description: 'How many enqueued parameter sets wait to be handed out.',
    // Kept on the experiment's row in the transactions that queue and hand out sets: no count query.
    select: { queuedCount: true },
    resolve: (experiment) => experiment.queuedCount,
  }),
);

builder.prismaObjectField('Experiment', 'queue', (t) =>
  t.field({
    type: [QueuedParamsRef],
    description: `The enqueued parameter sets, next first: the first \`first\` of them (at most ${MAX_LISTED}).`,
    args: { first: t.arg.int({ defaultValue: 100, required: true }) },
    select: { id: true },
    resolve: async (experiment, args, ctx) => {
      if (args.first < 1 || args.first > MAX_LISTED) throw badInput('first', `first must be between 1 and ${MAX_LISTED}, but got ${args.first}`);
      const page = { where: { experimentId: experiment.id }, orderBy: { position: 'asc' as const }, take: args.first };
      const ids = (await ctx.runtime.db.queuedParams.findMany({ ...page, select: { id: true } })).map((row) => row.id);
      ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'QueuedParams', ids }), 'queue');
      const rows = await ctx.runtime.db.queuedParams.findMany(page);
      return rows.map((row, i) => ({ ...row, place: i + 1 }));
    },
  }),
);

builder.mutationField('enqueue', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: QueuedParamsRef,
    description:
      `Queues a parameter set to be tried next: the experiment's next suggests hand queued sets out first, in order, each once, before asking the optimizer. ` +
      `Every parameter needs a value its spec allows (constants may be left out); a wrong one is refused naming it (\`params.x\`) and nothing is stored. ` +
      `Name the experiment by exactly one of \`experiment\` (as suggest takes it: created on first use), \`experimentId\` or \`experimentName\`. At most ${MAX_QUEUED.toLocaleString('en')} sets wait per experiment (then CONFLICT). ` +
      'A call resent with the same `requestId` gets the first answer and queues nothing more (nor does its `resume: false` archive again).',
    args: {
      experiment: t.arg({ type: ExperimentInput }),
      experimentId: t.arg.id(),
      experimentName: t.arg.string(),
      params: t.arg({ type: 'JSON', required: true }),
      requestId: t.arg.string({
        description: `A client-chosen id per call (at most 100 characters): resending the call with the same one returns the first answer and queues nothing, for ${REQUEST_ID_DAYS} days.`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      const requestId = parseRequestId(args.requestId);
      // A resend (its answer was lost on the way): the first call's answer, nothing queued or archived again.
      const before = requestId === null ? null : await enqueuedBefore(ctx.runtime.db, ctx.viewer.userId, requestId);
      if (before) return before;
      const target = {
        experiment: args.experiment,
        experimentId: args.experimentId === undefined || args.experimentId === null ? null : String(args.experimentId),
        experimentName: args.experimentName,
      };
      // Checked before the experiment is opened: refused params neither create nor change one.
      const { basis } = await previewTarget(ctx.runtime.database, ctx.runtime.events, ctx.viewer, target);
      parseParams(parseSearchSpace(basis.parameters), args.params);
      const experiment = await targetExperiment(ctx.runtime.database, ctx.runtime.events, ctx.viewer, target, requestId);
      const params = parseParams(parseSearchSpace(experiment.parameters), args.params);
      return enqueueParams(ctx.runtime, experiment, params, requestId);
    },
  }),
);
