import { describe, expect, it } from 'vitest';
import { textProblem } from '../text.ts';
import { buildTable, checkpointSummary, keptBytes, patchTable, rowBytes, type Row } from './trial-table.ts';

const SPEC = { x: { min: 0, max: 1 }, kind: ['a', 'b'] };

function trial(number: number, fields: Partial<Row> = {}): Row {
  return {
    number,
    state: 'COMPLETED',
    loss: number / 10,
    worker: `w${number % 2}`,
    createdAt: new Date(1_000 * number),
    completedAt: new Date(1_000 * number + 500),
    params: { x: number / 100, kind: number % 2 ? 'a' : 'b' },
    metrics: { accuracy: 1 - number / 100 },
    prunedStep: null,
    error: null,
    revision: number,
    ...fields,
  };
}

describe('patchTable', () => {
  it('gives the table a fresh read would: changed trials rewritten, new ones appended, new columns null-filled', () => {
    const before = [1, 2, 3, 4].map((n) => trial(n));
    const cached = buildTable(before, SPEC);
    const changed = [
      trial(2, { state: 'FAILED', loss: null, metrics: null, error: 'out of memory', revision: 9 }),
      trial(5, { state: 'RUNNING', loss: null, completedAt: null, metrics: null, revision: 10 }),
      trial(6, { metrics: { accuracy: 0.5, seconds: 12 }, revision: 11 }),
    ];
    const after = [trial(1), changed[0]!, trial(3), trial(4), changed[1]!, changed[2]!];
    expect(patchTable(cached, changed)).toEqual(buildTable(after, SPEC));
  });

  it('leaves the cached table as it was (a response may still be sending it)', () => {
    const cached = buildTable([trial(1), trial(2)], SPEC);
    const copy = structuredClone(cached);
    patchTable(cached, [trial(2, { loss: 9 }), trial(3)]);
    expect(cached).toEqual(copy);
  });

  it('refuses a new trial numbered before the last one known', () => {
    const cached = buildTable([trial(1), trial(3)], SPEC);
    expect(patchTable(cached, [trial(2)])).toBeNull();
  });

  it('counts a trial it holds as the database would, so a patched table is charged what a fresh read is', () => {
    const row = trial(2, { error: 'out of memory' });
    const table = buildTable([trial(1), row], SPEC);
    expect(keptBytes(table, 2)).toBe(rowBytes(row));
    expect(keptBytes(table, 3)).toBe(0);
  });
});

describe('checkpointSummary', () => {
  it('cuts a long checkpoint between characters: an emoji across the cut is left out whole', () => {
    const stored = `{"note":"${'x'.repeat(190)}${'\ud83d\ude00'.repeat(10)}"}`;
    const summary = checkpointSummary(stored);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(201);
    expect(textProblem(summary, 1000)).toBeNull();
  });
});
