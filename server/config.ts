import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_BYTES_PER_SECOND } from './subscriptions/event-allowance.ts';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './http/request-limits.ts';

/** Runtime settings, read once from the environment. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** `file:PATH` (embedded SQLite, the default) or `postgresql://...`. */
  readonly databaseUrl: string;
  /** REDIS_URL: events, revocations and rate limits shared by replicas; null for one process. */
  readonly redisUrl: string | null;
  /** OSCAR_REDIS_PREFIX: what this deployment's Redis keys and channels start with. */
  readonly redisPrefix: string;
  /** Operations a minute per user, all their tokens and sessions together (OSCAR_RATE_LIMIT). */
  readonly rateLimitPerMinute: number;
  /** Stored data a second one user's subscription events may load, past a burst of 64 MiB (OSCAR_EVENT_BYTES_PER_SECOND). */
  readonly eventBytesPerSecond: number;
  /** OSCAR_TRUST_PROXY=1: the server runs behind a reverse proxy whose X-Forwarded-* headers are believed. */
  readonly trustProxy: boolean;
  /** Connection caps and timeouts (OSCAR_MAX_CONNECTIONS, OSCAR_HEADERS_TIMEOUT_MS, OSCAR_REQUEST_TIMEOUT_MS). */
  readonly connectionLimits: ConnectionLimits;
}

/** The project's folder: the one whose package.json holds server/. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Default database: an embedded SQLite file in the project's data/ folder, an absolute path, so the
 * server and the CLI open the same file wherever they are started from. (A relative path in an
 * explicit DATABASE_URL is kept as given: it is read from the current directory.)
 */
export const DEFAULT_DATABASE_URL = `file:${join(PROJECT_ROOT, 'data', 'oscar.db')}`;

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, what: string): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (${what}), but got "${raw}"`);
  return value;
}

/** Reads the environment (PORT, HOST, DATABASE_URL, REDIS_URL, OSCAR_*), failing fast on values that cannot work. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, but got "${env.PORT}"`);
  }
  const trust = env.OSCAR_TRUST_PROXY ?? '';
  if (!['', '0', '1'].includes(trust)) throw new Error(`OSCAR_TRUST_PROXY must be 1 (behind a proxy) or 0, but got "${trust}"`);
  return {
    port,
    rateLimitPerMinute: positiveInteger(env, 'OSCAR_RATE_LIMIT', 6000, 'operations a minute'),
    eventBytesPerSecond: positiveInteger(env, 'OSCAR_EVENT_BYTES_PER_SECOND', EVENT_BYTES_PER_SECOND, 'bytes a second'),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    redisUrl: env.REDIS_URL || null,
    redisPrefix: env.OSCAR_REDIS_PREFIX || 'oscar',
    trustProxy: trust === '1',
    connectionLimits: {
      ...DEFAULT_CONNECTION_LIMITS,
      maxConnections: positiveInteger(env, 'OSCAR_MAX_CONNECTIONS', DEFAULT_CONNECTION_LIMITS.maxConnections, 'open connections'),
      headersTimeoutMs: positiveInteger(env, 'OSCAR_HEADERS_TIMEOUT_MS', DEFAULT_CONNECTION_LIMITS.headersTimeoutMs, 'milliseconds'),
      requestTimeoutMs: positiveInteger(env, 'OSCAR_REQUEST_TIMEOUT_MS', DEFAULT_CONNECTION_LIMITS.requestTimeoutMs, 'milliseconds'),
    },
  };
}
