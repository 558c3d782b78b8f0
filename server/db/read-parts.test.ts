import { describe, expect, it } from 'vitest';
import { readParts } from './read-parts.ts';

describe('readParts', () => {
  it('splits ids in order by the rows they read, an id past the bound alone, and by count of ids', () => {
    const rows: Record<string, number> = { a: 5, b: 5, c: 30, d: 1, e: 9, f: 1 };
    const ids = Object.keys(rows);
    expect(readParts(ids, (id) => id, (id) => rows[id]!, 10)).toEqual([['a', 'b'], ['c'], ['d', 'e'], ['f']]);
    expect(readParts(ids, (id) => id, (id) => rows[id]!, 100, 4)).toEqual([['a', 'b', 'c', 'd'], ['e', 'f']]);
    expect(readParts([], (id: string) => id, () => 1, 10)).toEqual([]);
  });
});
