// Two routers in one process sharing one real redis-server behave as one: a burst of /offer for a
// cold visitor split across both makes one DataFast call; a rate limit holds across both; /live
// and the dashboard on both make one realtime-map fetch per interval; a 429 one of them gets
// pauses the other; health() and the metrics show Redis; and nothing in Redis names a visitor, a
// client address or an email, or holds a key or a token. Each router has its own data directory.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { Redis as RedisClient } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../server/config/options-types';
import { mountRouter, type MountedRouter } from '../support/mounted-router';
import { startRedis, type Redis } from '../support/redis';
import { useRouteSuite } from '../support/route-suite';
import { uuidFrom } from '../support/visitor-ids';
import { waitFor } from '../support/wait';

const ADMIN = 'router-shared-admin-token-5c1e9a7d3b2f';
const EMAIL = 'shared-state-lead@example.com';
const suite = useRouteSuite('router-shared', { sim: { generateUnknown: true }, secrets: [ADMIN] });

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
beforeEach(async () => {
  await raw.flushall();
});

/** Two routers, as two instances of one site: the same DataFast key, the same Redis. */
async function pair(options: Partial<VisitorOffersOptions> = {}): Promise<[MountedRouter, MountedRouter]> {
  const mount = async (): Promise<MountedRouter> =>
    suite.track(
      await mountRouter({
        datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 1500 },
        dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
        redisUrl: redis.url,
        adminToken: ADMIN,
        logger: suite.log.logger,
        ...options,
      }),
    );
  const both: [MountedRouter, MountedRouter] = [await mount(), await mount()];
  await waitFor(() => both.every((m) => m.router.health().redis.state === 'up'), 'both routers to reach Redis');
  return both;
}

interface Decision {
  segment: string;
  reason: string;
  offer: { id: string } | null;
}

async function offer(m: MountedRouter, visitor: string): Promise<{ status: number; body: Decision }> {
  const res = await fetch(`${m.origin}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `datafast_visitor_id=${visitor}` } });
  return { status: res.status, body: (await res.json()) as Decision };
}

describe('two routers on one Redis', () => {
  it('make one DataFast call for 200 concurrent /offer of one cold visitor split across both, and decide alike', async () => {
    const [a, b] = await pair();
    const visitor = uuidFrom('router-shared-burst');
    // DataFast takes a while, so the whole burst arrives while the first call is out.
    suite.sim.setFault({ kind: 'delay', ms: 300 }, { match: 'visitors' });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => offer(i % 2 === 0 ? a : b, visitor)));
    expect(answers.map((x) => x.status)).toEqual(Array(200).fill(200));
    expect(suite.sim.callCount('visitors')).toBe(1);
    const decisions = new Set(answers.map((x) => JSON.stringify({ segment: x.body.segment, reason: x.body.reason, offer: x.body.offer?.id ?? null })));
    expect(decisions.size).toBe(1);
    expect(answers[0]?.body.reason).not.toBe('upstream-unavailable');
  });

  it('hold a rate limit across both: events per visitor, and wrong tokens per address', async () => {
    const [a, b] = await pair({ limits: { eventsPerMinutePerVisitor: 6, authFailuresPerMinutePerIp: 4 } });
    const visitor = uuidFrom('router-shared-limit');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const m = i % 2 === 0 ? a : b;
      // The limit is checked before the body: an empty one is a 400 until the limit, then 429.
      const res = await fetch(`${m.origin}/visitor-offers/events`, { method: 'POST', headers: { origin: m.origin, 'content-type': 'application/json', cookie: `datafast_visitor_id=${visitor}` }, body: '{}' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 429, 429]);

    const guesses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const m = i % 2 === 0 ? a : b;
      guesses.push((await fetch(`${m.origin}/visitor-offers/experiments`, { headers: { authorization: `Bearer guess-${i}-0123456789abcdef0123456789` } })).status);
    }
    expect(guesses).toEqual([401, 401, 401, 401, 429, 429]);
    // The right token too, on either router: the throttle is the fleet's.
    expect((await fetch(`${a.origin}/visitor-offers/experiments`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(429);
  });

  it('make one realtime-map fetch per interval for /live and the dashboard on both', async () => {
    // An interval long enough that two rounds fall in one on a loaded machine.
    const [a, b] = await pair({ cache: { liveTtlMs: 4000 } });
    const round = async (withDashboard: boolean): Promise<void> => {
      const asks: Array<Promise<Response>> = [];
      for (const m of [a, b, a, b, a, b]) asks.push(fetch(`${m.origin}/visitor-offers/live`));
      if (withDashboard) for (const m of [a, b]) asks.push(fetch(`${m.origin}/visitor-offers/dashboard/data`, { headers: { authorization: `Bearer ${ADMIN}` } }));
      const answers = await Promise.all(asks);
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      const live = (await Promise.all(answers.slice(0, 6).map((r) => r.json()))) as Array<{ activeVisitors: number }>;
      expect(new Set(live.map((l) => l.activeVisitors)).size).toBe(1);
    };
    await round(true);
    expect(suite.sim.callCount('realtime')).toBe(1);
    await round(false);
    expect(suite.sim.callCount('realtime')).toBe(1);
    // The next interval: one more fetch for the two of them.
    await new Promise((r) => setTimeout(r, 4100));
    await round(false);
    expect(suite.sim.callCount('realtime')).toBe(2);
  });

  it('share a 429: the other router makes no call until its Retry-After', async () => {
    const [a, b] = await pair();
    suite.sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1, match: 'visitors' });
    expect((await offer(a, uuidFrom('router-shared-429-a'))).body.reason).toBe('upstream-unavailable');
    await waitFor(() => b.router.health().upstreamPausedUntil !== null, 'b to learn of the pause');
    const calls = suite.sim.callCount();
    expect((await offer(b, uuidFrom('router-shared-429-b'))).body.reason).toBe('upstream-unavailable');
    expect(suite.sim.callCount()).toBe(calls);
  });

  it('show Redis in health() and the metrics, and leave nothing personal or secret in it', async () => {
    const [a, b] = await pair({ metrics: { public: true } });
    const visitors = [personas.high.visitorId, personas.low.visitorId, uuidFrom('router-shared-scan')];
    for (const v of visitors) for (const m of [a, b]) expect((await offer(m, v)).status).toBe(200);
    for (const m of [a, b]) {
      const lead = await fetch(`${m.origin}/visitor-offers/leads`, { method: 'POST', headers: { origin: m.origin, 'content-type': 'application/json', cookie: `datafast_visitor_id=${visitors[0]}` }, body: JSON.stringify({ email: EMAIL, offerId: 'starter-guide' }) });
      expect(lead.status).toBe(202);
      await fetch(`${m.origin}/visitor-offers/experiments`, { headers: { authorization: 'Bearer wrong-0123456789abcdef0123456789' } });
      await fetch(`${m.origin}/visitor-offers/live`);
    }
    expect(a.router.health().redis).toMatchObject({ state: 'up', fallbacks: 0 });
    // b asked for each visitor after a: its answers came from Redis.
    const scraped = await scrape(b);
    expect(scraped).toMatch(/^visitor_offers_redis_up 1$/m);
    expect(scraped).toMatch(/^visitor_offers_redis_fallbacks_total 0$/m);
    expect(scraped).toMatch(/^visitor_offers_cache_shared_hits_total 3$/m);

    const keys = await raw.keys('*');
    expect(keys.length).toBeGreaterThan(5);
    const forbidden = [...visitors, ...visitors.map((v) => v.slice(0, 8)), '127.0.0.1', EMAIL, 'example.com', SIM.apiKey, ADMIN];
    for (const key of keys) {
      expect(key).toMatch(/^vo:(v|l|live|live-at|rl|pause):/);
      const type = await raw.type(key);
      expect(type).toBe('string');
      const value = (await raw.getBuffer(key))?.toString('latin1') ?? '';
      for (const secret of forbidden) {
        expect(key, key).not.toContain(secret);
        expect(value, key).not.toContain(secret);
      }
    }
    // Of what the visitor records hold, nothing is readable either (they are sealed).
    const values = (await Promise.all(keys.map((k) => raw.getBuffer(k)))).map((v) => v?.toString('latin1') ?? '').join('\n');
    for (const readable of ['Chrome', 'Safari', 'desktop', 'mobile', 'utm_', 'google']) expect(values).not.toContain(readable);
  });
});

/** A scrape of the router's metrics, mounted as a host app would (`app.get('/metrics', router.metrics())`). */
async function scrape(m: MountedRouter): Promise<string> {
  const app = express();
  app.get('/metrics', m.router.metrics());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } finally {
    server.close();
  }
}
