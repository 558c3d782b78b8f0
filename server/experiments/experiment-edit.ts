import type { Experiment, Prisma } from '../generated/prisma/client.ts';
import { badInput, isUniqueViolation, userError } from '../errors.ts';
import { nameProblem, newNameProblem, textProblem } from '../text.ts';
import type { Database } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';
import type { ExperimentDirectory } from './experiment-directory.ts';
import { experimentName, MAX_NAME } from './experiment-input.ts';

/** The longest notes an experiment keeps (Markdown source). */
export const MAX_NOTES = 20_000;
/** The most tags an experiment has. */
export const MAX_TAGS = 20;
/** The longest tag. */
export const MAX_TAG = 40;

/** `updateExperiment`'s arguments as GraphQL delivers them: null or absent leaves that part as it is. */
export interface ExperimentEditArgs {
  readonly name?: string | null;
  readonly notes?: string | null;
  readonly tags?: readonly string[] | null;
}

/** A validated edit; null leaves that part as it is. */
export interface ExperimentEdit {
  /** The new name of the experiment and every version of it. */
  readonly name: string | null;
  readonly notes: string | null;
  /** Trimmed, empty ones dropped, de-duplicated ignoring case (the first spelling kept). */
  readonly tags: readonly string[] | null;
}

/** Validates an edit once, at the boundary; throws BAD_USER_INPUT naming the field (`name`, `notes`, `tags[i]`). */
export function parseExperimentEdit(args: ExperimentEditArgs): ExperimentEdit {
  let name: string | null = null;
  if (args.name != null) {
    name = experimentName(args.name);
    // Held to the rules for new names once it is one (see editExperiment): its own name, sent again, is no change.
    const problem = nameProblem(name, MAX_NAME);
    if (problem !== null) throw badInput('name', `name ${problem}`);
  }
  let notes: string | null = null;
  if (args.notes != null) {
    const problem = textProblem(args.notes, MAX_NOTES);
    if (problem !== null) throw badInput('notes', `notes ${problem}`);
    notes = args.notes;
  }
  let tags: string[] | null = null;
  if (args.tags != null) {
    tags = [];
    const seen = new Set<string>();
    args.tags.forEach((raw, i) => {
      const tag = raw.trim();
      if (tag === '') return;
      const problem = nameProblem(tag, MAX_TAG);
      if (problem !== null) throw badInput(`tags[${i}]`, `tags[${i}] ${problem}`);
      const key = tag.toLowerCase();
      if (seen.has(key)) return;
      seen.add(key);
      tags!.push(tag);
    });
    if (tags.length > MAX_TAGS) throw badInput('tags', `tags must hold at most ${MAX_TAGS} distinct tags, but got ${tags.length}`);
  }
  return { name, notes, tags };
}

/** The tags stored on an experiment (none when absent or malformed). */
export function storedTags(tags: Prisma.JsonValue | null): string[] {
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
}

/** What {@link editExperiment} needs from the runtime. */
export interface ExperimentEditDeps {
  readonly database: Database;
  readonly events: Events;
  readonly experiments: ExperimentDirectory;
}

/**
 * Applies an edit to the owner's experiment `id` (NOT_FOUND, on `id`, when it is not theirs). Notes and
 * tags are the version's own; a new name renames every version of the experiment's name, refused with
 * CONFLICT on `name` when another of the owner's experiments has it. Suggests by the old name then
 * start a new experiment of that name (as for any unused name); trials already handed out keep
 * reporting by id to the renamed one. Open dashboards hear of every changed version.
 */
export async function editExperiment(deps: ExperimentEditDeps, ownerId: string, id: string, edit: ExperimentEdit): Promise<Experiment> {
  const { database } = deps;
  const found = await database.db.experiment.findFirst({ where: { id, ownerId } });
  if (!found) throw userError('NOT_FOUND', `No experiment with id "${id.slice(0, 100)}"`, 'id');
  const own: Prisma.ExperimentUpdateInput = {};
  if (edit.notes !== null) own.notes = edit.notes;
  if (edit.tags !== null) own.tags = edit.tags as Prisma.InputJsonArray;
  let changed: string[] = [];
  if (edit.name !== null && edit.name !== found.name) {
    const newName = edit.name;
    const problem = newNameProblem(newName, MAX_NAME);
    if (problem !== null) throw badInput('name', `name ${problem}`);
    const taken = () => userError('CONFLICT', `name: you already have an experiment named "${newName}"`, 'name');
    // Under both names' locks, so no suggest starts a version of either meanwhile: the old name's around
    // the renaming, the new name's within its transaction (PostgreSQL's advisory lock; SQLite's lock is
    // this process's queue, taken for both names in a fixed order so two renames cannot wait on each
    // other). The new name is checked in the transaction, and the unique (owner, name, version) index
    // refuses what slips by.
    const oldKey = `name:${ownerId}:${found.name}`;
    const newKey = `name:${ownerId}:${newName}`;
    const locked = <T>(fn: () => Promise<T>): Promise<T> => {
      if (database.provider !== 'sqlite') return database.withExperimentLock(oldKey, fn);
      const [first, second] = [oldKey, newKey].sort();
      return database.withExperimentLock(first!, () => database.withExperimentLock(second!, fn));
    };
    changed = await locked(async () => {
      try {
        return await database.transaction(async (tx) => {
          await database.lockWithin(tx, newKey);
          if (await tx.experiment.findFirst({ where: { ownerId, name: newName }, select: { id: true } })) throw taken();
          const line = await tx.experiment.findMany({ where: { ownerId, name: found.name }, select: { id: true } });
          await tx.experiment.updateMany({ where: { ownerId, name: found.name }, data: { name: newName } });
          if (Object.keys(own).length) await tx.experiment.update({ where: { id }, data: own });
          return line.map((row) => row.id);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw taken();
        throw error;
      }
    });
    deps.experiments.forget(ownerId, found.name);
    deps.experiments.forget(ownerId, newName);
  } else if (Object.keys(own).length) {
    await database.db.experiment.update({ where: { id }, data: own });
    changed = [id];
  }
  for (const experimentId of changed) deps.events.pubsub.publish('user:experiments', ownerId, { experimentId });
  return database.db.experiment.findUniqueOrThrow({ where: { id } });
}
