// The realtime map through a real redis-server for two instances: one DataFast fetch per interval
// for the fleet (the shorter interval wins when /live and the dashboard ask), the others take it
// with the time it was fetched; a failed fetch is not repeated by the others within the interval;
// the map is sealed in Redis; Redis down → each instance fetches for itself.
import { Redis as RedisClient } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RealtimeLookup } from '../../../server/datafast/client';
import type { RealtimeMap } from '../../../server/datafast/realtime';
import { SharedRealtime } from '../../../server/live/shared-realtime';
import { silentLogger } from '../../../server/logger';
import { RedisKeyring } from '../../../server/redis/keyring';
import { RedisLink } from '../../../server/redis/redis-link';
import { startRedis, type Redis } from '../../support/redis';
import { waitFor } from '../../support/wait';

const API_KEY = 'df_shared_realtime_test_key';
const VISITOR = '7d3c9a2e-1b4f-4e6a-8c2d-9f0e1a2b3c4d';
const MAP: RealtimeMap = {
  count: 3,
  visitors: [{ visitorId: VISITOR, countryCode: 'FR', deviceType: 'mobile', browser: 'Safari', os: 'iOS', currentUrl: '/pricing?email=someone@example.com', visitCount: 2, isCustomer: false, score: 64, confidence: 0.7 }],
  recentPayments: [{ timestamp: '2026-03-02T10:00:00Z', visible: true, amount: 49, currency: 'EUR', countryCode: 'FR' }],
  recentEvents: [],
};

/** DataFast's realtime endpoint as the fleet sees it: one answer, every call counted, calls can be held. */
class Upstream {
  calls = 0;
  answer: RealtimeLookup = { kind: 'found', map: MAP };
  #gate: Promise<void> | null = null;
  #open: () => void = () => undefined;
  readonly fetch = async (): Promise<RealtimeLookup> => {
    this.calls++;
    if (this.#gate) await this.#gate;
    return this.answer;
  };
  hold(): void {
    this.#gate = new Promise((r) => (this.#open = r));
  }
  release(): void {
    this.#open();
    this.#gate = null;
  }
}

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

function clock(): { now: () => number; add: (ms: number) => void } {
  let t = Date.now();
  return { now: () => t, add: (ms) => void (t += ms) };
}

async function instance(upstream: Upstream, now: () => number): Promise<{ shared: SharedRealtime; link: RedisLink }> {
  const link = new RedisLink({ url: redis.url, logger: silentLogger(), recheckMs: 100 });
  links.push(link);
  await waitFor(() => link.usable(), 'the link to come up');
  return { shared: new SharedRealtime({ link, keyring: new RedisKeyring(API_KEY, null), fetch: upstream.fetch, waitMs: 1500, now }), link };
}

describe('the realtime map shared by two instances', () => {
  it('is fetched once per interval for both; the other instance gets it with the time it was fetched', async () => {
    const upstream = new Upstream();
    const c = clock();
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    const fetchedAt = c.now();
    expect(await a.shared.fetcher(15_000)()).toEqual({ kind: 'found', map: MAP });
    c.add(14_999);
    expect(await b.shared.fetcher(15_000)()).toEqual({ kind: 'found', map: MAP, fetchedAt });
    expect(await a.shared.fetcher(15_000)()).toEqual({ kind: 'found', map: MAP, fetchedAt });
    expect(upstream.calls).toBe(1);
    c.add(1);
    await b.shared.fetcher(15_000)();
    expect(upstream.calls).toBe(2);
    expect([a.shared.stats(), b.shared.stats()]).toEqual([
      { fetches: 1, shared: 1, alone: 0 },
      { fetches: 1, shared: 1, alone: 0 },
    ]);
  });

  it('makes an instance that asks during another’s fetch wait for it rather than fetch too', async () => {
    const upstream = new Upstream();
    const c = clock();
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    upstream.hold();
    const first = a.shared.fetcher(15_000)();
    await waitFor(() => upstream.calls === 1, 'the first fetch');
    const second = b.shared.fetcher(15_000)();
    await new Promise((r) => setTimeout(r, 60));
    upstream.release();
    expect(await first).toEqual({ kind: 'found', map: MAP });
    expect(await second).toMatchObject({ kind: 'found', map: MAP });
    expect(upstream.calls).toBe(1);
  });

  it('follows the shorter interval when the dashboard (5 s) and /live (15 s) both ask', async () => {
    const upstream = new Upstream();
    const c = clock();
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    await a.shared.fetcher(5_000)();
    c.add(6_000);
    // /live on b: the fleet fetched 6 s ago, within its 15 s.
    await b.shared.fetcher(15_000)();
    expect(upstream.calls).toBe(1);
    // The dashboard on a: 6 s is past its 5 s.
    await a.shared.fetcher(5_000)();
    expect(upstream.calls).toBe(2);
  });

  it('shares a failed fetch: the others answer the failure within the interval, without calling', async () => {
    const upstream = new Upstream();
    upstream.answer = { kind: 'unavailable', cause: 'timeout' };
    const c = clock();
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    expect(await a.shared.fetcher(15_000)()).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(await b.shared.fetcher(15_000)()).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(upstream.calls).toBe(1);
  });

  it('keeps the map sealed in Redis: no visitor id, page or email readable', async () => {
    const upstream = new Upstream();
    const { shared } = await instance(upstream, Date.now);
    await shared.fetcher(15_000)();
    await waitFor(async () => (await raw.keys('vo:live:*')).length === 1, 'the map in Redis');
    for (const key of await raw.keys('*')) {
      expect(key).toMatch(/^vo:live(-at)?:\{[A-Za-z0-9_-]{22}\}$/);
      const value = (await raw.getBuffer(key))?.toString('latin1') ?? '';
      for (const secret of [VISITOR, VISITOR.slice(0, 8), 'someone@example.com', '/pricing', 'Safari', API_KEY]) expect(value).not.toContain(secret);
    }
  });

  it('is fetched by each instance for itself while Redis hangs', async () => {
    const upstream = new Upstream();
    const c = clock();
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    await redis.pause();
    expect(await a.shared.fetcher(15_000)()).toEqual({ kind: 'found', map: MAP });
    expect(await b.shared.fetcher(15_000)()).toEqual({ kind: 'found', map: MAP });
    expect(upstream.calls).toBe(2);
    expect([a.shared.stats().alone, b.shared.stats().alone]).toEqual([1, 1]);
  });
});
