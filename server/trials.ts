import { isDeepStrictEqual } from 'node:util';
import type { Prisma } from './generated/prisma/client.ts';
import { prisma } from './db.ts';
import { userError } from './errors.ts';
import { publishTrial } from './pubsub.ts';
import { openExperiment } from './experiments.ts';
import { proposeParams } from './suggestion.ts';
import type { Viewer } from './auth.ts';
import type { SuggestRequest } from './experiment-input.ts';
import type { TrialResult } from './trial-result.ts';

/** The selection Pothos asks for, passed through to Prisma so nothing is fetched twice. */
type TrialQuery = { include?: Prisma.TrialInclude; select?: Prisma.TrialSelect };

/** Opens (or creates) the experiment, asks its optimizer for parameters and stores a RUNNING trial. */
export async function suggestTrial(viewer: Viewer, request: SuggestRequest, query: TrialQuery) {
  const experiment = await openExperiment(viewer.userId, request);
  const proposal = await proposeParams(experiment, request.space);
  const created = await prisma.$transaction(async (tx) => {
    const { nextTrialNumber } = await tx.experiment.update({
      where: { id: experiment.id },
      data: { nextTrialNumber: { increment: 1 } },
      select: { nextTrialNumber: true },
    });
    return tx.trial.create({
      select: { id: true },
      data: {
        experimentId: experiment.id,
        number: nextTrialNumber - 1,
        state: 'RUNNING',
        params: proposal.params as Prisma.InputJsonObject,
        optimizer: proposal.optimizer,
        worker: request.worker,
      },
    });
  });
  publishTrial(experiment.id, created.id);
  return prisma.trial.findUniqueOrThrow({ ...query, where: { id: created.id } });
}

/**
 * Stores a trial's result and marks it COMPLETED. Sending the same result again is harmless;
 * a different result for a completed trial is refused.
 */
export async function completeTrial(viewer: Viewer, trialId: string, result: TrialResult, query: TrialQuery) {
  const where = { id: trialId, experiment: { ownerId: viewer.userId } };
  const existing = await prisma.trial.findFirst({
    where,
    select: { experimentId: true, state: true, loss: true, metrics: true },
  });
  if (!existing) throw userError('NOT_FOUND', `No trial with id "${trialId}"`, 'trialId');
  if (existing.state === 'RUNNING') {
    const changed = await prisma.trial.updateMany({
      where: { id: trialId, state: 'RUNNING' },
      data: {
        state: 'COMPLETED',
        loss: result.loss,
        metrics: result.metrics as Prisma.InputJsonObject,
        completedAt: new Date(),
      },
    });
    if (changed.count === 1) {
      await prisma.experiment.update({ where: { id: existing.experimentId }, data: { updatedAt: new Date() } });
      publishTrial(existing.experimentId, trialId);
      return prisma.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
    }
    return completeTrial(viewer, trialId, result, query);
  }
  if (existing.loss === result.loss && isDeepStrictEqual(existing.metrics ?? {}, result.metrics)) {
    return prisma.trial.findUniqueOrThrow({ ...query, where: { id: trialId } });
  }
  throw userError('CONFLICT', `Trial "${trialId}" is already ${existing.state.toLowerCase()} with another result`, 'trialId');
}
