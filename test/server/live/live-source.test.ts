// LiveSource: one realtime-map fetch per interval for all callers, coalesced, stale-if-error, no
// refetch storm. A fake clock drives the interval; fetches are real async functions whose answers
// the test releases, and the last block runs the real DataFast client against the simulator.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulatedDataFast, SIMULATED_DATAFAST_DEFAULTS, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient, type RealtimeLookup } from '../../../server/datafast/client';
import type { RealtimeMap } from '../../../server/datafast/realtime';
import { LiveSource } from '../../../server/live/live-source';
import { silentLogger } from '../../../server/logger';

const T0 = Date.parse('2026-02-06T12:00:00.000Z');
const MIN = 60_000;

class Clock {
  t = T0;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A map with `count` visitors and one payment `paidMsAgo` before T0. */
function mapWith(count: number, paidMsAgo = 2 * MIN): RealtimeMap {
  return {
    count,
    visitors: [],
    recentEvents: [],
    recentPayments: [{ timestamp: new Date(T0 - paidMsAgo).toISOString(), visible: true, amount: 49, currency: 'USD', countryCode: 'US' }],
  };
}

const found = (map: RealtimeMap): RealtimeLookup => ({ kind: 'found', map });
const down: RealtimeLookup = { kind: 'unavailable', cause: 'server-error' };

/**
 * A fetch function whose calls stay pending until the test answers them, in order; it counts calls.
 * `auto` answers immediately (on a later tick, like real I/O) instead.
 */
class ControlledFetch {
  calls = 0;
  auto: RealtimeLookup | null = null;
  private waiting: Array<(r: RealtimeLookup) => void> = [];
  readonly fn = async (): Promise<RealtimeLookup> => {
    this.calls++;
    if (this.auto) {
      const answer = this.auto;
      await new Promise((r) => setTimeout(r, 1));
      return answer;
    }
    return new Promise<RealtimeLookup>((resolve) => this.waiting.push(resolve));
  };
  answer(r: RealtimeLookup): void {
    const next = this.waiting.shift();
    if (!next) throw new Error('no fetch is waiting');
    next(r);
  }
  get pending(): number {
    return this.waiting.length;
  }
}

function setup(options: { intervalMs?: number; maxStaleMs?: number; maxPurchases?: number } = {}) {
  const clock = new Clock();
  const fetch = new ControlledFetch();
  const source = new LiveSource({ fetch: fetch.fn, now: clock.now, ...options });
  return { clock, fetch, source };
}

describe('LiveSource', () => {
  it('does nothing until asked (no timers, no fetch at construction)', async () => {
    const { fetch, source } = setup();
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch.calls).toBe(0);
    expect(source.stats()).toEqual({ fetches: 0, failures: 0, coalesced: 0, cached: 0, lastSuccessAt: null, lastFailure: null });
  });

  it('builds the view from the fetched map', async () => {
    const { fetch, source } = setup();
    fetch.auto = found(mapWith(7, 3 * MIN + 10_000));
    expect(await source.get()).toEqual({
      activeVisitors: 7,
      recentPurchases: [{ countryCode: 'US', minutesAgo: 3, amount: 49, currency: 'USD' }],
    });
  });

  it('passes maxPurchases on', async () => {
    const { fetch, source } = setup({ maxPurchases: 0 });
    fetch.auto = found(mapWith(7));
    expect((await source.get())?.recentPurchases).toEqual([]);
  });

  it('getMap: the whole parsed map and when it arrived, under the same interval, coalescing and staleness rules', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 5_000, maxStaleMs: 60_000 });
    const first = mapWith(3);
    const pending = [source.getMap(), source.getMap(), source.get()];
    expect(fetch.calls).toBe(1);
    fetch.answer(found(first));
    const [a, b, view] = await Promise.all(pending);
    expect(a).toEqual({ map: first, fetchedAt: T0 });
    expect(b).toEqual(a);
    expect(view).toMatchObject({ activeVisitors: 3 });

    clock.advance(4_999);
    expect(await source.getMap()).toEqual({ map: first, fetchedAt: T0 });
    expect(fetch.calls).toBe(1);

    fetch.auto = down; // a failure keeps the last good map while it is young enough
    clock.advance(1);
    expect(await source.getMap()).toEqual({ map: first, fetchedAt: T0 });
    clock.advance(60_001);
    expect(await source.getMap()).toBeNull();
    expect(fetch.calls).toBe(3);
  });

  it('shares one fetch among 50 concurrent callers', async () => {
    const { fetch, source } = setup();
    const answers = Array.from({ length: 50 }, () => source.get());
    expect(fetch.calls).toBe(1);
    fetch.answer(found(mapWith(4)));
    const views = await Promise.all(answers);
    expect(new Set(views).size).toBe(1);
    expect(views[0]?.activeVisitors).toBe(4);
    expect(source.stats()).toMatchObject({ fetches: 1, coalesced: 49, cached: 0, failures: 0, lastSuccessAt: T0 });
  });

  it('fetches at most once per interval, measured from the start of the last fetch', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 15_000 });
    fetch.auto = found(mapWith(1));
    await source.get();
    for (const step of [1, 5_000, 9_998]) {
      clock.advance(step);
      await Promise.all([source.get(), source.get()]);
    }
    // T0 + 14_999
    expect(fetch.calls).toBe(1);
    fetch.auto = found(mapWith(2));
    clock.advance(1);
    const views = await Promise.all(Array.from({ length: 20 }, () => source.get()));
    expect(fetch.calls).toBe(2);
    expect(views.every((v) => v?.activeVisitors === 2)).toBe(true);
    expect(source.stats()).toMatchObject({ fetches: 2, cached: 6, coalesced: 19 });
  });

  it('serves the last good view while a refresh fails, with minutesAgo brought up to date', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 15_000, maxStaleMs: 300_000 });
    fetch.auto = found(mapWith(5, 2 * MIN));
    expect((await source.get())?.recentPurchases[0]?.minutesAgo).toBe(2);

    fetch.auto = down;
    clock.advance(2 * MIN);
    const stale = await source.get();
    expect(stale).toEqual({ activeVisitors: 5, recentPurchases: [{ countryCode: 'US', minutesAgo: 4, amount: 49, currency: 'USD' }] });
    expect(source.stats()).toMatchObject({ fetches: 2, failures: 1, lastFailure: 'server-error', lastSuccessAt: T0 });

    // Within the interval after the failure: the same stale view, no new call.
    clock.advance(14_999);
    expect(await source.get()).toEqual(stale);
    expect(fetch.calls).toBe(2);
  });

  it('gives null once the last good map is older than maxStaleMs, and recovers', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 15_000, maxStaleMs: 60_000 });
    fetch.auto = found(mapWith(5));
    await source.get();
    fetch.auto = down;
    clock.advance(45_000);
    expect(await source.get()).not.toBeNull(); // 45 s old
    clock.advance(15_000);
    expect(await source.get()).not.toBeNull(); // exactly 60 s old: still allowed
    clock.advance(15_000);
    expect(await source.get()).toBeNull(); // 75 s old
    clock.advance(5_000);
    expect(await source.get()).toBeNull(); // cached null, no fetch
    expect(fetch.calls).toBe(4);
    fetch.auto = found(mapWith(9));
    clock.advance(10_000);
    expect((await source.get())?.activeVisitors).toBe(9);
    expect(source.stats()).toMatchObject({ fetches: 5, failures: 3, lastFailure: null, lastSuccessAt: T0 + 90_000 });
  });

  it('gives null when the first fetch fails, and does not refetch before the interval (no storm)', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 15_000 });
    fetch.auto = down;
    expect(await source.get()).toBeNull();
    for (let i = 0; i < 100; i++) {
      clock.advance(100);
      expect(await source.get()).toBeNull();
    }
    expect(fetch.calls).toBe(1); // T0 + 10 s
    clock.advance(5_000);
    expect(await source.get()).toBeNull();
    expect(fetch.calls).toBe(2);
  });

  it('keeps callers waiting on a slow fetch coalesced, even past the interval', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 15_000 });
    const first = source.get();
    clock.advance(20_000);
    const second = source.get();
    expect(fetch.calls).toBe(1);
    fetch.answer(found(mapWith(3)));
    expect(await first).toBe(await second);
    expect(fetch.pending).toBe(0);
  });

  it.each<[string, () => Promise<RealtimeLookup>]>([
    ['rejects', () => Promise.reject(new Error('boom'))],
    [
      'throws synchronously',
      () => {
        throw new Error('boom');
      },
    ],
  ])('never rejects when the fetch function %s, and fetches again after the interval', async (_label, bad) => {
    const clock = new Clock();
    let calls = 0;
    let impl = bad;
    const source = new LiveSource({
      fetch: () => {
        calls++;
        return impl();
      },
      now: clock.now,
    });
    await expect(source.get()).resolves.toBeNull();
    expect(source.stats()).toMatchObject({ fetches: 1, failures: 1, lastFailure: 'network' });
    impl = async () => found(mapWith(2));
    clock.advance(15_000);
    expect((await source.get())?.activeVisitors).toBe(2);
    expect(calls).toBe(2);
  });

  it('fetches once more when the clock goes backwards, then keeps the interval from there', async () => {
    const { clock, fetch, source } = setup({ intervalMs: 15_000 });
    fetch.auto = found(mapWith(1));
    await source.get();
    clock.advance(-60_000);
    await source.get();
    await source.get();
    expect(fetch.calls).toBe(2);
  });

  it.each([
    [{ intervalMs: 0 }],
    [{ intervalMs: -1 }],
    [{ intervalMs: Number.NaN }],
    [{ maxStaleMs: -1 }],
    [{ maxStaleMs: Number.POSITIVE_INFINITY }],
    [{ maxPurchases: 1.5 }],
  ])('rejects bad options %j', (options) => {
    expect(() => new LiveSource({ fetch: async () => down, ...options })).toThrow(RangeError);
  });

  it('exposes its interval (the route derives max-age from it)', () => {
    expect(new LiveSource({ fetch: async () => down }).intervalMs).toBe(15_000);
    expect(new LiveSource({ fetch: async () => down, intervalMs: 30_000 }).intervalMs).toBe(30_000);
  });
});

// ---------------------------------------------------------------------------------------------

describe('LiveSource over the real DataFast client and the simulator', () => {
  let sim: SimulatedDataFast;
  beforeAll(async () => {
    sim = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.setFault(null);
    sim.setRealtime(null);
    sim.resetCalls();
  });

  function realSource() {
    const clock = new Clock();
    clock.t = Date.now();
    const client = new DataFastClient({ apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: sim.url, timeoutMs: 1000, logger: silentLogger() });
    const source = new LiveSource({ fetch: () => client.getRealtimeMap(), now: clock.now });
    return { clock, source };
  }

  it('makes one realtime call for 50 concurrent callers, none within the interval, one after it', async () => {
    const { clock, source } = realSource();
    const views = await Promise.all(Array.from({ length: 50 }, () => source.get()));
    expect(sim.callCount('realtime')).toBe(1);
    expect(views[0]?.activeVisitors).toBe(8);
    expect(views[0]?.recentPurchases.map((p) => p.amount)).toEqual([49, 129, 19]);

    clock.advance(14_999);
    await Promise.all(Array.from({ length: 50 }, () => source.get()));
    expect(sim.callCount('realtime')).toBe(1);

    clock.advance(1);
    await Promise.all(Array.from({ length: 50 }, () => source.get()));
    expect(sim.callCount('realtime')).toBe(2);
  });

  it('serves the last good view through a simulator fault', async () => {
    const { clock, source } = realSource();
    const good = await source.get();
    sim.setFault({ kind: 'status', status: 500 }, { match: 'realtime' });
    clock.advance(15_000);
    const during = await source.get();
    expect(during?.activeVisitors).toBe(good?.activeVisitors);
    expect(during?.recentPurchases.map((p) => p.amount)).toEqual(good?.recentPurchases.map((p) => p.amount));
    expect(sim.callCount('realtime')).toBe(2);
    expect(source.stats()).toMatchObject({ fetches: 2, failures: 1, lastFailure: 'server-error' });
  });
});
