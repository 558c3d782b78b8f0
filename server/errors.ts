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

/**
 * A row a request needed was deleted while it ran (Prisma's P2025, "record not found", e.g. an
 * experiment deleted while a worker's result was being stored): NOT_FOUND instead of an internal
 * error. Null for any other error.
 */
export function deletedMeanwhile(error: unknown): GraphQLError | null {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if ((original as { code?: unknown } | null | undefined)?.code !== 'P2025') return null;
  return new GraphQLError('Not found: what this request refers to was deleted', {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'NOT_FOUND' satisfies ErrorCode },
  });
}
