import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto';
import { paretoFront as serverFront } from '../../../server/objectives/pareto';

describe("the dashboard's Pareto front", () => {
  it('is the one the server finds, in the same order, for two, three and four objectives', () => {
    let seed = 4242;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 150; round++) {
      const m = 2 + (round % 3);
      const grid = 1 + Math.floor(random() * 8);
      const points = Array.from({ length: 1 + Math.floor(random() * 80) }, () => Array.from({ length: m }, () => Math.round(random() * grid)));
      expect(paretoFront(points)).toEqual(serverFront(points));
    }
  });

  it('finds the front of 20,000 trials of three objectives, all on it, in any order, without holding the page', () => {
    const simplex = Array.from({ length: 20_000 }, (_, i) => {
      const a = ((i * 0.618034) % 1) * 0.9;
      const b = ((i * 0.414214) % 1) * (1 - a);
      return [a, b, 1 - a - b];
    });
    const descending = Array.from({ length: 20_000 }, (_, i) => [i, 20_000 - i, i]);
    for (const points of [simplex, descending]) {
      const started = performance.now();
      expect(paretoFront(points)).toHaveLength(20_000);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });
});
