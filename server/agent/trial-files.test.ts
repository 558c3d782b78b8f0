import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../optimizer/space.ts';
import { escapeCell, unescapeCell } from '../trials/export.ts';
import { metricValue, paramValue, readCsv, readJsonExport } from './trial-files.ts';
import { usableTimes } from './transfer.ts';

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
    expect(paramValue(act, '1')).toBe(1); // bare: the number; the export writes the text as "1"
    expect(paramValue(act, '"1"')).toBe('1');
    expect(paramValue(act, 'true')).toBe(true);
    expect(paramValue(act, "'-gelu")).toBe('-gelu');
    // Text the export formula-escaped stays text, also where a number reads the same.
    const signed = parseSearchSpace({ s: [-1, '-1'] }).parameters[0];
    expect(paramValue(signed, "'-1")).toBe('-1');
    expect(paramValue(signed, '-1')).toBe(-1);
    expect(paramValue(c, 'fixed')).toBe('fixed');
    expect(paramValue(x, '')).toBeUndefined();
    expect(metricValue('1e-3')).toBe(0.001);
    expect(metricValue('{"a":[1]}')).toEqual({ a: [1] });
    expect(metricValue("'=1+1")).toBe('=1+1');
    expect(metricValue('false')).toBe(false);
  });

  it('tell a number or boolean from the text that spells it: text in double quotes is text, bare is the value', () => {
    const [choice] = parseSearchSpace({ choice: [1, '1', true, 'true', ''] }).parameters;
    expect(['1', '"1"', 'true', '"true"', '""'].map((cell) => paramValue(choice, cell))).toEqual([1, '1', true, 'true', '']);
    expect(['1', '"1"', 'true', '"true"', '""', '"say "hi"'].map(metricValue)).toEqual([1, '1', true, 'true', '', '"say "hi"']);
    // A CSV written by hand, without quotes: a text choice is still found when the value is not a choice.
    const [text] = parseSearchSpace({ text: ['1', 'true', 'relu'] }).parameters;
    expect(['1', 'true', 'relu', '"relu"'].map((cell) => paramValue(text, cell))).toEqual(['1', 'true', 'relu', 'relu']);
  });

  it('reads a CSV whose categorical has both 1 and "1", true and "true", into the values each trial had', () => {
    const space = parseSearchSpace({ choice: [1, '1', true, 'true'] });
    // As the export writes them: text that would read as another value in double quotes (CSV doubles them).
    const text = stringify(
      [
        ['number', 'state', 'params.choice', 'loss', 'metrics.tag'],
        [1, 'COMPLETED', '1', '1', '"1"'],
        [2, 'COMPLETED', '"1"', '2', '"true"'],
        [3, 'COMPLETED', 'true', '3', '""'],
        [4, 'COMPLETED', '"true"', '4', 'true'],
      ],
      { record_delimiter: 'windows' },
    );
    expect(text).toContain('"""1"""');
    expect(readCsv('t.csv', text, space).trials.map((t) => [t.params.choice, t.result.tag])).toEqual([
      [1, '1'],
      ['1', 'true'],
      [true, ''],
      ['true', true],
    ]);
  });

  it('keeps a __proto__ column as a key, so the server can refuse it, instead of dropping it', () => {
    const text = stringify([
      ['state', 'params.x', 'params.__proto__', 'loss', 'metrics.ok', 'metrics.__proto__'],
      ['COMPLETED', '0.5', '1', '1', '2', '3'],
    ]);
    const [trial] = readCsv('t.csv', text, parseSearchSpace({ x: { min: 0, max: 1 } })).trials;
    expect(JSON.stringify(trial!.params)).toBe('{"x":0.5,"__proto__":1}');
    expect(JSON.stringify(trial!.result)).toBe('{"ok":2,"__proto__":3,"loss":1}');
  });

  it('names a JSON export row by its index, and by its trial number when it has one', () => {
    const text = JSON.stringify({ format: 'oscar-trials/1', trials: [{ state: 'COMPLETED', params: { x: 1 }, loss: 1 }, { number: 7, state: 'COMPLETED', params: { x: 1 }, loss: 1 }] });
    expect(readJsonExport('t.json', text).trials.map((t) => t.where)).toEqual(['trials[0]', 'trials[1] (trial 7)']);
  });

  it('reads the rows an export writes, naming their lines', () => {
    const text = stringify(
      [
        ['number', 'state', 'params.x', 'loss', 'metrics.note', 'error', 'worker', 'created_at', 'completed_at'],
        [1, 'COMPLETED', '0.25', '1.5', 'two\nlines', '', 'w', '2026-01-02T03:04:05.678Z', '2026-01-02 04:05:06+01:00'],
        [2, 'FAILED', '0.5', '', '', "'=oops", "'=w", '', ''],
        [3, 'RUNNING', '0.75', '', '', '', 'w', '', ''],
      ],
      { record_delimiter: 'windows' },
    );
    const read = readCsv('t.csv', text, parseSearchSpace({ x: { min: 0, max: 1 } }));
    expect(read.trials).toEqual([
      { params: { x: 0.25 }, result: { loss: 1.5, note: 'two\nlines' }, where: 'line 3', worker: 'w', createdAt: '2026-01-02T03:04:05.678Z', completedAt: '2026-01-02T03:05:06.000Z' },
      { params: { x: 0.5 }, result: { error: '=oops' }, where: 'line 4', worker: '=w', createdAt: null, completedAt: null },
    ]);
    expect([...read.skipped]).toEqual([['running state', 1]]);
  });

  it('reads a column without a prefix as the parameter of that name, says which others it left out; the export\'s own columns stay its own', () => {
    const space = parseSearchSpace({ x: { min: 0, max: 1 }, y: { min: 0, max: 1 } });
    const text = 'params.x,y,loss,accuracy,Notes,worker,state\n0.25,0.5,1.5,0.9,n,w1,COMPLETED\n';
    const read = readCsv('t.csv', text, space);
    expect(read.trials).toEqual([{ params: { x: 0.25, y: 0.5 }, result: { loss: 1.5 }, where: 'line 2', worker: 'w1', createdAt: null, completedAt: null }]);
    expect(read.notes).toEqual([
      'column "y" read as the parameter of that name (params.<name> says so)',
      'columns "accuracy", "Notes" left out: name a metric metrics.<name>, a parameter params.<name>',
    ]);
    // An export's own file: nothing to say.
    expect(readCsv('t.csv', 'number,state,params.x,params.y,loss,metrics.acc,error,worker,optimizer,created_at,completed_at,pruned_step,feasible\n1,COMPLETED,0.1,0.2,3,0.5,,w,gp,,,,true\n', space).notes).toEqual([]);
  });

  it('keeps names that end in a space (as an export writes them), and reads a hand-written header with spaces around its names', () => {
    const space = parseSearchSpace({ 'x ': { min: 0, max: 1 }, y: { min: 0, max: 1 } });
    const exported = stringify([
      ['state', 'params.x ', 'params.y', 'loss', 'metrics.acc '],
      ['COMPLETED', '0.25', '0.5', '1.5', '0.9'],
    ]);
    const none = { worker: null, createdAt: null, completedAt: null };
    expect(readCsv('t.csv', exported, space).trials).toEqual([{ params: { 'x ': 0.25, y: 0.5 }, result: { loss: 1.5, 'acc ': 0.9 }, where: 'line 2', ...none }]);
    const byHand = 'params.x , params.y , loss\n0.25,0.5,1.5\n';
    expect(readCsv('t.csv', byHand, space).trials).toEqual([{ params: { 'x ': 0.25, y: 0.5 }, result: { loss: 1.5 }, where: 'line 2', ...none }]);
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

describe('trial times', () => {
  const space = parseSearchSpace({ x: { min: 0, max: 1 } });
  const timed = (created: string) => readCsv('t.csv', `params.x,loss,created_at\n0.5,1,${created}\n`, space).trials[0]?.createdAt;

  it('reads ISO 8601 times, with a zone or as local time, and refuses dates that do not exist', () => {
    expect(timed('2026-01-02T03:04:05.678912Z')).toBe('2026-01-02T03:04:05.678Z');
    expect(timed('2026-01-02 04:04:05+01:00')).toBe('2026-01-02T03:04:05.000Z');
    expect(timed('2026-01-02 03:04:05')).toBe(new Date(2026, 0, 2, 3, 4, 5).toISOString());
    for (const bad of ['2026-02-30T10:00:00Z', '2026-01-02T24:00:00Z', '2026-13-01T00:00:00Z', '2026-01-02T10:60:00Z', 'June 1st', '1717171717', '2026-01-02']) {
      expect(() => timed(bad), bad).toThrow(/line 2: created_at must be a date and time \(ISO 8601, as oscar export writes it\)/);
    }
  });

  it('leaves out times the server would refuse, counting the trials, and keeps the rest', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    const trial = (createdAt: string | null, completedAt: string | null) => ({ params: {}, result: { loss: 1 }, where: 'line 2', createdAt, completedAt });
    const { trials, dropped } = usableTimes(
      [
        trial('2026-06-01T10:00:00.000Z', '2026-06-01T11:00:00.000Z'),
        trial('2026-06-01T20:00:00.000Z', '2026-06-01T21:00:00.000Z'), // another time zone's local time, ahead of this clock
        trial('2026-06-01T11:00:00.000Z', '2026-06-01T10:30:00.000Z'), // ends before it starts (a clock set back)
        trial('1969-12-31T00:00:00.000Z', null),
        trial(null, null),
      ],
      now,
    );
    expect(dropped).toBe(3);
    expect(trials.map((t) => [t.createdAt, t.completedAt])).toEqual([
      ['2026-06-01T10:00:00.000Z', '2026-06-01T11:00:00.000Z'],
      [null, null],
      [null, null],
      [null, null],
      [null, null],
    ]);
  });
});
