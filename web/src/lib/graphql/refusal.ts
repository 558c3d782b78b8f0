import type { CombinedError } from '@urql/core';

/**
 * Whether the API refused an operation with this error code on this argument (as `{ code, field }` in
 * an error's extensions): `refused(error, 'NOT_FOUND', 'startWith')` says the experiment a subscription
 * was to start with is gone, unlike a NOT_FOUND about something else met while it ran.
 */
export function refused(error: CombinedError | undefined, code: string, field: string): boolean {
  return error?.graphQLErrors.some((graphQLError) => graphQLError.extensions?.code === code && graphQLError.extensions?.field === field) ?? false;
}
