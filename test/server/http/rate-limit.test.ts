// The per-key limiter without Redis (rate-limiter-flexible's memory store): `limit` requests per
// key per fixed window starting at the key's first request, Retry-After to the window's end, peek
// without counting, refusals counted for the metrics. Time is a fake Date (the library reads
// Date.now); its own expiry timers are not needed for any answer here.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimit } from '../../../server/http/rate-limit';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (ms: number): void => void vi.setSystemTime(T0 + ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  at(0);
});
afterEach(() => {
  vi.useRealTimers();
});

async function takes(rl: RateLimit, key: string, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await rl.take(key)).ok);
  return out;
}

describe('RateLimit in memory (no Redis)', () => {
  it('allows `limit` requests per key in a window, then refuses; keys are independent; refusals are counted', async () => {
    const rl = new RateLimit({ name: 'test', limit: 3, windowMs: 10_000 });
    expect(await takes(rl, 'a', 3)).toEqual([true, true, true]);
    const refused = await rl.take('a');
    expect(refused).toMatchObject({ ok: false, remaining: 0 });
    expect(refused.retryAfterSeconds).toBe(10);
    expect((await rl.take('b')).ok).toBe(true);
    expect(rl.refused).toBe(1);
    await rl.take('a');
    expect(rl.refused).toBe(2);
  });

  it('says how many requests are left and when the window ends', async () => {
    const rl = new RateLimit({ name: 'test', limit: 3, windowMs: 60_000 });
    expect(await rl.take('k')).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 2, resetSeconds: 60 });
    at(20_500);
    expect(await rl.take('k')).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 1, resetSeconds: 40 });
    expect(await rl.take('k')).toMatchObject({ ok: true, remaining: 0 });
  });

  it('answers a Retry-After after which a request is allowed, and not one second earlier', async () => {
    for (const [limit, windowMs, burstAt] of [
      [5, 60_000, 0],
      [5, 60_000, 30_000],
      [1, 1000, 999],
      [100, 60_000, 59_000],
      [3, 7_000, 6_500],
    ] as const) {
      at(burstAt);
      const rl = new RateLimit({ name: 'test', limit, windowMs });
      await takes(rl, 'k', limit);
      at(burstAt + 400);
      const refused = await rl.take('k');
      expect(refused.ok).toBe(false);
      const wait = refused.retryAfterSeconds * 1000;
      if (refused.retryAfterSeconds > 1) {
        at(burstAt + 400 + wait - 1000);
        expect((await rl.peek('k')).ok, `limit ${limit} window ${windowMs}`).toBe(false);
      }
      at(burstAt + 400 + wait);
      expect((await rl.take('k')).ok, `limit ${limit} window ${windowMs}`).toBe(true);
    }
  });

  it('a refused client hammering on does not push its window further', async () => {
    const rl = new RateLimit({ name: 'test', limit: 2, windowMs: 10_000 });
    await takes(rl, 'k', 2);
    for (let t = 0; t < 10_000; t += 500) {
      at(t);
      expect((await rl.take('k')).ok).toBe(false);
    }
    at(10_000);
    expect(await takes(rl, 'k', 3)).toEqual([true, true, false]);
  });

  it('peek tells what take would answer, and counts nothing', async () => {
    const rl = new RateLimit({ name: 'test', limit: 2, windowMs: 60_000 });
    expect(await rl.peek('k')).toMatchObject({ ok: true, remaining: 2 });
    for (let i = 0; i < 10; i++) await rl.peek('k');
    await rl.take('k');
    expect(await rl.peek('k')).toMatchObject({ ok: true, remaining: 1 });
    await rl.take('k');
    at(15_000);
    expect(await rl.peek('k')).toEqual({ ok: false, retryAfterSeconds: 45, remaining: 0, resetSeconds: 45 });
    expect(rl.refused).toBe(0);
    at(60_000);
    expect((await rl.peek('k')).ok).toBe(true);
  });

  it('refuses nonsense options', () => {
    expect(() => new RateLimit({ name: 'x', limit: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new RateLimit({ name: 'x', limit: 1.5, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new RateLimit({ name: 'x', limit: 1, windowMs: 0 })).toThrow(RangeError);
    expect(() => new RateLimit({ name: 'x', limit: 1, windowMs: 1500 })).toThrow(RangeError);
  });
});
