import { buildSchema, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { variableField } from './graphql-limits.ts';

/** The messages graphql-js itself gives for bad variables, so the test follows the library. */
async function coercionMessage(variables: Record<string, unknown>): Promise<string> {
  const schema = buildSchema('input E { name: String!, parameters: String!, nested: N } input N { a: Int! } type Query { f(step: Int!, value: Float!, e: E): Int }');
  const result = await graphql({ schema, source: 'query ($step: Int!, $value: Float!, $e: E) { f(step: $step, value: $value, e: $e) }', variableValues: variables });
  return result.errors![0]!.message;
}

describe('the field a bad variable names', () => {
  it.each([
    [{ step: 2 ** 31, value: 1 }, 'step'],
    [{ step: 1, value: 'NaN' }, 'value'],
    [{ value: 1 }, 'step'],
    [{ step: 1, value: null }, 'value'],
    [{ step: 1, value: 1, e: { name: 5, parameters: 'p' } }, 'e.name'],
    [{ step: 1, value: 1, e: { name: 'n' } }, 'e.parameters'],
    [{ step: 1, value: 1, e: { name: 'n', parameters: 'p', nested: {} } }, 'e.nested.a'],
    [{ step: 1, value: 1, e: { name: 'n at "x.y";', parameters: 'p', zz: 1 } }, 'e.zz'],
    // A key that spells out a path (graphql-js prints keys unescaped) does not choose the field.
    [{ step: 1, value: 1, e: { 'q at "experiment.owner";': 1, name: 'n', parameters: 'p' } }, 'e'],
    [{ step: 1, value: 1, e: { 'k at "e.owner";': 1, name: 5, parameters: 'p' } }, 'e.name'],
  ])('%j names %s', async (variables, field) => {
    expect(variableField(await coercionMessage(variables))).toBe(field);
  });

  it('is null for errors that are not about a variable', () => {
    expect(variableField('Cannot query field "nope" on type "Query".')).toBeNull();
    expect(variableField('Syntax Error: Expected Name, found <EOF>.')).toBeNull();
  });
});
