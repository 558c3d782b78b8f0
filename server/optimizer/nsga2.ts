import { encodingOf, type Encoding } from './encoding.ts';
import { quasiRandomStart } from './quasi-random-start.ts';
import { scrambleOf } from './qmc.ts';
import { createRng, deriveSeed, type Rng } from './rng.ts';
import { decode, encode, type Params } from './space.ts';
import { constrainedRanks, crowdingDistances, type Ranked } from './nsga2-sorting.ts';
import type { CompletedTrial, Optimizer, SuggestRequest, SuggestResult } from './types.ts';
import { suggestionCount } from './types.ts';

/** Tuning knobs of NSGA-II; the defaults are what `nsga2` and `auto` use. */
export interface Nsga2Options {
  /** Parents are chosen among this many of the best trials (Optuna's default: 50). */
  readonly populationSize?: number;
  /** The chance that two parents are recombined rather than one copied (Deb: 0.9). */
  readonly crossoverProbability?: number;
  /** SBX distribution index: larger keeps children nearer their parents (Deb: 15-20). */
  readonly crossoverEta?: number;
  /** Polynomial-mutation distribution index (Deb: 20). */
  readonly mutationEta?: number;
}

/** How many children a call tries before it accepts one that repeats a known trial. */
const DUPLICATE_TRIES = 10;

/** A trial as NSGA-II compares it: its point, its objectives to minimise and its constraint violation. */
interface Member extends Ranked {
  readonly x: readonly number[];
}

/** The objectives a trial is compared by: its own, or its loss as the only one; a failed trial is infinitely infeasible. */
function memberOf(space: SuggestRequest['space'], trial: CompletedTrial): Member {
  const x = encode(space, trial.params);
  const objectives = trial.objectives ?? [trial.loss];
  const finite = objectives.every(Number.isFinite);
  return {
    x,
    objectives: finite ? objectives : objectives.map(() => 0),
    violation: finite ? (trial.violation ?? 0) : Number.POSITIVE_INFINITY,
  };
}

/**
 * The population parents come from: the best `size` members by constrained non-domination rank, the
 * last rank cut by crowding distance (Deb et al. 2002), each with its rank and crowding.
 */
function selectPopulation(members: readonly Member[], size: number): { member: Member; rank: number; crowding: number }[] {
  const ranks = constrainedRanks(members);
  const byRank = new Map<number, number[]>();
  ranks.forEach((rank, i) => {
    const list = byRank.get(rank) ?? [];
    list.push(i);
    byRank.set(rank, list);
  });
  const population: { member: Member; rank: number; crowding: number }[] = [];
  for (const rank of [...byRank.keys()].sort((a, b) => a - b)) {
    if (population.length >= size) break;
    const indices = byRank.get(rank)!;
    const crowding = crowdingDistances(indices.map((i) => members[i]!.objectives));
    const order = indices.map((_, k) => k).sort((a, b) => crowding[b]! - crowding[a]! || indices[a]! - indices[b]!);
    for (const k of order.slice(0, size - population.length)) population.push({ member: members[indices[k]!]!, rank, crowding: crowding[k]! });
  }
  return population;
}

/** Binary tournament: the lower rank wins, then the larger crowding distance. */
function tournament<T extends { rank: number; crowding: number }>(population: readonly T[], rng: Rng): T {
  const a = population[rng.int(0, population.length - 1)]!;
  const b = population[rng.int(0, population.length - 1)]!;
  if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
  return a.crowding >= b.crowding ? a : b;
}

/** Simulated binary crossover of one unit coordinate pair (Deb & Agrawal 1995), bounded to [0, 1]. */
function sbx(a: number, b: number, eta: number, rng: Rng): number {
  if (Math.abs(a - b) < 1e-14) return a;
  const u = rng.uniform();
  const beta = u <= 0.5 ? (2 * u) ** (1 / (eta + 1)) : (1 / (2 * (1 - u))) ** (1 / (eta + 1));
  const child = rng.uniform() < 0.5 ? 0.5 * (a + b - beta * Math.abs(b - a)) : 0.5 * (a + b + beta * Math.abs(b - a));
  return Math.min(1, Math.max(0, child));
}

/** Polynomial mutation of one unit coordinate (Deb & Goyal 1996), bounded to [0, 1]. */
function polynomialMutation(v: number, eta: number, rng: Rng): number {
  const u = rng.uniform();
  const delta = u < 0.5 ? (2 * u + (1 - 2 * u) * (1 - v) ** (eta + 1)) ** (1 / (eta + 1)) - 1 : 1 - (2 * (1 - u) + 2 * (u - 0.5) * v ** (eta + 1)) ** (1 / (eta + 1));
  return Math.min(1, Math.max(0, v + delta));
}

/** One child of two parents in the encoded space: SBX or a copy, then mutation of about one parameter. */
function child(encoding: Encoding, a: readonly number[], b: readonly number[], settings: Required<Nsga2Options>, rng: Rng): number[] {
  const p = encoding.tunable.length;
  const recombine = rng.uniform() < settings.crossoverProbability;
  const x = a.map((va, i) => {
    if (!recombine || rng.uniform() >= 0.5) return va;
    const vb = b[i]!;
    return encoding.tunable[i]!.kind === 'categorical' ? vb : sbx(va, vb, settings.crossoverEta, rng);
  });
  const mutation = 1 / Math.max(1, p);
  for (let i = 0; i < p; i++) {
    if (rng.uniform() >= mutation) continue;
    const param = encoding.tunable[i]!;
    x[i] = param.kind === 'categorical' ? rng.int(0, param.choices.length - 1) : polynomialMutation(x[i]!, settings.mutationEta, rng);
  }
  return x;
}

/**
 * NSGA-II (Deb et al. 2002) as a steady-state, stateless optimizer for long runs with several
 * objectives: after a quasi-random first population, each call ranks the completed trials by
 * constrained non-domination (a feasible trial beats an infeasible one, a smaller violation a larger
 * one, Deb 2000), keeps the best `populationSize` (the last front cut by crowding distance), and breeds
 * each suggestion from two binary-tournament parents by simulated binary crossover and polynomial
 * mutation (categoricals: uniform crossover, a random choice as mutation). Trials carry their objective
 * vector (`CompletedTrial.objectives`); a trial without one competes on its loss alone, so the
 * optimizer also works, as a genetic algorithm, on one objective. Running trials only move the random
 * stream on, so parallel workers get different children; a child that repeats a known trial is drawn
 * again (a few times). Cost per call: O(objectives · n²) for n completed trials (n is bounded by
 * `boundedHistory`).
 */
export function createNsga2Optimizer(options: Nsga2Options = {}): Optimizer {
  const settings: Required<Nsga2Options> = {
    populationSize: options.populationSize ?? 50,
    crossoverProbability: options.crossoverProbability ?? 0.9,
    crossoverEta: options.crossoverEta ?? 15,
    mutationEta: options.mutationEta ?? 20,
  };
  return {
    name: 'nsga2',
    suggest(request: SuggestRequest): SuggestResult {
      const count = suggestionCount(request);
      const { space } = request;
      const scramble = scrambleOf(request);
      const encoding = encodingOf(space);
      const finite = request.completed.filter((t) => Number.isFinite(t.loss)).length;
      const initial = quasiRandomStart(request, count, finite, Math.max(2, Math.min(settings.populationSize, 2 * encoding.tunable.length + 8)));
      if (initial) return initial;
      const members = request.completed.map((t) => memberOf(space, t));
      const population = selectPopulation(members, settings.populationSize);
      const known = new Set([...request.completed, ...request.running].map((t) => JSON.stringify(encode(space, t.params))));
      const rng = createRng(deriveSeed(request.seed, request.running.length));
      const suggestions: Params[] = [];
      for (let s = 0; s < count; s++) {
        let x: number[] = [];
        for (let tries = 0; tries < DUPLICATE_TRIES; tries++) {
          x = encode(space, decode(space, child(encoding, tournament(population, rng).member.x, tournament(population, rng).member.x, settings, rng)));
          if (!known.has(JSON.stringify(x))) break;
        }
        known.add(JSON.stringify(x));
        suggestions.push(decode(space, x));
      }
      return { suggestions, state: { scramble } };
    },
  };
}
