import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded source of random numbers; the only randomness optimizers may use. */
export interface Rng {
  /** A float in [0, 1) with 53 random bits. */
  uniform(): number;
  /** An integer in [from, to], both included, without modulo bias. */
  int(from: number, to: number): number;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function assertSeed(seed: number, what: string): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${what} must be a safe integer, but got ${seed}`);
}

function hashSeed(seed: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return fmix32(low ^ fmix32(high + 0x9e3779b9));
}

/**
 * Creates an xoroshiro128+ generator (pure-rand) from any safe integer seed.
 * The seed is hashed into all 128 bits of state, so nearby seeds (0, 1, 2 ...)
 * give unrelated streams (pure-rand's own `xoroshiro128plus(seed)` puts the seed
 * in as-is, and its first outputs follow the seed closely).
 */
export function createRng(seed: number): Rng {
  assertSeed(seed, 'seed');
  const h = hashSeed(seed);
  const state: number[] = [0, 1, 2, 3].map((i) => fmix32((h + Math.imul(i + 1, 0x9e3779b9)) >>> 0) | 0);
  if (!state.some((word) => word !== 0)) state[0] = 1;
  const generator = xoroshiro128plusFromState(state);
  return {
    uniform: () => uniformFloat64(generator),
    int: (from, to) => uniformInt(generator, from, to),
  };
}

/**
 * Derives a seed in [0, 2^32) from a base seed and further safe integers, e.g.
 * `deriveSeed(experimentSeed, trialNumber)`. Equal inputs give equal outputs;
 * changing any input gives an unrelated seed.
 */
export function deriveSeed(base: number, ...parts: readonly number[]): number {
  assertSeed(base, 'base seed');
  let h = hashSeed(base);
  for (const part of parts) {
    assertSeed(part, 'seed part');
    h = fmix32((Math.imul(h, 31) + hashSeed(part) + 0x6a09e667) >>> 0);
  }
  return h;
}
