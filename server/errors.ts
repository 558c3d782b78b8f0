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
  | 'DATABASE_BUSY'
  | 'SERVER_BUSY'
  | 'TRIAL_BUDGET_SPENT';

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

/** Prisma's codes for a row a write needed that is gone: P2025 (the row it reads or changes), P2003 (a row it refers to). */
const DELETED_CODES: ReadonlySet<unknown> = new Set(['P2025', 'P2003']);

/** Whether a write failed on a unique constraint (Prisma's P2002): another request stored the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2002';
}

/**
 * Whether `error` (Prisma's, or a GraphQL error wrapping it) says a row the request needed was deleted
 * while it ran: "record not found" (P2025), or a foreign key to a row that is gone (P2003, e.g. queued
 * parameters or a report stored as their experiment is deleted). No relation restricts deletes here,
 * so P2003 always means the row referred to is gone.
 */
export function isDeletedMeanwhile(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return DELETED_CODES.has((original as { code?: unknown } | null | undefined)?.code);
}

/**
 * For a write that races the deletion of what it writes to: a `.catch` handler that turns a row
 * deleted meanwhile into NOT_FOUND with `message` (naming what went), and rethrows anything else.
 */
export function notFoundIfDeleted(message: string, field?: string): (error: unknown) => never {
  return (error) => {
    throw isDeletedMeanwhile(error) ? userError('NOT_FOUND', message, field) : error;
  };
}

/**
 * A row a request needed was deleted while it ran (see {@link isDeletedMeanwhile}; e.g. an experiment
 * deleted while a worker's result was being stored): NOT_FOUND instead of an internal error. Null for
 * any other error.
 */
export function deletedMeanwhile(error: unknown): GraphQLError | null {
  if (!isDeletedMeanwhile(error)) return null;
  return new GraphQLError('Not found: what this request refers to was deleted', {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'NOT_FOUND' satisfies ErrorCode },
  });
}
