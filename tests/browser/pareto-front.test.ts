// The dashboard's own Pareto front and feasibility (web/src/lib/, a port: web code cannot import the
// server's): the same answers as server/objectives/ on random results, ties and gaps included, and
// fast with 10,000 trials. Pure: no server, no browser (vitest picks up tests/ only, hence here).
import { describe, expect, it } from 'vitest';
import { paretoFront as serverFront } from '../../server/objectives/pareto.ts';
import { parseConstraints, violation as serverViolation } from '../../server/objectives/objectives-config.ts';
import { readConstraints, violation } from '../../web/src/lib/objectives.ts';
import { dominates, paretoFront } from '../../web/src/lib/pareto.ts';
import { random } from './seed.ts';

/** `count` points of `dimensions` values; `grid` > 0 rounds them to that many steps, so ties and equal points are common. */
function points(next: () => number, count: number, dimensions: number, grid = 0): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: dimensions }, () => (grid ? Math.floor(next() * grid) : next())));
}

/** The front by definition: every point no other dominates, O(n²). */
function bruteForce(list: readonly (readonly number[])[]): Set<number> {
  return new Set(list.flatMap((p, i) => (list.some((q) => dominates(q, p)) ? [] : [i])));
}

describe("the dashboard's Pareto front", () => {
  it('keeps exactly the non-dominated points, in the server’s order, for 2 to 4 objectives with ties', () => {
    const next = random(12);
    for (let round = 0; round < 200; round++) {
      const dimensions = 2 + (round % 3);
      const list = points(next, 1 + Math.floor(next() * 60), dimensions, round % 2 ? 6 : 0);
      const front = paretoFront(list);
      expect(new Set(front)).toEqual(bruteForce(list));
      expect(front).toEqual(serverFront(list));
    }
    expect(paretoFront([])).toEqual([]);
    // Equal points are all kept; a point equal in one objective and worse in the other is not.
    expect(paretoFront([[1, 2], [1, 2], [1, 3], [0, 5]])).toEqual([3, 0, 1]);
  });

  it('takes one sort and one scan for 2 objectives: 10,000 trials in milliseconds', () => {
    const next = random(3);
    // A wide front (anti-correlated objectives) and a narrow one (correlated), each 10,000 points.
    const wide = Array.from({ length: 10_000 }, () => {
      const x = next();
      return [x, 1 - x + next() * 0.05];
    });
    const narrow = points(next, 10_000, 2);
    for (const list of [wide, narrow]) paretoFront(list); // warm up
    const timings = [wide, narrow].map((list) => {
      const start = performance.now();
      for (let i = 0; i < 10; i++) paretoFront(list);
      return (performance.now() - start) / 10;
    });
    console.info(`Pareto front of 10,000 points (wide, narrow): ${timings.map((t) => `${t.toFixed(2)} ms`).join(', ')}`);
    expect(new Set(paretoFront(wide))).toEqual(bruteForce(wide));
    // A quadratic scan of the wide front would take far longer; a busy 2-core machine gets a wide margin.
    for (const ms of timings) expect(ms).toBeLessThan(100);
  });
});

describe("the dashboard's feasibility", () => {
  it('measures a result outside its constraints as the server does, missing and non-finite values included', () => {
    const spec = { memory_gb: { max: 16 }, accuracy: { min: 0.9 }, latency_ms: { min: -5, max: 40 }, loss: { max: 0.5 } };
    const constraints = readConstraints(spec);
    const server = parseConstraints(spec);
    expect(constraints).toEqual(server);
    const next = random(5);
    const values = [undefined, null, 'x', Number.NaN, Number.POSITIVE_INFINITY, -100, -5, 0, 0.5, 0.9, 1, 16, 40, 64];
    for (let i = 0; i < 500; i++) {
      const result = Object.fromEntries(Object.keys(spec).map((name) => [name, values[Math.floor(next() * values.length)]]));
      expect(violation((name) => result[name], constraints)).toBeCloseTo(serverViolation(result, server), 12);
    }
    expect(violation(() => 0, readConstraints({}))).toBe(0);
  });
});
