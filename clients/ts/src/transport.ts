import { OscarError, fromGraphQLErrors, graphqlErrors } from './errors.js';
import { IS_NODE, sleep } from './environment.js';
import type { TypedDocumentString } from './generated/graphql.js';

/** The package's version, sent as part of the User-Agent in Node. */
export const VERSION = '0.1.0';

/** Waits between retries start here and double, up to MAX_DELAY_MS (as the Python client waits). */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
/** Longest wait a server's Retry-After is followed for (longer ones are cut to this, then retried). */
const MAX_RETRY_AFTER_MS = 60_000;
/** GraphQL error codes that say "try again shortly". */
const RETRY_CODES = new Set(['DATABASE_BUSY', 'SERVER_BUSY', 'RATE_LIMITED']);
/** Network failures that retrying cannot mend: an unknown host, a bad certificate, a malformed request. */
const PERMANENT_FAILURE = /ENOTFOUND|CERT|SSL|TLS|ERR_INVALID|UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED/;
/** A kept-alive connection the server closed while it sat idle: sent again at once, once. */
const CLOSED_BY_PEER = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
/** Characters of a non-GraphQL error body quoted in messages. */
const EXCERPT = 300;

/** The transport's settings (see OscarOptions). */
export interface TransportSettings {
  readonly url: string;
  readonly token: string;
  readonly timeout: number;
  readonly retries: number | undefined;
  readonly maxWait: number;
  readonly fetch: typeof fetch;
  readonly logger: { warn(message: string): void } | null;
  /** Aborted by `close()`: waits and requests in flight end with CLIENT_CLOSED. */
  readonly closed: AbortSignal;
}

/** Per-call overrides. */
export interface RequestOptions {
  /** The longest time to spend retrying this call, in milliseconds. */
  readonly maxWait?: number;
}

/** Why one attempt did not get an answer worth returning, and whether another may. */
interface Failure {
  readonly description: string;
  readonly retry: boolean;
  /** Send again without waiting (a kept-alive connection closed by the server). */
  readonly resendAtOnce?: boolean;
  /** The server's Retry-After, in milliseconds. */
  readonly retryAfter?: number;
  /** What to throw when no retry is left. */
  readonly error: OscarError;
}

/** GraphQL over HTTP POST with retries: network failures, 5xx without a GraphQL answer, 429, busy servers. */
export class Transport {
  constructor(private readonly settings: TransportSettings) {}

  /**
   * Sends one operation; resolves with its `data`, or rejects with an OscarError: CONNECTION_ERROR once
   * retrying is over, whether the server was unreachable, busy or over the rate limit (its own error,
   * if it answered, is the `cause`).
   */
  async request<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables, options: RequestOptions = {}): Promise<Result> {
    const body = JSON.stringify({ query: document.toString(), variables }, toJson);
    const { retries, closed, url, logger } = this.settings;
    const deadline = Date.now() + Math.max(0, options.maxWait ?? this.settings.maxWait);
    let delay = FIRST_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body);
      if (!('failure' in outcome)) return outcome.data as Result;
      const { failure } = outcome;
      const remaining = deadline - Date.now();
      if (!failure.retry || remaining <= 0 || (retries !== undefined && attempt > retries)) {
        if (!failure.retry) throw failure.error;
        // As the other clients do: an answer never stored, so `trial()` leaves the job to its lease.
        const attempts = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
        const unreachable = failure.error.code === 'CONNECTION_ERROR';
        throw new OscarError(`cannot reach Oscar at ${url} after ${attempts}: ${failure.description}`, {
          code: 'CONNECTION_ERROR',
          status: failure.error.status,
          errors: failure.error.errors,
          cause: unreachable ? failure.error.cause : failure.error,
        });
      }
      if (failure.resendAtOnce && attempt === 1) continue;
      const wait = Math.min(failure.retryAfter ?? delay, remaining);
      logger?.warn(`Oscar at ${url} unreachable (${failure.description}); retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, closed).catch(() => {
        throw closedError();
      });
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }

  private headers(): Record<string, string> {
    // Only headers Oscar's CORS answers allow (authorization, content-type, accept): browsers preflight them.
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (IS_NODE) headers['user-agent'] = `oscar-client-ts/${VERSION}`;
    return headers;
  }

  private async attempt(body: string): Promise<{ data: unknown } | { failure: Failure }> {
    const { closed, timeout, url } = this.settings;
    if (closed.aborted) throw closedError();
    const controller = new AbortController();
    const onClose = () => controller.abort();
    closed.addEventListener('abort', onClose, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    try {
      let response: Response;
      let text: string;
      try {
        response = await this.settings.fetch(url, { method: 'POST', headers: this.headers(), body, signal: controller.signal });
        text = await response.text();
      } catch (error) {
        if (closed.aborted) throw closedError();
        if (timedOut) return { failure: connectionFailure(`no answer within ${timeout / 1000} s`, true, error) };
        const code = failureCode(error);
        const description = describe(error);
        return {
          failure: {
            ...connectionFailure(description, !PERMANENT_FAILURE.test(code ?? ''), error),
            resendAtOnce: code !== undefined && CLOSED_BY_PEER.has(code),
          },
        };
      }
      return answer(response, text, url);
    } finally {
      clearTimeout(timer);
      closed.removeEventListener('abort', onClose);
    }
  }
}

/** Reads a response: its data, or why it is not an answer (and whether to ask again). */
function answer(response: Response, text: string, url: string): { data: unknown } | { failure: Failure } {
  const { status } = response;
  const payload = parseJson(text);
  const errors = graphqlErrors(payload);
  const retryAfter = retryAfterMs(response.headers.get('retry-after'));
  if (errors.length > 0) {
    const error = fromGraphQLErrors(errors, status);
    const retry = error.code !== null && RETRY_CODES.has(error.code);
    return { failure: { description: `${error.code}: ${error.message}`, retry, error, ...(retryAfter === undefined ? {} : { retryAfter }) } };
  }
  if (status >= 400) {
    const detail = errorDetail(payload) ?? excerpt(text);
    const error = new OscarError(`HTTP ${status} from Oscar at ${url}: ${detail}`, { status, code: status === 429 ? 'RATE_LIMITED' : null });
    const retry = status >= 500 || status === 429;
    return {
      failure: {
        description: `HTTP ${status}: ${detail}`,
        retry,
        error: retry && status !== 429 ? new OscarError(error.message, { code: 'CONNECTION_ERROR', status }) : error,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      },
    };
  }
  if (typeof payload !== 'object' || payload === null || !('data' in payload)) {
    const error = new OscarError(`invalid response from Oscar at ${url} (HTTP ${status}): ${excerpt(text)}`, { status });
    return { failure: { description: error.message, retry: false, error } };
  }
  return { data: (payload as { data: unknown }).data };
}

function connectionFailure(description: string, retry: boolean, cause: unknown): Failure {
  return { description, retry, error: new OscarError(`request to Oscar failed: ${description}`, { code: 'CONNECTION_ERROR', cause }) };
}

function closedError(): OscarError {
  return new OscarError('the Oscar client was closed', { code: 'CLIENT_CLOSED' });
}

/** The system error code behind a failed fetch (Node puts it on `cause`); browsers give none. */
function failureCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** "TypeError: fetch failed (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4000)". */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? `${text} (${cause.message})` : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorDetail(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  for (const key of ['message', 'error'] as const) {
    const value = (payload as Record<string, unknown>)[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '(empty body)';
  return trimmed.length <= EXCERPT ? trimmed : `${trimmed.slice(0, EXCERPT)}...`;
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds, at most MAX_RETRY_AFTER_MS. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * JSON.stringify's replacer for what users send: NaN and infinities become the strings "NaN",
 * "Infinity" and "-Infinity" for the server to judge (JSON would make them null), bigints numbers,
 * typed arrays (a Float32Array of a model's outputs) plain arrays.
 */
export function toJson(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number | bigint>);
  return value;
}
