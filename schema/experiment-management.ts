import { filter, pipe } from 'graphql-yoga';
import { builder } from './builder.ts';
import { MAX_NOTES, MAX_TAG, MAX_TAGS, editExperiment, parseExperimentEdit, storedTags } from '../server/experiments/experiment-edit.ts';
import { deleteExperiment, type DeletedExperiments } from '../server/experiments/experiment-deletion.ts';
import type { ExperimentDeletionEvent } from '../server/runtime/events.ts';

/** The most versions `Experiment.versions` lists. */
const MAX_VERSIONS = 500;

/**
 * What each `Experiment.versions` costs the operation's budget on top of the rows it reads (1 MiB of
 * 64): nested `versions { versions { ... } }` multiply queries, so one operation resolves it at most 64 times.
 */
const VERSIONS_CALL_BYTES = 1024 * 1024;

const DeletedExperimentsRef = builder.objectRef<ExperimentDeletionEvent & { readonly trialCount?: number }>('DeletedExperiments').implement({
  description: 'Experiments deleted together: one version, or every version of a name, with their trials.',
  fields: (t) => ({
    name: t.exposeString('name'),
    ids: t.exposeIDList('experimentIds', { description: 'The deleted experiments (versions).' }),
    versions: t.exposeIntList('versions'),
    trialCount: t.int({ nullable: true, description: 'How many trials went with them (in the mutation\'s answer).', resolve: (deleted) => deleted.trialCount ?? null }),
  }),
});

builder.prismaObjectFields('Experiment', (t) => ({
  notes: t.exposeString('notes', { description: `Markdown notes (at most ${MAX_NOTES.toLocaleString('en')} characters); "" when none.` }),
  tags: t.stringList({
    description: 'Labels, in the order given.',
    select: { tags: true },
    resolve: (experiment) => storedTags(experiment.tags),
  }),
  versions: t.prismaField({
    type: ['Experiment'],
    description: `Every version of this experiment's name (itself included, archived ones too), newest first (at most ${MAX_VERSIONS}).`,
    select: { ownerId: true, name: true },
    // Measured before read, like every list (see OperationBudget), plus a fixed cost per call (nesting multiplies calls).
    resolve: async (query, experiment, _args, ctx) => {
      const page = { where: { ownerId: experiment.ownerId, name: experiment.name }, orderBy: { version: 'desc' as const }, take: MAX_VERSIONS };
      const ids = (await ctx.runtime.db.experiment.findMany({ ...page, select: { id: true } })).map((version) => version.id);
      ctx.budget.charge(VERSIONS_CALL_BYTES + (await ctx.runtime.database.storedBytes({ table: 'Experiment', ids })), 'versions');
      return ctx.runtime.db.experiment.findMany({ ...query, where: { id: { in: ids } }, orderBy: page.orderBy });
    },
  }),
}));

builder.mutationField('updateExperiment', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Experiment',
    description:
      `Renames an experiment (every version of its name: CONFLICT on \`name\` when another of yours has it), or sets its Markdown notes (at most ${MAX_NOTES.toLocaleString('en')} characters) ` +
      `or its tags (at most ${MAX_TAGS}, each at most ${MAX_TAG} characters; trimmed, repeats dropped). What is left out stays as it is. ` +
      'After a rename, a suggest by the old name with its parameters starts a new experiment of that name (by the name alone: NOT_FOUND); trials already handed out report to the renamed one.',
    args: { id: t.arg.id({ required: true }), name: t.arg.string(), notes: t.arg.string(), tags: t.arg.stringList() },
    resolve: async (query, _root, args, ctx) => {
      const edit = parseExperimentEdit(args);
      const { id } = await editExperiment(ctx.runtime, ctx.viewer.userId, String(args.id), edit);
      return ctx.runtime.db.experiment.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('deleteExperiment', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: DeletedExperimentsRef,
    description:
      'Deletes an experiment with its trials, reports, queued parameters and checkpoints; with `allVersions`, every version of its name. ' +
      'Other experiments are untouched. Workers still holding its trials get NOT_FOUND.',
    args: { id: t.arg.id({ required: true }), allVersions: t.arg.boolean({ defaultValue: false, required: true }) },
    resolve: (_root, args, ctx): Promise<DeletedExperiments> => deleteExperiment(ctx.runtime, ctx.viewer.userId, String(args.id), args.allVersions),
  }),
);

builder.subscriptionField('experimentDeleted', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: DeletedExperimentsRef,
    description: "Emits each time some of the caller's experiments are deleted.",
    subscribe: (_root, _args, ctx) => {
      const userId = ctx.viewer.userId;
      const own = pipe(
        ctx.runtime.events.pubsub.subscribe('experiments:deleted'),
        filter((event: ExperimentDeletionEvent) => event.ownerId === userId),
      );
      return ctx.runtime.live.watch(ctx.viewer, own);
    },
    resolve: (event) => event,
  }),
);
