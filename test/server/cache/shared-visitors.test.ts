// The visitor cache with Redis as its second level, two caches (two instances) on one real
// redis-server and one DataFast double that counts calls: a cold visitor asked on both costs one
// call; fresh, negative and stale-if-error lives end at the same moment on both; a failed call is
// not repeated by the instances waiting for it; a lease holder that vanished delays the others by
// the lookup budget at most; Redis values that do not open are ignored; Redis down → each alone.
import { Redis as RedisClient } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SharedVisitors } from '../../../server/cache/shared-visitors';
import { VisitorCache } from '../../../server/cache/visitor-cache';
import type { VisitorLookup } from '../../../server/datafast/lookup';
import type { Visitor } from '../../../server/datafast/visitor';
import { RedisKeyring } from '../../../server/redis/keyring';
import { RedisLink } from '../../../server/redis/redis-link';
import { silentLogger } from '../../../server/logger';
import { startRedis, type Redis } from '../../support/redis';
import { uuidFrom } from '../../support/visitor-ids';
import { waitFor } from '../../support/wait';

const API_KEY = 'df_shared_visitors_test_key';
const TTL = 60_000;
const NEGATIVE_TTL = 10_000;
const STALE_IF_ERROR = 300_000;

function visitor(visitorId: string): Visitor {
  return {
    visitorId,
    identity: { countryCode: 'DE', browser: 'Firefox', os: 'Linux', deviceType: 'desktop', params: { utm_source: 'newsletter' } },
    activity: { visitCount: 2, pageViewCount: 5, firstVisitAt: '2026-01-02T03:04:05Z', lastVisitAt: null, completedGoals: [{ name: 'signup', timestamp: null, origin: 'manual' }] },
    identified: false,
    prediction: { score: 71, confidence: 0.8, conversionRate: 0.01, expectedValue: null },
  };
}
const found = (id: string): VisitorLookup => ({ kind: 'found', visitor: visitor(id) });
const DOWN: VisitorLookup = { kind: 'unavailable', cause: 'server-error' };

/** DataFast as every instance sees it: one table of answers, every call counted, loads can be held. */
class Upstream {
  readonly calls: string[] = [];
  readonly answers = new Map<string, VisitorLookup>();
  #gate: Promise<void> | null = null;
  #open: () => void = () => undefined;
  readonly load = async (id: string): Promise<VisitorLookup> => {
    this.calls.push(id);
    if (this.#gate) await this.#gate;
    await new Promise((r) => setImmediate(r));
    return this.answers.get(id) ?? { kind: 'unknown' };
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
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

beforeAll(async () => {
  redis = await startRedis();
  raw = new RedisClient(redis.url);
  process.on('unhandledRejection', onRejection);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
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
  expect(rejections).toEqual([]);
});

interface Instance {
  cache: VisitorCache;
  link: RedisLink;
}

/** One instance: its own link, its own LRU, the fleet's Redis. */
async function instance(upstream: Upstream, now: () => number = Date.now, waitMs = 1500, recheckMs = 100): Promise<Instance> {
  const link = new RedisLink({ url: redis.url, logger: silentLogger(), recheckMs });
  links.push(link);
  await waitFor(() => link.usable(), 'the link to come up');
  const shared = new SharedVisitors({ link, keyring: new RedisKeyring(API_KEY, null), waitMs, now });
  const cache = new VisitorCache(upstream.load, { ttlMs: TTL, negativeTtlMs: NEGATIVE_TTL, staleIfErrorMs: STALE_IF_ERROR, now, shared });
  return { cache, link };
}

function clock(): { now: () => number; add: (ms: number) => void } {
  let t = Date.now();
  return { now: () => t, add: (ms) => void (t += ms) };
}

describe('two instances sharing one Redis', () => {
  it('make one DataFast call for a cold visitor asked on both at once, and give both the answer', async () => {
    const upstream = new Upstream();
    const id = uuidFrom('burst');
    upstream.answers.set(id, found(id));
    const [a, b] = [await instance(upstream), await instance(upstream)];
    upstream.hold();
    const first = Array.from({ length: 50 }, () => a.cache.lookup(id));
    await waitFor(() => upstream.calls.length === 1, 'the first call');
    const second = Array.from({ length: 50 }, () => b.cache.lookup(id));
    // b's instance is waiting on a's call, not making its own.
    await new Promise((r) => setTimeout(r, 100));
    expect(upstream.calls).toHaveLength(1);
    upstream.release();
    const answers = await Promise.all([...first, ...second]);
    expect(new Set(answers.map((x) => JSON.stringify(x))).size).toBe(1);
    expect(answers[0]).toEqual(found(id));
    expect(upstream.calls).toEqual([id]);
    expect([a.cache.stats().loads, b.cache.stats().loads]).toEqual([1, 0]);
    expect(b.cache.stats()).toMatchObject({ sharedWaits: 1, sharedHits: 1 });
  });

  it('end a record’s fresh life at the same moment on both: the second instance does not start it afresh', async () => {
    const upstream = new Upstream();
    const c = clock();
    const id = uuidFrom('fresh-life');
    upstream.answers.set(id, found(id));
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    expect(await a.cache.lookup(id)).toEqual(found(id));
    c.add(30_000);
    expect(await b.cache.lookup(id)).toEqual(found(id));
    expect(upstream.calls).toHaveLength(1);
    c.add(TTL - 30_000 - 1);
    expect(b.cache.peek(id)).toEqual(found(id));
    c.add(2);
    expect(b.cache.peek(id)).toBeUndefined();
    await b.cache.lookup(id);
    expect(upstream.calls).toHaveLength(2);
    // …and a now finds b's newer record in Redis instead of calling.
    await a.cache.lookup(id);
    expect(upstream.calls).toHaveLength(2);
  });

  it('share a bot or unknown answer for negativeTtlMs', async () => {
    const upstream = new Upstream();
    const c = clock();
    const id = uuidFrom('bot');
    upstream.answers.set(id, { kind: 'bot' });
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    await a.cache.lookup(id);
    c.add(NEGATIVE_TTL - 1);
    expect(await b.cache.lookup(id)).toEqual({ kind: 'bot' });
    expect(upstream.calls).toHaveLength(1);
    c.add(2);
    await b.cache.lookup(id);
    expect(upstream.calls).toHaveLength(2);
  });

  it('serve a record stale while DataFast fails, on an instance that never saw the visitor', async () => {
    const upstream = new Upstream();
    const c = clock();
    const id = uuidFrom('stale');
    upstream.answers.set(id, found(id));
    const [a, b] = [await instance(upstream, c.now), await instance(upstream, c.now)];
    await a.cache.lookup(id);
    c.add(TTL + 5_000);
    upstream.answers.set(id, DOWN);
    expect(await b.cache.lookup(id)).toEqual({ ...found(id), stale: true });
    expect(upstream.calls).toHaveLength(2);
    // Past the stale-if-error window it is gone everywhere.
    c.add(STALE_IF_ERROR);
    expect(await a.cache.lookup(id)).toEqual(DOWN);
  });

  it('do not repeat a failed call: the instance waiting for it gets the failure, as from its own call', async () => {
    const upstream = new Upstream();
    const id = uuidFrom('failed');
    upstream.answers.set(id, DOWN);
    const [a, b] = [await instance(upstream), await instance(upstream)];
    upstream.hold();
    const first = a.cache.lookup(id);
    await waitFor(() => upstream.calls.length === 1, 'the first call');
    const second = b.cache.lookup(id);
    await waitFor(() => b.cache.stats().sharedWaits === 1, 'b to wait');
    upstream.release();
    expect(await Promise.all([first, second])).toEqual([DOWN, DOWN]);
    expect(upstream.calls).toHaveLength(1);
  });

  it('wait for a lease holder that vanished no longer than the lookup budget, then call alone', async () => {
    const upstream = new Upstream();
    const id = uuidFrom('vanished');
    upstream.answers.set(id, found(id));
    const b = await instance(upstream, Date.now, 300);
    // An instance takes the lease, then dies before answering.
    const gone = new SharedVisitors({ link: b.link, keyring: new RedisKeyring(API_KEY, null), waitMs: 300 });
    expect((await gone.read(id)).kind).toBe('lease');
    expect(await b.cache.lookup(id)).toEqual(found(id));
    expect(upstream.calls).toHaveLength(1);
    expect(b.cache.stats()).toMatchObject({ sharedWaits: 1, loads: 1 });
  });

  it.each([
    ['its answer', found],
    ['its failure', () => DOWN],
  ] as const)('a lease holder whose link was marked down still shares %s and frees its lease: the waiter does not wait out its budget', async (_label, answer) => {
    const upstream = new Upstream();
    const id = uuidFrom(`holder-down-${_label}`);
    upstream.answers.set(id, answer(id));
    // The holder's link stays down once marked (no recheck during the test); the waiter's budget is
    // far longer than the test's timeout, so only a shared answer lets it finish.
    const a = await instance(upstream, Date.now, 1500, 3_600_000);
    const b = await instance(upstream, Date.now, 600_000);
    upstream.hold();
    const first = a.cache.lookup(id);
    await waitFor(() => upstream.calls.length === 1, 'the holder’s call');
    const second = b.cache.lookup(id);
    await waitFor(() => b.cache.stats().sharedWaits === 1, 'b to wait');
    // One operation of the holder's fails (as a dropped connection's does): its link is marked down.
    await a.link.run(() => Promise.reject(new Error('connection reset')));
    expect(a.link.usable()).toBe(false);
    upstream.release();
    expect(await Promise.all([first, second])).toEqual([answer(id), answer(id)]);
    expect(upstream.calls).toHaveLength(1);
  });

  it('ignore a Redis value they cannot open (altered, or another site’s), and replace it', async () => {
    const upstream = new Upstream();
    const id = uuidFrom('altered');
    upstream.answers.set(id, found(id));
    const [a, b] = [await instance(upstream), await instance(upstream)];
    await a.cache.lookup(id);
    const key = `vo:v:{${new RedisKeyring(API_KEY, null).name('visitor', id)}}`;
    const value = await raw.getBuffer(key);
    expect(value).not.toBeNull();
    const altered = Buffer.from(value as Buffer);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    await raw.set(key, altered, 'PX', 60_000);
    expect(await b.cache.lookup(id)).toEqual(found(id));
    expect(upstream.calls).toHaveLength(2);
    expect((await raw.getBuffer(key))?.equals(altered)).toBe(false);
  });

  it('work alone, each with its own calls, while Redis hangs; share again once it answers', async () => {
    const upstream = new Upstream();
    const [one, two] = [uuidFrom('hung-1'), uuidFrom('hung-2')];
    upstream.answers.set(one, found(one)).set(two, found(two));
    const [a, b] = [await instance(upstream), await instance(upstream)];
    await redis.pause();
    expect(await a.cache.lookup(one)).toEqual(found(one));
    expect(await b.cache.lookup(one)).toEqual(found(one));
    expect(upstream.calls).toHaveLength(2);
    expect([a.link.usable(), b.link.usable()]).toEqual([false, false]);
    await redis.resume();
    await waitFor(() => a.link.usable() && b.link.usable(), 'both links to come back');
    await a.cache.lookup(two);
    await b.cache.lookup(two);
    expect(upstream.calls.filter((x) => x === two)).toHaveLength(1);
  });
});
