/**
 * Pareto fronts (trial ids) shared by the reads of one experiment's front at one revision (aliases in a
 * query, several pages open, a subscription's events) and kept for the latest few, so the insights'
 * single worker thread, where large fronts are found, is not taken by the same work again. A failure
 * is not kept.
 */
export class FrontCache {
  private readonly fronts = new Map<string, Promise<string[]>>();

  constructor(private readonly size = 16) {}

  /** The front `key` names (experiment, revision, objectives, constraints): the one being found or kept, else `find`'s. */
  ids(key: string, find: () => Promise<string[]>): Promise<string[]> {
    let front = this.fronts.get(key);
    if (front === undefined) {
      front = find();
      this.fronts.set(key, front);
      front.catch(() => {
        if (this.fronts.get(key) === front) this.fronts.delete(key);
      });
      while (this.fronts.size > this.size) this.fronts.delete(this.fronts.keys().next().value!);
    }
    return front;
  }
}
