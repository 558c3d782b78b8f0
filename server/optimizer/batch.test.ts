import { describe, expect, it } from 'vitest';
import { batchModel, fantasyTargets, hardLocalPenalty, lipschitzEstimate } from './batch.ts';
import { encodingOf, features } from './encoding.ts';
import { fitHyperparameters, GaussianProcess } from './gp.ts';
import { createGpOptimizer, fixedWarp, observedRunning, warpLosses } from './gp-optimizer.ts';
import { createQuasiRandomOptimizer } from './qmc.ts';
import { createRng } from './rng.ts';
import { encode, parseSearchSpace, type Params } from './space.ts';
import type { CompletedTrial } from './types.ts';

const dims = 4;
const space = parseSearchSpace(Object.fromEntries(Array.from({ length: dims }, (_, i) => [`x${i}`, { min: -5, max: 5 }])));
const loss = (p: Params) => Array.from({ length: dims }, (_, i) => (i + 1) * (Number(p[`x${i}`]) - 1.3) ** 2).reduce((s, v) => s + v, 0);

/** 25 completed trials of a 4-D quadratic, drawn uniformly. */
function history(): CompletedTrial[] {
  const rng = createRng(11);
  return Array.from({ length: 25 }, () => {
    const params = Object.fromEntries(Array.from({ length: dims }, (_, i) => [`x${i}`, -5 + 10 * rng.uniform()]));
    return { params, loss: loss(params) };
  });
}

/** Distance of two suggestions in the unit cube. */
function distance(a: Params, b: Params): number {
  const u = encode(space, a);
  const v = encode(space, b);
  return Math.hypot(...u.map((x, i) => x - v[i]!));
}

describe('parallel workers', () => {
  it('a batch of 8 from a fitted model is spread: no two suggestions at the same point, not all in one spot', () => {
    const { suggestions } = createGpOptimizer().suggest({ space, completed: history(), running: [], seed: 3, count: 8 });
    expect(suggestions).toHaveLength(8);
    const gaps = suggestions.flatMap((a, i) => suggestions.slice(0, i).map((b) => distance(a, b)));
    expect(Math.min(...gaps)).toBeGreaterThan(1e-3);
    expect(Math.max(...gaps)).toBeGreaterThan(0.02);
  });

  it('eight workers asking one at a time, each with the others running, get eight different trials', () => {
    const completed = history();
    const gp = createGpOptimizer();
    const running: { params: Params }[] = [];
    for (let worker = 0; worker < 8; worker++) {
      const [params] = gp.suggest({ space, completed, running, seed: 100 + worker }).suggestions;
      for (const other of running) expect(distance(params!, other.params)).toBeGreaterThan(1e-3);
      running.push({ params: params! });
    }
  });

  it('a batch still heads for the minimum: its best member is better than every completed trial', () => {
    const completed = history();
    const { suggestions } = createGpOptimizer().suggest({ space, completed, running: [], seed: 5, count: 8 });
    expect(Math.min(...suggestions.map(loss))).toBeLessThan(Math.min(...completed.map((t) => t.loss)));
  });

  it('while fewer results are in than the quasi-random start is long, workers get the quasi-random sequence', () => {
    // 8 workers: the 11th trial is asked for with 3 results in and 7 trials running; a model on 3 points in
    // 4 dimensions would guess, so it continues the experiment's quasi-random sequence instead.
    const completed = history().slice(0, 3);
    const running = history()
      .slice(3, 10)
      .map((t) => ({ params: t.params }));
    const request = { space, completed, running, seed: 9, state: { scramble: 42 } };
    expect(createGpOptimizer().suggest(request).suggestions).toEqual(createQuasiRandomOptimizer().suggest(request).suggestions);
  });
});

describe('running trials with a predicted final loss (their partial curves)', () => {
  // A running trial far from the quadratic's minimum, in the corner (4, -4, 4, -4), whose true loss is about 198 (the worst completed trial is about 206).
  const corner: Params = { x0: 4, x1: -4, x2: 4, x3: -4 };
  const gap = (a: Params, b: Params) => distance(a, b);

  it('the GP learns from a prediction: a curve heading far below every result draws the next trial towards it', () => {
    const completed = history();
    const gp = createGpOptimizer();
    const believed = gp.suggest({ space, completed, running: [{ params: corner }], seed: 21 }).suggestions[0]!;
    const learned = gp.suggest({ space, completed, running: [{ params: corner, loss: -50, lossSd: 0.5 }], seed: 21 }).suggestions[0]!;
    // Believed at the model's mean, the corner is as bad as the model thinks: the next trial stays near the minimum.
    expect(loss(believed)).toBeLessThan(Math.min(...completed.map((t) => t.loss)) + 5);
    // Predicted to end far below every result, the corner is where the model now looks, but not on the running trial itself.
    expect(gap(learned, corner)).toBeLessThan(gap(believed, corner) / 2);
    expect(gap(learned, corner)).toBeGreaterThan(1e-3);
  });

  it('a prediction moves neither the loss warp nor the hyperparameters, however far off it is', () => {
    const completed = history();
    const gp = createGpOptimizer();
    const plain = gp.suggest({ space, completed, running: [{ params: corner }], seed: 21 }).state;
    for (const predicted of [1e6, -1e6, 0.5]) {
      expect(gp.suggest({ space, completed, running: [{ params: corner, loss: predicted, lossSd: 1 }], seed: 21 }).state).toEqual(plain);
    }
  });

  it('observes the first finite predictions with a finite sd, up to the most it takes, through a bounded warp', () => {
    const losses = history().map((t) => t.loss);
    const running = [
      { params: corner, loss: 1, lossSd: 0.1 },
      { params: { ...corner, x0: 3 }, loss: Number.NaN, lossSd: 1 },
      { params: { ...corner, x1: -3 }, loss: 2, lossSd: Number.POSITIVE_INFINITY },
      { params: { ...corner, x2: 3 }, loss: 3 },
      { params: { ...corner, x3: -3 }, loss: 4, lossSd: 0.2 },
    ];
    for (const warp of ['standard', 'log'] as const) {
      const map = fixedWarp(losses, warp)!;
      // A loss the completed trials had gets the target they got; one far outside their range, a bounded one.
      const targets = warpLosses(losses, warp);
      losses.forEach((loss, i) => expect(map(loss)).toBeCloseTo(targets[i]!, 10));
      const [low, high] = [Math.min(...losses), Math.max(...losses)];
      expect(map(-1e300)).toBe(map(warp === 'log' ? low : 2 * low - high));
      expect(map(-1e300)).toBeGreaterThan(Math.min(...targets) - 1.5 * (Math.max(...targets) - Math.min(...targets)));
      expect(map(1e300)).toBe(Math.max(...targets));
      const one = observedRunning(running, 1, map);
      expect(one.y).toEqual([map(1)]);
      expect(one.noise).toEqual([((map(1.1) - map(0.9)) / 2) ** 2]);
      expect(one.unpredicted.map((t) => t.params)).toEqual(running.slice(1).map((t) => t.params));
      expect(observedRunning(running, 5, map).y).toEqual([map(1), map(4)]);
    }
    expect(fixedWarp(losses, 'copula')).toBeNull();
    expect(observedRunning(running, 5, null).unpredicted).toHaveLength(5);
  });
});

describe('batch building blocks', () => {
  const encoding = encodingOf(space);
  const completed = history();
  const x = completed.map((t) => features(encoding, encode(space, t.params)));
  const y = warpLosses(
    completed.map((t) => t.loss),
    'standard',
  );
  const { hyper } = fitHyperparameters(encoding, x, y, createRng(1));
  const gp = new GaussianProcess(encoding, x, y, hyper);
  const pending = [features(encoding, [0.6, 0.6, 0.6, 0.6]), features(encoding, [0.62, 0.6, 0.61, 0.6]), features(encoding, [0.1, 0.9, 0.2, 0.8])];

  it('the joint posterior agrees with pointwise predictions', () => {
    const { mean, covariance } = gp.predictJoint(pending);
    pending.forEach((f, a) => {
      const single = gp.predict(f);
      expect(mean[a]).toBeCloseTo(single.mean, 10);
      expect(covariance[a * pending.length + a]).toBeCloseTo(single.variance, 8);
    });
    // Two running trials close together are strongly correlated, a far one hardly.
    const sd = (a: number) => Math.sqrt(covariance[a * 3 + a]!);
    expect(covariance[1 * 3 + 0]! / (sd(0) * sd(1))).toBeGreaterThan(0.9);
  });

  it('fantasies at the mean are the predictions; drawn fantasies scatter around them', () => {
    expect(fantasyTargets(gp, pending, 'mean', -10, createRng(1))).toEqual(pending.map((f) => gp.predict(f).mean));
    const draws = Array.from({ length: 200 }, (_, s) => fantasyTargets(gp, pending, 'sample', 0, createRng(s))[2]!);
    const average = draws.reduce((s, v) => s + v, 0) / draws.length;
    const { mean, variance } = gp.predict(pending[2]!);
    expect(Math.abs(average - mean)).toBeLessThan(0.5 * Math.sqrt(variance + gp.noiseVariance));
    expect(new Set(draws).size).toBe(draws.length);
  });

  it('a running trial the model observed (by its prediction) is kept off, not fantasised again', () => {
    const options = { fantasy: 'mean' as const, penalize: false, exclusion: 1e-3, lipschitz: () => 1 };
    const batch = batchModel(gp, [], Math.min(...y), { ...options, excluded: [pending[2]!] }, createRng(1));
    expect(batch.model).toBe(gp);
    expect(batch.penalty!(pending[2]!)).toBeLessThan(-100);
    expect(batch.penalty!(pending[0]!)).toBe(0);
    // With the Lipschitz penalty on, an observed trial still gets only the fixed exclusion radius.
    const penalized = batchModel(gp, [], Math.min(...y), { ...options, penalize: true, excluded: [pending[2]!] }, createRng(1));
    expect(penalized.penalty!(pending[2]!)).toBeLessThan(-100);
    expect(penalized.penalty!(features(encoding, [0.12, 0.88, 0.2, 0.8]))).toBe(0);
    expect(batchModel(gp, [], Math.min(...y), options, createRng(1)).penalty).toBeNull();
  });

  it('the local penalty excludes a running trial and vanishes far from every one', () => {
    const penalty = hardLocalPenalty(gp, pending, Math.min(...y), lipschitzEstimate(gp, x));
    expect(penalty(pending[0]!)).toBeLessThan(-100);
    expect(penalty(features(encoding, [0.999, 0.001, 0.999, 0.001]))).toBe(0);
  });
});
