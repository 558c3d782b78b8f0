import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiters, type LimiterFactory } from '../runtime/rate-limiters.ts';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { userError } from '../errors.ts';
import { connectionArgumentProblem } from './connection-arguments.ts';
import type { Context } from './context.ts';

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
  if (variableField(message) !== null) return 'BAD_USER_INPUT';
  return 'GRAPHQL_VALIDATION_FAILED';
}

/**
 * The input a variable's coercion error is about, as `extensions.field` names it (`step`,
 * `experiment.seed`, `experiment.parameters` for a required field left out or an unknown one), from graphql-js's
 * message; null for any other error.
 */
export function variableField(message: string): string | null {
  const variable = /^Variable "\$([A-Za-z_]\w*)" (?:got invalid value|of required type|of non-null type)/.exec(message);
  if (!variable) return null;
  const name = variable[1]!;
  // graphql-js prints the value without escaping object keys, so a key can hold ` at "..."`: only a path
  // under this variable is taken, and the last one (the real path follows the value).
  const paths = [...message.matchAll(/ at "([\w.[\]]+)";/g)].map((m) => m[1]!).filter((path) => path === name || path.startsWith(`${name}.`) || path.startsWith(`${name}[`));
  const at = paths.at(-1) ?? name;
  const missing = /; Field "(\w+)" (?:of required type "[^"]+" was not provided|is not defined by type "[^"]+")\.?(?: Did you mean .*)?$/.exec(message)?.[1];
  return missing ? `${at}.${missing}` : at;
}

/**
 * Gives every error a stable `extensions.code`: parse, validation, QUERY_TOO_COMPLEX for the query
 * limits, and BAD_USER_INPUT with the `field` for a variable of the wrong type (a step beyond 32 bits,
 * "NaN" for a Float), as for any other bad input.
 */
function errorCodePlugin(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const results = Array.isArray(result) ? result : [result];
      if (!results.some((r) => r && typeof r === 'object' && 'errors' in r && r.errors)) return;
      const coded = results.map((r) =>
        r && typeof r === 'object' && 'errors' in r && Array.isArray(r.errors) ? { ...r, errors: r.errors.map(withErrorCode) } : r,
      );
      setResult((Array.isArray(result) ? coded : coded[0]) as typeof result);
    },
  };
}

/**
 * A GraphQL error with its stable `extensions.code` (see {@link errorCodePlugin}); anything else as it
 * is. Over HTTP the plugin applies it; graphql-ws answers (server/http/websocket.ts) apply it themselves.
 */
export function withErrorCode<E>(error: E): E | GraphQLError {
  if (!(error instanceof GraphQLError)) return error;
  const page = connectionArgumentProblem(error);
  if (page !== null) {
    return new GraphQLError(page.message, { nodes: error.nodes, path: error.path, extensions: { code: 'BAD_USER_INPUT', field: page.field } });
  }
  const given = error.extensions.code;
  const code = given !== undefined && !isQueryLimit(error.message) ? given : codeFor(error.message);
  // graphql-yoga codes a variable's coercion error BAD_USER_INPUT on some paths (subscriptions), but names no field.
  const field = code === 'BAD_USER_INPUT' && error.extensions.field === undefined ? variableField(error.message) : null;
  if (code === given && field === null) return error;
  return new GraphQLError(code === 'QUERY_TOO_COMPLEX' ? error.message.replace(/^Syntax Error: /, '') : error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code, ...(field === null ? {} : { field }) },
  });
}

/** Who an operation counts against: the user (all their tokens and sessions together), else the client's address. */
export function rateLimitKey(context: Pick<Context, 'viewer' | 'clientAddress'>): string {
  return context.viewer ? `user:${context.viewer.userId}` : `address:${context.clientAddress}`;
}

/**
 * A per-user rate limit (all the user's tokens and sessions together, so minting tokens buys nothing;
 * per address for requests without valid credentials): `perMinute` operations, refused beyond that
 * with RATE_LIMITED and HTTP 429 until the minute rolls on. Queries, mutations and subscriptions
 * (graphql-ws messages and SSE) all count.
 */
export class OperationLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    readonly perMinute: number,
    limiters: LimiterFactory = memoryLimiters,
  ) {
    this.limiter = limiters({ keyPrefix: 'operations', points: perMinute, duration: 60 });
  }

  /** Takes one operation for `key`: null when allowed, else the RATE_LIMITED error to answer with. */
  async take(key: string): Promise<GraphQLError | null> {
    try {
      await this.limiter.consume(key);
      return null;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.ceil(error.msBeforeNext / 1000);
      const refusal = userError('RATE_LIMITED', `Rate limit of ${this.perMinute} requests a minute exceeded; retry in ${seconds} s`);
      Object.assign(refusal.extensions, { retryAfter: seconds, http: { status: 429, headers: { 'retry-after': String(seconds) } } });
      return refusal;
    }
  }
}

/** The envelop plugin that applies an {@link OperationLimiter} to every operation, subscriptions included. */
export function rateLimitPlugin(limiter: OperationLimiter): Plugin<Context> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refusal = await limiter.take(rateLimitKey(args.contextValue as Context));
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      // graphql-ws subscribe messages are counted as they arrive, before any work (server/app.ts).
      if (context.transport === 'ws') return;
      const refusal = await limiter.take(rateLimitKey(context));
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
