import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** What a rate limiter counts: `points` in `duration` seconds, under its own key prefix. */
export interface LimiterOptions {
  readonly keyPrefix: string;
  readonly points: number;
  readonly duration: number;
}

/** Makes rate limiters: in process memory, or shared by every replica through Redis. */
export type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

/** Limiters in this process's memory (one process, or tests). */
export const memoryLimiters: LimiterFactory = (options) => new RateLimiterMemory(options);

/**
 * Limiters in Redis (rate-limiter-flexible's Redis store), so a limit holds across replicas; while Redis
 * is unreachable each process counts on its own (an in-memory insurance limiter) instead of failing.
 */
export function redisLimiters(client: Redis, prefix: string): LimiterFactory {
  return (options) =>
    new RateLimiterRedis({
      ...options,
      keyPrefix: `${prefix}:${options.keyPrefix}`,
      storeClient: client,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}
