/** Experiments one process remembers by owner and name. */
const MAX_EXPERIMENTS = 10_000;

/** A current experiment as a suggest names it: its id, and its parameter space in canonical form. */
export interface KnownExperiment {
  readonly id: string;
  readonly canonicalSpace: string;
}

/**
 * Which experiment an owner's name refers to, remembered per process so that a suggest for a running
 * experiment needs no lookup. An experiment's space never changes, so a hit is checked against the
 * request's space here, and against the experiment's row (archived since? other settings asked for?)
 * by the suggest queue, which reads that row anyway: a remembered answer is never acted on stale.
 */
export class ExperimentDirectory {
  private readonly known = new Map<string, KnownExperiment>();

  private static key(ownerId: string, name: string): string {
    return `${ownerId}\n${name}`;
  }

  /** The remembered experiment for this owner and name, if any. */
  get(ownerId: string, name: string): KnownExperiment | undefined {
    return this.known.get(ExperimentDirectory.key(ownerId, name));
  }

  remember(ownerId: string, name: string, experiment: KnownExperiment): void {
    const key = ExperimentDirectory.key(ownerId, name);
    this.known.delete(key);
    this.known.set(key, experiment);
    if (this.known.size > MAX_EXPERIMENTS) this.known.delete(this.known.keys().next().value!);
  }

  /** Forgets what this owner's name refers to (it was archived, renamed or deleted). */
  forget(ownerId: string, name: string): void {
    this.known.delete(ExperimentDirectory.key(ownerId, name));
  }
}
