import { parseSearchSpace } from '../optimizer/space.ts';
import { describe, expect, it } from 'vitest';
import { Lines, paramVariable, readCheckpoint, readResult, substitute, Tail, trialEnvironment, spaceVariableClash, dollarPlaceholders, unknownPlaceholders, variableClash } from './trial-command.ts';

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
    // Objectives other than loss (or a result the server refuses, saying what it lacks).
    ['{"acc": 0.9, "latency_ms": 12}', { acc: 0.9, latency_ms: 12 }],
    // A last step line with its loss completes the trial, as it always did; so does a result holding a step count.
    ['{"step": 4, "loss": 0.5}', { step: 4, loss: 0.5 }],
    ['{"loss": 0.2, "step": 3000}', { loss: 0.2, step: 3000 }],
  ])('%j is a result', (output, result) => {
    expect(readResult(output)).toEqual({ kind: 'result', result });
  });

  it.each([
    ['', 'the command printed nothing'],
    ['done', 'the last line of output is not a result'],
    ['[1]', 'the last line of output is not a result'],
    ['{"loss": 1', 'the last line of output is not a result'],
    ['{"step": 4, "acc": 0.5}', 'the last line of output is an intermediate value ({"step": ...}), not the result'],
    ['{"checkpoint": {"epoch": 4}}', 'the last line of output is a checkpoint, not the result'],
  ])('%j is none, and says why', (output, why) => {
    const read = readResult(output);
    expect(read.kind).toBe('none');
    expect(read.kind === 'none' && read.why).toContain(why);
  });
});

describe('handing parameters to a command', () => {
  it('names variables in capitals, other characters as _', () => {
    expect(paramVariable('learning-rate')).toBe('OSCAR_PARAM_LEARNING_RATE');
    expect(paramVariable('x')).toBe('OSCAR_PARAM_X');
  });

  it('names the parameters that would share a variable, and passes names that do not', () => {
    expect(variableClash(['lr', 'LR', 'x'])).toBe('parameters "lr" and "LR" would both be OSCAR_PARAM_LR: rename one (each parameter needs its own environment variable)');
    expect(variableClash(['a-b', 'a_b', 'a.b', 'c', 'C'])).toBe(
      'parameters "a-b", "a_b" and "a.b" would both be OSCAR_PARAM_A_B; "c" and "C" would both be OSCAR_PARAM_C: rename one (each parameter needs its own environment variable)',
    );
    expect(variableClash(['lr', 'momentum', 'adam.lr', 'sgd.lr'])).toBeNull();
  });

  it('lets only parameters that no trial holds together share a variable', () => {
    const clash = (parameters: unknown) => spaceVariableClash(parseSearchSpace(parameters).parameters);
    const lr = { min: 0, max: 1 };
    // Under different choices of one parameter: never active at once, nested or not.
    expect(clash({ opt: { choices: { adam: { lr }, sgd: { LR: lr } } } })).toBeNull();
    expect(clash({ opt: { choices: { adam: { m: { choices: { fast: { lr }, slow: {} } } }, sgd: { LR: lr } } } })).toBeNull();
    // A top-level one and one under a choice, or under choices of two parameters, can be.
    expect(clash({ LR: lr, opt: { choices: { adam: { lr }, sgd: {} } } })).toBe(
      'parameters "LR" and "lr" would both be OSCAR_PARAM_LR: rename one (each parameter needs its own environment variable)',
    );
    expect(clash({ a: { choices: { x: { lr } } }, b: { choices: { y: { LR: lr }, z: {} } } })).toMatch(/"(lr|LR)" and "(LR|lr)" would both be OSCAR_PARAM_LR/);
    // A name made unique by its choice (`adam.lr`, since `lr` occurs twice) against a top-level `adam_lr`.
    expect(clash({ adam_lr: lr, opt: { choices: { adam: { lr }, sgd: { lr } } } })).toMatch(/"(adam_lr|adam\.lr)" and "(adam\.lr|adam_lr)" would both be OSCAR_PARAM_ADAM_LR/);
    // A parameter and a sub-parameter of its own choices are active together.
    expect(clash({ 'm-x': { choices: { on: { m_x: lr }, off: {} } } })).toContain('"m-x" and "m_x" would both be OSCAR_PARAM_M_X');
  });

  it('replaces {name} of known parameters in arguments, and keeps the rest', () => {
    expect(substitute(['--lr={lr}', '{lr}{layers}', '{unknown}', 'plain'], { lr: 0.01, layers: 3 })).toEqual(['--lr=0.01', '0.013', '{unknown}', 'plain']);
  });

  it('finds the {name} placeholders that name no parameter, leaving shell variables, code and JSON alone', () => {
    const parameters = new Set(['learning_rate', 'adam.lr']);
    const args = ['--lr={lr}', '{learning_rate}', '--x={adam.lr}', '${HOME}/out', 'print({ "a": 1 })', 'f"{a b}"', '{lr}{depth}'];
    expect(unknownPlaceholders(args, parameters)).toEqual(['lr', 'depth']);
    expect(unknownPlaceholders(['{learning_rate}'], parameters)).toEqual([]);
    // `${learning_rate}` is no shell variable here: the command runs without a shell.
    expect(dollarPlaceholders(['--lr=${learning_rate}', '${HOME}', '{adam.lr}', '${adam.lr}${adam.lr}'], parameters)).toEqual(['learning_rate', 'adam.lr']);
  });

  it('leaves out an argument that names a parameter the trial\'s choices leave inactive', () => {
    const parameters = new Set(['model', 'C', 'adam.lr']);
    const args = ['--model', '{model}', '--C={C}', '--lr={adam.lr}', '{other}'];
    expect(substitute(args, { model: 'svm', C: 2 }, parameters)).toEqual(['--model', 'svm', '--C=2', '{other}']);
    expect(substitute(args, { model: 'linear', 'adam.lr': 0.1 }, parameters)).toEqual(['--model', 'linear', '--lr=0.1', '{other}']);
  });

  it('keeps only the end of a long output', () => {
    const tail = new Tail(10);
    for (let i = 0; i < 1000; i++) tail.push('0123456789');
    tail.push('abc');
    expect(tail.toString()).toBe('3456789abc');
  });
});

describe('checkpoints on a command\'s output', () => {
  it.each([
    ['{"checkpoint": {"epoch": 3, "path": "/shared/a"}}', { epoch: 3, path: '/shared/a' }],
    ['  {"checkpoint": {}}  ', {}],
  ])('%j saves a record', (line, record) => {
    expect(readCheckpoint(line)).toEqual(record);
  });

  it.each(['{"checkpoint": 3}', '{"checkpoint": [1]}', '{"checkpoint": {"epoch": 1}, "loss": 2}', '{"loss": 1}', 'checkpoint', '{"checkpoint": {'])(
    '%j is not a checkpoint',
    (line) => {
      expect(readCheckpoint(line)).toBeNull();
    },
  );

  it('splits output into lines however it is chunked, and drops a line longer than its limit', () => {
    const seen: string[] = [];
    const lines = new Lines(10, (line) => seen.push(line));
    for (const chunk of ['ab', 'c\nde', 'f\n\n', 'x'.repeat(8), 'y'.repeat(8), 'z\nlast', '\n']) lines.push(chunk);
    expect(seen).toEqual(['abc', 'def', '', 'last']);
  });

  it('hands the trial\'s checkpoint to the command as OSCAR_CHECKPOINT, only when there is one', () => {
    expect(trialEnvironment({ x: 1 }, { id: 't', number: 2, checkpoint: { epoch: 4 } }, '/p').OSCAR_CHECKPOINT).toBe('{"epoch":4}');
    expect(trialEnvironment({ x: 1 }, { id: 't', number: 2, checkpoint: null }, '/p')).not.toHaveProperty('OSCAR_CHECKPOINT');
  });
});
