import { isDeepStrictEqual } from 'node:util';
import type { Experiment, Prisma } from './generated/prisma/client.ts';
import { prisma, transaction } from './db.ts';
import { userError } from './errors.ts';
import { publishTrial } from './pubsub.ts';
import { openExperiment } from './experiments.ts';
import { withExperimentLock } from './experiment-lock.ts';
import { expireLeases, leaseUntil } from './leases.ts';
import { proposeParams } from './suggestion.ts';
import type { Viewer } from './auth.ts';
import type { SuggestRequest } from './experiment-input.ts';
import type { TrialOutcome } from './trial-result.ts';

/** The selection Pothos asks for, passed through to Prisma so nothing is fetched twice. */
type TrialQuery = { include?: Prisma.TrialInclude; select?: Prisma.TrialSelect };

/** States in which a group of trials with the same parameters needs no new copy. */
const SETTLED_OR_RUNNING = ['RUNNING', 'COMPLETED', 'FAILED', 'DUPLICATE'];

async function createTrial(
  experiment: Experiment,
  request: SuggestRequest,
  data: Pick<Prisma.TrialUncheckedCreateInput, 'params' | 'optimizer' | 'fallbackReason' | 'retryOfId'>,
): Promise<string> {
  const now = Date.now();
  return transaction(async (tx) => {
    const { nextTrialNumber } = await tx.experiment.update({
      where: { id: experiment.id },
      data: { nextTrialNumber: { increment: 1 } },
      select: { nextTrialNumber: true },
    });
    const trial = await tx.trial.create({
      select: { id: true },
      data: {
        ...data,
        experimentId: experiment.id,
        number: nextTrialNumber - 1,
        state: 'RUNNING',
        worker: request.worker,
        instance: request.instance,
        requestId: request.requestId,
        leaseExpiresAt: leaseUntil(experiment.leaseSeconds, now),
        heartbeatAt: new Date(now),
      },
    });
    return trial.id;
  });
}

/** Hands a trial back to its holder with a fresh lease (a retried request, or a worker back from a reboot). */
async function handBack(experiment: Experiment, trialId: string, request: SuggestRequest): Promise<string> {
  await prisma.trial.update({
    where: { id: trialId },
    data: {
      state: 'RUNNING',
      instance: request.instance,
      requestId: request.requestId,
      leaseExpiresAt: leaseUntil(experiment.leaseSeconds),
      heartbeatAt: new Date(),
    },
  });
  return trialId;
}

/**
 * A trial this worker left unfinished under another client instance: STALE and not yet re-offered, or
 * RUNNING but silent for half its lease (clients beat every third of it), so a second live process
 * on the same host, still beating, keeps its own trial.
 */
async function unfinishedTrialOf(experiment: Experiment, request: SuggestRequest): Promise<string | null> {
  if (request.worker === null) return null;
  const silentSince = new Date(Date.now() - (experiment.leaseSeconds * 1000) / 2);
  const candidates = await prisma.trial.findMany({
    where: {
      experimentId: experiment.id,
      worker: request.worker,
      AND: [
        { OR: [{ state: 'STALE' }, { state: 'RUNNING', heartbeatAt: { lt: silentSince } }] },
        ...(request.instance !== null ? [{ OR: [{ instance: null }, { instance: { not: request.instance } }] }] : []),
      ],
    },
    orderBy: { number: 'asc' },
    select: { id: true, state: true, retryOfId: true },
  });
  for (const trial of candidates) {
    if (trial.state === 'RUNNING' || !(await groupIsSettledOrRunning(trial.retryOfId ?? trial.id, trial.id))) return trial.id;
  }
  return null;
}

/** Whether a trial with these parameters (the original or a copy, other than `except`) is running or has an outcome. */
async function groupIsSettledOrRunning(rootId: string, except: string): Promise<boolean> {
  const count = await prisma.trial.count({
    where: { OR: [{ id: rootId }, { retryOfId: rootId }], id: { not: except }, state: { in: SETTLED_OR_RUNNING } },
  });
  return count > 0;
}

/** The oldest STALE trial whose parameters nobody is evaluating any more, to offer them again. */
async function staleTrialToReoffer(experiment: Experiment): Promise<{ id: string; rootId: string; params: Prisma.JsonValue } | null> {
  const stale = await prisma.trial.findMany({
    where: { experimentId: experiment.id, state: 'STALE' },
    orderBy: { number: 'asc' },
    select: { id: true, retryOfId: true, params: true },
  });
  for (const trial of stale) {
    const rootId = trial.retryOfId ?? trial.id;
    if (!(await groupIsSettledOrRunning(rootId, trial.id))) return { id: trial.id, rootId, params: trial.params };
  }
  return null;
}

async function handOut(experiment: Experiment, request: SuggestRequest): Promise<string> {
  if (request.requestId !== null) {
    const retried = await prisma.trial.findUnique({
      where: { experimentId_requestId: { experimentId: experiment.id, requestId: request.requestId } },
      select: { id: true, state: true },
    });
    if (retried) return retried.state === 'RUNNING' ? handBack(experiment, retried.id, request) : retried.id;
  }
  await expireLeases(experiment.id);
  const own = await unfinishedTrialOf(experiment, request);
  if (own) return handBack(experiment, own, request);
  const stale = await staleTrialToReoffer(experiment);
  if (stale) {
    const trial = await prisma.trial.findUniqueOrThrow({ where: { id: stale.id }, select: { optimizer: true } });
    return createTrial(experiment, request, {
      params: stale.params as Prisma.InputJsonObject,
      optimizer: trial.optimizer,
      retryOfId: stale.rootId,
    });
  }
  const proposal = await proposeParams(experiment, request.space);
  return createTrial(experiment, request, {
    params: proposal.params as Prisma.InputJsonObject,
    optimizer: proposal.optimizer,
    fallbackReason: proposal.fallbackReason,
  });
}

/**
 * Opens (or creates) the experiment and hands out a RUNNING trial: the same one again for a retried
 * request or for a worker back from a reboot, else the parameters of a STALE trial, else new parameters
 * from the experiment's optimizer.
 */
export async function suggestTrial(viewer: Viewer, request: SuggestRequest, query: TrialQuery) {
  const experiment = await openExperiment(viewer.userId, request);
  const trialId = await withExperimentLock(experiment.id, async () =>
    // Read again under the lock: trial numbers and seeds move on with every trial handed out.
    handOut(await prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } }), request),
  );
  publishTrial(viewer.userId, experiment.id, trialId);
  return prisma.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}

async function ownedTrial(viewer: Viewer, trialId: string) {
  const trial = await prisma.trial.findFirst({
    where: { id: trialId, experiment: { ownerId: viewer.userId } },
    select: { id: true, experimentId: true, state: true, loss: true, metrics: true, error: true, retryOfId: true },
  });
  if (!trial) throw userError('NOT_FOUND', `No trial with id "${trialId}"`, 'trialId');
  return trial;
}

function sameOutcome(trial: { loss: number | null; error: string | null; metrics: Prisma.JsonValue }, outcome: TrialOutcome): boolean {
  const same = outcome.kind === 'completed' ? trial.loss === outcome.loss : trial.error === outcome.error;
  return same && isDeepStrictEqual(trial.metrics ?? {}, outcome.metrics);
}

/**
 * Records a trial's outcome: COMPLETED with its loss, or FAILED with the worker's error. A late result
 * for a STALE trial is kept; when its parameters already have a counted result (from a re-offered copy,
 * or the original), it is kept as DUPLICATE. The same outcome sent twice is stored once; a different
 * one for a finished trial is refused with CONFLICT.
 */
export async function recordOutcome(viewer: Viewer, trialId: string, outcome: TrialOutcome, query: TrialQuery) {
  const { experimentId } = await ownedTrial(viewer, trialId);
  await withExperimentLock(experimentId, async () => {
    const trial = await ownedTrial(viewer, trialId);
    if (trial.state !== 'RUNNING' && trial.state !== 'STALE') {
      if (sameOutcome(trial, outcome)) return;
      throw userError('CONFLICT', `Trial "${trialId}" is already ${trial.state.toLowerCase()} with another result`, 'trialId');
    }
    const rootId = trial.retryOfId ?? trial.id;
    const counted =
      outcome.kind === 'completed' &&
      (await prisma.trial.count({ where: { OR: [{ id: rootId }, { retryOfId: rootId }], state: 'COMPLETED' } })) > 0;
    const now = new Date();
    await transaction(async (tx) => {
      await tx.trial.update({
        where: { id: trialId },
        data: {
          state: outcome.kind === 'failed' ? 'FAILED' : counted ? 'DUPLICATE' : 'COMPLETED',
          loss: outcome.kind === 'completed' ? outcome.loss : null,
          error: outcome.kind === 'failed' ? outcome.error : null,
          metrics: outcome.metrics as Prisma.InputJsonObject,
          completedAt: now,
          leaseExpiresAt: null,
        },
      });
      await tx.experiment.update({ where: { id: experimentId }, data: { updatedAt: now } });
    });
    publishTrial(viewer.userId, experimentId, trialId);
  });
  return prisma.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}

/**
 * Renews a running trial's lease (without waiting for the experiment's other work). A STALE trial
 * whose parameters were not offered again comes back to RUNNING. Finished trials are returned as
 * they are, so the worker can tell.
 */
export async function heartbeat(viewer: Viewer, trialId: string, query: TrialQuery) {
  const { experimentId } = await ownedTrial(viewer, trialId);
  const { leaseSeconds } = await prisma.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { leaseSeconds: true } });
  const renewal = { state: 'RUNNING', leaseExpiresAt: leaseUntil(leaseSeconds), heartbeatAt: new Date() };
  const renewed = await prisma.trial.updateMany({ where: { id: trialId, state: 'RUNNING' }, data: renewal });
  if (renewed.count === 0) {
    await withExperimentLock(experimentId, async () => {
      const trial = await ownedTrial(viewer, trialId);
      if (trial.state !== 'STALE' || (await groupIsSettledOrRunning(trial.retryOfId ?? trial.id, trial.id))) return;
      await prisma.trial.update({ where: { id: trialId }, data: renewal });
      publishTrial(viewer.userId, experimentId, trialId);
    });
  }
  return prisma.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
}
