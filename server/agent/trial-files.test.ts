import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../optimizer/space.ts';
import { escapeCell, unescapeCell } from '../trials/export.ts';
import { metricValue, paramValue, readCsv } from './trial-files.ts';

describe('CSV cells', () => {
  it('defuse formulas reversibly: any text comes back as it went', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', 'a', ' ', '1') }), (text) => {
        const cell = escapeCell(text);
        expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);
        expect(unescapeCell(cell)).toBe(text);
      }),
    );
  });

  it('read parameters by their kind, and metrics by their look', () => {
    const space = parseSearchSpace({ x: { min: -1, max: 1 }, act: ['1', 1, true, '-gelu'], c: 'fixed' });
    const [act, c, x] = space.parameters;
    expect(paramValue(x, '-0.5')).toBe(-0.5);
    expect(paramValue(act, '1')).toBe('1'); // the string choice first
    expect(paramValue(act, 'true')).toBe(true);
    expect(paramValue(act, "'-gelu")).toBe('-gelu');
    expect(paramValue(c, 'fixed')).toBe('fixed');
    expect(paramValue(x, '')).toBeUndefined();
    expect(metricValue('1e-3')).toBe(0.001);
    expect(metricValue('{"a":[1]}')).toEqual({ a: [1] });
    expect(metricValue("'=1+1")).toBe('=1+1');
    expect(metricValue('false')).toBe(false);
  });

  it('reads the rows an export writes, naming their lines', () => {
    const text = stringify(
      [
        ['number', 'state', 'params.x', 'loss', 'metrics.note', 'error', 'worker'],
        [1, 'COMPLETED', '0.25', '1.5', 'two\nlines', '', 'w'],
        [2, 'FAILED', '0.5', '', '', "'=oops", 'w'],
        [3, 'RUNNING', '0.75', '', '', '', 'w'],
      ],
      { record_delimiter: 'windows' },
    );
    const read = readCsv('t.csv', text, parseSearchSpace({ x: { min: 0, max: 1 } }));
    expect(read.trials).toEqual([
      { params: { x: 0.25 }, result: { loss: 1.5, note: 'two\nlines' }, where: 'line 3' },
      { params: { x: 0.5 }, result: { error: '=oops' }, where: 'line 4' },
    ]);
    expect([...read.skipped]).toEqual([['running state', 1]]);
  });

  it('reads the empty cells of inactive parameters as absent, and "" where it is an active choice', () => {
    const space = parseSearchSpace({ model: { choices: { svm: { C: { min: 0.1, max: 10 }, note: ['', 'x'] }, linear: {} } } });
    const text = stringify(
      [
        ['number', 'state', 'params.C', 'params.model', 'params.note', 'loss'],
        [1, 'COMPLETED', '2', 'svm', '', '0.5'],
        [2, 'COMPLETED', '', 'linear', '', '1'],
      ],
      { record_delimiter: 'windows' },
    );
    expect(readCsv('t.csv', text, space).trials.map((t) => t.params)).toEqual([{ C: 2, model: 'svm', note: '' }, { model: 'linear' }]);
  });
});
