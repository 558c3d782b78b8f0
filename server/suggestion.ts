import { isDeepStrictEqual } from 'node:util';
import type { Experiment, Prisma } from './generated/prisma/client.ts';
import { prisma } from './db.ts';
import { suggestOffThread } from './compute-pool.ts';
import { boundedHistory } from './optimizer/registry.ts';
import { deriveSeed } from './optimizer/rng.ts';
import type { Params, SearchSpace } from './optimizer/space.ts';
import type { CompletedTrial } from './optimizer/types.ts';

/** Parameters to try next, the algorithm that chose them, and what to store with them. */
export interface Proposal {
  readonly params: Params;
  /** The algorithm that produced `params` (`auto` resolved to the one it used; `quasi_random` after a fallback). */
  readonly optimizer: string;
  /** Null normally; why the quasi-random fallback answered instead of the optimizer (time bound, failure). For `Trial.fallbackReason`. */
  readonly fallbackReason: string | null;
  /** The optimizer's opaque state after this suggestion (already saved to `Experiment.optimizerState`). */
  readonly state: unknown;
}

/** How long a proposal handed out counts as running before its trial shows up in the database. */
const PENDING_TTL_MS = 60_000;
/** Rows updated this long before the newest one seen are read again, in case a transaction committed late. */
const WATERMARK_MARGIN_MS = 2_000;
/** Experiments whose history is kept in memory. */
const MAX_CACHED_EXPERIMENTS = 64;

interface KnownTrial {
  state: string;
  params: Params;
  loss: number | null;
}

/**
 * An experiment's trial history, kept in memory and brought up to date
 * incrementally (rows updated since the last read), so a suggestion does not
 * re-read and re-parse the whole history. `completed` is in the order trials
 * completed, as optimizers expect (oldest first).
 */
interface History {
  readonly trials: Map<number, KnownTrial>;
  readonly completed: CompletedTrial[];
  /** RUNNING trials by number. */
  readonly running: Map<number, Params>;
  /** Proposals handed out whose trial is not in the database yet: running, as far as the optimizer is concerned. */
  pending: { params: Params; at: number }[];
  watermark: Date | null;
  state: unknown;
  /** Serialises suggestions of one experiment, so each sees the ones before it as running. */
  queue: Promise<unknown>;
}

const histories = new Map<string, History>();

function historyOf(experiment: Experiment): History {
  let history = histories.get(experiment.id);
  if (history) {
    histories.delete(experiment.id);
    histories.set(experiment.id, history);
    return history;
  }
  history = { trials: new Map(), completed: [], running: new Map(), pending: [], watermark: null, state: experiment.optimizerState ?? undefined, queue: Promise.resolve() };
  histories.set(experiment.id, history);
  while (histories.size > MAX_CACHED_EXPERIMENTS) histories.delete(histories.keys().next().value!);
  return history;
}

async function refresh(experimentId: string, history: History): Promise<void> {
  const since = history.watermark === null ? undefined : new Date(history.watermark.getTime() - WATERMARK_MARGIN_MS);
  const rows = await prisma.trial.findMany({
    where: { experimentId, ...(since ? { updatedAt: { gte: since } } : {}) },
    select: { number: true, state: true, params: true, loss: true, updatedAt: true },
    orderBy: [{ completedAt: 'asc' }, { number: 'asc' }],
  });
  let completedChanged = false;
  for (const row of rows) {
    if (history.watermark === null || row.updatedAt > history.watermark) history.watermark = row.updatedAt;
    const known = history.trials.get(row.number);
    if (known && known.state === row.state && known.loss === row.loss) continue;
    const params = row.params as Params;
    if (known?.state === 'COMPLETED') completedChanged = true;
    history.trials.set(row.number, { state: row.state, params, loss: row.loss });
    if (row.state === 'COMPLETED' && row.loss !== null && !completedChanged) history.completed.push({ params, loss: row.loss });
    // Once its trial is stored (whatever its state by now), a proposal is no longer pending.
    if (history.pending.length) history.pending = history.pending.filter((p) => !isDeepStrictEqual(p.params, params));
    if (row.state === 'RUNNING') history.running.set(row.number, params);
    else history.running.delete(row.number);
  }
  if (completedChanged) {
    // A completed trial changed (rare: an edit); rebuild the list from the map, by trial number.
    history.completed.length = 0;
    for (const [, t] of [...history.trials].sort((a, b) => a[0] - b[0])) {
      if (t.state === 'COMPLETED' && t.loss !== null) history.completed.push({ params: t.params, loss: t.loss });
    }
  }
}

function algorithmUsed(name: string, state: unknown): string {
  if (name !== 'auto' || typeof state !== 'object' || state === null || !('algorithm' in state)) return name;
  return String(state.algorithm);
}

/**
 * Asks the experiment's optimizer for the next parameters, given every
 * completed and running trial, on a worker thread with a time bound (see
 * `suggestOffThread`). Saves the optimizer's state to the experiment. The
 * caller stores the returned proposal as a RUNNING trial.
 */
export async function proposeParams(experiment: Experiment, space: SearchSpace): Promise<Proposal> {
  const history = historyOf(experiment);
  const turn = history.queue.then(() => propose(experiment, space, history));
  history.queue = turn.catch(() => undefined);
  return turn;
}

async function propose(experiment: Experiment, space: SearchSpace, history: History): Promise<Proposal> {
  await refresh(experiment.id, history);
  const now = Date.now();
  history.pending = history.pending.filter((p) => now - p.at < PENDING_TTL_MS);
  const running = [...history.running.values()].map((params) => ({ params }));
  for (const p of history.pending) running.push({ params: p.params });
  const result = await suggestOffThread({
    algorithm: experiment.algorithm,
    space,
    // Only what the optimizer will use crosses to the worker thread (bounded for long histories).
    completed: boundedHistory(experiment.algorithm, space, history.completed),
    running,
    seed: deriveSeed(experiment.seed, experiment.nextTrialNumber, history.pending.length),
    state: history.state,
  });
  const params = result.suggestions[0];
  if (!params) throw new Error(`optimizer "${experiment.algorithm}" returned no suggestion`);
  history.pending.push({ params, at: now });
  if (result.fallbackReason === null && result.state !== undefined && !isDeepStrictEqual(result.state, history.state)) {
    history.state = result.state;
    await prisma.experiment.update({
      where: { id: experiment.id },
      data: { optimizerState: result.state as Prisma.InputJsonValue },
    });
  }
  const optimizer = result.fallbackReason === null ? algorithmUsed(experiment.algorithm, result.state) : 'quasi_random';
  return { params, optimizer, fallbackReason: result.fallbackReason, state: result.state };
}
