import { describe, expect, it } from 'vitest';
import { choiceKey, formatChoice, formatValue } from './format';

describe('formatting values for the dashboard', () => {
  it('quotes only the text that would read as a number, a boolean or null', () => {
    expect(formatValue('1')).toBe('"1"');
    expect(formatValue('true')).toBe('"true"');
    expect(formatValue('null')).toBe('"null"');
    expect(formatValue(1)).toBe('1');
    expect(formatValue(true)).toBe('true');
    expect(formatChoice('32')).toBe('"32"');
    expect(formatChoice(32)).toBe('32');
  });

  it('shows any other text as it is, one that begins with a quote too', () => {
    for (const text of ['adam', '"><script>x</script>', '"quoted"', '', 'x = 1']) expect(formatValue(text)).toBe(text);
  });

  it('keys a choice by its JSON, so 1, "1" and true are three', () => {
    expect(new Set([1, '1', true, 'true'].map(choiceKey)).size).toBe(4);
  });
});
