import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { userError } from './errors.ts';
import { normaliseEmail } from './auth.ts';
import type { Context } from '../schema/builder.ts';

/** Largest request body accepted on /graphql, and largest graphql-ws message. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Query shape limits: depth, aliases, directives, tokens and an estimated cost (GraphQL Armor). */
export function queryLimitPlugins(): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: 12, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: 15 },
    maxDirectives: { n: 20 },
    maxTokens: { n: 2000 },
    costLimit: { maxCost: 50_000, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: true },
  });
  return [...(armor.protect().plugins as Plugin[]), errorCodePlugin()];
}

function isQueryLimit(message: string): boolean {
  return /^(Syntax Error: )?(Query|Token|Aliases|Directives)\b.*limit of \d+ exceeded/i.test(message);
}

function codeFor(message: string): string {
  if (isQueryLimit(message)) return 'QUERY_TOO_COMPLEX';
  if (message.startsWith('Syntax Error')) return 'GRAPHQL_PARSE_FAILED';
  return 'GRAPHQL_VALIDATION_FAILED';
}

/** Gives every error a stable `extensions.code`: parse, validation, and QUERY_TOO_COMPLEX for the query limits. */
function errorCodePlugin(): Plugin {
  const withCode = (error: unknown) => {
    if (!(error instanceof GraphQLError)) return error;
    if (error.extensions.code !== undefined && !isQueryLimit(error.message)) return error;
    const code = codeFor(error.message);
    return new GraphQLError(code === 'QUERY_TOO_COMPLEX' ? error.message.replace(/^Syntax Error: /, '') : error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: { ...error.extensions, code },
    });
  };
  return {
    onResultProcess({ result, setResult }) {
      const results = Array.isArray(result) ? result : [result];
      if (!results.some((r) => r && typeof r === 'object' && 'errors' in r && r.errors)) return;
      const coded = results.map((r) =>
        r && typeof r === 'object' && 'errors' in r && Array.isArray(r.errors) ? { ...r, errors: r.errors.map(withCode) } : r,
      );
      setResult((Array.isArray(result) ? coded : coded[0]) as typeof result);
    },
  };
}

/** Takes one point for `key`: null when allowed, else the whole seconds until a point is free again. */
async function secondsUntilAllowed(limiter: RateLimiterMemory, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (error) {
    if (error instanceof RateLimiterRes) return Math.ceil(error.msBeforeNext / 1000);
    throw error;
  }
}

/**
 * A per-token rate limit (per address for requests without a valid token): `perMinute` operations,
 * refused beyond that with RATE_LIMITED and HTTP 429 until the minute rolls on.
 */
export function rateLimitPlugin(perMinute: number): Plugin<Context> {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context & { req?: IncomingMessage; request?: Request };
      const key = context.viewer
        ? `user:${context.viewer.tokenId ?? context.viewer.userId}`
        : `address:${context.req?.socket.remoteAddress ?? 'unknown'}`;
      const seconds = await secondsUntilAllowed(limiter, key);
      if (seconds === null) return;
      const refusal = userError('RATE_LIMITED', `Rate limit of ${perMinute} requests a minute exceeded; retry in ${seconds} s`);
      Object.assign(refusal.extensions, { retryAfter: seconds, http: { status: 429, headers: { 'retry-after': String(seconds) } } });
      setResultAndStopExecution({ errors: [refusal] });
    },
  };
}

/** Sign-in and sign-up attempts a minute for one e-mail address, against password guessing. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;
const signInLimiter = new RateLimiterMemory({ points: SIGN_IN_ATTEMPTS_PER_MINUTE, duration: 60 });

/** Counts a sign-in attempt for `email`; throws RATE_LIMITED past {@link SIGN_IN_ATTEMPTS_PER_MINUTE}. */
export async function limitSignIn(email: string): Promise<void> {
  const seconds = await secondsUntilAllowed(signInLimiter, normaliseEmail(email));
  if (seconds !== null) throw userError('RATE_LIMITED', `Too many sign-in attempts for this e-mail; retry in ${seconds} s`, 'email');
}

/** Answers 413 or 411 for API requests whose body is too large or of unknown size; true when it did. */
export function refuseOversizedBody(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'POST') return false;
  const length = req.headers['content-length'];
  const status = length === undefined ? 411 : Number(length) > MAX_BODY_BYTES ? 413 : 0;
  if (!status) return false;
  const message =
    status === 411
      ? 'POST requests to /graphql must declare Content-Length'
      : `Request body of ${length} bytes is over the limit of ${MAX_BODY_BYTES} bytes`;
  const code = status === 411 ? 'LENGTH_REQUIRED' : 'PAYLOAD_TOO_LARGE';
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
  req.resume();
  return true;
}
