// /metrics' store counts are read at most once per key and interval, however often it is scraped:
// the cached value within the interval, one shared query for concurrent scrapes, a fresh read once
// the interval passed, and a failed read not kept (the next scrape asks again).
import { describe, expect, it } from 'vitest';
import { ScrapeCache } from '../../../server/metrics/scrape-cache';

function counter(): { read: () => Promise<number>; readonly calls: number; fail: boolean } {
  const state = {
    calls: 0,
    fail: false,
    read: async (): Promise<number> => {
      state.calls += 1;
      if (state.fail) throw new Error('store down');
      return state.calls;
    },
  };
  return state;
}

describe('ScrapeCache', () => {
  it('reads once per interval and key; concurrent scrapes share one read', async () => {
    let t = 0;
    const cache = new ScrapeCache<number>(10_000, () => t);
    const c = counter();
    expect(await Promise.all([cache.get('a', c.read), cache.get('a', c.read), cache.get('a', c.read)])).toEqual([1, 1, 1]);
    t += 9_999;
    expect(await cache.get('a', c.read)).toBe(1);
    expect(c.calls).toBe(1);
    expect(await cache.get('b', c.read)).toBe(2);
    t += 1;
    expect(await cache.get('a', c.read)).toBe(3);
    expect(c.calls).toBe(3);
  });

  it('keeps no failed read, and forgets keys no longer wanted', async () => {
    let t = 0;
    const cache = new ScrapeCache<number>(10_000, () => t);
    const c = counter();
    c.fail = true;
    await expect(cache.get('a', c.read)).rejects.toThrow('store down');
    c.fail = false;
    expect(await cache.get('a', c.read)).toBe(2);
    expect(await cache.get('b', c.read)).toBe(3);
    cache.retain(new Set(['a']));
    expect(await cache.get('a', c.read)).toBe(2);
    expect(await cache.get('b', c.read)).toBe(4);
  });
});

describe('ScrapeCache with no interval', () => {
  it('shares a read only while it runs: the gauges of one scrape share it, the next scrape reads again', async () => {
    const cache = new ScrapeCache<number>(0, () => 0);
    const c = counter();
    expect(await Promise.all([cache.get('a', c.read), cache.get('a', c.read), cache.get('a', c.read)])).toEqual([1, 1, 1]);
    expect(await cache.get('a', c.read)).toBe(2);
    expect(c.calls).toBe(2);
  });
});
