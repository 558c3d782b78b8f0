/** One error of a GraphQL response, as Oscar sends it. */
export interface GraphQLErrorPayload {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: {
    /** Oscar's stable error code, such as `BAD_USER_INPUT` or `NOT_FOUND`. */
    readonly code?: string;
    /** The input that was refused, such as `experiment.parameters.lr` or `result.loss`. */
    readonly field?: string;
    readonly [key: string]: unknown;
  };
}

/**
 * Codes the client gives errors of its own; every other code is the server's `extensions.code`
 * (`UNAUTHENTICATED`, `BAD_USER_INPUT`, `NOT_FOUND`, `CONFLICT`, ...).
 */
export type ClientErrorCode =
  /**
   * The server could not be reached, or stayed busy or over the rate limit (after retrying, when the
   * failure was transient; the server's own answer, if any, is in `errors` and `cause`).
   */
  | 'CONNECTION_ERROR'
  /** The call was cut short by `close()`. */
  | 'CLIENT_CLOSED';

/** The server's code for a suggest refused because the experiment's trial budget (`max_trials`) is spent. */
export const BUDGET_SPENT = 'TRIAL_BUDGET_SPENT';

/** What an {@link OscarError} carries besides its message. */
export interface OscarErrorDetails {
  readonly code?: string | null;
  readonly field?: string | null;
  readonly errors?: readonly GraphQLErrorPayload[];
  readonly status?: number | null;
  readonly cause?: unknown;
}

/**
 * Every failure the client reports: a GraphQL error from the server (its message, `code` and `field`
 * from `extensions`), an argument refused before anything was sent (`BAD_USER_INPUT`, with `field`),
 * an unreachable server (`CONNECTION_ERROR`), or a call cut short by `close()` (`CLIENT_CLOSED`).
 */
export class OscarError extends Error {
  override readonly name = 'OscarError';
  /** The server's `extensions.code`, or a {@link ClientErrorCode}; null when there is none. */
  readonly code: string | null;
  /** The input the error is about (`extensions.field`), such as `experiment.parameters.lr`; null when none. */
  readonly field: string | null;
  /** The GraphQL errors of the response, as sent (empty when the failure was not a GraphQL error). */
  readonly errors: readonly GraphQLErrorPayload[];
  /** The HTTP status of the response, when one arrived. */
  readonly status: number | null;

  constructor(message: string, details: OscarErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code ?? null;
    this.field = details.field ?? null;
    this.errors = details.errors ?? [];
    this.status = details.status ?? null;
  }
}

/** An argument refused by the client before anything is sent. */
export function badInput(field: string, message: string): OscarError {
  return new OscarError(message, { code: 'BAD_USER_INPUT', field });
}

/** The GraphQL errors of a response body, when it has any. */
export function graphqlErrors(payload: unknown): GraphQLErrorPayload[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const errors = (payload as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((error): GraphQLErrorPayload =>
    typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
      ? (error as GraphQLErrorPayload)
      : { message: String(error) },
  );
}

/** One OscarError for a list of GraphQL errors: their distinct messages, and the first code and field. */
export function fromGraphQLErrors(errors: readonly GraphQLErrorPayload[], status: number | null = null): OscarError {
  const messages = [...new Set(errors.map((error) => error.message || 'unknown error'))];
  const code = errors.find((error) => typeof error.extensions?.code === 'string')?.extensions?.code ?? null;
  const field = errors.find((error) => typeof error.extensions?.field === 'string')?.extensions?.field ?? null;
  return new OscarError(messages.join('; '), { code, field, errors, status });
}
