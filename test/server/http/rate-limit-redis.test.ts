// A limit counted in a real redis-server by two instances: it holds across both; the Redis keys
// are pseudonyms of the client key; with Redis down each instance counts alone in memory (the
// insurance limiter) and nothing is refused for want of Redis; with Redis back, counting is shared again.
import { Redis as RedisClient } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimit } from '../../../server/http/rate-limit';
import { silentLogger } from '../../../server/logger';
import { RedisKeyring } from '../../../server/redis/keyring';
import { RedisLink } from '../../../server/redis/redis-link';
import { startRedis, type Redis } from '../../support/redis';
import { waitFor } from '../../support/wait';

const API_KEY = 'df_rate_limit_redis_test_key';
let redis: Redis;
let raw: RedisClient;
let links: RedisLink[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = new RedisClient(redis.url);
});
afterAll(async () => {
  raw.disconnect();
  await redis.stop();
});
beforeEach(async () => {
  await raw.flushall();
});
afterEach(async () => {
  for (const link of links) link.close();
  links = [];
});

async function limiter(limit: number): Promise<{ rl: RateLimit; link: RedisLink }> {
  const link = new RedisLink({ url: redis.url, logger: silentLogger(), recheckMs: 100 });
  links.push(link);
  await waitFor(() => link.usable(), 'the link to come up');
  return { rl: new RateLimit({ name: 'events_per_ip', limit, windowMs: 60_000, shared: { link, keyring: new RedisKeyring(API_KEY, null) } }), link };
}

async function alternate(a: RateLimit, b: RateLimit, key: string, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await (i % 2 === 0 ? a : b).take(key)).ok);
  return out;
}

describe('RateLimit with Redis', () => {
  it('holds across instances: requests alternating between two count as one client', async () => {
    const [a, b] = [await limiter(10), await limiter(10)];
    expect(await alternate(a.rl, b.rl, '203.0.113.7', 12)).toEqual([...Array(10).fill(true), false, false]);
    const refused = await b.rl.take('203.0.113.7');
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // peek on either instance sees the fleet's count.
    expect((await a.rl.peek('203.0.113.7')).ok).toBe(false);
    expect((await a.rl.peek('198.51.100.1')).ok).toBe(true);
  });

  it('stores a pseudonym of the client key, and a count', async () => {
    const { rl } = await limiter(5);
    await rl.take('203.0.113.7');
    const keys = await raw.keys('*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^vo:rl:[A-Za-z0-9_-]{22}$/);
    expect(keys[0]).not.toContain('203.0.113');
    expect(await raw.get(keys[0] as string)).toBe('1');
    expect(await raw.pttl(keys[0] as string)).toBeGreaterThan(50_000);
  });

  it('while Redis hangs, each instance limits alone in memory; once it is back the count is shared again', async () => {
    const [a, b] = [await limiter(3), await limiter(3)];
    await redis.pause();
    try {
      // Each instance allows the limit on its own: nothing is refused because Redis is away.
      expect(await alternate(a.rl, b.rl, 'k', 8)).toEqual([true, true, true, true, true, true, false, false]);
    } finally {
      await redis.resume();
    }
    await waitFor(() => a.link.usable() && b.link.usable(), 'both links to come back');
    expect(await alternate(a.rl, b.rl, 'other', 4)).toEqual([true, true, true, false]);
  });

  it('while Redis is killed, likewise; restarted empty, it counts afresh', async () => {
    const [a, b] = [await limiter(2), await limiter(2)];
    await a.rl.take('k');
    await redis.kill();
    await waitFor(() => !a.link.usable() && !b.link.usable(), 'both links to notice');
    // Each instance counts from zero in its own memory: the limit per instance.
    expect(await alternate(a.rl, b.rl, 'k', 6)).toEqual([true, true, true, true, false, false]);
    await redis.restart();
    await waitFor(() => a.link.usable() && b.link.usable(), 'both links to come back', { timeoutMs: 10_000 });
    expect(await alternate(a.rl, b.rl, 'k', 3)).toEqual([true, true, false]);
  });
});
