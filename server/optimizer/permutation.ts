/**
 * A seeded pseudo-random permutation of 0..n-1 evaluated one position at a time, in O(1) memory: how
 * grid search visits a grid of up to a billion points in a shuffled order without listing them.
 */

/** The rounds of the Feistel network: 4 make a pseudo-random permutation (Luby-Rackoff); 6 for margin. */
const ROUNDS = 6;

/** The largest n a permutation takes: every position and value then fits 32-bit halves exactly. */
export const MAX_PERMUTED = 2 ** 52;

function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A bijection of [0, n) keyed by a seed: a balanced Feistel network on the smallest even number of bits
 * that holds n, with cycle walking (a value at or past n is permuted again until it falls below n,
 * which it does after fewer than 4 steps on average, since the network's domain is under 4n).
 */
export class Permutation {
  private readonly halfBits: number;
  private readonly halfSize: number;
  private readonly keys: readonly number[];

  /**
   * @param size n, a safe integer from 0 to {@link MAX_PERMUTED}.
   * @param seed any safe integer; the same seed gives the same order.
   * @throws {RangeError} if `size` is out of range.
   */
  constructor(
    readonly size: number,
    seed: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_PERMUTED) throw new RangeError(`Permutation: size must be a whole number from 0 to 2^52, but got ${size}`);
    // Counted, not Math.log2: its rounding undercounts just past 2^50.
    let bits = 0;
    while (2 ** bits < size) bits++;
    this.halfBits = Math.ceil(bits / 2);
    this.halfSize = 2 ** this.halfBits;
    const low = seed % 2 ** 32;
    const high = Math.floor(seed / 2 ** 32);
    this.keys = Array.from({ length: ROUNDS }, (_, round) => mix32(mix32(low + round * 0x9e3779b9) ^ mix32(high + 0x7f4a7c15 * (round + 1))));
  }

  private round(value: number): number {
    const mask = this.halfSize - 1;
    let left = Math.floor(value / this.halfSize);
    let right = value % this.halfSize;
    for (const key of this.keys) {
      const next = (left ^ (mix32(right ^ key) & mask)) >>> 0;
      left = right;
      right = next % this.halfSize;
    }
    return left * this.halfSize + right;
  }

  /**
   * The value at `position` (0 <= position < size): distinct positions give distinct values.
   * @throws {RangeError} if `position` is out of range.
   */
  at(position: number): number {
    if (!Number.isSafeInteger(position) || position < 0 || position >= this.size) throw new RangeError(`Permutation: position must be a whole number below ${this.size}, but got ${position}`);
    if (this.halfBits === 0) return position;
    let value = position;
    do value = this.round(value);
    while (value >= this.size);
    return value;
  }
}
