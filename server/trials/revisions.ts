import type { Transaction } from '../runtime/database.ts';

/**
 * The next revision of an experiment's trials, taken inside `tx`, which must also write the trial(s)
 * with it. Incrementing the experiment's counter locks its row until the transaction commits, so
 * revisions commit in order: a reader that has seen revision r has seen every change up to r, and a
 * history cache in any process catches up by reading the trials with a higher revision.
 */
export async function nextRevision(tx: Transaction, experimentId: string): Promise<number> {
  const { revision } = await tx.experiment.update({
    where: { id: experimentId },
    data: { revision: { increment: 1 } },
    select: { revision: true },
  });
  return revision;
}
