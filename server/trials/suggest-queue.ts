import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import type { SuggestRequest } from '../experiments/experiment-input.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import type { HistoryCache, Proposal } from './history.ts';
import { expireLeases, leaseUntil } from './leases.ts';
import { nextRevision } from './revisions.ts';

/** States in which a group of trials with the same parameters needs no new copy. */
const SETTLED_OR_RUNNING = ['RUNNING', 'COMPLETED', 'FAILED', 'DUPLICATE'];

/**
 * The most new trials one optimizer call proposes. More waiting workers take turns; a batch's cost
 * grows with its size for the model-based optimizers (each member is conditioned on the ones before).
 */
export const MAX_BATCH = 32;

/** What the queue needs from the runtime. */
export interface SuggestQueueDeps {
  readonly database: Database;
  readonly events: Events;
  readonly histories: HistoryCache;
}

interface Waiter {
  readonly request: SuggestRequest;
  resolve(trialId: string): void;
  reject(error: unknown): void;
}

/**
 * Hands out trials for suggest requests, experiment by experiment under the experiment's lock (which
 * spans replicas on PostgreSQL). Requests that arrive while the lock is busy wait together, and the
 * next holder serves all of them: each gets its retried trial, its own unfinished one or a STALE
 * trial's parameters if there is one; the rest get new parameters from one optimizer call, stored as
 * trials numbered in turn in one transaction. So waiting workers never queue behind each other's
 * optimizer calls, and the optimizer always sees every running trial.
 */
export class SuggestQueue {
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly deps: SuggestQueueDeps) {}

  /** The id of the RUNNING trial handed out for `request` on `experimentId`. */
  enqueue(experimentId: string, request: SuggestRequest): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const waiter = { request, resolve, reject };
      const queue = this.waiting.get(experimentId);
      if (queue) {
        queue.push(waiter);
        return;
      }
      this.waiting.set(experimentId, [waiter]);
      this.schedule(experimentId);
    });
  }

  private schedule(experimentId: string): void {
    void this.deps.database.withExperimentLock(experimentId, () => this.serve(experimentId)).catch((error: unknown) => {
      // The lock itself failed (the database went away): nobody queued behind it may wait forever.
      for (const waiter of this.waiting.get(experimentId) ?? []) waiter.reject(error);
      this.waiting.delete(experimentId);
    });
  }

  /** Serves the requests waiting for an experiment (up to MAX_BATCH new trials): call it holding the lock. */
  private async serve(experimentId: string): Promise<void> {
    const all = this.waiting.get(experimentId) ?? [];
    this.waiting.delete(experimentId);
    if (all.length === 0) return;
    const batch = all.slice(0, MAX_BATCH);
    const rest = all.slice(MAX_BATCH);
    if (rest.length) {
      this.waiting.set(experimentId, [...rest, ...(this.waiting.get(experimentId) ?? [])]);
      this.schedule(experimentId);
    }
    try {
      await this.handOut(experimentId, batch);
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }

  private async handOut(experimentId: string, batch: readonly Waiter[]): Promise<void> {
    const { db } = this.deps.database;
    await expireLeases(this.deps, experimentId);
    let experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId } });
    const fresh: Waiter[] = [];
    for (const waiter of batch) {
      try {
        const trialId = await this.reuse(experiment, waiter.request);
        if (trialId) waiter.resolve(trialId);
        else fresh.push(waiter);
      } catch (error) {
        waiter.reject(error);
      }
    }
    if (fresh.length === 0) return;
    // Requests retried while the first attempt still waited share its trial.
    const byRequest = new Map<string, Waiter[]>();
    const distinct: Waiter[] = [];
    for (const waiter of fresh) {
      const id = waiter.request.requestId;
      const same = id === null ? undefined : byRequest.get(id);
      if (same) same.push(waiter);
      else {
        distinct.push(waiter);
        if (id !== null) byRequest.set(id, [waiter]);
      }
    }
    experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId } });
    const proposals = await this.deps.histories.propose(experiment, distinct[0]!.request.space, distinct.length);
    const ids = await this.createTrials(experiment, distinct.map((w) => w.request), proposals);
    distinct.forEach((waiter, i) => {
      const id = ids[i]!;
      for (const same of waiter.request.requestId === null ? [waiter] : byRequest.get(waiter.request.requestId)!) same.resolve(id);
      this.deps.events.publishTrial(experiment.ownerId, experiment.id, id);
    });
  }

  /** Stores proposals as RUNNING trials, numbered in turn, in one transaction; returns their ids. */
  private createTrials(experiment: Experiment, requests: readonly SuggestRequest[], proposals: readonly Proposal[]): Promise<string[]> {
    const now = Date.now();
    return this.deps.database.transaction(async (tx) => {
      const revision = await nextRevision(tx, experiment.id);
      const { nextTrialNumber } = await tx.experiment.update({
        where: { id: experiment.id },
        data: { nextTrialNumber: { increment: requests.length } },
        select: { nextTrialNumber: true },
      });
      const first = nextTrialNumber - requests.length;
      const ids: string[] = [];
      for (const [i, request] of requests.entries()) {
        const proposal = proposals[i]!;
        const trial = await tx.trial.create({
          select: { id: true },
          data: {
            experimentId: experiment.id,
            number: first + i,
            state: 'RUNNING',
            params: proposal.params as Prisma.InputJsonObject,
            optimizer: proposal.optimizer,
            fallbackReason: proposal.fallbackReason,
            worker: request.worker,
            instance: request.instance,
            requestId: request.requestId,
            leaseExpiresAt: leaseUntil(experiment.leaseSeconds, now),
            heartbeatAt: new Date(now),
            revision,
          },
        });
        ids.push(trial.id);
      }
      return ids;
    });
  }

  /**
   * A trial this request should get without asking the optimizer: the one a retried request already
   * got, the worker's own unfinished one (a reboot), or a copy of a STALE trial nobody is re-running.
   */
  private async reuse(experiment: Experiment, request: SuggestRequest): Promise<string | null> {
    const { db } = this.deps.database;
    if (request.requestId !== null) {
      const retried = await db.trial.findUnique({
        where: { experimentId_requestId: { experimentId: experiment.id, requestId: request.requestId } },
        select: { id: true, state: true },
      });
      if (retried) return retried.state === 'RUNNING' ? this.handBack(experiment, retried.id, request) : retried.id;
    }
    const own = await this.unfinishedTrialOf(experiment, request);
    if (own) return this.handBack(experiment, own, request);
    const stale = await this.staleTrialToReoffer(experiment);
    if (!stale) return null;
    const now = Date.now();
    const id = await this.deps.database.transaction(async (tx) => {
      const revision = await nextRevision(tx, experiment.id);
      const { nextTrialNumber } = await tx.experiment.update({
        where: { id: experiment.id },
        data: { nextTrialNumber: { increment: 1 } },
        select: { nextTrialNumber: true },
      });
      const trial = await tx.trial.create({
        select: { id: true },
        data: {
          experimentId: experiment.id,
          number: nextTrialNumber - 1,
          state: 'RUNNING',
          params: stale.params as Prisma.InputJsonObject,
          optimizer: stale.optimizer,
          retryOfId: stale.rootId,
          worker: request.worker,
          instance: request.instance,
          requestId: request.requestId,
          leaseExpiresAt: leaseUntil(experiment.leaseSeconds, now),
          heartbeatAt: new Date(now),
          revision,
        },
      });
      return trial.id;
    });
    this.deps.events.publishTrial(experiment.ownerId, experiment.id, id);
    return id;
  }

  /** Hands a trial back to its holder with a fresh lease (a retried request, or a worker back from a reboot). */
  private async handBack(experiment: Experiment, trialId: string, request: SuggestRequest): Promise<string> {
    await this.deps.database.transaction(async (tx) => {
      const revision = await nextRevision(tx, experiment.id);
      await tx.trial.update({
        where: { id: trialId },
        data: {
          state: 'RUNNING',
          instance: request.instance,
          requestId: request.requestId,
          leaseExpiresAt: leaseUntil(experiment.leaseSeconds),
          heartbeatAt: new Date(),
          revision,
        },
      });
    });
    this.deps.events.publishTrial(experiment.ownerId, experiment.id, trialId);
    return trialId;
  }

  /**
   * A trial this worker left unfinished under another client instance: STALE and not yet re-offered, or
   * RUNNING but silent for half its lease (clients beat every third of it), so a second live process
   * on the same host, still beating, keeps its own trial.
   */
  private async unfinishedTrialOf(experiment: Experiment, request: SuggestRequest): Promise<string | null> {
    if (request.worker === null) return null;
    const silentSince = new Date(Date.now() - (experiment.leaseSeconds * 1000) / 2);
    const candidates = await this.deps.database.db.trial.findMany({
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
      if (trial.state === 'RUNNING' || !(await groupIsSettledOrRunning(this.deps.database, trial.retryOfId ?? trial.id, trial.id))) return trial.id;
    }
    return null;
  }

  /** The oldest STALE trial whose parameters nobody is evaluating any more, to offer them again. */
  private async staleTrialToReoffer(experiment: Experiment) {
    const stale = await this.deps.database.db.trial.findMany({
      where: { experimentId: experiment.id, state: 'STALE' },
      orderBy: { number: 'asc' },
      select: { id: true, retryOfId: true, params: true, optimizer: true },
    });
    for (const trial of stale) {
      const rootId = trial.retryOfId ?? trial.id;
      if (!(await groupIsSettledOrRunning(this.deps.database, rootId, trial.id))) return { rootId, params: trial.params, optimizer: trial.optimizer };
    }
    return null;
  }
}

/** Whether a trial with these parameters (the original or a copy, other than `except`) is running or has an outcome. */
export async function groupIsSettledOrRunning(database: Database, rootId: string, except: string): Promise<boolean> {
  const count = await database.db.trial.count({
    where: { OR: [{ id: rootId }, { retryOfId: rootId }], id: { not: except }, state: { in: SETTLED_OR_RUNNING } },
  });
  return count > 0;
}
