// The per-key sliding-window limiter: limits per key, the window boundary, Retry-After, and the
// bounded memory, all on an injected clock.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../server/http/rate-limit';

function clock(start = 0): { now: () => number; set: (t: number) => void; add: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (v) => void (t = v), add: (ms) => void (t += ms) };
}

describe('RateLimiter', () => {
  it('allows `limit` requests per key in a window, then refuses, per key independently', () => {
    const c = clock(0);
    const rl = new RateLimiter({ limit: 3, windowMs: 10_000, now: c.now });
    expect([rl.take('a'), rl.take('a'), rl.take('a')].every((d) => d.ok && d.retryAfterSeconds === 0)).toBe(true);
    const refused = rl.take('a');
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(rl.take('b').ok).toBe(true);
    // Refusals are counted for the metrics, across keys.
    expect(rl.refused).toBe(1);
    rl.take('a');
    expect(rl.refused).toBe(2);
  });

  it('does not count refused requests', () => {
    const c = clock(0);
    const rl = new RateLimiter({ limit: 2, windowMs: 1000, now: c.now });
    rl.take('k');
    rl.take('k');
    for (let i = 0; i < 50; i++) expect(rl.take('k').ok).toBe(false);
    // Two windows later everything has slid out.
    c.set(2000);
    expect(rl.take('k').ok).toBe(true);
    expect(rl.take('k').ok).toBe(true);
    expect(rl.take('k').ok).toBe(false);
  });

  it('weights the previous window, so a burst at a boundary is not doubled', () => {
    const c = clock(9_999);
    const rl = new RateLimiter({ limit: 10, windowMs: 10_000, now: c.now });
    for (let i = 0; i < 10; i++) expect(rl.take('k').ok).toBe(true);
    // Just after the boundary the previous window still counts almost fully.
    c.set(10_001);
    expect(rl.take('k').ok).toBe(false);
    // Half-way through, half of it counts: 5 more fit.
    c.set(15_000);
    let allowed = 0;
    while (rl.take('k').ok) allowed += 1;
    expect(allowed).toBe(5);
  });

  it('answers a Retry-After after which a request is indeed allowed, and not much earlier', () => {
    for (const [limit, windowMs, burstAt] of [
      [5, 60_000, 0],
      [5, 60_000, 30_000],
      [1, 1000, 999],
      [100, 60_000, 59_000],
      [3, 7_000, 6_500],
    ] as const) {
      const c = clock(burstAt);
      const rl = new RateLimiter({ limit, windowMs, now: c.now });
      for (let i = 0; i < limit; i++) rl.take('k');
      const refused = rl.take('k');
      expect(refused.ok).toBe(false);
      const wait = refused.retryAfterSeconds * 1000;
      // One second earlier it is still refused (Retry-After is rounded up to whole seconds).
      if (refused.retryAfterSeconds > 1) {
        c.set(burstAt + wait - 1000);
        expect(rl.take('k').ok, `limit ${limit} window ${windowMs} at ${burstAt}`).toBe(false);
      }
      c.set(burstAt + wait);
      expect(rl.take('k').ok, `limit ${limit} window ${windowMs} at ${burstAt}`).toBe(true);
    }
  });

  it('keeps at most `max` keys, forgetting the least recently used', () => {
    const c = clock(0);
    const rl = new RateLimiter({ limit: 1, windowMs: 60_000, max: 100, now: c.now });
    rl.take('first');
    expect(rl.take('first').ok).toBe(false);
    for (let i = 0; i < 1000; i++) rl.take(`ip-${i}`);
    expect(rl.size).toBe(100);
    // Pushed out, so it starts afresh: the documented trade-off for bounded memory.
    expect(rl.take('first').ok).toBe(true);
  });

  it('starts afresh after a long quiet period', () => {
    const c = clock(0);
    const rl = new RateLimiter({ limit: 1, windowMs: 1000, now: c.now });
    rl.take('k');
    c.set(1_000_000);
    expect(rl.take('k').ok).toBe(true);
  });

  it('refuses nonsense options', () => {
    expect(() => new RateLimiter({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new RateLimiter({ limit: 1.5, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new RateLimiter({ limit: 1, windowMs: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ limit: 1, windowMs: 1000, max: 0 })).toThrow(RangeError);
  });

  it('uses Date.now by default', () => {
    const rl = new RateLimiter({ limit: 1, windowMs: 60_000 });
    expect(rl.take('x').ok).toBe(true);
    expect(rl.take('x').ok).toBe(false);
  });
});
