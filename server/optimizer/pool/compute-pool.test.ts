import { afterAll, describe, expect, it } from 'vitest';
import { ComputePool } from './compute-pool.ts';
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

  it('falls back when the time bound is hit', async () => {
    const completed = Array.from({ length: 40 }, (_, i) => ({ params: { x: (i * 0.618) % 1, c: 'a' }, loss: i }));
    const result = await pool.suggest({ algorithm: 'gp', space, completed, running: [], seed: 1 }, 1);
    expect(result.fallbackReason).toBe('timeout: optimizer "gp" took longer than 1 ms');
    expect(result.suggestions).toHaveLength(1);
  });
});
