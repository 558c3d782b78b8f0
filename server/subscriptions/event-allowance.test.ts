import { describe, expect, it } from 'vitest';
import { EventAllowances } from './event-allowance.ts';
import { TokenBucket } from '../http/token-bucket.ts';

describe('a user’s allowance for subscription events', () => {
  it('gives its burst at once, then refuses, saying how long until the bytes are there', () => {
    let now = 0;
    const allowance = new TokenBucket(100, 10, () => now);
    expect(allowance.take(60)).toBeNull();
    expect(allowance.take(40)).toBeNull();
    // Nothing left: 50 bytes at 10 a second come in 5 s.
    expect(allowance.take(50)).toBe(5_000);
    // A refusal takes nothing: a smaller load waits only for its own size.
    expect(allowance.take(1)).toBe(100);
    now = 2_000;
    expect(allowance.take(20)).toBeNull();
    expect(allowance.take(1)).toBe(100);
    expect(allowance.full).toBe(false);
    // Refilled to its capacity, no further.
    now = 60_000;
    expect(allowance.full).toBe(true);
  });

  it('is one per user, shared by all their subscriptions', () => {
    const allowances = new EventAllowances(100, 1);
    expect(allowances.of('a')).toBe(allowances.of('a'));
    expect(allowances.of('a').take(100)).toBeNull();
    expect(allowances.of('a').take(1)).not.toBeNull();
    expect(allowances.of('b').take(100)).toBeNull();
  });
});
