import { builder } from './builder.ts';
import { ExperimentInput } from './trial.ts';
import { currentTargetId, previewTarget, targetExperiment } from '../server/experiments/experiment-target.ts';
import { downloadPath } from '../server/http/trial-download.ts';
import { EXPORT_FORMATS, exportFileName, exportTrials, type ExportFormat } from '../server/trials/export.ts';
import { checkImportedTrials, importedBefore, importTrials, MAX_IMPORT_BATCH, type ImportOutcome } from '../server/trials/import.ts';
import { parseRequestId } from '../server/experiments/experiment-input.ts';
import { REQUEST_ID_DAYS } from '../server/trials/request-expiry.ts';

const ExportFormatEnum = builder.enumType('ExportFormat', {
  description: 'CSV (a column per parameter and per metric) or JSON (the experiment spec and every trial).',
  values: { CSV: { value: 'csv' }, JSON: { value: 'json' } } as const,
});

const TrialExportRef = builder.objectRef<{ readonly experimentId: string; readonly name: string; readonly version: number; readonly format: ExportFormat }>('TrialExport').implement({
  description: "An experiment's trials as a file: download it from `url`, or read it whole as `text` (for small experiments).",
  fields: (t) => ({
    format: t.field({ type: ExportFormatEnum, resolve: (file) => file.format }),
    url: t.string({
      description:
        "The path, on the server's origin, that downloads the file (GET, with `Authorization: Bearer TOKEN` or the dashboard's session), streamed whatever the number of trials.",
      resolve: (file) => downloadPath(file.experimentId, file.format),
    }),
    fileName: t.string({ resolve: (file) => exportFileName(file, file.format) }),
    text: t.string({
      description: "The whole file, charged to the operation's stored-data budget (64 MiB): use `url` for large experiments.",
      resolve: async (file, _args, ctx) => {
        ctx.budget.charge(await ctx.runtime.database.storedBytes({ table: 'Trial', experimentId: file.experimentId }), 'export.text');
        const experiment = await ctx.runtime.db.experiment.findUniqueOrThrow({ where: { id: file.experimentId } });
        // The experiment as it is now: any change to it or its trials moves its revision or its updatedAt.
        const key = JSON.stringify([experiment.id, experiment.revision, experiment.updatedAt.getTime(), file.format]);
        return ctx.runtime.exports.get(key, async () => {
          let text = '';
          for await (const chunk of await exportTrials(ctx.runtime.database, experiment, file.format)) text += chunk;
          return text;
        });
      },
    }),
  }),
});

builder.prismaObjectField('Experiment', 'export', (t) =>
  t.field({
    type: TrialExportRef,
    description: `Every trial as a CSV or JSON file (${EXPORT_FORMATS.join(', ')}); \`oscar import\` reads both back.`,
    args: { format: t.arg({ type: ExportFormatEnum, defaultValue: 'csv', required: true }) },
    select: { id: true, name: true, version: true },
    resolve: (experiment, args) => ({ experimentId: experiment.id, name: experiment.name, version: experiment.version, format: args.format }),
  }),
);

const ImportedTrialInput = builder.inputType('ImportedTrialInput', {
  description: 'A finished trial to import: its parameters, and its result as `update` takes it.',
  fields: (t) => ({
    params: t.field({ type: 'JSON', required: true, description: 'Parameter name to value; every value must fit the experiment\'s space.' }),
    result: t.field({
      type: 'JSON',
      required: true,
      description: '{"loss": 0.3, ...metrics} for a COMPLETED trial (the experiment\'s objectives required), or {"error": "..."} for a FAILED one.',
    }),
    worker: t.string({ description: 'The worker that ran it (as `suggest` takes `worker`); null when unknown.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When it started (from 1970 to now); left out: `completedAt`, else the time of the import.' }),
    completedAt: t.field({ type: 'DateTime', description: 'When it finished (not before `createdAt`); left out: `createdAt`, else the time of the import.' }),
  }),
});

const ImportResultRef = builder.objectRef<ImportOutcome & { readonly dryRun: boolean }>('ImportResult').implement({
  description: 'What `importTrials` stored.',
  fields: (t) => ({
    imported: t.exposeInt('imported', { description: 'How many trials were stored (or, for a dry run, checked).' }),
    numbers: t.field({ type: ['Int'], description: "The new trials' numbers, in the order given (empty for a dry run, unless `repeated`).", resolve: (result) => [...result.numbers] }),
    dryRun: t.exposeBoolean('dryRun'),
    repeated: t.exposeBoolean('repeated', {
      description: 'true when this is the answer an earlier call with the same `requestId` got: this call stored nothing (`imported` and `numbers` are what that call stored).',
    }),
    experiment: t.prismaField({
      type: 'Experiment',
      nullable: true,
      description: 'The experiment the trials went to (null for a dry run of an experiment not created yet).',
      resolve: (query, result, _args, ctx) => (result.experiment ? ctx.runtime.db.experiment.findUniqueOrThrow({ ...query, where: { id: result.experiment.id } }) : null),
    }),
  }),
});

builder.mutationField('importTrials', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: ImportResultRef,
    description:
      `Stores finished trials (COMPLETED or FAILED) from elsewhere, so the optimizer learns from them: at most ${MAX_IMPORT_BATCH} a call, all or none. ` +
      'Every row is checked first; a bad one refuses the batch with BAD_USER_INPUT naming it (`trials[3].params.x`). ' +
      'Name the experiment by exactly one of `experiment` (as suggest takes it: created on first use), `experimentId` or `experimentName`. `dryRun` checks without storing. ' +
      'A call resent with the same `requestId` gets the first answer and stores nothing more (nor does its `resume: false` archive again).',
    args: {
      experiment: t.arg({ type: ExperimentInput }),
      experimentId: t.arg.id(),
      experimentName: t.arg.string(),
      trials: t.arg({ type: [ImportedTrialInput], required: true }),
      dryRun: t.arg.boolean({ defaultValue: false, required: true }),
      requestId: t.arg.string({
        description: `A client-chosen id per call (at most 100 characters): resending the call with the same one returns the first answer (\`repeated\`) and stores nothing, for ${REQUEST_ID_DAYS} days, while the version it went to is the one the call names (renamed or archived since: a new call). A dry run with an id already used answers what that call stored, \`repeated\`, checking nothing; a dry run's own id is not kept.`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      // Checked on a dry run too (so the real call is not refused for it), but only the real call's is kept.
      const requestId = parseRequestId(args.requestId);
      const target = {
        experiment: args.experiment,
        experimentId: args.experimentId === undefined || args.experimentId === null ? null : String(args.experimentId),
        experimentName: args.experimentName,
      };
      // A resend (its answer was lost on the way): the first call's answer, nothing stored or archived
      // again, while it went to the experiment this call names. A dry run with a used id answers the
      // same, so a client can tell what an earlier run stored; it forgets nothing.
      const before =
        requestId === null ? null : await importedBefore(ctx.runtime.db, ctx.viewer.userId, requestId, await currentTargetId(ctx.runtime.db, ctx.viewer.userId, target), !args.dryRun);
      if (before) return { ...before, dryRun: args.dryRun };
      // Checked first, with nothing written: refused rows neither create nor change an experiment.
      const { experiment: existing, basis } = await previewTarget(ctx.runtime.database, ctx.runtime.events, ctx.viewer, target);
      const checked = checkImportedTrials(basis, args.trials).length;
      if (args.dryRun) return { experiment: existing, imported: checked, numbers: [], dryRun: true, repeated: false };
      const experiment = await targetExperiment(ctx.runtime.database, ctx.runtime.events, ctx.viewer, target, requestId);
      return { ...(await importTrials(ctx.runtime, experiment, args.trials, requestId)), dryRun: false };
    },
  }),
);
