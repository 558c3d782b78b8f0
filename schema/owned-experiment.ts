import { userError } from '../server/errors.ts';
import type { Db } from '../server/runtime/database.ts';

/**
 * `id` when it names one of `userId`'s experiments; else NOT_FOUND naming `field`, the same answer
 * for another user's experiment as for none (a subscription learns nothing of others' ids).
 */
export async function ownedExperimentId(db: Db, userId: string, id: string | number, field: string): Promise<string> {
  const experimentId = String(id);
  const owned = await db.experiment.count({ where: { id: experimentId, ownerId: userId } });
  if (!owned) throw userError('NOT_FOUND', `No experiment with id "${experimentId}"`, field);
  return experimentId;
}
