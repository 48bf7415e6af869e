// The upstream budget shared through a real redis-server by two instances (two links, one clock
// they are given): one bucket for both, cold before refresh, the provider's quota seen by both, an
// idle key lapsing into a full bucket, and each instance on its own bucket while Redis is away.
import { Redis as RedisClient } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../server/logger';
import { RedisKeyring } from '../../../server/redis/keyring';
import { RedisLink } from '../../../server/redis/redis-link';
import { UpstreamBudget } from '../../../server/upstream/upstream-budget';
import { startRedis, type Redis } from '../../support/redis';
import { waitFor } from '../../support/wait';

const API_KEY = 'df_upstream_budget_test_key';

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
  await redis.resume().catch(() => undefined);
});

const clock = { t: 1_750_000_000_000, now: (): number => clock.t };

async function instance(callsPerMinute: number, apiKey = API_KEY): Promise<{ budget: UpstreamBudget; link: RedisLink }> {
  const link = new RedisLink({ url: redis.url, logger: silentLogger(), recheckMs: 100 });
  links.push(link);
  await waitFor(() => link.usable(), 'the link to come up');
  return { budget: new UpstreamBudget({ callsPerMinute, shared: { link, keyring: new RedisKeyring(apiKey, null) }, now: clock.now }), link };
}

async function takeAll(budget: UpstreamBudget, priority: 'cold' | 'refresh', max = 1000): Promise<number> {
  let n = 0;
  while (n < max && (await budget.take(priority))) n++;
  return n;
}

describe('UpstreamBudget on one Redis', () => {
  it('two instances draw on one bucket: its burst once, then its refill', async () => {
    const a = await instance(60); // burst 10, 50 a minute
    const b = await instance(60);
    let granted = 0;
    for (let i = 0; i < 20; i++) if (await (i % 2 === 0 ? a : b).budget.take('cold')) granted++;
    expect(granted).toBe(10);
    clock.t += 6_000; // 5 tokens
    expect((await takeAll(a.budget, 'cold')) + (await takeAll(b.budget, 'cold'))).toBe(5);
  });

  it('refreshes leave half the burst for cold lookups, across instances', async () => {
    const a = await instance(60);
    const b = await instance(60);
    expect(await takeAll(a.budget, 'refresh')).toBe(5);
    expect(await takeAll(b.budget, 'refresh')).toBe(0);
    expect(await takeAll(b.budget, 'cold')).toBe(5);
  });

  it("one instance's provider quota binds the other", async () => {
    const a = await instance(600);
    const b = await instance(600);
    a.budget.observe({ remaining: 2, resetAt: clock.t + 30_000 });
    await waitFor(async () => (await raw.keys('vo:budget:*')).length === 1, 'the quota to reach Redis');
    expect(await takeAll(b.budget, 'cold')).toBe(2);
    expect(await a.budget.take('cold')).toBe(false);
    clock.t += 30_000;
    expect(await b.budget.take('cold')).toBe(true);
  });

  it("a later window's count replaces the shared one; a late answer from an earlier window does not", async () => {
    const a = await instance(600);
    const b = await instance(600);
    a.budget.observe({ remaining: 0, resetAt: clock.t + 31_000 });
    await waitFor(async () => (await raw.keys('vo:budget:*')).length === 1, 'the quota to reach Redis');
    const [key] = await raw.keys('vo:budget:*');
    await waitFor(async () => (await raw.hget(key ?? '', 'q')) === '0', 'the first count');
    expect(await b.budget.take('cold')).toBe(false);
    // The provider's next window began before our rounded reset: 5 left until a minute later.
    b.budget.observe({ remaining: 5, resetAt: clock.t + 91_000 });
    await waitFor(async () => (await raw.hget(key ?? '', 'q')) === '5', 'the new window to reach Redis');
    a.budget.observe({ remaining: 0, resetAt: clock.t + 31_000 });
    expect(await takeAll(a.budget, 'cold')).toBe(5);
  });

  it('sites with different API keys have buckets of their own, under names that are not the key', async () => {
    const a = await instance(6);
    const other = await instance(6, 'df_another_site_key');
    expect(await takeAll(a.budget, 'cold')).toBe(1);
    expect(await takeAll(other.budget, 'cold')).toBe(1);
    const keys = await raw.keys('*');
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(/^vo:budget:[A-Za-z0-9_-]{22}$/);
      expect(key).not.toContain('upstream_budget_test');
    }
    expect(await raw.pttl(keys[0] ?? '')).toBeGreaterThan(0);
  });

  it('while Redis hangs, each instance draws on its own bucket; back, they share again', async () => {
    const a = await instance(60);
    expect(await takeAll(a.budget, 'cold')).toBe(10);
    await redis.pause();
    // The first operation overruns the 50 ms budget and is answered locally: the local bucket is full.
    expect(await takeAll(a.budget, 'cold')).toBe(10);
    await redis.resume();
    await waitFor(() => a.link.usable(), 'the link to come back');
    expect(await a.budget.take('cold')).toBe(false); // the shared bucket is still empty at this clock
  });
});
