import { builder } from './builder.ts';
import { filter, pipe } from 'graphql-yoga';
import type { TrialEvent } from '../server/runtime/events.ts';
import { MAX_CHANGED_REPLAYED, changedSince, replayThen } from '../server/subscriptions/replay.ts';
import { selectsField } from './selected-fields.ts';
import { REPORT_BYTES } from '../server/insights/learning-curves.ts';
import { ownedExperimentId } from './owned-experiment.ts';
import { TRIAL_STATES, asTrialState } from '../server/trials/trial-state.ts';
import { parseExperimentRequest } from '../server/experiments/experiment-input.ts';
import { parseFailure, parseReport, parseTrialResult } from '../server/trials/trial-result.ts';
import { reportValue, type ReportAnswer } from '../server/trials/reports.ts';
import { resultValues, resultViolation, VIOLATION_FIELDS } from '../server/objectives/ranking.ts';
import { storedObjectives } from '../server/objectives/objectives-config.ts';
import type { Trial } from '../server/generated/prisma/client.ts';
import { heartbeat, recordOutcome, suggestTrial } from '../server/trials/trials.ts';
import { releaseTrial } from '../server/trials/release.ts';
import { MAX_CHECKPOINT_BYTES, parseCheckpoint, saveCheckpoint } from '../server/trials/checkpoints.ts';

const TrialStateEnum = builder.enumType('TrialState', {
  description:
    'RUNNING: handed to a worker. COMPLETED: its loss is in. FAILED: its worker reported an error. ' +
    'STALE: its lease ran out; its parameters are offered again (a late result still completes it). ' +
    'DUPLICATE: a result for parameters whose result was already counted. ' +
    "PRUNED: stopped early by the experiment's pruner from its intermediate values (a later result is kept as its loss, or a later failure's error).",
  values: TRIAL_STATES,
});

const IntermediateValueRef = builder.objectRef<{ step: number; value: number; metrics: unknown }>('IntermediateValue').implement({
  description: 'A value a trial reported while running, at a step (an epoch, say).',
  fields: (t) => ({
    step: t.exposeInt('step'),
    value: t.exposeFloat('value'),
    metrics: t.field({ type: 'JSON', description: 'Metrics reported with it (an empty object when none).', resolve: (report) => report.metrics ?? {} }),
  }),
});

const TrialRef = builder.prismaObject('Trial', {
  description: 'One suggested set of parameters and, once reported, its result.',
  fields: (t) => ({
    id: t.exposeID('id'),
    number: t.exposeInt('number', { description: 'Position in the experiment, from 1.' }),
    state: t.field({ type: TrialStateEnum, resolve: (trial) => asTrialState(trial.state) }),
    params: t.expose('params', { type: 'JSON', description: 'Parameter name to value.' }),
    loss: t.exposeFloat('loss', { nullable: true }),
    objective: t.float({
      nullable: true,
      description:
        "Its value of the experiment's first objective: the loss, unless the experiment names other objectives (then, say, its accuracy); null while it has none.",
      select: { state: true, loss: true, metrics: true, experiment: { select: { objectives: true } } },
      resolve: (trial) => {
        // A failed trial's metrics (sent with its error) are no result.
        if (trial.state === 'FAILED') return null;
        const value = resultValues(trial)[storedObjectives(trial.experiment.objectives)[0]!.name];
        return typeof value === 'number' && Number.isFinite(value) ? value : null;
      },
    }),
    metrics: t.field({
      type: 'JSON',
      description: 'Custom metrics reported with the loss (an empty object until then).',
      resolve: (trial) => trial.metrics ?? {},
    }),
    worker: t.exposeString('worker', { nullable: true }),
    error: t.exposeString('error', { nullable: true, description: 'Why a FAILED trial failed.' }),
    leaseExpiresAt: t.expose('leaseExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Until when the worker holds a RUNNING trial; heartbeats renew it.',
    }),
    heartbeatAt: t.expose('heartbeatAt', { type: 'DateTime', nullable: true }),
    checkpoint: t.expose('checkpoint', {
      type: 'JSON',
      nullable: true,
      description:
        'The latest checkpoint record its worker saved (null when none). A re-offered copy starts with the latest of the trial it repeats, so training resumes.',
    }),
    checkpointAt: t.expose('checkpointAt', { type: 'DateTime', nullable: true, description: 'When the checkpoint was saved.' }),
    feasible: t.boolean({
      nullable: true,
      description: "Whether its result meets the experiment's constraints (true when it has none); null until it has a result.",
      select: VIOLATION_FIELDS,
      resolve: (trial) => {
        const outside = resultViolation(trial);
        return outside === null ? null : outside === 0;
      },
    }),
    constraintViolation: t.float({
      nullable: true,
      description: "How far its result is outside the constraints: 0 when feasible, else the sum of each violated limit's distance relative to the limit; null until it has a result.",
      select: VIOLATION_FIELDS,
      resolve: (trial) => resultViolation(trial),
    }),
    lastStep: t.exposeInt('lastStep', { nullable: true, description: 'The highest step it reported an intermediate value for.' }),
    lastValue: t.exposeFloat('lastValue', { nullable: true, description: 'The intermediate value it reported at lastStep.' }),
    prunedStep: t.exposeInt('prunedStep', { nullable: true, description: 'The step at which its pruner stopped it (state PRUNED).' }),
    lostCount: t.exposeInt('lostCount', {
      description:
        'How many times in a row its parameters were lost (its worker stopped answering) with no progress, counted over its re-offered copies; 0 once it has an outcome. A FAILED trial with lostCount > 0 was failed by the server for it (experiment maxRetries).',
    }),
    intermediateValues: t.field({
      type: [IntermediateValueRef],
      description: 'Its learning curve: the values it reported, by step (at most 10,000).',
      select: { id: true },
      resolve: async (trial, _args, ctx, info) => {
        // Metrics are read (and measured, and charged) only when asked for: they can be most of a long
        // curve's bytes, and a chart wants steps and values.
        const metrics = selectsField(info, 'metrics');
        const bytes = metrics
          ? await ctx.runtime.database.storedBytes({ table: 'TrialReport', trialIds: [trial.id] })
          : (await ctx.runtime.db.trialReport.count({ where: { trialId: trial.id } })) * REPORT_BYTES;
        ctx.budget.charge(bytes, 'intermediateValues');
        return ctx.runtime.db.trialReport.findMany({ where: { trialId: trial.id }, orderBy: { step: 'asc' }, select: { step: true, value: true, metrics } });
      },
    }),
    retryOf: t.relation('retryOf', { nullable: true, description: 'The STALE trial whose parameters this one repeats.' }),
    fallbackReason: t.exposeString('fallbackReason', {
      nullable: true,
      description: "Why the parameters came from the fallback instead of the experiment's optimizer.",
    }),
    optimizer: t.exposeString('optimizer', { description: 'The optimizer that produced the parameters.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    experiment: t.prismaField({
      type: 'Experiment',
      description: 'The experiment it belongs to.',
      select: { experimentId: true },
      resolve: async (query, trial, _args, ctx) => {
        // Each copy is sent, so each is charged: a page of trials each with its experiment's whole
        // parameter space counts as that many experiments (measured once).
        const id = trial.experimentId;
        await ctx.budget.chargeRow(`Experiment:${id}`, () => ctx.runtime.database.storedBytes({ table: 'Experiment', ids: [id] }), 'experiment');
        return ctx.runtime.db.experiment.findUniqueOrThrow({ ...query, where: { id } });
      },
    }),
  }),
});

/** The experiment as `suggest` takes it (also `enqueue` and `importTrials`). */
export const ExperimentInput = builder.inputType('ExperimentInput', {
  description: 'An experiment as in the original Oscar: a name and a parameter space.',
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    parameters: t.field({
      type: 'JSON',
      description:
        'Parameter name to spec (see the README). Left out: only joins your current experiment of this name, in the space it has (NOT_FOUND on `experiment.name` when there is none; nothing is created).',
    }),
    resume: t.boolean({ defaultValue: true, description: 'false archives earlier trials of this name and starts afresh (with no parameters given: in the space it had).' }),
    algorithm: t.string({ description: 'Optimizer name; "auto" for a new experiment when omitted, unchanged when resuming.' }),
    seed: t.int({ description: 'Optimizer seed for reproducible suggestions; random when omitted.' }),
    leaseSeconds: t.int({
      description: 'Seconds a RUNNING trial is kept without a heartbeat before its parameters are offered again (default 120).',
    }),
    maxTrials: t.int({
      description:
        'The most trials the experiment runs, from 1 to 1,000,000,000 (re-offered copies of a lost or released trial not counted): once that many have been handed out, a suggest for new parameters is refused with TRIAL_BUDGET_SPENT, while lost and released trials are still offered again. No limit when omitted for a new experiment; unchanged when resuming and omitted.',
    }),
    maxRetries: t.int({
      description:
        'How many times in a row a lost trial (its worker stopped answering, with no new step reported and no new checkpoint since it got the trial) is offered again before it is FAILED instead, from 0 to 1,000, so parameters that crash every worker they reach are not offered for ever. Default 3 for a new experiment; unchanged when resuming and omitted.',
    }),
    objectives: t.field({
      type: 'JSON',
      description:
        'Result keys to minimise or maximise: {"accuracy": "maximize", "latency_ms": "minimize"} (default {"loss": "minimize"}); results must then hold each. Unchanged when resuming and omitted.',
    }),
    constraints: t.field({
      type: 'JSON',
      description: 'Limits on result values: {"memory_gb": {"max": 16}, "accuracy": {"min": 0.9}}; a trial outside them is kept, as infeasible. Unchanged when resuming and omitted.',
    }),
    pruner: t.field({
      type: 'JSON',
      description:
        'How trials are stopped early from their reported intermediate values: "median" (default), "none", "percentile", "asha", "hyperband", or an object such as {"type": "asha", "min_step": 1, "reduction": 3} (see the README). Unchanged when resuming and omitted.',
    }),
  }),
});

builder.mutationField('suggest', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: 'Creates the experiment on first use and returns a new RUNNING trial to evaluate.',
    args: {
      experiment: t.arg({ type: ExperimentInput, required: true }),
      worker: t.arg.string({
        description: 'Who runs the trial (e.g. a host name). Asking again under the same name from another instance hands back its unfinished trial.',
      }),
      instance: t.arg.string({ description: 'A random id per client process, telling a rebooted worker from a busy one.' }),
      requestId: t.arg.string({ description: 'A client-chosen id per call: retrying with it returns the same trial.' }),
    },
    resolve: (query, _root, args, ctx) => suggestTrial(ctx.runtime, ctx.viewer, parseExperimentRequest(args.experiment, args), query),
  }),
);

builder.mutationField('update', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description:
      "Reports a trial's result: a finite `loss` (minimised) and any custom metrics; or `error` to mark it FAILED.",
    args: {
      trialId: t.arg.id({ required: true }),
      result: t.arg({ type: 'JSON', required: true }),
    },
    resolve: (query, _root, args, ctx) =>
      recordOutcome(ctx.runtime, ctx.viewer, String(args.trialId), parseTrialResult(args.result), query),
  }),
);

builder.mutationField('fail', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: 'Marks a trial FAILED with the worker\'s error; failed trials are kept and not used as losses.',
    args: {
      trialId: t.arg.id({ required: true }),
      error: t.arg.string({ required: true }),
      metrics: t.arg({ type: 'JSON' }),
    },
    resolve: (query, _root, args, ctx) =>
      recordOutcome(ctx.runtime, ctx.viewer, String(args.trialId), parseFailure(args.error, args.metrics), query),
  }),
);

builder.mutationField('heartbeat', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: "Renews a running trial's lease; send one every leaseSeconds / 3 while working on it.",
    args: { trialId: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => heartbeat(ctx.runtime, ctx.viewer, String(args.trialId), query),
  }),
);

builder.mutationField('release', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description:
      'Gives a running trial up without an outcome (the worker stops, say, for a reboot or a spot machine taken back): it becomes STALE at once and the next suggest offers its parameters again, to any worker, resuming from its latest checkpoint, instead of once its lease runs out. ' +
      'Later heartbeats do not bring it back and a later report answers shouldStop; a late result is still kept. A finished trial is returned as it is; releasing again is harmless.',
    args: { trialId: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => releaseTrial(ctx.runtime, ctx.viewer, String(args.trialId), query),
  }),
);

builder.mutationField('checkpoint', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description:
      `Saves a running trial's latest checkpoint (a JSON object of at most ${MAX_CHECKPOINT_BYTES} bytes, e.g. where its weights are and the epoch) and renews its lease as a heartbeat does. ` +
      'When the trial is handed back after a reboot, or its parameters are offered again after its lease ran out, `Trial.checkpoint` carries the latest record.',
    args: {
      trialId: t.arg.id({ required: true }),
      data: t.arg({ type: 'JSON', required: true }),
    },
    resolve: (query, _root, args, ctx) => saveCheckpoint(ctx.runtime, ctx.viewer, String(args.trialId), parseCheckpoint(args.data), query),
  }),
);

const ReportAnswerRef = builder.objectRef<ReportAnswer<Trial>>('ReportAnswer').implement({
  description: 'What `report` answers.',
  fields: (t) => ({
    shouldStop: t.exposeBoolean('shouldStop', { description: "true: the experiment's pruner stopped the trial (it is PRUNED): stop training it." }),
    trial: t.field({ type: TrialRef, resolve: (answer) => answer.trial }),
  }),
});

builder.mutationField('report', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: ReportAnswerRef,
    description:
      "Reports an intermediate value of a running trial (its loss at a step), with any metrics; answers whether to stop it, as the experiment's pruner decides. " +
      'Renews the lease. Steps may come in any order, and again (the first value of a step is kept).',
    args: {
      trialId: t.arg.id({ required: true }),
      step: t.arg.int({ required: true }),
      value: t.arg.float({ required: true }),
      metrics: t.arg({ type: 'JSON' }),
    },
    resolve: (_root, args, ctx) =>
      reportValue<Trial>(ctx.runtime, ctx.viewer, String(args.trialId), parseReport(args.step, args.value, args.metrics), {}),
  }),
);

builder.subscriptionField('trialUpdated', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'Trial',
    description: 'Emits a trial of the experiment each time one is created or changes (and, with `heartbeats: true`, each time a running one renews its lease).',
    args: {
      experimentId: t.arg.id({ required: true }),
      heartbeats: t.arg.boolean({ required: true, defaultValue: false, description: 'Also emit a running trial at each heartbeat (its lease and heartbeatAt moved).' }),
      since: t.arg.int({
        description:
          `First emit the trials changed after this revision (\`TrialTable.revision\` or \`Experiment.revision\`), so a table read before subscribing misses nothing; at most ${MAX_CHANGED_REPLAYED} trials, the latest changes: a client further behind should read the table again.`,
      }),
    },
    subscribe: async (_root, args, ctx) => {
      const experimentId = await ownedExperimentId(ctx.runtime.db, ctx.viewer.userId, args.experimentId, 'experimentId');
      const subscribed = ctx.runtime.events.pubsub.subscribe('experiment:trials', experimentId);
      const events = args.heartbeats ? subscribed : pipe(subscribed, filter((event: TrialEvent) => !event.heartbeat));
      const since = args.since;
      if (since === null || since === undefined) return ctx.runtime.live.watch(ctx.viewer, events);
      // Read once every replica's events reach here (Redis confirmed the subscription): none falls in between.
      const replayed = async () => {
        await ctx.runtime.events.listening(`experiment:trials:${experimentId}`);
        return changedSince(ctx.runtime.db, experimentId, since);
      };
      return ctx.runtime.live.watch(ctx.viewer, replayThen(events, replayed, (event) => event.trialId));
    },
    resolve: (query, event, _args, ctx) => {
      ctx.budget.refill(ctx.runtime.eventBytes.of(ctx.viewer.userId)); // each event is an operation of its own, drawing on the user's allowance
      return ctx.runtime.events.loadOnce(event, `trial:${event.trialId}:${JSON.stringify(query)}`, () =>
        ctx.runtime.db.trial.findUniqueOrThrow({ ...query, where: { id: event.trialId } }),
      );
    },
  }),
);
