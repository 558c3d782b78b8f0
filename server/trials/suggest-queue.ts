import type { Experiment, Prisma, Trial } from '../generated/prisma/client.ts';
import type { SuggestInput } from '../experiments/experiment-input.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import type { HistoryCache, Proposal } from './history.ts';
import type { TrialDirectory } from './trial-directory.ts';
import { settingChanges } from '../experiments/experiments.ts';
import { userError } from '../errors.ts';
import { reuseTrials } from './reuse.ts';
import { budgetSpent, gridSpent, trialsAllowed } from './trial-budget.ts';
import { gridSizeOf } from '../experiments/experiment-grid.ts';
import { currentVersion, runningTrialData, StaleExperiment } from './running-trial.ts';
import { ENQUEUED, nextQueued, queuedDecrement, removeQueued } from './queue.ts';
import type { Params } from '../optimizer/space.ts';

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
  readonly trials: TrialDirectory;
}

/**
 * The trial a suggest gets: its id, and for a new trial its row with its experiment's (as the
 * transaction that created it left them), so the answer needs no further query.
 */
export interface HandedOut {
  readonly id: string;
  readonly row: (Trial & { experiment: Experiment }) | null;
}

interface Waiter {
  readonly request: SuggestInput;
  /** The experiment came from the directory, unchecked: check it against the row (see StaleExperiment). */
  readonly remembered: boolean;
  resolve(trial: HandedOut): void;
  reject(error: unknown): void;
}

/**
 * Hands out trials for suggest requests, experiment by experiment under the experiment's lock (which
 * spans replicas on PostgreSQL). Requests that arrive while the lock is busy wait together, and the
 * next holder serves all of them: each gets its retried trial, its own unfinished one or a STALE
 * trial's parameters if there is one, then the experiment's enqueued parameters, in order; the rest
 * get new parameters from one optimizer call, stored as trials numbered in turn in one transaction (those
 * it has none for, grid search's grid used up, are told so). So waiting workers never queue behind each other's
 * optimizer calls, and the optimizer always sees every running trial.
 */
export class SuggestQueue {
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly deps: SuggestQueueDeps) {}

  /**
   * The id of the RUNNING trial handed out for `request` on `experimentId`; `remembered` when the
   * experiment came from the directory. Fails with {@link StaleExperiment} when the experiment is
   * archived by the time a trial would be stored, or, remembered, out of date.
   */
  enqueue(experimentId: string, request: SuggestInput, remembered = false): Promise<HandedOut> {
    return new Promise<HandedOut>((resolve, reject) => {
      const waiter = { request, remembered, resolve, reject };
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
    // One turn of the event loop first: suggests that arrived together (their requests already read) share the batch.
    const serve = () => new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.serve(experimentId));
    void this.deps.database.withExperimentLock(experimentId, serve).catch((error: unknown) => {
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
    const row = await db.experiment.findUnique({ where: { id: experimentId } });
    if (!row) {
      // Deleted since it was opened: a remembered one is opened afresh by name; the others are told.
      for (const waiter of batch) waiter.reject(waiter.remembered ? new StaleExperiment() : userError('NOT_FOUND', `Experiment "${waiter.request.name}" was deleted`, 'experiment.name'));
      return;
    }
    let experiment = row;
    const current: Waiter[] = [];
    for (const waiter of batch) {
      // Archived since it was opened (a `resume: false` meanwhile: opening a current version takes no lock), or, remembered, out of date.
      const stale =
        experiment.archivedAt !== null ||
        (waiter.remembered && (experiment.name !== waiter.request.name || Object.keys(settingChanges(experiment, waiter.request)).length > 0));
      if (stale) waiter.reject(new StaleExperiment());
      else current.push(waiter);
    }
    if (current.length === 0) return;
    // Requests retried while the first attempt still waits (one requestId) share one outcome: only the
    // first of them is served, so the batch never holds two trials for one requestId.
    const sharers = new Map<Waiter, Waiter[]>();
    const firstOf = new Map<string, Waiter>();
    for (const waiter of current) {
      const id = waiter.request.requestId;
      const first = id === null ? undefined : firstOf.get(id);
      if (first) sharers.get(first)!.push(waiter);
      else {
        sharers.set(waiter, [waiter]);
        if (id !== null) firstOf.set(id, waiter);
      }
    }
    const distinct = [...sharers.keys()];
    const settle = (waiter: Waiter, outcome: HandedOut | Error) => {
      for (const same of sharers.get(waiter)!) {
        if (outcome instanceof Error) same.reject(outcome);
        else same.resolve(outcome);
      }
    };
    const { reuses, changed } = await reuseTrials(this.deps, experiment, distinct.map((w) => w.request));
    const fresh: Waiter[] = [];
    distinct.forEach((waiter, i) => {
      const reuse = reuses[i];
      if (reuse instanceof Error) settle(waiter, reuse);
      else if (reuse) settle(waiter, { id: reuse, row: null });
      else fresh.push(waiter);
    });
    if (fresh.length === 0) return;
    // Reusing wrote trials (a new revision and maybe trial number): the optimizer must see them.
    if (changed) experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId } });
    // A trial budget: new parameters only while it lasts (under this experiment's lock, so never past it);
    // lost and released trials were offered again above all the same.
    const allowed = await trialsAllowed(db, experiment, fresh.length);
    const refused = fresh.splice(allowed);
    if (refused.length > 0) {
      // The trials this batch is about to hand out run too.
      const spent = await budgetSpent(db, experiment, fresh.length);
      for (const waiter of refused) settle(waiter, spent);
    }
    if (fresh.length === 0) return;
    // Enqueued parameters go first, in order (taken in the transaction that stores their trials); the
    // optimizer proposes the rest. A failure here rejects the whole batch (serve): the promises settled
    // above stay as they are.
    const queued = await nextQueued(db, experiment, fresh.length);
    // The optimizer sees the queued sets as running: they become trials with its proposals.
    const proposed =
      queued.length < fresh.length
        ? await this.deps.histories.propose(experiment, fresh[0]!.request.space, fresh.length - queued.length, queued.map((set) => set.params as Params))
        : [];
    const proposals: Proposal[] = [...queued.map((set) => ({ params: set.params as Params, optimizer: ENQUEUED, fallbackReason: null })), ...proposed];
    // Fewer proposals than asked: grid search has handed out every point of its grid.
    const unserved = fresh.splice(proposals.length);
    if (unserved.length > 0) {
      const spent = await gridSpent(db, experiment, gridSizeOf(experiment) ?? proposals.length, fresh.length);
      for (const waiter of unserved) settle(waiter, spent);
    }
    if (fresh.length === 0) return;
    const rows = await this.createTrials(experiment, fresh.map((w) => w.request), proposals, queued.map((set) => set.id));
    fresh.forEach((waiter, i) => {
      const row = rows[i]!;
      const id = row.id;
      this.deps.trials.remember(id, { experimentId: experiment.id, ownerId: experiment.ownerId, rootId: id });
      settle(waiter, { id, row });
      this.deps.events.publishTrial(experiment.ownerId, experiment.id, id);
    });
  }

  /**
   * Stores proposals as RUNNING trials, numbered in turn, in one transaction (which also removes the
   * queued sets they came from); returns their rows. Fails with {@link StaleExperiment}, storing
   * nothing, when the experiment was archived since it was read.
   */
  private createTrials(
    experiment: Experiment,
    requests: readonly SuggestInput[],
    proposals: readonly Proposal[],
    queuedIds: readonly string[],
  ): Promise<(Trial & { experiment: Experiment })[]> {
    const now = Date.now();
    return this.deps.database.transaction(async (tx) => {
      await removeQueued(tx, queuedIds);
      // The experiment's next revision (server/trials/revisions.ts), trial numbers and queued count, in one update.
      const updated = currentVersion(
        await tx.experiment.update({
          where: { id: experiment.id },
          data: { revision: { increment: 1 }, nextTrialNumber: { increment: requests.length }, ...queuedDecrement(queuedIds.length) },
        }),
      );
      const { nextTrialNumber, revision } = updated;
      const first = nextTrialNumber - requests.length;
      const created = await tx.trial.createManyAndReturn({
        data: requests.map((request, i) => {
          const { params, optimizer, fallbackReason } = proposals[i]!;
          return runningTrialData(experiment, { number: first + i, params: params as Prisma.JsonValue, optimizer, fallbackReason }, request, revision, now);
        }),
      });
      const byNumber = new Map(created.map((trial) => [trial.number, trial]));
      return requests.map((_, i) => ({ ...byNumber.get(first + i)!, experiment: updated }));
    });
  }
}
