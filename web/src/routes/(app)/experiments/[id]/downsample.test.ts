import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../../../server/optimizer/rng';
import { BEST_SCATTER_POINTS, MAX_SCATTER_POINTS, bestSoFar, kthSmallest, scatterSample } from './downsample';

// The optimizers' seeded generator, so the trials look the same every run.
const rng = createRng(13);
const next = () => rng.uniform();
/** 100,000 losses, improving slowly as an optimizer's would. */
const losses = Array.from({ length: 100_000 }, (_, i) => 1 / (1 + i / 10_000) + next());
const rows = Array.from(losses.keys());
const loss = (row: number) => losses[row]!;

describe('scatterSample', () => {
  it('draws every trial up to the bound', () => {
    expect(scatterSample(rows.slice(0, MAX_SCATTER_POINTS), loss, 1)).toEqual(rows.slice(0, MAX_SCATTER_POINTS));
  });

  it('keeps the best trials, the ones asked for and an even sample, in trial order, within the bound', () => {
    const keep = [5, 50_000, 99_999];
    const sample = scatterSample(rows, loss, 1, keep);
    expect(sample.length).toBeLessThanOrEqual(MAX_SCATTER_POINTS);
    expect(sample.length).toBeGreaterThan(MAX_SCATTER_POINTS - 10);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
    const best = [...rows].sort((a, b) => loss(a) - loss(b)).slice(0, BEST_SCATTER_POINTS);
    const drawn = new Set(sample);
    expect(best.filter((row) => !drawn.has(row))).toEqual([]);
    expect(keep.filter((row) => !drawn.has(row))).toEqual([]);
    // The others are spread over the whole run: every tenth of it has its share.
    for (let tenth = 0; tenth < 10; tenth++) {
      const inTenth = sample.filter((row) => Math.floor(row / 10_000) === tenth).length;
      expect(inTenth).toBeGreaterThan((MAX_SCATTER_POINTS - BEST_SCATTER_POINTS) / 10 - 50);
    }
  });

  it('keeps the highest values when they are the best (sign -1)', () => {
    const sample = new Set(scatterSample(rows, loss, -1));
    const best = [...rows].sort((a, b) => loss(b) - loss(a)).slice(0, BEST_SCATTER_POINTS);
    expect(best.every((row) => sample.has(row))).toBe(true);
  });

  it('takes the earliest of tied values, no more than the bound', () => {
    const flat = () => 1;
    const sample = scatterSample(rows, flat, 1);
    expect(sample.length).toBe(MAX_SCATTER_POINTS);
    expect(sample.slice(0, BEST_SCATTER_POINTS)).toEqual(rows.slice(0, BEST_SCATTER_POINTS));
  });

  it('stays within the bound when every trial improves on the last (an imported history, worst first)', () => {
    const falling = (row: number) => 1 / (row + 1);
    const steps = bestSoFar(rows, (row) => row, falling, 1).rows;
    expect(steps.length).toBe(rows.length);
    const sample = scatterSample(rows, falling, 1, steps);
    expect(sample.length).toBe(MAX_SCATTER_POINTS);
    // The best trials, and the first and last improvement, are drawn; the rest of the steps are spread evenly.
    const drawn = new Set(sample);
    expect(rows.slice(-BEST_SCATTER_POINTS).every((row) => drawn.has(row))).toBe(true);
    expect(drawn.has(0)).toBe(true);
    for (let tenth = 0; tenth < 9; tenth++) {
      expect(sample.filter((row) => Math.floor(row / 10_000) === tenth).length).toBeGreaterThan(200);
    }
  });
});

describe('bestSoFar', () => {
  it('steps exactly where a trial improved on all before it, then holds to the last trial', () => {
    const { steps, rows: improved } = bestSoFar(rows, (row) => row + 1, loss, 1);
    let best = Infinity;
    const expected: number[] = [];
    for (const row of rows) {
      if (loss(row) < best) {
        best = loss(row);
        expected.push(row);
      }
    }
    expect(improved).toEqual(expected);
    expect(steps.slice(0, -1)).toEqual(expected.map((row) => [row + 1, loss(row)]));
    expect(steps.at(-1)).toEqual([rows.length, best]);
  });

  it('follows the highest value for a maximised objective', () => {
    const { steps } = bestSoFar([0, 1, 2, 3], (row) => row, (row) => [0.2, 0.1, 0.5, 0.4][row]!, -1);
    expect(steps).toEqual([
      [0, 0.2],
      [2, 0.5],
      [3, 0.5],
    ]);
  });
});

describe('kthSmallest', () => {
  // NaN counts as +Infinity (sorting puts it last, after +Infinity).
  const bySort = (values: number[], k: number) => Float64Array.from(values, (v) => (Number.isNaN(v) ? Infinity : v)).sort()[k];
  const rng = createRng(11);
  const cases: Record<string, number[]> = {
    random: Array.from({ length: 5001 }, () => rng.uniform() * 100 - 50),
    ties: Array.from({ length: 3000 }, () => Math.floor(rng.uniform() * 5)),
    ascending: Array.from({ length: 4000 }, (_, i) => i),
    descending: Array.from({ length: 4000 }, (_, i) => -i),
    equal: Array.from({ length: 2000 }, () => 7),
    'NaN and infinities': Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? Number.NaN : i % 11 === 0 ? -Infinity : i % 13 === 0 ? Infinity : rng.uniform())),
    // Median-of-three pivots are always the middle values of an "organ pipe": many rounds, then it sorts.
    'organ pipe': Array.from({ length: 4000 }, (_, i) => Math.min(i, 3999 - i)),
  };
  for (const [name, values] of Object.entries(cases)) {
    it(`gives what sorting gives (${name})`, () => {
      for (const k of [0, 1, 499, Math.floor(values.length / 2), values.length - 2, values.length - 1]) {
        expect(kthSmallest(Float64Array.from(values), k)).toBe(bySort(values, k));
      }
    });
  }
});
