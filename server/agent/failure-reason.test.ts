import { describe, expect, it } from 'vitest';
import { reasonLine } from './failure-reason.ts';

describe('reasonLine', () => {
  it('keeps a one-line reason as it is', () => {
    expect(reasonLine('cannot run ./nosuch: spawn ./nosuch ENOENT')).toBe('cannot run ./nosuch: spawn ./nosuch ENOENT');
  });

  it('shows the first and the last line of a longer one', () => {
    expect(reasonLine('exit code 1: Traceback (most recent call last):\n  File "train.py", line 3\nValueError: bad lr\n')).toBe(
      'exit code 1: Traceback (most recent call last): ... ValueError: bad lr',
    );
  });

  it('writes control characters as \\uXXXX, so none reaches the terminal', () => {
    const line = reasonLine('exit code 3: \u001b[2J\u001b]0;pwned\u0007 bad\tthing');
    expect(line).toBe('exit code 3: \\u001b[2J\\u001b]0;pwned\\u0007 bad\\u0009thing');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('cuts a long reason in the middle to the bound', () => {
    const line = reasonLine(`exit code 2: ${'x'.repeat(5000)} the end`, 100);
    expect(line).toHaveLength(100);
    expect(line.startsWith('exit code 2: ')).toBe(true);
    expect(line.endsWith('the end')).toBe(true);
    expect(line).toContain(' ... ');
  });
});
