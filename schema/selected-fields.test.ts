import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsField } from './selected-fields.ts';

const schema = buildSchema(`
  type Point { step: Int value: Float metrics: String }
  type Query { curve: [Point] }
`);

/** Whether `curve`'s selection in `document` asks for `metrics`, as its resolver sees it. */
function asksForMetrics(document: string): boolean {
  let asked: boolean | undefined;
  const curve = (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
    asked = selectsField(info, 'metrics');
    return [];
  };
  execute({ schema, document: parse(document), rootValue: { curve } });
  return asked!;
}

describe('selectsField', () => {
  it('finds a field asked for directly, in an inline fragment or in a named one, and not one left out', () => {
    expect(asksForMetrics('{ curve { step value } }')).toBe(false);
    expect(asksForMetrics('{ curve { step metrics } }')).toBe(true);
    expect(asksForMetrics('{ curve { step ... on Point { metrics } } }')).toBe(true);
    expect(asksForMetrics('{ curve { ...P } } fragment P on Point { value ...Q } fragment Q on Point { metrics }')).toBe(true);
    expect(asksForMetrics('{ curve { ...P } } fragment P on Point { value }')).toBe(false);
  });
});
