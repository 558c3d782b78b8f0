import { badInput, userError } from '../errors.ts';
import type { OperationBudget } from '../http/operation-budget.ts';
import type { Database } from '../runtime/database.ts';
import { chartedObjective, type Objective } from '../insights/charted-objective.ts';
import { storedConstraints, storedObjectives, violation, type Direction } from '../objectives/objectives-config.ts';
import { resultValues } from '../objectives/ranking.ts';
import { bestSoFarCurve, type BestSoFarCurve, type CurveTrial } from './compare-curve.ts';

/** The fewest experiments one comparison holds. */
export const MIN_COMPARED = 2;
/** The most experiments one comparison holds. */
export const MAX_COMPARED = 8;

/** Bytes charged per completed trial read for a loss curve (its number and loss: no JSON column is read). */
const CURVE_ROW_BYTES = 32;

/** An experiment's best-so-far curve of its charted objective. */
export interface ExperimentCurve extends BestSoFarCurve {
  readonly experimentId: string;
  readonly objective: Objective;
  /** The experiment's COMPLETED trials (some may lack a value of the objective). */
  readonly completed: number;
}

/**
 * Checks the ids of a comparison: 2 to 8, none repeated, each one of the caller's experiments
 * (archived versions included). Someone else's id and a missing one get the same NOT_FOUND. Returns
 * the ids in the order given.
 */
export async function comparedIds(database: Database, ownerId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length < MIN_COMPARED || ids.length > MAX_COMPARED) {
    throw badInput('ids', `ids: compare ${MIN_COMPARED} to ${MAX_COMPARED} experiments, but got ${ids.length}`);
  }
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw badInput('ids', `ids: the experiment "${repeated}" is listed twice`);
  const owned = await database.db.experiment.findMany({ where: { id: { in: [...ids] }, ownerId }, select: { id: true } });
  const found = new Set(owned.map((experiment) => experiment.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw userError('NOT_FOUND', `No experiment with id "${missing}"`, 'ids');
  return [...ids];
}

/**
 * The SQL (and its argument) that reads only the improvements of the loss, in trial order: each
 * completed trial whose loss beats every earlier one's (a window over the trials, in the database).
 */
export function lossImprovementsQuery(provider: Database['provider'], direction: Direction, experimentId: string): { sql: string; args: string[] } {
  const [best, beats] = direction === 'maximize' ? ['MAX', '>'] : ['MIN', '<'];
  const placeholder = provider === 'postgresql' ? '$1' : '?';
  const sql =
    `SELECT "number", "loss" FROM (SELECT "number", "loss", ${best}("loss") OVER (ORDER BY "number" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS "before" ` +
    `FROM "Trial" WHERE "experimentId" = ${placeholder} AND "state" = 'COMPLETED' AND "loss" IS NOT NULL) AS "ranked" ` +
    `WHERE "before" IS NULL OR "loss" ${beats} "before" ORDER BY "number"`;
  return { sql, args: [experimentId] };
}

/**
 * The best so far of an experiment's charted objective (`loss`, or its first objective when loss is
 * not one) over trial number, bounded to MAX_CURVE_POINTS whatever the trial count, charged to
 * `budget` before the trials are read. For the loss, the database finds the improvements (a window
 * over the completed trials) and only they are read; for another objective, the completed trials'
 * numbers and metrics.
 */
export async function experimentCurve(database: Database, experiment: { id: string; objectives: unknown; constraints: unknown }, budget: OperationBudget): Promise<ExperimentCurve> {
  const objective = chartedObjective(storedObjectives(experiment.objectives));
  const constraints = storedConstraints(experiment.constraints);
  const where = { experimentId: experiment.id, state: 'COMPLETED' };
  if (objective.name === 'loss' && constraints.length === 0) {
    const [completed, valued, last] = await Promise.all([
      database.db.trial.count({ where }),
      database.db.trial.count({ where: { ...where, loss: { not: null } } }),
      database.db.trial.findFirst({ where: { ...where, loss: { not: null } }, orderBy: { number: 'desc' }, select: { number: true } }),
    ]);
    budget.charge(valued * CURVE_ROW_BYTES, 'bestSoFar');
    const { sql, args } = lossImprovementsQuery(database.provider, objective.direction, experiment.id);
    const rows = await database.db.$queryRawUnsafe<{ number: number | bigint; loss: number }[]>(sql, ...args);
    const trials = rows.map((row): CurveTrial => ({ number: Number(row.number), state: 'COMPLETED', value: Number(row.loss) }));
    // The last completed trial ends the staircase, at the best so far (an improvement only when it is the last row).
    const top = trials.at(-1);
    if (last && top && top.number < last.number) trials.push({ number: last.number, state: 'COMPLETED', value: top.value });
    const curve = bestSoFarCurve(trials, objective.direction);
    return { ...curve, valued, experimentId: experiment.id, objective, completed };
  }
  const except = ['params', 'error', 'worker', 'fallbackReason', 'checkpoint'];
  budget.charge(await database.storedBytes({ table: 'Trial', experimentId: experiment.id, except }), 'bestSoFar');
  const rows = await database.db.trial.findMany({ where, select: { number: true, loss: true, metrics: true }, orderBy: { number: 'asc' } });
  // With constraints, only feasible trials count (as for `bestTrial` and the Trials panel's best).
  const curve = bestSoFarCurve(
    rows.map((row) => {
      const values = resultValues(row);
      return { number: row.number, state: 'COMPLETED', value: violation(values, constraints) === 0 ? values[objective.name] : undefined };
    }),
    objective.direction,
  );
  return { ...curve, experimentId: experiment.id, objective, completed: rows.length };
}
