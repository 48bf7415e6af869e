// The upstream budget's arithmetic: never more calls than the budget in any 60 s, whatever the
// timing and mix of calls and whatever the provider says; cold lookups before refreshes; the
// provider's X-RateLimit count only ever tightens it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketConfig, defaultCallsPerMinute, initialState, observe, take, type BucketState, type CallPriority } from '../../../server/upstream/token-bucket';

const MINUTE = 60_000;
const T0 = 1_750_000_000_000;

/** Most calls granted within any window of `windowMs` (inclusive ends). */
function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

const priority = fc.constantFrom<CallPriority>('cold', 'refresh', 'background');
const attempt = fc.record({ gapMs: fc.integer({ min: 0, max: 5_000 }), priority });
const quota = fc.option(fc.record({ remaining: fc.integer({ min: 0, max: 200 }), resetInMs: fc.integer({ min: -1_000, max: 120_000 }) }), { nil: null, freq: 4 });

describe('the token bucket', () => {
  it('never grants more than callsPerMinute calls in any 60 s, whatever the timing, priorities and provider answers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.array(fc.tuple(attempt, quota), { minLength: 1, maxLength: 1500 }), (perMinute, steps) => {
        const config = bucketConfig(perMinute);
        let state: BucketState = initialState(config, T0);
        let now = T0;
        const granted: number[] = [];
        for (const [{ gapMs, priority: p }, q] of steps) {
          now += gapMs;
          const r = take(config, state, now, p);
          state = r.state;
          if (r.granted) granted.push(now);
          if (q !== null) state = observe(config, state, now, { remaining: q.remaining, resetAt: now + q.resetInMs });
        }
        expect(maxInWindow(granted, MINUTE)).toBeLessThanOrEqual(perMinute);
      }),
      { numRuns: 300 },
    );
  });

  it('uses the whole budget over time when asked without pause: burst + refill over a minute', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (perMinute) => {
        const config = bucketConfig(perMinute);
        let state = initialState(config, T0);
        let granted = 0;
        // One attempt per ms for a minute, all cold.
        for (let t = 0; t < MINUTE; t += 1) {
          const r = take(config, state, T0 + t, 'cold');
          state = r.state;
          if (r.granted) granted++;
        }
        // burst at once, then (perMinute − burst) over the minute (the last fraction of a token may not have arrived).
        expect(granted).toBeGreaterThanOrEqual(perMinute - 1);
        expect(granted).toBeLessThanOrEqual(perMinute);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps a reserve for cold lookups: refreshes stop while cold lookups still go', () => {
    const config = bucketConfig(100); // burst 16, reserve 8
    expect(config.burst).toBe(16);
    let state = initialState(config, T0);
    let refreshes = 0;
    for (;;) {
      const r = take(config, state, T0, 'refresh');
      state = r.state;
      if (!r.granted) break;
      refreshes++;
    }
    expect(refreshes).toBe(8);
    let colds = 0;
    for (;;) {
      const r = take(config, state, T0, 'cold');
      state = r.state;
      if (!r.granted) break;
      colds++;
    }
    expect(colds).toBe(8);
    // Background work yields like a refresh.
    expect(take(config, state, T0 + MINUTE, 'background').granted).toBe(true);
  });

  it('whatever the budget, a refresh or background call goes when the bucket is full', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom<CallPriority>('refresh', 'background'), (perMinute, p) => {
        const config = bucketConfig(perMinute);
        expect(take(config, initialState(config, T0), T0, p).granted).toBe(true);
      }),
    );
  });

  it('refills at (callsPerMinute − burst) a minute, and never above the burst', () => {
    const config = bucketConfig(60); // burst 10, 50 a minute: one per 1.2 s
    let state = initialState(config, T0);
    for (let i = 0; i < 10; i++) state = take(config, state, T0, 'cold').state;
    expect(take(config, state, T0 + 1_100, 'cold').granted).toBe(false);
    expect(take(config, state, T0 + 1_200, 'cold').granted).toBe(true);
    const later = take(config, state, T0 + 10 * MINUTE, 'cold').state;
    expect(later.tokens).toBe(config.burst - 1);
  });

  it('a clock that goes back refills nothing', () => {
    const config = bucketConfig(60);
    let state = initialState(config, T0);
    for (let i = 0; i < 10; i++) state = take(config, state, T0, 'cold').state;
    expect(take(config, state, T0 - MINUTE, 'cold').granted).toBe(false);
    expect(take(config, state, T0, 'cold').granted).toBe(false);
  });
});

describe("the provider's X-RateLimit count", () => {
  it('caps the calls until its reset at what it says are left, less those made since', () => {
    const config = bucketConfig(600); // burst 100: tokens are not what stops the calls here
    let state = observe(config, initialState(config, T0), T0, { remaining: 3, resetAt: T0 + 30_000 });
    const answers: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = take(config, state, T0 + i, 'cold');
      state = r.state;
      answers.push(r.granted);
    }
    expect(answers).toEqual([true, true, true, false, false]);
    // Its window over, the bucket alone decides again.
    expect(take(config, state, T0 + 30_000, 'cold').granted).toBe(true);
  });

  it('only tightens: a later answer saying more are left does not raise the cap within the window', () => {
    const config = bucketConfig(600);
    let state = observe(config, initialState(config, T0), T0, { remaining: 1, resetAt: T0 + 30_000 });
    state = observe(config, state, T0 + 10, { remaining: 50, resetAt: T0 + 30_000 });
    expect(state.quotaRemaining).toBe(1);
    const first = take(config, state, T0 + 20, 'cold');
    expect(first.granted).toBe(true);
    expect(take(config, first.state, T0 + 21, 'cold').granted).toBe(false);
  });

  it("takes a new window's count when an answer names a later reset, though the old rounded reset has not come", () => {
    const config = bucketConfig(600);
    // The provider's window ends at T0 + 30.2 s; its Reset, in whole seconds, says T0 + 31 s.
    let state = observe(config, initialState(config, T0), T0, { remaining: 1, resetAt: T0 + 31_000 });
    // At T0 + 30.5 s a call lands in its next window: 99 left until T0 + 91 s.
    state = observe(config, state, T0 + 30_500, { remaining: 99, resetAt: T0 + 91_000 });
    expect(state).toMatchObject({ quotaRemaining: 99, quotaResetAt: T0 + 91_000 });
    expect(take(config, state, T0 + 30_600, 'cold').granted).toBe(true);
    expect(take(config, state, T0 + 30_600, 'refresh').granted).toBe(true);
  });

  it("ignores a late answer from an earlier window, and treats resets a second apart as one window", () => {
    const config = bucketConfig(600);
    let state = observe(config, initialState(config, T0), T0, { remaining: 40, resetAt: T0 + 60_000 });
    state = observe(config, state, T0 + 10, { remaining: 0, resetAt: T0 + 1_000 });
    expect(state).toMatchObject({ quotaRemaining: 40, quotaResetAt: T0 + 60_000 });
    state = observe(config, state, T0 + 20, { remaining: 30, resetAt: T0 + 60_900 });
    expect(state).toMatchObject({ quotaRemaining: 30, quotaResetAt: T0 + 60_900 });
  });

  it('holds its last calls for cold lookups too', () => {
    const config = bucketConfig(600); // reserve 50
    const state = observe(config, initialState(config, T0), T0, { remaining: 20, resetAt: T0 + 30_000 });
    expect(take(config, state, T0, 'refresh').granted).toBe(false);
    expect(take(config, state, T0, 'cold').granted).toBe(true);
  });

  it('ignores a reset in the past and believes one far away for 5 minutes at most', () => {
    const config = bucketConfig(600);
    const past = observe(config, initialState(config, T0), T0, { remaining: 0, resetAt: T0 - 1 });
    expect(take(config, past, T0, 'cold').granted).toBe(true);
    const far = observe(config, initialState(config, T0), T0, { remaining: 0, resetAt: T0 + 24 * 3600_000 });
    expect(take(config, far, T0 + 5 * MINUTE - 1, 'cold').granted).toBe(false);
    expect(take(config, far, T0 + 5 * MINUTE, 'cold').granted).toBe(true);
  });
});

describe('defaults by provider', () => {
  it('PostMetric: its published 100 a minute; DataFast: none (it publishes no limit)', () => {
    expect(defaultCallsPerMinute('postmetric')).toBe(100);
    expect(defaultCallsPerMinute('datafast')).toBeNull();
  });

  it('refuses a budget that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => bucketConfig(bad)).toThrow(RangeError);
  });
});
