import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import type { SuggestInput } from '../experiments/experiment-input.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import { expireLeases, isReleased, leaseUntil } from './leases.ts';
import { givenUp, groupHighestStep, groupLostCount, lostCountAfter, lostFailure, NOT_FAILED } from './lost-trials.ts';
import { nextRevision } from './revisions.ts';
import { currentVersion, runningTrialData } from './running-trial.ts';
import { GROUP_IS_FREE, groupIsSettledOrRunning, groupLock, latestGroupCheckpoint, OUTCOMES } from './trial-groups.ts';

/** What reusing trials needs from the runtime. */
export interface ReuseDeps {
  readonly database: Database;
  readonly events: Events;
}

/** Candidates read per batch, at most (the rest wait for the next suggests). */
const MAX_CANDIDATES = 128;

/** For each request: the trial it gets without the optimizer, null when it needs new parameters, or what went wrong. */
export type Reuse = string | null | Error;

/**
 * The trials a batch of suggest requests should get without asking the optimizer, in order of
 * preference for each: the one a retried request already got (revived if its lease ran out, unless
 * its parameters went to another trial: then the request is served as a new one); the worker's own
 * unfinished trial (a reboot: STALE and not offered again, or RUNNING but silent for half its lease,
 * from another client instance, so a second live process on one host keeps its own); a copy of a
 * STALE trial nobody is re-running. Three queries for the whole batch find the candidates (and
 * leases that ran out, which it then expires); each hand-back or copy re-checks its trial's group
 * under the group's lock, so a result that arrived meanwhile wins.
 * `changed` is true when anything was written (the experiment's revision moved).
 */
export async function reuseTrials(deps: ReuseDeps, experiment: Experiment, requests: readonly SuggestInput[]): Promise<{ reuses: Reuse[]; changed: boolean }> {
  let candidates = await findCandidates(deps, experiment, requests);
  let changed = false;
  if (candidates.expired) {
    // Leases ran out since the last sweep: mark those trials STALE, so their parameters are offered again.
    changed = (await expireLeases(deps, experiment.id)) > 0;
    candidates = await findCandidates(deps, experiment, requests);
  }
  const { retried, unfinished, stale } = candidates;
  const byRequestId = new Map(retried.map((t) => [t.requestId, t]));
  /** Trials and groups handed out in this batch already. */
  const taken = new Set<string>();
  const reuses: Reuse[] = [];
  for (const request of requests) {
    try {
      const again = request.requestId === null ? undefined : byRequestId.get(request.requestId);
      if (again) {
        // Renewed, or revived if its lease ran out; a finished one as it is. One whose parameters went to
        // another trial meanwhile gave up the request id: the request is served below, as a new one.
        const back = again.state === 'RUNNING' || again.state === 'STALE' ? await handBack(deps, experiment, again.id, request, again.retryOfId ?? again.id, false) : 'finished';
        changed ||= back === 'handed back';
        if (back !== 'taken') {
          reuses.push(again.id);
          continue;
        }
      }
      const own = unfinished.find(
        (t) =>
          t.worker === request.worker &&
          (request.instance === null || t.instance === null || t.instance !== request.instance) &&
          !taken.has(t.id) &&
          !taken.has(t.retryOfId ?? t.id),
      );
      if (own) {
        const rootId = own.retryOfId ?? own.id;
        taken.add(own.id).add(rootId);
        // Its old process is gone (a reboot): a RUNNING trial's hand-back counts as a loss.
        if ((await handBack(deps, experiment, own.id, request, rootId, true)) === 'handed back') {
          changed = true;
          reuses.push(own.id);
          continue;
        }
      }
      const copyOf = stale.find((t) => !taken.has(t.id) && !taken.has(t.retryOfId ?? t.id));
      if (copyOf) {
        const rootId = copyOf.retryOfId ?? copyOf.id;
        taken.add(copyOf.id).add(rootId);
        const copy = await reoffer(deps, experiment, { ...copyOf, rootId }, request);
        if (copy) {
          changed = true;
          reuses.push(copy);
          continue;
        }
      }
      reuses.push(null);
    } catch (error) {
      reuses.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return { reuses, changed };
}

const CANDIDATE_FIELDS = {
  id: true,
  number: true,
  state: true,
  requestId: true,
  worker: true,
  instance: true,
  retryOfId: true,
  params: true,
  optimizer: true,
  leaseExpiresAt: true,
} satisfies Prisma.TrialSelect;

type Candidate = Prisma.TrialGetPayload<{ select: typeof CANDIDATE_FIELDS }>;

/**
 * The trials a batch might reuse, in three index lookups: the trials of its request ids; its workers'
 * RUNNING trials silent for half a lease and their free STALE ones; and anyone's STALE trials whose
 * group is free, with RUNNING ones whose lease ran out (`expired`: the caller expires them). At most
 * MAX_CANDIDATES from each of the last two, so a worker back from a reboot finds its own trial however
 * many others are STALE; sorted by number (with more than MAX_CANDIDATES free STALE trials, which of
 * them are read is up to the database).
 */
async function findCandidates(deps: ReuseDeps, experiment: Experiment, requests: readonly SuggestInput[]) {
  const { db } = deps.database;
  const requestIds = [...new Set(requests.map((r) => r.requestId).filter((id): id is string => id !== null))];
  const workers = [...new Set(requests.map((r) => r.worker).filter((w): w is string => w !== null))];
  const now = new Date();
  const silentSince = new Date(now.getTime() - (experiment.leaseSeconds * 1000) / 2);
  const freeStale = { state: 'STALE', ...GROUP_IS_FREE } satisfies Prisma.TrialWhereInput;
  // No ORDER BY: it would lead SQLite to walk every trial in number order instead of these few.
  const [retried, own, open] = await Promise.all([
    requestIds.length ? db.trial.findMany({ where: { experimentId: experiment.id, requestId: { in: requestIds } }, select: CANDIDATE_FIELDS }) : [],
    workers.length
      ? db.trial.findMany({
          where: {
            experimentId: experiment.id,
            worker: { in: workers },
            state: { in: ['RUNNING', 'STALE'] },
            OR: [{ state: 'RUNNING', heartbeatAt: { lt: silentSince } }, freeStale],
          },
          take: MAX_CANDIDATES,
          select: CANDIDATE_FIELDS,
        })
      : [],
    db.trial.findMany({
      where: { experimentId: experiment.id, state: { in: ['RUNNING', 'STALE'] }, OR: [freeStale, { state: 'RUNNING', leaseExpiresAt: { lt: now } }] },
      take: MAX_CANDIDATES,
      select: CANDIDATE_FIELDS,
    }),
  ]);
  const byId = new Map([...own, ...open].map((row) => [row.id, row]));
  const others = [...byId.values()].filter((row) => row.requestId === null || !requestIds.includes(row.requestId)).sort((a, b) => a.number - b.number);
  const expired = (row: Candidate) => row.state === 'RUNNING' && row.leaseExpiresAt !== null && row.leaseExpiresAt < now;
  return {
    retried,
    expired: others.some(expired),
    // Silent RUNNING trials of the batch's workers, and free STALE ones (a worker's own, or anyone's to re-offer).
    // A released trial is not handed back as its worker's own: given up, it goes to the next worker as a copy
    // with an id of its own, so a release sent again (a retry) cannot touch a trial another process now holds.
    unfinished: others.filter((row) => row.worker !== null && workers.includes(row.worker) && !expired(row) && !isReleased(row)),
    stale: others.filter((row) => row.state === 'STALE'),
  };
}

/**
 * What {@link handBack} did: handed the trial back, or why not: its result arrived meanwhile
 * ('finished'), or it is STALE and its parameters went to a copy, or a copy's result came ('taken'),
 * or it was lost once too often without progress and is FAILED now ('given up').
 */
type HandBack = 'handed back' | 'finished' | 'taken' | 'given up';

/**
 * Hands a trial of group `rootId` back to its holder with a fresh lease (a retried request, or a worker
 * back from a reboot), RUNNING again if it was STALE. A STALE trial whose parameters were taken gives
 * up the request id it holds when this is a retry of that request, so the trial the request gets
 * instead can hold it. On a `reboot`, a trial still RUNNING was lost by the process that held it: that
 * counts as a loss (a STALE one's was counted when its lease ran out), and one lost more than the
 * experiment's `maxRetries` times in a row with no progress is FAILED instead (server/trials/lost-trials.ts).
 */
async function handBack(deps: ReuseDeps, experiment: Experiment, trialId: string, request: SuggestInput, rootId: string, reboot: boolean): Promise<HandBack> {
  const { database } = deps;
  const handedBack = await database.transaction(async (tx): Promise<HandBack> => {
    // Results take the same lock (recordOutcome): one that is being stored finishes first, and wins.
    await database.lockWithin(tx, groupLock(rootId));
    const attempt = await tx.trial.findUniqueOrThrow({
      where: { id: trialId },
      select: { state: true, checkpointAt: true, requestId: true, lastStep: true, attemptAt: true, attemptStep: true, lostCount: true },
    });
    const { state, checkpointAt, requestId } = attempt;
    if (state !== 'RUNNING' && state !== 'STALE') return 'finished';
    if (state === 'STALE' && (await groupIsSettledOrRunning(tx, rootId, trialId))) {
      if (requestId !== null && requestId === request.requestId) await tx.trial.update({ where: { id: trialId }, data: { requestId: null } });
      return 'taken';
    }
    // A RUNNING trial is its group's latest attempt; a STALE one may have had copies since: the group's
    // count, less the loss its lease's end counted when this is a retried request (its worker never got it).
    const lostCount =
      state === 'RUNNING' ? (reboot ? lostCountAfter(attempt) : attempt.lostCount) : Math.max(0, (await groupLostCount(tx, rootId)) - (reboot ? 0 : 1));
    // (Only on a reboot: a retried request keeps its trial, and its request id, as they are.)
    // (Nor when its parameters have an outcome already: it is not failed beside it.)
    if (reboot && givenUp(lostCount, experiment.maxRetries) && !(await groupIsSettledOrRunning(tx, rootId, trialId, OUTCOMES))) {
      await tx.trial.update({ where: { id: trialId }, data: lostFailure(lostCount, experiment.maxRetries, await nextRevision(tx, experiment.id)) });
      return 'given up';
    }
    // A copy of a STALE trial may have got further before it went STALE too: resume from the latest.
    const latest = state === 'STALE' ? await latestGroupCheckpoint(tx, rootId) : null;
    const newer = latest && (checkpointAt === null || latest.checkpointAt > checkpointAt) ? latest : null;
    const revision = await nextRevision(tx, experiment.id);
    // A new attempt (not a retried request for a trial still held): progress is counted from here.
    const fresh = reboot || state === 'STALE';
    await tx.trial.update({
      where: { id: trialId },
      data: {
        ...(fresh ? { attemptAt: new Date(), attemptStep: await groupHighestStep(tx, rootId), lostCount } : {}),
        ...NOT_FAILED,
        state: 'RUNNING',
        instance: request.instance,
        requestId: request.requestId,
        leaseExpiresAt: leaseUntil(experiment.leaseSeconds),
        heartbeatAt: new Date(),
        revision,
        ...(newer ? { checkpoint: newer.checkpoint as Prisma.InputJsonValue, checkpointAt: newer.checkpointAt } : {}),
      },
    });
    return 'handed back';
  });
  if (handedBack === 'handed back' || handedBack === 'given up') deps.events.publishTrial(experiment.ownerId, experiment.id, trialId);
  return handedBack;
}

/**
 * Offers a STALE trial's parameters again, as a new trial linked to the group's root; null when its
 * group got a result or a runner meanwhile; StaleExperiment when the experiment was archived meanwhile.
 */
async function reoffer(
  deps: ReuseDeps,
  experiment: Experiment,
  stale: { id: string; rootId: string; params: Prisma.JsonValue; optimizer: string },
  request: SuggestInput,
): Promise<string | null> {
  const { database } = deps;
  const now = Date.now();
  const id = await database.transaction(async (tx) => {
    await database.lockWithin(tx, groupLock(stale.rootId));
    // The STALE trial itself counts too: its late result may have arrived since it was read.
    if (await groupIsSettledOrRunning(tx, stale.rootId)) return null;
    // The copy resumes from the latest checkpoint of the group, so training goes on instead of restarting.
    const latest = await latestGroupCheckpoint(tx, stale.rootId);
    // The losses in a row of its latest attempt carry over; progress is counted from the group's highest step.
    const lostCount = await groupLostCount(tx, stale.rootId);
    const attemptStep = await groupHighestStep(tx, stale.rootId);
    const { nextTrialNumber, revision } = currentVersion(
      await tx.experiment.update({
        where: { id: experiment.id },
        data: { revision: { increment: 1 }, nextTrialNumber: { increment: 1 } },
        select: { nextTrialNumber: true, revision: true, archivedAt: true },
      }),
    );
    const trial = await tx.trial.create({
      select: { id: true },
      data: {
        ...runningTrialData(
          experiment,
          { number: nextTrialNumber - 1, params: stale.params, optimizer: stale.optimizer, retryOfId: stale.rootId, checkpoint: latest },
          request,
          revision,
          now,
        ),
        attemptAt: new Date(now),
        attemptStep,
        lostCount,
      },
    });
    return trial.id;
  });
  if (id) deps.events.publishTrial(experiment.ownerId, experiment.id, id);
  return id;
}
