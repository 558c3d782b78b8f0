import { describe, expect, it } from 'vitest';
import { DEFAULT_OBJECTIVES, objectiveVector, parseConstraints, parseObjectives, violation } from './objectives-config.ts';
import { dominates, hypervolume2d, paretoFront } from './pareto.ts';

describe('dominance', () => {
  it('holds when no worse in every objective and better in one', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false); // equal
    expect(dominates([1, 3], [2, 2])).toBe(false); // a trade-off
    expect(dominates([0, 0, 0], [0, 0, 1])).toBe(true);
  });
});

describe('the Pareto front', () => {
  it('keeps the non-dominated points of two objectives, in order of the first, equal points included', () => {
    const points = [
      [3, 1], // front
      [1, 3], // front
      [2, 2], // front
      [2, 3], // dominated by [2, 2] and [1, 3]
      [4, 4], // dominated
      [2, 2], // equal to a front point: kept
      [1, 4], // dominated by [1, 3]
      [5, 1], // dominated by [3, 1]
    ];
    expect(paretoFront(points)).toEqual([1, 2, 5, 0]);
  });

  it('agrees with the pairwise definition on three objectives and on random sets', () => {
    expect(paretoFront([[1, 2, 3], [3, 2, 1], [2, 2, 2], [2, 3, 3], [1, 2, 3]])).toEqual([0, 4, 2, 1]);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const m of [2, 3, 4]) {
      const points = Array.from({ length: 300 }, () => Array.from({ length: m }, () => Math.round(random() * 20)));
      const expected = points.map((p, i) => i).filter((i) => !points.some((q) => dominates(q, points[i]!)));
      expect(paretoFront(points).sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('agrees with the pairwise definition on three objectives with many ties, equal points and fronts of every size', () => {
    let seed = 777;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 60);
      const grid = 1 + Math.floor(random() * 6);
      // Some sets on a plane (most points on the front), some on a small grid (many ties and repeats).
      const points = Array.from({ length: n }, () => {
        const a = Math.round(random() * grid);
        const b = Math.round(random() * grid);
        return round % 2 ? [a, b, 2 * grid - a - b] : [a, b, Math.round(random() * grid)];
      });
      const expected = points.map((p, i) => i).filter((i) => !points.some((q) => dominates(q, points[i]!)));
      expect(paretoFront(points).sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('is fast for 100,000 points of three objectives all on the front, in any order', () => {
    const simplex = Array.from({ length: 100_000 }, (_, i) => {
      const a = ((i * 0.618034) % 1) * 0.9;
      const b = ((i * 0.414214) % 1) * (1 - a);
      return [a, b, 1 - a - b];
    });
    // Each point after the first lowest in the second objective so far: a list kept sorted would move
    // every entry for each (a staircase array took 4.6 s here).
    const descending = Array.from({ length: 100_000 }, (_, i) => [i, 100_000 - i, i]);
    for (const points of [simplex, descending]) {
      const started = performance.now();
      const front = paretoFront(points);
      // The pairwise check took minutes; the sweep takes about 0.2 s here (a wide margin for a busy machine).
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(front).toHaveLength(100_000);
    }
  });

  it('is fast for 10,000 points of two objectives', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => [i, 10_000 - i + (i % 7)]);
    const started = performance.now();
    const front = paretoFront(points);
    expect(performance.now() - started).toBeLessThan(200);
    expect(front.length).toBeGreaterThan(1000);
  });
});

describe('hypervolume in two objectives', () => {
  it('is the area the front dominates up to the reference point', () => {
    // Front (1,3), (2,2), (3,1) with reference (4,4): 3·1 + 2·1 + 1·1 = 6.
    expect(hypervolume2d([[1, 3], [2, 2], [3, 1], [3, 3]], [4, 4])).toBe(6);
    expect(hypervolume2d([[5, 0]], [4, 4])).toBe(0); // outside the reference box
    expect(hypervolume2d([], [4, 4])).toBe(0);
  });
});

describe('objectives and constraints of an experiment', () => {
  it('defaults to minimising the loss, and reads directions in the order given', () => {
    expect(parseObjectives(undefined)).toEqual(DEFAULT_OBJECTIVES);
    expect(parseObjectives({ accuracy: 'maximize', latency_ms: 'minimize' })).toEqual([
      { name: 'accuracy', direction: 'maximize' },
      { name: 'latency_ms', direction: 'minimize' },
    ]);
    expect(objectiveVector({ accuracy: 0.9, latency_ms: 12 }, parseObjectives({ accuracy: 'maximize', latency_ms: 'minimize' }))).toEqual([-0.9, 12]);
    expect(objectiveVector({ accuracy: 0.9 }, parseObjectives({ accuracy: 'maximize', latency_ms: 'minimize' }))).toBeNull();
    // An ordered list of one-key objects, for maps without order (Lua tables).
    expect(parseObjectives([{ latency_ms: 'minimize' }, { accuracy: 'maximize' }])).toEqual([
      { name: 'latency_ms', direction: 'minimize' },
      { name: 'accuracy', direction: 'maximize' },
    ]);
  });

  it('measures how far a result is outside its constraints', () => {
    const constraints = parseConstraints({ memory_gb: { max: 16 }, accuracy: { min: 0.9 }, size: { min: 1, max: 3 } });
    expect(violation({ memory_gb: 16, accuracy: 0.9, size: 2 }, constraints)).toBe(0);
    expect(violation({ memory_gb: 20, accuracy: 0.9, size: 2 }, constraints)).toBe(0.25); // 4 over 16
    expect(violation({ memory_gb: 8, accuracy: 0.8, size: 0 }, constraints)).toBeCloseTo(0.1 + 1, 12);
    expect(violation({ accuracy: 0.95, size: 2 }, constraints)).toBe(1); // memory_gb missing
    // Metrics near the doubles' limit: the sum stays a number GraphQL can send.
    const zero = parseConstraints({ a: { max: 0 }, b: { max: 0 } });
    expect(violation({ a: Number.MAX_VALUE, b: Number.MAX_VALUE }, zero)).toBe(1e300);
    expect(() => parseConstraints({ m: { max: -1e308 } })).toThrow(/within ±1e\+300/);
  });

  it.each([
    [{ objectives: [] }, 'experiment.objectives', /1 to 8/],
    [{ objectives: [{ a: 'minimize', b: 'minimize' }] }, 'experiment.objectives[0]', /one key/],
    [{ objectives: [{ a: 'minimize' }, { a: 'maximize' }] }, 'experiment.objectives.a', /twice/],
    [{ objectives: 'loss' }, 'experiment.objectives', /an object/],
    [{ objectives: {} }, 'experiment.objectives', /1 to 8/],
    [{ objectives: { loss: 'min' } }, 'experiment.objectives.loss', /"minimize" or "maximize"/],
    [{ objectives: { 'a\nb': 'minimize' } }, 'experiment.objectives', /control characters/],
    [{ constraints: { mem: 16 } }, 'experiment.constraints.mem', /an object/],
    [{ constraints: { mem: {} } }, 'experiment.constraints.mem', /a min, a max or both/],
    [{ constraints: { mem: { max: 'big' } } }, 'experiment.constraints.mem.max', /finite number/],
    [{ constraints: { mem: { min: 2, max: 1 } } }, 'experiment.constraints.mem', /min must not exceed max/],
    [{ constraints: { mem: { below: 1 } } }, 'experiment.constraints.mem.below', /unknown key/],
  ])('refuses %j, naming %s', (raw, field, message) => {
    try {
      if ('objectives' in raw) parseObjectives(raw.objectives);
      else parseConstraints((raw as { constraints: unknown }).constraints);
      expect.unreachable();
    } catch (error) {
      expect((error as { extensions: { field: string } }).extensions.field).toBe(field);
      expect((error as Error).message).toMatch(message);
    }
  });
});
