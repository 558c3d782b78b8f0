import { describe, expect, it } from 'vitest';
import { paramVariable, readResult, substitute, Tail } from './trial-command.ts';

describe('reading a command\'s result from its last line', () => {
  it.each([
    ['1e-7', { loss: 1e-7 }],
    ['  0.25  \n', { loss: 0.25 }],
    ['-inf', { loss: '-Infinity' }],
    ['infinity', { loss: 'Infinity' }],
    ['nan', { loss: 'NaN' }],
    ['epoch 3\n{"loss": 0.1, "acc": 0.9}', { loss: 0.1, acc: 0.9 }],
    ['{"loss": 0.1, "acc": NaN}', { loss: 0.1, acc: 'NaN' }], // Python's json.dumps
    ['{"loss": -Infinity}', { loss: '-Infinity' }],
    ['{"note": "a: NaN, b", "loss": 1}', { note: 'a: NaN, b', loss: 1 }],
    ['{"error": "diverged"}', { error: 'diverged' }],
  ])('%j is a result', (output, result) => {
    expect(readResult(output)).toEqual({ kind: 'result', result });
  });

  it.each(['', 'done', '[1]', '{"acc": 0.9}', '{"loss": 1'])('%j is none, and says why', (output) => {
    const read = readResult(output);
    expect(read.kind).toBe('none');
  });
});

describe('handing parameters to a command', () => {
  it('names variables in capitals, other characters as _', () => {
    expect(paramVariable('learning-rate')).toBe('OSCAR_PARAM_LEARNING_RATE');
    expect(paramVariable('x')).toBe('OSCAR_PARAM_X');
  });

  it('replaces {name} of known parameters in arguments, and keeps the rest', () => {
    expect(substitute(['--lr={lr}', '{lr}{layers}', '{unknown}', 'plain'], { lr: 0.01, layers: 3 })).toEqual(['--lr=0.01', '0.013', '{unknown}', 'plain']);
  });

  it('keeps only the end of a long output', () => {
    const tail = new Tail(10);
    for (let i = 0; i < 1000; i++) tail.push('0123456789');
    tail.push('abc');
    expect(tail.toString()).toBe('3456789abc');
  });
});
