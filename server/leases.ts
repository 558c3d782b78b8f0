import { prisma } from './db.ts';
import { publishTrial } from './pubsub.ts';

/** The end of a lease of `seconds` from now. */
export function leaseUntil(seconds: number, now = Date.now()): Date {
  return new Date(now + seconds * 1000);
}

/**
 * Marks RUNNING trials whose lease has run out as STALE (in one experiment, or everywhere) and tells
 * subscribers. Their parameters are then offered again by the next suggest.
 */
export async function expireLeases(experimentId?: string): Promise<number> {
  const now = new Date();
  const expired = await prisma.trial.findMany({
    where: { state: 'RUNNING', leaseExpiresAt: { lt: now }, ...(experimentId ? { experimentId } : {}) },
    select: { id: true, experimentId: true, experiment: { select: { ownerId: true } } },
  });
  if (expired.length === 0) return 0;
  await prisma.trial.updateMany({
    where: { id: { in: expired.map((t) => t.id) }, state: 'RUNNING', leaseExpiresAt: { lt: now } },
    data: { state: 'STALE' },
  });
  for (const trial of expired) publishTrial(trial.experiment.ownerId, trial.experimentId, trial.id);
  return expired.length;
}

/** Expires leases every `intervalMs` so dashboards see STALE trials without waiting for a suggest; returns a stop function. */
export function startLeaseSweeper(intervalMs = 5000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    expireLeases()
      .catch((error: unknown) => console.error('lease sweep failed:', error))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
