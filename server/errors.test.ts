import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { deletedMeanwhile } from './errors.ts';

/** Prisma's errors as they reach Yoga's masking: thrown by a resolver, wrapped in a GraphQLError. */
function resolverError(code: string): GraphQLError {
  return new GraphQLError('Invalid `prisma.queuedParams.create()` invocation', { originalError: Object.assign(new Error('prisma'), { code }) });
}

describe('deletedMeanwhile', () => {
  it('shows a row deleted while the request ran as NOT_FOUND: record not found, or a foreign key to a row that is gone', () => {
    for (const code of ['P2025', 'P2003']) expect(deletedMeanwhile(resolverError(code))?.extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('leaves every other error masked', () => {
    for (const code of ['P2002', 'P2028', 'P2034']) expect(deletedMeanwhile(resolverError(code))).toBeNull();
    expect(deletedMeanwhile(new Error('boom'))).toBeNull();
  });
});
