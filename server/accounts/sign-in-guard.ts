import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiters, type LimiterFactory } from '../runtime/rate-limiters.ts';
import { userError } from '../errors.ts';
import { normaliseEmail } from './auth.ts';

/** How sign-in attempts are throttled. */
export interface SignInLimits {
  /** Wrong passwords for one e-mail from one address before each further attempt must wait. */
  readonly freeFailures: number;
  /** The longest wait, in seconds, however many more failures. */
  readonly maxBackoffSeconds: number;
  /** Sign-in and sign-up attempts a minute from one address, whatever the e-mail (against spraying). */
  readonly attemptsPerAddressPerMinute: number;
}

/** Defaults: 5 free failures, then 1 s doubling to 15 min; 30 attempts a minute per address. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { freeFailures: 5, maxBackoffSeconds: 15 * 60, attemptsPerAddressPerMinute: 30 };

/** Wrong passwords are forgotten a day after the last one. */
const FAILURE_MEMORY_SECONDS = 24 * 3600;

function refusal(message: string, seconds: number) {
  const error = userError('RATE_LIMITED', message, 'email');
  Object.assign(error.extensions, { retryAfter: seconds, http: { status: 429, headers: { 'retry-after': String(seconds) } } });
  return error;
}

/**
 * Throttles password guessing without letting a stranger lock the real user out: wrong passwords are
 * counted per e-mail and address together, and past a few, each further attempt from that address
 * waits exponentially longer (1 s, 2 s, 4 s ... up to 15 min) while the user signing in from elsewhere
 * is unaffected; each address is also limited in attempts a minute across all e-mails, so spraying one
 * password over many accounts is slow too. A successful sign-in clears the count. rate-limiter-flexible
 * keeps the counts (in memory, or in Redis when there are replicas).
 */
export class SignInGuard {
  private readonly failures: RateLimiterAbstract;
  private readonly lockouts: RateLimiterAbstract;
  private readonly attempts: RateLimiterAbstract;

  constructor(
    limiters: LimiterFactory = memoryLimiters,
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
  ) {
    this.failures = limiters({ keyPrefix: 'sign-in-failures', points: Number.MAX_SAFE_INTEGER, duration: FAILURE_MEMORY_SECONDS });
    this.lockouts = limiters({ keyPrefix: 'sign-in-lockouts', points: 1, duration: 1 });
    this.attempts = limiters({ keyPrefix: 'sign-in-attempts', points: limits.attemptsPerAddressPerMinute, duration: 60 });
  }

  /** A fixed-size key (a hash), whatever the e-mail and address sent: the counts' memory stays bounded. */
  private static key(email: string, address: string): string {
    return createHash('sha256').update(`${normaliseEmail(email)}|${address}`).digest('base64url');
  }

  private static addressKey(address: string): string {
    return createHash('sha256').update(address).digest('base64url');
  }

  /** Counts an attempt; throws RATE_LIMITED (with `retryAfter` in seconds) while this address must wait, for this e-mail or for all. */
  async admit(email: string, address: string): Promise<void> {
    const lockout = await this.lockouts.get(SignInGuard.key(email, address));
    if (lockout && lockout.consumedPoints > 1 && lockout.msBeforeNext > 0) {
      const seconds = Math.ceil(lockout.msBeforeNext / 1000);
      throw refusal(`Too many wrong passwords for this e-mail from your address; retry in ${seconds} s`, seconds);
    }
    try {
      await this.attempts.consume(SignInGuard.addressKey(address));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.ceil(error.msBeforeNext / 1000);
      throw refusal(`Too many sign-in attempts from your address; retry in ${seconds} s`, seconds);
    }
  }

  /**
   * Admits a password to check ({@link admit}), counted as a wrong one until {@link succeeded} says
   * otherwise, so attempts sent at once cannot all pass before the first failure is recorded: past the
   * free ones, one attempt at a time from this address is checked, and the rest are refused.
   */
  async admitGuess(email: string, address: string): Promise<void> {
    await this.admit(email, address);
    const key = SignInGuard.key(email, address);
    const { consumedPoints } = await this.failures.penalty(key, 1);
    if (consumedPoints <= this.limits.freeFailures) return;
    try {
      // One second's single point: the first attempt past the free ones takes it, the others at once are refused.
      await this.lockouts.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      await this.failures.reward(key, 1);
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw refusal(`Too many wrong passwords for this e-mail from your address; retry in ${seconds} s`, seconds);
    }
  }

  /** Records that the password admitted by {@link admitGuess} was wrong: past the free ones, the next attempt from this address waits. */
  async failed(email: string, address: string): Promise<void> {
    const key = SignInGuard.key(email, address);
    const consumedPoints = (await this.failures.get(key))?.consumedPoints ?? 1;
    const beyond = consumedPoints - this.limits.freeFailures;
    if (beyond >= 0) await this.lockouts.block(key, Math.min(2 ** Math.min(beyond, 30), this.limits.maxBackoffSeconds));
  }

  /** Records a successful sign-in: the count of wrong passwords starts again. */
  async succeeded(email: string, address: string): Promise<void> {
    const key = SignInGuard.key(email, address);
    await Promise.all([this.failures.delete(key), this.lockouts.delete(key)]);
  }
}
