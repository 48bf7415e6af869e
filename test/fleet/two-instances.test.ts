// Two standalone servers (`node dist/server/main.js`, two processes) on one real Postgres
// (DATABASE_URL) and one real Redis (REDIS_URL), in front of one simulated DataFast, behave as one
// site: a cold visitor asked 200 times at once across both costs one DataFast lookup; a 500-code
// pool goes to exactly 500 of 1,000 visitors, each code once, each visitor keeping theirs on either
// instance; a limit of 10 leads a minute per address is 10 for the pair; the leads posted to
// either are all in one `leads export`; and with Redis hung or killed both keep deciding offers,
// then share again once it is back. Requests come "through a proxy" (X-Forwarded-For from
// loopback, which the server trusts by default), so each test has client addresses of its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { startPostgres, type Postgres } from '../support/postgres';
import { startRedis, type Redis } from '../support/redis';
import { run } from '../support/server-process';
import { CLI, startStandalone, type StandaloneProcess } from '../support/standalone-process';
import { uuidFrom } from '../support/visitor-ids';
import { eventually } from '../support/wait';

const POOL_SIZE = 500;
const POOL_VISITORS = 1_000;
const POOL_PAGE = '/fleet-coupon';
const ADMIN = 'fleet-admin-token-3b9e7c1d5a2f4e6b8d0c';
const LEADS_PER_MINUTE = 10;

let postgres: Postgres;
let databaseUrl: string;
let redis: Redis;
let sim: SimulatedDataFast;
let dir: string;
let db: pg.Client;
let a: StandaloneProcess;
let b: StandaloneProcess;

/** The offers file: a rule sends every visitor on POOL_PAGE to a coupon from a pool of 500 codes; elsewhere the defaults. */
function writeOffers(): { offers: string; codes: string[] } {
  const codes = Array.from({ length: POOL_SIZE }, (_, i) => `FLEET-${String(i).padStart(4, '0')}`);
  writeFileSync(join(dir, 'fleet-codes.txt'), `${codes.join('\n')}\n`);
  const offers = join(dir, 'offers.json');
  writeFileSync(
    offers,
    JSON.stringify({
      offers: [{ id: 'fleet-coupon', kind: 'coupon', headline: 'A code of your own', body: 'It works once.', discountLabel: '15% off', codePool: 'fleet-codes.txt' }],
      rules: [{ id: 'fleet-pool', when: { path: POOL_PAGE }, then: { offer: 'fleet-coupon' } }],
    }),
  );
  return { offers, codes };
}

let poolCodes: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vo-fleet-'));
  const written = writeOffers();
  poolCodes = written.codes;
  [postgres, redis, sim] = await Promise.all([startPostgres(), startRedis(), startSimulatedDataFast({ generateUnknown: true })]);
  databaseUrl = await postgres.createDatabase('fleet');
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const env = (name: string): Record<string, string> => ({
    DATAFAST_API_KEY: SIM.apiKey,
    DATAFAST_API_URL: sim.url,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    // Unused with DATABASE_URL but set apart, so nothing could pass through a shared directory.
    DATA_DIR: join(dir, `data-${name}`),
    OFFERS_CONFIG: written.offers,
    ADMIN_TOKEN: ADMIN,
    LIMIT_LEADS_PER_MINUTE_PER_IP: String(LEADS_PER_MINUTE),
    // 1,000 exposures in the pool test come from a few addresses; the leads limit is the one under test.
    LIMIT_EVENTS_PER_MINUTE_PER_IP: '100000',
  });
  // Both at once: the migrations must cope with two instances starting together.
  [a, b] = await Promise.all([startStandalone(env('a')), startStandalone(env('b'))]);
  await eventually(async () => (await Promise.all([a, b].map(redisState))).every((s) => s === 'up'), 'both instances to reach Redis', { timeoutMs: 15_000 });
}, 90_000);

afterAll(async () => {
  // Everything is stopped even if a test failed or a start did not finish.
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await Promise.allSettled([db?.end(), sim?.close(), redis?.stop()]);
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  for (const server of [a, b]) if (server) expect(server.output()).not.toContain(SIM.apiKey);
}, 60_000);

interface Decision {
  segment: string;
  reason: string;
  offer: { id: string; code?: string } | null;
}

async function offer(server: StandaloneProcess, visitor: string, path = '/pricing'): Promise<{ status: number; body: Decision }> {
  const res = await fetch(`${server.url}/visitor-offers/offer?path=${encodeURIComponent(path)}`, { headers: { cookie: `datafast_visitor_id=${visitor}` } });
  return { status: res.status, body: (await res.json()) as Decision };
}

function post(server: StandaloneProcess, route: 'leads' | 'events', body: unknown, { visitor, client }: { visitor?: string; client: string }): Promise<Response> {
  return fetch(`${server.url}/visitor-offers/${route}`, {
    method: 'POST',
    headers: { origin: server.url, 'content-type': 'application/json', 'x-forwarded-for': client, ...(visitor ? { cookie: `datafast_visitor_id=${visitor}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function redisState(server: StandaloneProcess): Promise<string> {
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { redis: { state: string } };
  return health.redis.state;
}

/** DataFast lookups of this one visitor so far. */
const lookupsOf = (visitor: string): number => sim.calls.filter((c) => c.path === `/api/v1/visitors/${visitor}`).length;

/** Runs `task` over `items` with at most `lanes` at a time; the results in the items' order. */
async function inLanes<T, R>(items: readonly T[], lanes: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

describe('two instances on one Postgres and one Redis', () => {
  it('make one DataFast lookup for 200 concurrent /offer of one cold visitor split across both, and decide alike', async () => {
    const visitor = uuidFrom('fleet-burst');
    // DataFast answers slowly, so the burst arrives while the first lookup is out.
    sim.setFault({ kind: 'delay', ms: 300 }, { match: 'visitors' });
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => offer(i % 2 === 0 ? a : b, visitor)));
      expect(answers.map((x) => x.status)).toEqual(Array(200).fill(200));
      expect(lookupsOf(visitor)).toBe(1);
      const decisions = new Set(answers.map((x) => JSON.stringify({ segment: x.body.segment, reason: x.body.reason, offer: x.body.offer?.id ?? null })));
      expect(decisions.size).toBe(1);
      expect(answers[0]?.body.reason).toMatch(/^rule:/);
    } finally {
      sim.setFault(null);
    }
  });

  it(`give a ${POOL_SIZE}-code pool to ${POOL_SIZE} of ${POOL_VISITORS} visitors across both: each code once, the rest coupon-pool-empty, a code kept on either instance`, async () => {
    const visitors = Array.from({ length: POOL_VISITORS }, (_, i) => uuidFrom(`fleet-pool-${i}`));
    const outcomes = await inLanes(visitors, 40, async (visitor, i) => {
      const [first, other] = i % 2 === 0 ? [a, b] : [b, a];
      const shown = await offer(first, visitor, POOL_PAGE);
      // The widget reports what it showed; a code is the visitor's from then on, on every instance.
      if (shown.body.offer !== null) {
        const exposure = await post(first, 'events', { type: 'exposure', offerId: shown.body.offer.id }, { visitor, client: '192.0.2.1' });
        expect(exposure.status).toBe(202);
      }
      const again = await offer(other, visitor, POOL_PAGE);
      return { shown, again };
    });
    for (const { shown, again } of outcomes) {
      expect(shown.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body.segment).toBe(shown.body.segment);
      // Whoever was shown a code keeps it on the other instance.
      if (shown.body.offer?.code !== undefined) expect(again.body.offer?.code).toBe(shown.body.offer.code);
    }
    const answers = outcomes.map((o) => o.again.body);
    const codes = answers.flatMap((d) => (d.offer?.code === undefined ? [] : [d.offer.code]));
    expect(codes).toHaveLength(POOL_SIZE);
    expect(new Set(codes).size).toBe(POOL_SIZE);
    expect(codes.every((c) => poolCodes.includes(c))).toBe(true);
    const empty = answers.filter((d) => d.offer === null && d.reason === 'coupon-pool-empty');
    expect(empty).toHaveLength(POOL_VISITORS - POOL_SIZE);
    // Every visitor took the coupon path: a code or the empty pool, nothing else.
    expect(answers.every((d) => d.offer?.id === 'fleet-coupon' || d.reason === 'coupon-pool-empty')).toBe(true);
  }, 120_000);

  it(`hold a limit of ${LEADS_PER_MINUTE} leads a minute per address across both: 30 posts alternating → ${LEADS_PER_MINUTE} accepted, the rest 429`, async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `fleet-limit-${i}@example.com`);
    const statuses: number[] = [];
    for (const [i, email] of emails.entries()) {
      const res = await post(i % 2 === 0 ? a : b, 'leads', { email, offerId: 'starter-guide' }, { client: '203.0.113.30' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([...Array<number>(LEADS_PER_MINUTE).fill(202), ...Array<number>(30 - LEADS_PER_MINUTE).fill(429)]);
    // The ten accepted are stored, the twenty refused are not.
    const { rows } = await db.query<{ email: string }>('SELECT email FROM vo_leads WHERE email = ANY($1::text[]) ORDER BY email', [emails]);
    expect(rows.map((r) => r.email).sort()).toEqual(emails.slice(0, LEADS_PER_MINUTE).sort());
  });

  it('keep every lead posted to either instance in the one store: all in one `visitor-offers leads export`', async () => {
    const emails = Array.from({ length: 24 }, (_, i) => `fleet-lead-${i}@example.com`);
    const statuses = await Promise.all(
      emails.map(async (email, i) => (await post(i % 2 === 0 ? a : b, 'leads', { email, offerId: 'starter-guide' }, { visitor: uuidFrom(`fleet-lead-${i}`), client: `198.51.100.${i + 1}` })).status),
    );
    expect(statuses).toEqual(emails.map(() => 202));
    // The export an operator runs, from DATABASE_URL alone.
    const exported = await run(process.execPath, [CLI, 'leads', 'export', '--format', 'jsonl'], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl } });
    expect(exported.code, exported.output).toBe(0);
    const leads = exported.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { email: string; visitorId: string | null });
    const ours = leads.filter((l) => emails.includes(l.email));
    expect(ours.map((l) => l.email).sort()).toEqual([...emails].sort());
    expect(ours.map((l) => l.visitorId).sort()).toEqual(emails.map((_, i) => uuidFrom(`fleet-lead-${i}`)).sort());
  });

  /** Redis goes away (`fail`), both instances keep deciding; it comes back (`heal`), they share again. */
  async function outage(label: string, fail: () => Promise<void>, heal: () => Promise<void>): Promise<void> {
    const warm = uuidFrom(`fleet-${label}-warm`);
    expect((await offer(a, warm)).body.reason).toMatch(/^rule:/);
    await fail();
    let round = 0;
    const decideOnBoth = async (): Promise<void> => {
      round++;
      for (const server of [a, b]) {
        for (const visitor of [warm, uuidFrom(`fleet-${label}-cold-${round}`)]) {
          const answer = await offer(server, visitor);
          expect(answer.status).toBe(200);
          expect(answer.body.reason).toMatch(/^rule:/);
        }
      }
    };
    // Until both have noticed the outage, and then some more.
    await eventually(
      async () => {
        await decideOnBoth();
        return (await Promise.all([a, b].map(redisState))).every((s) => s === 'down');
      },
      'both instances to see Redis down',
      { timeoutMs: 20_000 },
    );
    await decideOnBoth();

    await heal();
    await eventually(async () => (await Promise.all([a, b].map(redisState))).every((s) => s === 'up'), 'both instances to see Redis back', { timeoutMs: 20_000 });
    // Sharing again: a cold visitor asked on a, then on b, costs one DataFast lookup.
    let asked = 0;
    await eventually(
      async () => {
        const visitor = uuidFrom(`fleet-${label}-after-${asked++}`);
        expect((await offer(a, visitor)).status).toBe(200);
        expect((await offer(b, visitor)).status).toBe(200);
        return lookupsOf(visitor) === 1;
      },
      'a visitor asked on both to cost one lookup again',
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  }

  it('keep deciding offers on both while Redis hangs (SIGSTOP), and share again by themselves once it answers', async () => {
    await outage('hang', () => redis.pause(), () => redis.resume());
  }, 90_000);

  it('keep deciding offers on both while Redis is killed, and share again by themselves once it is restarted (empty)', async () => {
    await outage('killed', () => redis.kill(), () => redis.restart());
  }, 90_000);
});
