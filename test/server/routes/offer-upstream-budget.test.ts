// GET /offer with an upstream budget, against the simulated DataFast and the simulated PostMetric
// (each over real HTTP, the same tests for both): past the
// budget a visitor with no record gets `upstream-budget` at once and no call is made; a visitor
// whose record expired is served it instead of a refresh, while new visitors still get the calls;
// the provider's X-RateLimit-Remaining stops calls before a 429 would; and two routers on one
// Redis draw on one bucket, named by a pseudonym of the API key. The bucket refills by the wall
// clock, so counts are bounded by the time the test took, never assumed instantaneous.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Redis as RedisClient } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS } from '../../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS } from '../../../demo/simulated-postmetric';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { internalsOf } from '../../../server/router-internals';
import { TEST_SECRET } from '../../support/decision-tokens';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { startRedis, type Redis } from '../../support/redis';
import { useRouteSuite, type SuiteProvider } from '../../support/route-suite';
import { visitorIds } from '../../support/visitor-ids';
import { waitFor } from '../../support/wait';

interface Decision {
  offer: { id: string } | null;
  experiment: unknown;
  segment: string;
  reason: string;
}

/** 12 a minute: a burst of 2, then one call every 6 s. */
const TWELVE = { callsPerMinute: 12 };
const REFILL_MS = 6_000;

const SIDES = {
  datafast: { cookie: 'datafast_visitor_id', key: SIMULATED_DATAFAST_DEFAULTS.apiKey },
  postmetric: { cookie: 'postmetric_visitor_id', key: SIMULATED_POSTMETRIC_DEFAULTS.apiKey },
} as const;

// The ids of visitorIds() are UUIDs: valid ids for PostMetric's charset rule too.
describe.each(['datafast', 'postmetric'] as SuiteProvider[])('against the simulated %s', (provider) => {
  const side = SIDES[provider];
  // PostMetric's simulator limits 100 calls a minute by default: lifted here, so only our budget counts.
  const suite = useRouteSuite(`offer-upstream-budget-${provider}`, { provider, sim: { generateUnknown: true }, pm: { generateUnknown: true, rateLimitPerMinute: 100_000 } });

  async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
    return suite.track(
      await mountRouter({
        ...suite.analytics(),
        dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
        secret: TEST_SECRET,
        logger: suite.log.logger,
        ...options,
      }),
    );
  }

  async function offer(m: MountedRouter, visitor: string): Promise<Decision> {
    const res = await fetch(`${m.origin}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `${side.cookie}=${visitor}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Decision;
  }

  /** The simulated API's own limit: a DataFast rate limit, or PostMetric's requests a minute. */
  function setProviderLimit(limit: number | null): void {
    if (provider === 'postmetric') suite.pm.setRateLimit(limit ?? 100_000);
    else suite.sim.setRateLimit(limit === null ? null : { limit });
  }

  describe('GET /offer with an upstream budget', () => {
    it('makes no more calls than the budget allows, and answers the rest upstream-budget without a call', async () => {
      const m = await mount({ upstream: TWELVE });
      const started = Date.now();
      const answers: Decision[] = [];
      for (const visitor of visitorIds(10, 'budget-cold')) answers.push(await offer(m, visitor));
      const elapsed = Date.now() - started;

      const calls = suite.upstream.callCount('visitors');
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(calls).toBeLessThanOrEqual(2 + Math.floor(elapsed / REFILL_MS));
      const refused = answers.filter((a) => a.reason === 'upstream-budget');
      expect(refused).toHaveLength(10 - calls);
      for (const a of refused) expect(a).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'upstream-budget' });
      expect(internalsOf(m.router).budget?.stats().refused.cold).toBe(10 - calls);
    });

    it('serves an expired record instead of refreshing it when the budget runs low, keeping the call for a new visitor', async () => {
      // Every record expires at once (ttl 0), so each later request for a visitor is a refresh.
      const m = await mount({ upstream: TWELVE, cache: { ttlMs: 0 } });
      const started = Date.now();
      const [known, fresh, third] = visitorIds(3, 'budget-refresh');
      const first = await offer(m, known ?? '');
      expect(first.reason).toMatch(/^rule:/);
      // One token left (of 2): a refresh must leave one (half the burst) for cold lookups.
      const again = await offer(m, known ?? '');
      expect(again).toEqual(first);
      expect(suite.upstream.callCount('visitors')).toBe(1);
      // The token it left goes to a new visitor.
      expect((await offer(m, fresh ?? '')).reason).toMatch(/^rule:/);
      expect(suite.upstream.callCount('visitors')).toBe(2);
      const stats = internalsOf(m.router).budget?.stats();
      expect(stats?.refused.refresh).toBeGreaterThanOrEqual(1);
      expect(stats?.granted.cold).toBe(2);
      // A third new visitor finds the bucket empty, unless the test took long enough for a refill.
      const last = await offer(m, third ?? '');
      if (Date.now() - started < REFILL_MS) expect(last.reason).toBe('upstream-budget');
    });

    it("stops calling when the provider's X-RateLimit-Remaining says none are left, before any 429", async () => {
      setProviderLimit(3);
      try {
        // Our own budget is far above the provider's: only its headers can stop the calls.
        const m = await mount({ upstream: { callsPerMinute: 600 } });
        const answers: Decision[] = [];
        for (const visitor of visitorIds(6, 'budget-headers')) answers.push(await offer(m, visitor));
        expect(suite.upstream.callCount('visitors')).toBe(3);
        expect(answers.map((a) => a.reason === 'upstream-budget')).toEqual([false, false, false, true, true, true]);
        // No 429 was ever answered, so nothing paused the client.
        expect(internalsOf(m.router).client.pausedUntil).toBe(0);
      } finally {
        setProviderLimit(null);
      }
    });

    it('goals wait for the budget without using an attempt (the row stays queued, not failed)', async () => {
      const m = await mount({ upstream: { callsPerMinute: 6 } }); // a burst of 1, then one every 12 s
      const [visitor] = visitorIds(1, 'budget-goal');
      const decision = (await offer(m, visitor ?? '')) as Decision & { token?: string };
      expect(decision.offer).not.toBeNull();
      const res = await fetch(`${m.origin}/visitor-offers/events`, {
        method: 'POST',
        headers: { cookie: `${side.cookie}=${visitor}`, origin: m.origin, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'exposure', offerId: decision.offer?.id, token: decision.token }),
      });
      expect(res.status).toBe(202);
      const internals = internalsOf(m.router);
      // The lookup took the only token: the goal is refused by the budget, not sent, not failed.
      await waitFor(() => (internals.budget?.stats().refused.background ?? 0) > 0, 'the goal to meet the budget');
      expect(suite.upstream.callCount('goals')).toBe(0);
      const { datafast } = await (await internals.store.ready).outboxCounts();
      expect(datafast.queued + datafast.inFlight).toBe(1);
      expect(datafast.failed + datafast.rejected).toBe(0);
    });

    // The defaults differ by provider: DataFast publishes no limit (no budget), PostMetric allows 100 a minute.
    it(provider === 'datafast' ? 'without a budget (the DataFast default) every cold visitor is looked up' : "by default PostMetric's 100 a minute: a burst of 16 cold visitors, the rest upstream-budget", async () => {
      const m = await mount();
      const answers: Decision[] = [];
      const started = Date.now();
      for (const visitor of visitorIds(20, 'budget-none')) answers.push(await offer(m, visitor));
      const refused = answers.filter((a) => a.reason === 'upstream-budget').length;
      if (provider === 'datafast') {
        expect(internalsOf(m.router).budget).toBeNull();
        expect(refused).toBe(0);
        expect(suite.upstream.callCount('visitors')).toBe(20);
      } else {
        expect(internalsOf(m.router).budget?.stats().callsPerMinute).toBe(100);
        // 84 a minute refill after the burst: one more call per 714 ms the test took.
        const calls = suite.upstream.callCount('visitors');
        expect(calls).toBeGreaterThanOrEqual(16);
        expect(calls).toBeLessThanOrEqual(16 + Math.floor((Date.now() - started) / (60_000 / 84)));
        expect(refused).toBe(20 - calls);
      }
    });
  });

  describe('two routers on one Redis', () => {
    let redis: Redis;
    let raw: RedisClient;
    beforeAll(async () => {
      redis = await startRedis();
      raw = new RedisClient(redis.url);
    });
    afterAll(async () => {
      raw.disconnect();
      await redis.stop();
    });

    it('draw on one bucket: the fleet makes no more calls than the budget, and Redis names it by a pseudonym', async () => {
      const both = [await mount({ upstream: TWELVE, redisUrl: redis.url }), await mount({ upstream: TWELVE, redisUrl: redis.url })];
      await waitFor(() => both.every((m) => m.router.health().redis.state === 'up'), 'both routers to reach Redis');
      const started = Date.now();
      const visitors = visitorIds(12, 'budget-fleet');
      const answers: Decision[] = [];
      for (const [i, visitor] of visitors.entries()) answers.push(await offer(both[i % 2] as MountedRouter, visitor));
      const elapsed = Date.now() - started;

      const calls = suite.upstream.callCount('visitors');
      // Two buckets of their own would allow 4 at once; one shared bucket allows 2 (plus its refill).
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(calls).toBeLessThanOrEqual(2 + Math.floor(elapsed / REFILL_MS));
      expect(answers.filter((a) => a.reason === 'upstream-budget')).toHaveLength(12 - calls);
      for (const m of both) expect(m.router.health().redis.fallbacks).toBe(0);

      const keys = await raw.keys('vo:budget:*');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^vo:budget:[A-Za-z0-9_-]{22}$/);
      const dump = JSON.stringify([keys, await raw.hgetall(keys[0] ?? '')]);
      expect(dump).not.toContain(side.key);
      expect(dump).not.toContain(side.key.slice(3));
    });

    it('share the visitor cache: a visitor one router looked up is decided by the other without a call; Redis holds the record sealed', async () => {
      await raw.flushall();
      const both = [await mount({ upstream: TWELVE, redisUrl: redis.url }), await mount({ upstream: TWELVE, redisUrl: redis.url })];
      await waitFor(() => both.every((m) => m.router.health().redis.state === 'up'), 'both routers to reach Redis');
      const [visitor = ''] = visitorIds(1, 'budget-shared-cache');
      const first = await offer(both[0] as MountedRouter, visitor);
      expect(first.reason).toMatch(/^rule:/);
      await waitFor(async () => (await raw.keys('vo:v:*')).length === 1, 'the record to reach Redis');
      expect(await offer(both[1] as MountedRouter, visitor)).toEqual(first);
      expect(suite.upstream.callCount('visitors')).toBe(1);
      const [entry = ''] = await raw.keys('vo:v:*');
      const stored = `${entry} ${(await raw.get(entry)) ?? ''}`;
      // Neither the visitor id nor anything of the record is readable in Redis.
      for (const plain of [visitor, side.key, 'sessions', 'pageViews', 'visitorId']) expect(stored).not.toContain(plain);
    });
  });
});
