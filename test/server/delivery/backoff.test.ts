// The one retry policy of goals and webhook calls: exponential ceilings from the base, capped;
// full jitter (uniform between 0 and the ceiling, from the random source given); the last attempt.
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DELIVERY_BACKOFF, exhausted, type BackoffPolicy } from '../../../server/delivery/backoff';

const POLICY: BackoffPolicy = { baseMs: 100, capMs: 1000, maxAttempts: 6 };

describe('the backoff policy', () => {
  it('doubles the ceiling from the base with each failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffCeiling(POLICY, n))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    // A huge count stays finite and capped.
    expect(backoffCeiling(POLICY, 10_000)).toBe(1000);
    // Fewer than one failure is treated as the first.
    expect(backoffCeiling(POLICY, 0)).toBe(100);
  });

  it('draws the delay uniformly below the ceiling: full jitter, so a retry can come at once', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(POLICY, n, () => 0.999_999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(POLICY, 4, () => 0)).toBe(0);
    expect(backoffDelay(POLICY, 4, () => 0.5)).toBe(400);
    // A source out of range is clamped.
    expect(backoffDelay(POLICY, 1, () => 7)).toBe(100);
    expect(backoffDelay(POLICY, 1, () => -1)).toBe(0);
  });

  it('spreads retries of rows that failed together', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(POLICY, 3, Math.random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(400);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it('gives up at maxAttempts failed attempts', () => {
    expect(exhausted(POLICY, 5)).toBe(false);
    expect(exhausted(POLICY, 6)).toBe(true);
  });

  it('the default: 0.5 s doubling to 5 min, 200 attempts — hours of failure before a delivery is given up', () => {
    expect(DELIVERY_BACKOFF).toEqual({ baseMs: 500, capMs: 300_000, maxAttempts: 200 });
    const ceilings = Array.from({ length: DELIVERY_BACKOFF.maxAttempts - 1 }, (_, i) => backoffCeiling(DELIVERY_BACKOFF, i + 1));
    const longest = ceilings.reduce((a, b) => a + b, 0);
    // At most ~16 h of retries for one row failing alone; on average half of it.
    expect(longest / 3_600_000).toBeGreaterThan(15);
    expect(longest / 3_600_000).toBeLessThan(17);
  });
});
