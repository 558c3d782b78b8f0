import type { Prisma } from '../generated/prisma/client.ts';
import { storedObjectives } from '../objectives/objectives-config.ts';
import type { Database } from '../runtime/database.ts';
import { asRecord } from '../json.ts';
import { chartedObjective, scoredValue, type Objective } from './charted-objective.ts';
import type { ScoredTrial } from './importance.ts';

/** Which of an experiment's trials the insights score, on which objective, and a stamp that changes when they do. */
export interface ScoredSelection {
  readonly objective: Objective;
  readonly where: Prisma.TrialWhereInput;
  /** The objective, and the completed trials' count and latest revision: equal stamps, equal trials. */
  readonly stamp: string;
}

/** The experiment's completed trials as the insights see them (see {@link chartedObjective}), and their stamp. */
export async function scoredSelection(database: Database, experimentId: string): Promise<ScoredSelection> {
  const { db } = database;
  const experiment = await db.experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { objectives: true } });
  const objective = chartedObjective(storedObjectives(experiment.objectives));
  // A custom objective sits in the metrics JSON, which the database cannot filter alike on SQLite
  // and PostgreSQL: every completed trial counts, those without the value are left out when scored.
  const where: Prisma.TrialWhereInput = objective.name === 'loss' ? { experimentId, state: 'COMPLETED', loss: { not: null } } : { experimentId, state: 'COMPLETED' };
  const latest = await db.trial.aggregate({ where, _count: true, _max: { revision: true } });
  const stamp = `${objective.direction} ${JSON.stringify(objective.name)}:${latest._count}:${latest._max.revision ?? 0}`;
  return { objective, where, stamp };
}

/** The trials `where` selects, oldest first, each with its value of `objective` (lower is better); those without one are left out. */
export async function scoredTrials(database: Database, { where, objective }: ScoredSelection): Promise<ScoredTrial[]> {
  const { db } = database;
  if (objective.name === 'loss') {
    const rows = await db.trial.findMany({ where, select: { params: true, loss: true }, orderBy: { number: 'asc' } });
    return rows.map((row) => ({ params: asRecord(row.params), loss: scoredValue(row.loss, objective) }));
  }
  const rows = await db.trial.findMany({ where, select: { params: true, metrics: true }, orderBy: { number: 'asc' } });
  const trials: ScoredTrial[] = [];
  for (const row of rows) {
    const loss = scoredValue(asRecord(row.metrics)[objective.name], objective);
    if (!Number.isNaN(loss)) trials.push({ params: asRecord(row.params), loss });
  }
  return trials;
}
