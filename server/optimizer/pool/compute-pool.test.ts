import { afterAll, describe, expect, it, vi } from 'vitest';
import { ComputePool, insightsBusy, TimeoutError } from './compute-pool.ts';
import { LaneBusyError } from './fair-lane.ts';
import { paretoFront } from '../../objectives/pareto.ts';
import { FRONT_IN_PROCESS, frontIds, type Ranked } from '../../objectives/ranking.ts';
import { parseSearchSpace } from '../space.ts';

const space = parseSearchSpace({ x: { min: 0, max: 1 }, c: ['a', 'b'] });
const pool = new ComputePool();

afterAll(() => pool.close());

describe('compute pool', () => {
  it('runs the TypeScript optimizers on a worker thread (tsx loads them) and returns their answer', async () => {
    const completed = Array.from({ length: 12 }, (_, i) => ({ params: { x: i / 12, c: i % 2 ? 'a' : 'b' }, loss: (i / 12 - 0.3) ** 2 }));
    const result = await pool.suggest({ algorithm: 'auto', space, completed, running: [], seed: 1 }, 60_000);
    expect(result.fallbackReason).toBeNull();
    expect(result.state).toMatchObject({ algorithm: 'gp' });
    expect(result.suggestions).toHaveLength(1);
  });

  it('falls back to the quasi-random sequence, saying why, when the optimizer fails', async () => {
    const result = await pool.suggest({ algorithm: 'no-such-optimizer', space, completed: [], running: [], seed: 1 }, 60_000);
    expect(result.fallbackReason).toMatch(/^error: optimizer "no-such-optimizer" failed: unknown optimizer/);
    expect(['a', 'b']).toContain(result.suggestions[0]!.c);
  });

  it('keeps serving after its threads report a fault as an event (a result for a task just aborted), which would otherwise throw', async () => {
    const completed = Array.from({ length: 12 }, (_, i) => ({ params: { x: i / 12, c: 'a' }, loss: i }));
    const task = { algorithm: 'gp', space, completed, running: [], seed: 1 };
    expect((await pool.suggest(task, 60_000)).fallbackReason).toBeNull();
    const threads = (pool as unknown as { threads(kind: string): { emit(event: string, error: Error): boolean } }).threads('suggest');
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => threads.emit('error', new Error('Unexpected message from Worker: { taskId: 2 }'))).not.toThrow();
    expect(logged).toHaveBeenCalledWith('oscar: suggest thread: Unexpected message from Worker: { taskId: 2 }');
    logged.mockRestore();
    expect((await pool.suggest(task, 60_000)).fallbackReason).toBeNull();
  });

  it('falls back when the time bound is hit', async () => {
    const completed = Array.from({ length: 40 }, (_, i) => ({ params: { x: (i * 0.618) % 1, c: 'a' }, loss: i }));
    const result = await pool.suggest({ algorithm: 'gp', space, completed, running: [], seed: 1 }, 1);
    expect(result.fallbackReason).toBe('timeout: optimizer "gp" took longer than 1 ms');
    expect(result.suggestions).toHaveLength(1);
  });

  it('answers SERVER_BUSY for grid search instead of a quasi-random point, which could repeat one or run past the grid', async () => {
    const grid = parseSearchSpace({ x: { min: 1, max: 3, step: 1 }, c: ['a', 'b'] });
    const completed = [1, 2, 3].flatMap((x) => ['a', 'b'].map((c) => ({ params: { x, c }, loss: x })));
    await expect(pool.suggest({ algorithm: 'grid', space: grid, completed, running: [], seed: 1 }, 0.001)).rejects.toMatchObject({ extensions: { code: 'SERVER_BUSY' } });
    // A failure is the server's own error, not "busy": retrying would not help.
    const continuous = parseSearchSpace({ x: { min: 0, max: 1 } });
    await expect(pool.suggest({ algorithm: 'grid', space: continuous, completed: [], running: [], seed: 1 }, 60_000)).rejects.toThrow(/^grid search failed: optimizer "grid" failed: optimizer "grid" does not support this search space/);
    // Given its time, it says the grid is used up.
    expect(await pool.suggest({ algorithm: 'grid', space: grid, completed, running: [], seed: 1 }, 60_000)).toMatchObject({ suggestions: [], exhausted: true, fallbackReason: null });
  });
});

describe('Pareto fronts of many trials', () => {
  /** The i-th of points on a 4-objective simplex: no one dominates another. */
  const simplexPoint = (i: number) => {
    const a = ((i * 0.618034) % 1) * 0.9;
    const b = ((i * 0.414214) % 1) * (1 - a);
    const c = ((i * 0.732051) % 1) * (1 - a - b);
    return [a, b, c, 1 - a - b - c];
  };
  /** Trials on the simplex (every one on the front), one in ten dominated, one in seven infeasible. */
  const ranked: Ranked[] = Array.from({ length: FRONT_IN_PROCESS + 500 }, (_, i) => {
    const [a, b, c, d] = simplexPoint(i) as [number, number, number, number];
    const vector = i % 10 === 0 ? [a + 0.5, b + 0.5, c + 0.5, 2] : [a, b, c, d];
    return { id: `t${i}`, number: i, vector, violation: i % 7 === 0 ? 1 : 0 };
  });

  it('are found on a worker thread past FRONT_IN_PROCESS points with three or more objectives, the same as on the event loop', async () => {
    const feasible = ranked.filter((r) => r.violation === 0);
    const expected = paretoFront(feasible.map((r) => r.vector!)).map((i) => feasible[i]!.id);
    let offloaded = 0;
    const ids = await frontIds(ranked, (points) => (offloaded++, pool.front(points, 'u')));
    expect(offloaded).toBe(1);
    expect(ids).toEqual(expected);
    // Every feasible trial on the simplex, none of those off it.
    expect(ids.length).toBe(feasible.filter((r) => r.number % 10 !== 0).length);
    // Fewer points, or two objectives (one sort), stay on the event loop; three go to the thread too.
    await frontIds(ranked.slice(0, FRONT_IN_PROCESS), () => Promise.reject(new Error('offloaded')));
    await frontIds(ranked.map((r) => ({ ...r, vector: r.vector!.slice(0, 2) })), () => Promise.reject(new Error('offloaded')));
    let three = 0;
    await frontIds(ranked.map((r) => ({ ...r, vector: r.vector!.slice(0, 3) })), (points) => (three++, pool.front(points, 'u')));
    expect(three).toBe(1);
  });

  it('stop at their time bound', async () => {
    const points = ranked.map((r) => r.vector!);
    await expect(pool.front(points, 'u', 1)).rejects.toBeInstanceOf(TimeoutError);
  });

  it("read an estimate's trials only when its turn on the insights thread comes", async () => {
    const simplex = Array.from({ length: 60_000 }, (_, i) => simplexPoint(i));
    const slow = pool.front(simplex, 'someone', 3_000);
    let prepared = false;
    const importance = pool.importance(async () => {
      prepared = true;
      return { parameters: { x: { min: 0, max: 1 } }, trials: [], seed: 1 };
    }, 'someone else');
    // Every callback ready to run has run: the slow one holds the thread, so nothing was read yet.
    await new Promise((resolve) => setImmediate(resolve));
    expect(prepared).toBe(false);
    await Promise.all([expect(slow).rejects.toBeInstanceOf(TimeoutError), expect(importance).resolves.toEqual([])]);
    expect(prepared).toBe(true);
  });

  it("count their time bound from when the insights thread takes them, not while they wait behind another's", async () => {
    // 60,000 points on a simplex of four objectives, all on the front: billions of comparisons, never done within 6 s.
    const simplex = Array.from({ length: 60_000 }, (_, i) => simplexPoint(i));
    const slow = pool.front(simplex, 'someone', 6_000);
    // Submitted while the slow one runs: it waits 6 s for the thread, then has 4 s of its own, ample
    // for two points (and a fresh thread) even on a busy machine. Timed from submission, it failed.
    const quick = pool.front([[1, 0, 0, 0], [0, 1, 0, 0]], 'someone else', 4_000);
    await Promise.all([expect(slow).rejects.toBeInstanceOf(TimeoutError), expect(quick.then((ids) => [...ids].sort())).resolves.toEqual([0, 1])]);
  });
});

describe('an insight that waited its whole bound for the thread', () => {
  it('is SERVER_BUSY, naming what was asked for (the clients retry it); other errors pass as they are', () => {
    const busy = insightsBusy('modelLandscape', new LaneBusyError('no thread was free for 30000 ms')) as { message: string; extensions: Record<string, unknown> };
    expect(busy.extensions.code).toBe('SERVER_BUSY');
    expect(busy.message).toBe('modelLandscape: the insights thread is busy with other estimates (no thread was free for 30000 ms); retry shortly');
    const other = new Error('boom');
    expect(insightsBusy('modelLandscape', other)).toBe(other);
  });
});
