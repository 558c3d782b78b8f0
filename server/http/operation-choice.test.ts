import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationChoiceProblem } from './operation-choice.ts';

describe('operationChoiceProblem', () => {
  it('accepts a lone operation with or without its name, and a named one among several', () => {
    expect(operationChoiceProblem(parse('{ a }'), undefined)).toBeNull();
    expect(operationChoiceProblem(parse('query A { a }'), 'A')).toBeNull();
    expect(operationChoiceProblem(parse('query A { a } mutation B { b }'), 'B')).toBeNull();
  });

  it('names what is missing, lists at most ten of the names, and cuts a long operationName', () => {
    expect(operationChoiceProblem(parse('query A { a }'), '')).toBe('operationName "" names no operation of the document (it has "A")');
    const many = parse(Array.from({ length: 12 }, (_, i) => `query Q${i} { a }`).join(' '));
    expect(operationChoiceProblem(many, null)).toBe(
      'the document has 12 operations ("Q0", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", and 2 more): operationName must say which to run',
    );
    expect(operationChoiceProblem(parse('query A { a }'), 'x'.repeat(5000))!.length).toBeLessThan(300);
    const long = parse(Array.from({ length: 12 }, (_, i) => `query Q${i}${'n'.repeat(10_000)} { a }`).join(' '));
    expect(operationChoiceProblem(long, null)!.length).toBeLessThan(2000);
    expect(operationChoiceProblem(parse('fragment F on Query { a }'), undefined)).toContain('no operation to run');
  });
});
