import { LRUCache } from 'lru-cache';

/** How many results a {@link SharedResults} keeps, and (optionally) how much room they may take. */
export interface SharedResultsOptions<T> {
  /** The most results kept. */
  readonly max: number;
  /** The most room the kept results take together, as `size` measures them; a larger one is shared while it is computed, not kept. */
  readonly maxSize?: number;
  /** A result's room (a positive whole number). */
  readonly size?: (result: T) => number;
}

/**
 * Results of slow work shared by key (lru-cache's `fetch`): the callers asking for a key while its
 * result is computed get that one computation, and the latest results are kept, least recently used
 * forgotten first. A failure is told to its callers and not kept.
 */
export class SharedResults<T extends NonNullable<unknown>> {
  private readonly cache: LRUCache<string, T, () => Promise<T>>;

  constructor(options: SharedResultsOptions<T>) {
    const { size } = options;
    this.cache = new LRUCache<string, T, () => Promise<T>>({
      max: options.max,
      ...(options.maxSize === undefined || size === undefined ? {} : { maxSize: options.maxSize, sizeCalculation: (result: T) => Math.max(1, size(result)) }),
      fetchMethod: (_key, _stale, { context }) => context(),
    });
  }

  /** The result `key` names: the one being computed or kept, else `compute`'s. */
  async get(key: string, compute: () => Promise<T>): Promise<T> {
    return (await this.cache.fetch(key, { context: compute }))!;
  }
}
