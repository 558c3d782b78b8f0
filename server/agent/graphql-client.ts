/**
 * The agent's connection to an Oscar server: GraphQL over HTTP with the API token, retried with backoff
 * (or after the server's Retry-After) while the server cannot be reached, says it is busy or that the
 * user is over the rate limit (a retried `suggest` repeats its request id, so it gets the same trial),
 * and errors that keep the server's code.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A failure the agent reports: the server's message and code, or why the server could not be reached. */
export class OscarError extends Error {
  override readonly name = 'OscarError';
  constructor(
    message: string,
    readonly code: string | null,
    /** The input field the server named (`extensions.field`), if any. */
    readonly field: string | null = null,
    /** The error's `extensions` as the server sent them (`running` for TRIAL_BUDGET_SPENT, say). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Where and how to reach the server. */
export interface ServerOptions {
  /** The GraphQL endpoint (a base URL gets `/graphql`). */
  readonly url: string;
  readonly token: string;
  /** The longest time spent retrying one request, in milliseconds (120 s). */
  readonly maxWaitMs?: number;
  /** Aborts waits and requests (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Once aborted, a failed attempt is not retried: the request's error is thrown (a stop that lets a request in flight finish). */
  readonly retryUntil?: AbortSignal;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
/** Longest wait a server's Retry-After is followed for (longer ones are cut to this, then retried). */
const MAX_RETRY_AFTER_MS = 60_000;
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_CODES = new Set(['DATABASE_BUSY', 'SERVER_BUSY', 'RATE_LIMITED']);
/** Each request's own time bound. */
const REQUEST_TIMEOUT_MS = 60_000;

/** The endpoint for a URL: `/graphql` is added to a bare base URL. @throws {OscarError} unless http(s). */
export function graphqlUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OscarError(`the server URL must be http:// or https://, but got "${url}"`, 'BAD_USER_INPUT');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OscarError(`the server URL must be http:// or https://, but got "${url}"`, 'BAD_USER_INPUT');
  }
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/graphql';
  return parsed.href;
}

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds, at most MAX_RETRY_AFTER_MS; null without one. */
export function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : null;
}

/**
 * Sends one GraphQL operation; resolves with its `data`, retrying while the server is away, busy or
 * rate-limits the user, for at most `maxWaitMs` in all; then CONNECTION_ERROR.
 */
export async function graphql<T>(server: ServerOptions, query: string, variables: Record<string, unknown>): Promise<T> {
  const url = graphqlUrl(server.url);
  const deadline = Date.now() + (server.maxWaitMs ?? 120_000);
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    let retryAfter: number | null = null;
    try {
      const signals = [AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(server.signal ? [server.signal] : [])];
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.any(signals),
      });
      const text = await response.text();
      retryAfter = retryAfterMs(response.headers.get('retry-after'));
      let answer: GraphqlAnswer | null = null;
      try {
        answer = JSON.parse(text) as GraphqlAnswer;
      } catch {
        answer = null;
      }
      const error = answer?.errors?.[0];
      const code = error?.extensions?.code ?? null;
      if (error && !(code && RETRY_CODES.has(code))) throw new OscarError(error.message ?? 'unknown error', code, error.extensions?.field ?? null, error.extensions ?? {});
      if (error) failure = `${code}: ${error.message}`;
      else if (RETRY_STATUSES.has(response.status)) failure = `HTTP ${response.status}`;
      else if (!response.ok || !answer?.data) throw new OscarError(`HTTP ${response.status} from ${url}: ${text.slice(0, 300)}`, null);
      else return answer.data as T;
    } catch (error) {
      if (error instanceof OscarError || server.signal?.aborted) throw error;
      failure = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    const remaining = deadline - Date.now();
    if (server.retryUntil?.aborted) throw new OscarError(`no answer from Oscar at ${url} (${failure}); not retried: stopping`, 'CONNECTION_ERROR');
    if (remaining <= 0) throw new OscarError(`cannot reach Oscar at ${url} after ${attempt} attempts: ${failure}`, 'CONNECTION_ERROR');
    const wait = Math.min(retryAfter ?? delay, remaining);
    process.stderr.write(`oscar: ${url} unreachable (${failure}); retrying in ${(wait / 1000).toFixed(1)} s\n`);
    const waitSignals = [server.signal, server.retryUntil].filter((signal): signal is AbortSignal => signal !== undefined);
    await sleep(wait, undefined, waitSignals.length ? { signal: AbortSignal.any(waitSignals) } : {});
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
