/** Runtime settings, read once from the environment. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** Operations a minute per API token (OSCAR_RATE_LIMIT). */
  readonly rateLimitPerMinute: number;
}

/** Default database: an embedded SQLite file under ./data/. */
export const DEFAULT_DATABASE_URL = 'file:./data/oscar.db';

/** Reads PORT, HOST and DATABASE_URL, failing fast on values that cannot work. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 4000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, but got "${env.PORT}"`);
  }
  const rateLimit = env.OSCAR_RATE_LIMIT ? Number(env.OSCAR_RATE_LIMIT) : 6000;
  if (!Number.isInteger(rateLimit) || rateLimit < 1) {
    throw new Error(`OSCAR_RATE_LIMIT must be a positive integer (operations a minute), but got "${env.OSCAR_RATE_LIMIT}"`);
  }
  return {
    port,
    rateLimitPerMinute: rateLimit,
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
  };
}
