// Redis paused (SIGSTOP: it hangs) or killed mid-run under two routers sharing it: /offer keeps
// answering 200 with decisions, within the lookup budget, on both; no route answers 5xx; the rate
// limits go on per instance; each router logs the outage once and the recovery once; and once
// Redis answers again (resumed, or restarted empty) the routers share again by themselves. No
// unhandled rejection at any point.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../demo/simulated-datafast';
import { internalsOf } from '../../server/router-internals';
import { mountRouter, type MountedRouter } from '../support/mounted-router';
import { startRedis, type Redis } from '../support/redis';
import { useRouteSuite } from '../support/route-suite';
import { uuidFrom } from '../support/visitor-ids';
import { waitFor } from '../support/wait';

const ADMIN = 'router-outage-admin-token-8e2b4d6f1a3c';
const LOOKUP_BUDGET_MS = 1500;
const suite = useRouteSuite('router-redis-outage', { sim: { generateUnknown: true }, secrets: [ADMIN] });

let redis: Redis;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);
beforeAll(async () => {
  redis = await startRedis();
  process.on('unhandledRejection', onRejection);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await redis.stop();
});
afterEach(() => {
  expect(rejections).toEqual([]);
});

async function pair(): Promise<[MountedRouter, MountedRouter]> {
  const mount = async (): Promise<MountedRouter> =>
    suite.track(
      await mountRouter({
        datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: LOOKUP_BUDGET_MS },
        dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
        redisUrl: redis.url,
        adminToken: ADMIN,
        limits: { authFailuresPerMinutePerIp: 3 },
        logger: suite.log.logger,
      }),
    );
  const both: [MountedRouter, MountedRouter] = [await mount(), await mount()];
  await waitFor(() => both.every((m) => m.router.health().redis.state === 'up'), 'both routers to reach Redis');
  return both;
}

interface Answer {
  status: number;
  body: { segment: string; reason: string };
}

async function offer(m: MountedRouter, visitor: string): Promise<Answer> {
  const res = await fetch(`${m.origin}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `datafast_visitor_id=${visitor}` } });
  const body = (await res.json()) as Answer['body'];
  return { status: res.status, body };
}

/** /offer for `n` cold visitors on both routers while Redis is away: 200, a decision from DataFast, none waiting for the other. */
async function decidesAlone(a: MountedRouter, b: MountedRouter, label: string, n: number): Promise<void> {
  const before = suite.sim.callCount('visitors');
  const waits = [a, b].map((m) => internalsOf(m.router).cache.stats().sharedWaits);
  for (let i = 0; i < n; i++) {
    for (const m of [a, b]) {
      const answer = await offer(m, uuidFrom(`${label}-${i}`));
      expect(answer.status).toBe(200);
      expect(answer.body.reason).toMatch(/^rule:/);
    }
  }
  // No answer waited for another instance's call (the wait that could make it slower than without Redis).
  expect([a, b].map((m) => internalsOf(m.router).cache.stats().sharedWaits)).toEqual(waits);
  // Nothing shared meanwhile: each router asked DataFast itself.
  expect(suite.sim.callCount('visitors') - before).toBe(2 * n);
}

/** A cold visitor asked on a, then on b, costs one DataFast call: they share again. */
async function sharesAgain(a: MountedRouter, b: MountedRouter, label: string): Promise<void> {
  const before = suite.sim.callCount('visitors');
  expect((await offer(a, uuidFrom(label))).status).toBe(200);
  expect((await offer(b, uuidFrom(label))).status).toBe(200);
  expect(suite.sim.callCount('visitors') - before).toBe(1);
}

/** Every other route on both routers: never a 5xx. */
async function noServerErrors(a: MountedRouter, b: MountedRouter): Promise<void> {
  for (const m of [a, b]) {
    const visitor = uuidFrom('outage-routes');
    const statuses = await Promise.all([
      fetch(`${m.origin}/visitor-offers/live`).then((r) => r.status),
      fetch(`${m.origin}/visitor-offers/events`, { method: 'POST', headers: { origin: m.origin, 'content-type': 'application/json', cookie: `datafast_visitor_id=${visitor}` }, body: JSON.stringify({ type: 'click', offerId: 'starter-guide' }) }).then((r) => r.status),
      fetch(`${m.origin}/visitor-offers/leads`, { method: 'POST', headers: { origin: m.origin, 'content-type': 'application/json', cookie: `datafast_visitor_id=${visitor}` }, body: JSON.stringify({ email: 'outage@example.com', offerId: 'starter-guide' }) }).then((r) => r.status),
      fetch(`${m.origin}/visitor-offers/experiments`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.status),
      fetch(`${m.origin}/visitor-offers/dashboard/data`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.status),
    ]);
    expect(statuses).toEqual([200, 202, 202, 200, 200]);
  }
}

const logged = (text: string): number => suite.log.lines.filter((l) => l.includes(text)).length;

describe('Redis gone mid-run under two routers', () => {
  it('paused: /offer answers 200 with decisions within the budget, nothing 5xx, limits per instance; resumed: shared again', async () => {
    const [a, b] = await pair();
    await sharesAgain(a, b, 'before-pause');
    await redis.pause();
    try {
      await decidesAlone(a, b, 'while-paused', 10);
      expect([a.router.health().redis.state, b.router.health().redis.state]).toEqual(['down', 'down']);
      await noServerErrors(a, b);
      // The wrong-token throttle goes on, counted by each instance alone.
      const guesses: number[] = [];
      for (let i = 0; i < 4; i++) guesses.push((await fetch(`${a.origin}/visitor-offers/experiments`, { headers: { authorization: `Bearer guess-${i}-0123456789abcdef0123456789` } })).status);
      expect(guesses).toEqual([401, 401, 401, 429]);
      expect(a.router.health()).toMatchObject({ ready: true, reasons: [] });
    } finally {
      await redis.resume();
    }
    await waitFor(() => [a, b].every((m) => m.router.health().redis.state === 'up'), 'both routers to share again', { timeoutMs: 5000 });
    await sharesAgain(a, b, 'after-resume');
    expect([logged('Redis unavailable'), logged('Redis is back')]).toEqual([2, 2]);
    expect(a.router.health().redis.fallbacks).toBeGreaterThan(0);
  });

  it('killed: the same; restarted empty: shared again, the realtime map too', async () => {
    const [a, b] = await pair();
    await redis.kill();
    await waitFor(() => [a, b].every((m) => m.router.health().redis.state === 'down'), 'both routers to notice');
    await decidesAlone(a, b, 'while-killed', 5);
    await noServerErrors(a, b);
    await redis.restart();
    await waitFor(() => [a, b].every((m) => m.router.health().redis.state === 'up'), 'both routers to come back', { timeoutMs: 10_000 });
    await sharesAgain(a, b, 'after-restart');
    expect([logged('Redis unavailable'), logged('Redis is back')]).toEqual([2, 2]);
  });
});
