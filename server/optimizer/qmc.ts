import { createRng, deriveSeed } from './rng.ts';
import { paramsFromCube, tunableParameters, type Params } from './space.ts';
import type { Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';

/** Enough primes for `MAX_PARAMETERS` dimensions. */
const PRIMES: readonly number[] = (() => {
  const primes: number[] = [];
  for (let n = 2; primes.length < 128; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  return primes;
})();

/**
 * A randomly scrambled Halton sequence in [0, 1)^dimensions: the radical inverse
 * in the j-th prime base, each digit position of each dimension permuted by its
 * own seeded random permutation (Owen-style digit scrambling). Scrambling breaks
 * the correlation between dimensions that plain Halton has for large primes,
 * keeps the low discrepancy, and makes every point uniform on the cube.
 * Point `i` depends only on (`scramble`, `i`), so a sequence can be continued
 * across calls by index.
 */
export class ScrambledHalton {
  private readonly perms: Int32Array[][] = [];

  /** @param dimensions how many coordinates per point; @param scramble the seed of the digit permutations. */
  constructor(
    readonly dimensions: number,
    readonly scramble: number,
  ) {
    if (dimensions > PRIMES.length) throw new RangeError(`ScrambledHalton supports at most ${PRIMES.length} dimensions, but got ${dimensions}`);
    for (let j = 0; j < dimensions; j++) {
      const base = PRIMES[j]!;
      const digits = Math.ceil(53 / Math.log2(base));
      const perDigit: Int32Array[] = [];
      for (let k = 0; k < digits; k++) {
        const rng = createRng(deriveSeed(scramble, j, k));
        const perm = Int32Array.from({ length: base }, (_, i) => i);
        for (let i = base - 1; i > 0; i--) {
          const r = rng.int(0, i);
          const t = perm[i]!;
          perm[i] = perm[r]!;
          perm[r] = t;
        }
        perDigit.push(perm);
      }
      this.perms.push(perDigit);
    }
  }

  /** The point at `index` (a non-negative safe integer). */
  point(index: number): number[] {
    const out = new Array<number>(this.dimensions);
    for (let j = 0; j < this.dimensions; j++) {
      const base = PRIMES[j]!;
      const perDigit = this.perms[j]!;
      let n = index;
      let scale = 1 / base;
      let u = 0;
      for (const perm of perDigit) {
        u += perm[n % base]! * scale;
        n = Math.floor(n / base);
        scale /= base;
      }
      out[j] = Math.min(u, 1 - 2 ** -53);
    }
    return out;
  }
}

/** The opaque state shared by Oscar's optimizers: the seed of the quasi-random sequence, fixed per experiment. */
export interface SequenceState {
  readonly scramble: number;
}

/** The experiment's scramble seed from `state`, or a new one derived from the request's seed. */
export function scrambleOf(request: Pick<SuggestRequest, 'state' | 'seed'>): number {
  let state = request.state;
  // `auto` wraps the state of the algorithm it used.
  if (typeof state === 'object' && state !== null && 'algorithm' in state && 'state' in state) state = state.state;
  if (typeof state === 'object' && state !== null && 'scramble' in state && Number.isSafeInteger(state.scramble)) {
    return state.scramble as number;
  }
  return deriveSeed(request.seed, 0x5eed);
}

/**
 * `count` quasi-random assignments continuing the experiment's sequence: the
 * first is point number `completed + running` (so parallel workers get
 * different, well spread points), the rest follow it.
 */
export function quasiRandomSuggestions(request: SuggestRequest, count: number): Params[] {
  const dims = tunableParameters(request.space).length;
  const halton = new ScrambledHalton(dims, scrambleOf(request));
  const start = request.completed.length + request.running.length;
  return Array.from({ length: count }, (_, i) => paramsFromCube(request.space, halton.point(start + i)));
}

/**
 * Quasi-random search: a scrambled Halton sequence through each parameter's
 * distribution, continued across calls by trial count. Its state keeps the
 * scramble seed so the sequence stays the same for the whole experiment; without
 * the state it derives one from the seed.
 */
export function createQuasiRandomOptimizer(): Optimizer {
  return {
    name: 'quasi_random',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const state: SequenceState = { scramble: scrambleOf(request) };
      return { suggestions: quasiRandomSuggestions(request, count), state };
    },
  };
}
