import { builder } from './builder.ts';
import { noRow } from './no-row.ts';
import { badInput, userError } from '../server/errors.ts';
import { insightsBusy, TimeoutError } from '../server/optimizer/pool/compute-pool.ts';
import { experimentName } from '../server/experiments/experiment-input.ts';
import { prunerSpec, storedPruner } from '../server/pruners/pruner-config.ts';
import { constraintsSpec, objectivesSpec, storedConstraints, storedObjectives } from '../server/objectives/objectives-config.ts';
import { bestId, frontIds, isPlain, rankCompleted } from '../server/objectives/ranking.ts';
import { replayThen } from '../server/subscriptions/replay.ts';
import { ownedExperimentId } from './owned-experiment.ts';
import { trialsLeft } from '../server/trials/trial-budget.ts';
import { gridSizeOf } from '../server/experiments/experiment-grid.ts';

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
    maxTrials: t.exposeInt('maxTrials', { nullable: true, description: 'The most trials it runs (its trial budget); null: no limit.' }),
    maxRetries: t.exposeInt('maxRetries', {
      description: 'How many times in a row a trial lost with no progress is offered again before it is FAILED instead.',
    }),
    gridSize: t.int({
      nullable: true,
      description: 'With algorithm "grid": how many points its grid has (every combination of choices and step values); null otherwise.',
      select: { id: true, algorithm: true, parameters: true },
      resolve: (experiment) => gridSizeOf(experiment),
    }),
    trialsLeft: t.int({
      nullable: true,
      description:
        'How many more new trials it may start (0 once spent; re-offered copies not counted): what its budget (maxTrials) allows and, with algorithm "grid", the points of its grid not yet handed out as of its last suggestion; null when neither limits it.',
      select: { id: true, maxTrials: true, algorithm: true, parameters: true, optimizerState: true },
      resolve: (experiment, _args, ctx) => trialsLeft(ctx.runtime.database.db, experiment, gridSizeOf(experiment)),
    }),
    pruner: t.field({
      type: 'JSON',
      description: 'How trials are stopped early from their intermediate values, with every setting spelled out.',
      select: { pruner: true },
      resolve: (experiment) => prunerSpec(storedPruner(experiment.pruner)),
    }),
    revision: t.exposeInt('revision', {
      description:
        'The latest change to its trials when it was read: its trials read in the same query show every change up to it, and `trialUpdated(since: revision)` emits each later one.',
    }),
    version: t.exposeInt('version', { description: 'Starts at 1; each `resume: false` archives this and starts the next.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'Last activity.' }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    trialCount: t.relationCount('trials'),
    objectives: t.field({
      type: 'JSON',
      description: 'The result keys it minimises or maximises, e.g. {"loss": "minimize"} (the default).',
      select: { objectives: true },
      resolve: (experiment) => objectivesSpec(storedObjectives(experiment.objectives)),
    }),
    constraints: t.field({
      type: 'JSON',
      description: 'Limits on result values, e.g. {"memory_gb": {"max": 16}} ({} when none).',
      select: { constraints: true },
      resolve: (experiment) => constraintsSpec(storedConstraints(experiment.constraints)),
    }),
    bestTrial: t.prismaField({
      type: 'Trial',
      nullable: true,
      description:
        'The completed trial with the lowest loss; with other objectives, the best in the first one; with constraints, among the feasible trials only.',
      select: { objectives: true, constraints: true },
      resolve: async (query, experiment, _args, ctx) => {
        let best: { id: string } | null;
        if (isPlain(storedObjectives(experiment.objectives), storedConstraints(experiment.constraints))) {
          best = await ctx.runtime.db.trial.findFirst({
            where: { experimentId: experiment.id, state: 'COMPLETED' },
            orderBy: [{ loss: 'asc' }, { number: 'asc' }],
            select: { id: true },
          });
        } else {
          const id = bestId((await rankCompleted(ctx.runtime.database, experiment.id, ctx.budget, 'bestTrial')).ranked);
          best = id === null ? null : { id };
        }
        if (!best) return noRow(query);
        ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', ids: [best.id] }), 'bestTrial');
        return ctx.runtime.db.trial.findUnique({ ...query, where: { id: best.id } });
      },
    }),
    paretoFront: t.prismaField({
      type: ['Trial'],
      description:
        'The feasible completed trials no other feasible completed trial dominates in every objective, in order of the first objective (equal ones all kept).',
      select: { id: true, revision: true, ownerId: true },
      resolve: async (query, experiment, _args, ctx) => {
        const { ranked, objectives, constraints } = await rankCompleted(ctx.runtime.database, experiment.id, ctx.budget, 'paretoFront');
        // Ids, not indices, are shared: trials read after the revision was (a result meanwhile) may differ.
        const key = JSON.stringify([experiment.id, experiment.revision, objectives, constraints]);
        let ids: string[];
        try {
          ids = await ctx.runtime.fronts.get(key, () => frontIds(ranked, (points) => ctx.runtime.pool.front(points, experiment.ownerId)));
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw insightsBusy('paretoFront', error);
          throw userError('QUERY_TOO_COMPLEX', `paretoFront: the front of these trials took longer than ${error.timeoutMs} ms; read the trials and rank them yourself`);
        }
        const rows = await ctx.runtime.db.trial.findMany({ ...query, where: { id: { in: ids } } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id)!).filter(Boolean);
      },
    }),
    trials: t.prismaConnection({
      type: 'Trial',
      description: 'Trials, newest first.',
      cursor: 'id',
      totalCount: (experiment, _args, ctx) => ctx.runtime.db.trial.count({ where: { experimentId: experiment.id } }),
      // The page is measured (its ids, then their stored size) before its rows are read.
      resolve: async (query, experiment, args, ctx) => {
        const { cursor, take, skip } = query;
        // A cursor made by hand can decode to a number or an object: only an id (a string) is one.
        if (cursor !== undefined && typeof cursor.id !== 'string') {
          const field = args.after != null ? 'after' : 'before';
          throw badInput(field, `${field} is not a cursor this API gave: pass a page's endCursor (or startCursor, to page back) as it came`);
        }
        const page = { where: { experimentId: experiment.id }, orderBy: { number: 'desc' as const }, cursor, take, skip };
        const ids = (await ctx.runtime.db.trial.findMany({ ...page, select: { id: true } })).map((trial) => trial.id);
        ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', ids }), 'trials');
        return ctx.runtime.db.trial.findMany({ ...query, ...page });
      },
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
    resolve: async (query, _root, args, ctx) => {
      if (args.first < 1 || args.first > MAX_EXPERIMENTS) {
        throw badInput('first', `first must be between 1 and ${MAX_EXPERIMENTS}, but got ${args.first}`);
      }
      const page = {
        where: { ownerId: ctx.viewer.userId, ...(args.includeArchived ? {} : { archivedAt: null }) },
        orderBy: { updatedAt: 'desc' as const },
        take: args.first,
      };
      // Measured before read, like every list (see OperationBudget).
      const ids = (await ctx.runtime.db.experiment.findMany({ ...page, select: { id: true } })).map((experiment) => experiment.id);
      ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Experiment', ids }), 'experiments');
      return ctx.runtime.db.experiment.findMany({ ...query, where: { id: { in: ids } }, orderBy: page.orderBy });
    },
  }),
);

builder.queryField('experiment', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Experiment',
    nullable: true,
    description: 'One experiment: by id (archived ones too), or by name (the current version; surrounding spaces ignored, as suggest ignores them).',
    args: { id: t.arg.id(), name: t.arg.string() },
    resolve: (query, _root, args, ctx) => {
      if ((args.id == null) === (args.name == null)) throw badInput('id', 'Pass exactly one of id and name');
      return ctx.runtime.db.experiment.findFirst({
        ...query,
        where: {
          ownerId: ctx.viewer.userId,
          ...(args.id != null ? { id: String(args.id) } : { name: experimentName(args.name ?? ''), archivedAt: null }),
        },
        orderBy: { version: 'desc' },
      });
    },
  }),
);

builder.subscriptionField('experimentUpdated', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Experiment',
    description: "Emits one of the caller's experiments each time one of its trials is created or changes, and each time it is renamed, tagged, annotated or archived, a parameter set is enqueued, or a resuming request changes its objectives, constraints or other settings.",
    args: {
      startWith: t.arg.id({
        description:
          "First emit this experiment (the caller's), once every replica's changes reach the subscription: a client that reads it again on that event misses no change made between its read and its subscription.",
      }),
    },
    subscribe: async (_root, args, ctx) => {
      const userId = ctx.viewer.userId;
      if (args.startWith === null || args.startWith === undefined) {
        return ctx.runtime.live.watch(ctx.viewer, ctx.runtime.events.pubsub.subscribe('user:experiments', userId));
      }
      const startWith = await ownedExperimentId(ctx.runtime.db, userId, args.startWith, 'startWith');
      const events = ctx.runtime.events.pubsub.subscribe('user:experiments', userId);
      const replayed = async () => {
        await ctx.runtime.events.listening(`user:experiments:${userId}`);
        return [{ experimentId: startWith }];
      };
      return ctx.runtime.live.watch(ctx.viewer, replayThen(events, replayed, (event) => event.experimentId));
    },
    resolve: (query, event, _args, ctx) => {
      ctx.budget.refill(ctx.runtime.eventBytes.of(ctx.viewer.userId)); // each event is an operation of its own, drawing on the user's allowance
      return ctx.runtime.events.loadOnce(event, `experiment:${event.experimentId}:${JSON.stringify(query)}`, () =>
        ctx.runtime.db.experiment.findUniqueOrThrow({ ...query, where: { id: event.experimentId } }),
      );
    },
  }),
);
