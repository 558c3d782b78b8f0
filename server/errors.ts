import { GraphQLError } from 'graphql';

/** Stable `extensions.code` values that clients can branch on. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'QUERY_TOO_COMPLEX'
  | 'DATABASE_BUSY';

/** An expected failure, shown to the client with its code and, where it applies, the input field. */
export function userError(code: ErrorCode, message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: field === undefined ? { code } : { code, field },
  });
}

/** A `BAD_USER_INPUT` error naming the offending field. */
export function badInput(field: string, message: string): GraphQLError {
  return userError('BAD_USER_INPUT', message, field);
}
