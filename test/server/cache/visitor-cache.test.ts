import { describe, expect, it } from 'vitest';
import { entryBytes } from '../../../server/cache/entry-size';
import { VisitorCache } from '../../../server/cache/visitor-cache';
import type { VisitorCacheOptions } from '../../../server/cache/visitor-cache';
import type { VisitorLookup } from '../../../server/datafast/lookup';
import { parseVisitorResponse, VISITOR_PARAMS, type Visitor } from '../../../server/datafast/visitor';

const TTL = 60_000;
const NEGATIVE_TTL = 10_000;
const STALE_IF_ERROR = 300_000;

function visitor(visitorId: string, score = 50): Visitor {
  return {
    visitorId,
    identity: { countryCode: 'DE', browser: 'Firefox', os: 'Linux', deviceType: 'desktop', params: {} },
    activity: { visitCount: 1, pageViewCount: 3, firstVisitAt: null, lastVisitAt: null, completedGoals: [] },
    identified: false,
    prediction: { score, confidence: 0.8, conversionRate: null, expectedValue: null },
  };
}

const found = (id: string, score = 50) => ({ kind: 'found' as const, visitor: visitor(id, score) });
const BOT: VisitorLookup = { kind: 'bot' };
const UNKNOWN: VisitorLookup = { kind: 'unknown' };
const DOWN: VisitorLookup = { kind: 'unavailable', cause: 'server-error' };
const TOO_LARGE: VisitorLookup = { kind: 'unusable', cause: 'too-large' };
const UNREADABLE: VisitorLookup = { kind: 'unusable', cause: 'malformed' };

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Our test double of DataFast: a real async loader that counts calls, answers per visitor from a
 * table (an Error in the table makes it reject), and can be held so loads stay pending until released.
 * The answer is read when the load finishes, so it can be changed while a load is held.
 */
class FakeUpstream {
  readonly calls: string[] = [];
  /** What each load was told it is for (the upstream budget's priority). */
  readonly priorities: string[] = [];
  private readonly answers = new Map<string, VisitorLookup | Error>();
  private gate: Deferred | undefined;

  readonly load = async (visitorId: string, priority: 'cold' | 'refresh'): Promise<VisitorLookup> => {
    this.calls.push(visitorId);
    this.priorities.push(priority);
    if (this.gate) await this.gate.promise;
    await Promise.resolve(); // an I/O-like hop even when not held
    const answer = this.answers.get(visitorId);
    if (answer instanceof Error) throw answer;
    return answer ?? UNKNOWN;
  };

  answer(visitorId: string, value: VisitorLookup | Error): this {
    this.answers.set(visitorId, value);
    return this;
  }

  /** Loads started from now on stay pending until release(). */
  hold(): void {
    this.gate = deferred();
  }

  release(): void {
    this.gate?.resolve();
    this.gate = undefined;
  }

  callsFor(visitorId: string): number {
    return this.calls.filter((id) => id === visitorId).length;
  }
}

class FakeClock {
  t = 1_700_000_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

function setup(options: VisitorCacheOptions = {}) {
  const upstream = new FakeUpstream();
  const clock = new FakeClock();
  const cache = new VisitorCache(upstream.load, {
    ttlMs: TTL,
    negativeTtlMs: NEGATIVE_TTL,
    staleIfErrorMs: STALE_IF_ERROR,
    now: clock.now,
    ...options,
  });
  return { upstream, clock, cache };
}

describe('VisitorCache', () => {
  describe('fresh answers', () => {
    it('serves a found visitor from the cache within ttlMs without asking the upstream again', async () => {
      const { upstream, clock, cache } = setup();
      const answer = found('v1');
      upstream.answer('v1', answer);

      expect(await cache.lookup('v1')).toBe(answer);
      clock.advance(TTL - 1);
      expect(await cache.lookup('v1')).toBe(answer);
      expect(upstream.callsFor('v1')).toBe(1);
    });

    it('peek returns the fresh answer synchronously, and undefined when nothing fresh is cached', async () => {
      const { upstream, clock, cache } = setup();
      const answer = found('v1');
      upstream.answer('v1', answer);

      expect(cache.peek('v1')).toBeUndefined();
      await cache.lookup('v1');
      expect(cache.peek('v1')).toBe(answer);
      clock.advance(TTL);
      expect(cache.peek('v1')).toBeUndefined();
      expect(upstream.calls).toHaveLength(1); // peek never loads
    });

    it('reloads a found visitor once ttlMs has passed and caches the new answer', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1', 40));
      await cache.lookup('v1');

      clock.advance(TTL);
      const fresher = found('v1', 90);
      upstream.answer('v1', fresher);
      expect(await cache.lookup('v1')).toBe(fresher);
      expect(cache.peek('v1')).toBe(fresher);
      expect(upstream.callsFor('v1')).toBe(2);
    });
  });

  describe('negative caching', () => {
    it.each([
      ['bot', BOT],
      ['unknown', UNKNOWN],
      // This visitor's record over the size limit or unreadable: downloaded once per negativeTtlMs, not at every request.
      ['too-large record', TOO_LARGE],
      ['unreadable record', UNREADABLE],
    ])('caches a %s answer for negativeTtlMs, which is shorter than ttlMs', async (_name, answer) => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', answer);

      expect(await cache.lookup('v1')).toBe(answer);
      clock.advance(NEGATIVE_TTL - 1);
      expect(await cache.lookup('v1')).toBe(answer);
      expect(upstream.callsFor('v1')).toBe(1);

      clock.advance(1);
      expect(cache.peek('v1')).toBeUndefined();
      expect(await cache.lookup('v1')).toBe(answer);
      expect(upstream.callsFor('v1')).toBe(2);
    });

    it('never caches unavailable: the next lookup asks the upstream again', async () => {
      const { upstream, cache } = setup();
      upstream.answer('v1', DOWN);

      expect(await cache.lookup('v1')).toEqual(DOWN);
      expect(cache.peek('v1')).toBeUndefined();
      expect(await cache.lookup('v1')).toEqual(DOWN);
      expect(upstream.callsFor('v1')).toBe(2);
      expect(cache.stats().size).toBe(0);
    });
  });

  describe('in-flight coalescing', () => {
    it('makes exactly one upstream call for 100 concurrent lookups of one visitor, and all get the same answer', async () => {
      const { upstream, cache } = setup();
      const answer = found('v1');
      upstream.answer('v1', answer);
      upstream.hold();

      const all = Array.from({ length: 100 }, () => cache.lookup('v1'));
      upstream.release();
      const answers = await Promise.all(all);

      expect(upstream.callsFor('v1')).toBe(1);
      for (const a of answers) expect(a).toBe(answer);
      expect(cache.stats()).toMatchObject({ misses: 100, coalesced: 99, loads: 1 });
    });

    it('loads different visitors independently', async () => {
      const { upstream, cache } = setup();
      upstream.answer('a', found('a')).answer('b', BOT);

      const [a, b] = await Promise.all([cache.lookup('a'), cache.lookup('b'), cache.lookup('a')]);
      expect(a?.kind).toBe('found');
      expect(b).toBe(BOT);
      expect(upstream.calls.sort()).toEqual(['a', 'b']);
    });

    it('also coalesces the reload after expiry into one upstream call', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1', 10));
      await cache.lookup('v1');

      clock.advance(TTL);
      const fresher = found('v1', 80);
      upstream.answer('v1', fresher);
      upstream.hold();
      const all = Array.from({ length: 50 }, () => cache.lookup('v1'));
      upstream.release();

      for (const a of await Promise.all(all)) expect(a).toBe(fresher);
      expect(upstream.callsFor('v1')).toBe(2);
    });

    it('forgets the in-flight load once it settles, so the next miss starts a new one', async () => {
      const { upstream, cache } = setup();
      upstream.answer('v1', DOWN);

      await Promise.all([cache.lookup('v1'), cache.lookup('v1')]);
      await Promise.all([cache.lookup('v1'), cache.lookup('v1')]);
      expect(upstream.callsFor('v1')).toBe(2);
    });
  });

  describe('a loader that fails (a bug of ours: DataFast\'s failures are answers, not errors)', () => {
    it('passes the error to every waiting caller, with one load', async () => {
      const { upstream, cache } = setup();
      upstream.answer('v1', new Error('parser bug'));
      upstream.hold();

      const all = Array.from({ length: 5 }, () => cache.lookup('v1'));
      upstream.release();

      for (const a of await Promise.allSettled(all)) expect(a).toMatchObject({ status: 'rejected', reason: { message: 'parser bug' } });
      expect(upstream.callsFor('v1')).toBe(1);
    });

    it('caches nothing and clears the in-flight load, so the next lookup reloads and can succeed', async () => {
      const { upstream, cache } = setup();
      upstream.answer('v1', new Error('boom'));
      await expect(cache.lookup('v1')).rejects.toThrow('boom');

      const answer = found('v1');
      upstream.answer('v1', answer);
      expect(await cache.lookup('v1')).toBe(answer);
      expect(upstream.callsFor('v1')).toBe(2);
    });

    it('treats a loader that throws synchronously the same way', async () => {
      let calls = 0;
      const throwing = (id: string): Promise<VisitorLookup> => {
        calls++;
        throw new Error(`cannot load ${id}`);
      };
      const cache = new VisitorCache(throwing);

      await expect(cache.lookup('v1')).rejects.toThrow('cannot load v1');
      await expect(cache.lookup('v1')).rejects.toThrow('cannot load v1');
      expect(calls).toBe(2);
    });
  });

  describe('stale-if-error', () => {
    it('serves the expired found record with stale: true when the reload answers unavailable inside the window', async () => {
      const { upstream, clock, cache } = setup();
      const original = found('v1');
      upstream.answer('v1', original);
      await cache.lookup('v1');

      clock.advance(TTL + STALE_IF_ERROR - 1);
      upstream.answer('v1', DOWN);
      const answer = await cache.lookup('v1');

      expect(answer).toEqual({ kind: 'found', visitor: original.visitor, stale: true });
      expect(original).not.toHaveProperty('stale'); // the cached record itself is not marked
      expect(cache.stats().staleServed).toBe(1);
    });

    it('does not hide a failing loader behind the stale record: the error reaches the caller', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');

      clock.advance(TTL);
      upstream.answer('v1', new Error('parser bug'));
      await expect(cache.lookup('v1')).rejects.toThrow('parser bug');
    });

    it('does not extend freshness: every later request tries the upstream again', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');
      clock.advance(TTL);
      upstream.answer('v1', DOWN);

      expect(await cache.lookup('v1')).toMatchObject({ stale: true });
      expect(cache.peek('v1')).toBeUndefined();
      expect(await cache.lookup('v1')).toMatchObject({ stale: true });
      expect(upstream.callsFor('v1')).toBe(3);
    });

    it('still coalesces concurrent requests during an outage into one upstream call', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');
      clock.advance(TTL);
      upstream.answer('v1', DOWN);
      upstream.hold();

      const all = Array.from({ length: 20 }, () => cache.lookup('v1'));
      upstream.release();

      for (const a of await Promise.all(all)) expect(a).toMatchObject({ kind: 'found', stale: true });
      expect(upstream.callsFor('v1')).toBe(2);
    });

    it('answers unavailable once staleIfErrorMs has passed since expiry', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');

      clock.advance(TTL + STALE_IF_ERROR);
      upstream.answer('v1', DOWN);
      expect(await cache.lookup('v1')).toEqual(DOWN);
      expect(cache.stats().staleServed).toBe(0);
    });

    it('replaces the stale record with a fresh one as soon as the upstream answers again', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1', 10));
      await cache.lookup('v1');
      clock.advance(TTL);
      upstream.answer('v1', DOWN);
      await cache.lookup('v1');

      const recovered = found('v1', 70);
      upstream.answer('v1', recovered);
      expect(await cache.lookup('v1')).toBe(recovered);
      expect(cache.peek('v1')).toBe(recovered);
    });

    it.each([
      ['bot', BOT],
      ['unknown', UNKNOWN],
    ])('drops the found record when the upstream answers %s, so it is no longer served stale', async (_name, negative) => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');
      clock.advance(TTL);
      upstream.answer('v1', negative);
      expect(await cache.lookup('v1')).toBe(negative);

      clock.advance(NEGATIVE_TTL);
      upstream.answer('v1', DOWN);
      expect(await cache.lookup('v1')).toEqual(DOWN);
    });

    it('a refused record (too large, unreadable) after a good one: the good one is served stale, and the record not asked for again for negativeTtlMs', async () => {
      const { upstream, clock, cache } = setup();
      const good = found('v1');
      upstream.answer('v1', good);
      await cache.lookup('v1');
      clock.advance(TTL);
      upstream.answer('v1', TOO_LARGE);
      const served = { kind: 'found', visitor: good.visitor, stale: true };
      expect(await cache.lookup('v1')).toEqual(served);
      clock.advance(NEGATIVE_TTL - 1);
      expect(await cache.lookup('v1')).toEqual(served);
      expect(upstream.callsFor('v1')).toBe(1 + 1);
      expect(cache.stats().staleServed).toBe(1);
      clock.advance(1);
      expect(await cache.lookup('v1')).toEqual(served);
      expect(upstream.callsFor('v1')).toBe(3);
      // Past the stale-if-error window only the refusal is left.
      clock.advance(STALE_IF_ERROR);
      expect(await cache.lookup('v1')).toEqual(TOO_LARGE);
    });

    it('never serves a stale bot or unknown answer', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', BOT);
      await cache.lookup('v1');
      clock.advance(NEGATIVE_TTL);
      upstream.answer('v1', DOWN);
      expect(await cache.lookup('v1')).toEqual(DOWN);
    });
  });

  describe('what a load is for (the upstream budget decides by it)', () => {
    it('a visitor with no record is a cold load; one whose expired record could still be served is a refresh', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');
      clock.advance(TTL);
      await cache.lookup('v1');
      expect(upstream.priorities).toEqual(['cold', 'refresh']);
    });

    it('past the stale-if-error window, or after a bot or unknown answer, a load is cold again', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('v1', found('v1')).answer('v2', UNKNOWN);
      await cache.lookup('v1');
      await cache.lookup('v2');
      clock.advance(TTL + STALE_IF_ERROR);
      await cache.lookup('v1');
      await cache.lookup('v2');
      expect(upstream.priorities).toEqual(['cold', 'cold', 'cold', 'cold']);
    });

    it('a refresh the budget refuses serves the record held, marked stale; a cold one answers unavailable: budget', async () => {
      const { upstream, clock, cache } = setup();
      const original = found('v1');
      upstream.answer('v1', original);
      await cache.lookup('v1');
      clock.advance(TTL);
      const refused: VisitorLookup = { kind: 'unavailable', cause: 'budget' };
      upstream.answer('v1', refused).answer('v2', refused);
      expect(await cache.lookup('v1')).toEqual({ kind: 'found', visitor: original.visitor, stale: true });
      expect(await cache.lookup('v2')).toEqual(refused);
    });
  });

  describe('bounded by bytes', () => {
    /** A record as the parser keeps it from a body crammed with params and goals: every collection at its cap. */
    function bigRecord(id: string): VisitorLookup {
      const params = Object.fromEntries(VISITOR_PARAMS.map((k) => [k, 'p'.repeat(5_000)]));
      const completedGoals = Array.from({ length: 500 }, (_, i) => ({ name: `${i}-${'g'.repeat(60)}`, timestamp: '2026-02-05T06:00:00.000Z' }));
      const visitor = parseVisitorResponse({ status: 'success', data: { visitorId: id, identity: { params }, activity: { completedGoals } } });
      if (!visitor) throw new Error('the big record did not parse');
      return { kind: 'found', visitor };
    }

    it('keeps the estimated bytes of its entries under maxBytes, evicting the least recently used', async () => {
      const maxBytes = 200_000;
      const { upstream, cache } = setup({ maxBytes });
      const ids = Array.from({ length: 60 }, (_, i) => `big-${String(i).padStart(2, '0')}`);
      for (const id of ids) upstream.answer(id, bigRecord(id));
      for (const id of ids) {
        await cache.lookup(id);
        expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
      }
      const { size, bytes } = cache.stats();
      const one = entryBytes(bigRecord('big-00'), 'big-00');
      expect(size).toBe(Math.floor(maxBytes / one));
      expect(bytes).toBe(size * one);
      // The newest stayed, the oldest went.
      expect(cache.peek('big-59')).toBeDefined();
      expect(cache.peek('big-00')).toBeUndefined();
    });

    it('still serves the newest records stale while the upstream fails', async () => {
      const { upstream, clock, cache } = setup({ maxBytes: 200_000 });
      for (const id of ['a', 'b', 'c']) upstream.answer(id, bigRecord(id));
      for (const id of ['a', 'b', 'c']) await cache.lookup(id);
      clock.advance(TTL);
      upstream.answer('c', DOWN);
      expect(await cache.lookup('c')).toMatchObject({ kind: 'found', stale: true });
    });

    it('does not store a record larger than maxBytes on its own, but still answers it', async () => {
      const { upstream, cache } = setup({ maxBytes: 1_000 });
      const big = bigRecord('v1');
      upstream.answer('v1', big);
      expect(await cache.lookup('v1')).toBe(big);
      expect(cache.stats()).toMatchObject({ size: 0, bytes: 0 });
    });
  });

  describe('bounded by max', () => {
    it('evicts the least recently used visitor when a new one exceeds max', async () => {
      const { upstream, cache } = setup({ max: 3 });
      for (const id of ['a', 'b', 'c', 'd']) upstream.answer(id, found(id));
      await cache.lookup('a');
      await cache.lookup('b');
      await cache.lookup('c');
      expect(cache.peek('a')).toBeDefined(); // a is now more recently used than b

      await cache.lookup('d');
      expect(cache.stats().size).toBe(3);
      expect(cache.peek('b')).toBeUndefined();
      expect(cache.peek('a')).toBeDefined();
      expect(cache.peek('c')).toBeDefined();
      expect(cache.peek('d')).toBeDefined();

      await cache.lookup('b');
      expect(upstream.callsFor('b')).toBe(2);
    });

    it('keeps expired found records for stale-if-error until the bound evicts them', async () => {
      const { upstream, clock, cache } = setup({ max: 2 });
      for (const id of ['a', 'b', 'c']) upstream.answer(id, found(id));
      await cache.lookup('a');
      await cache.lookup('b');
      clock.advance(TTL);
      expect(cache.stats().size).toBe(2);

      await cache.lookup('c'); // evicts a, the least recently used
      upstream.answer('a', DOWN).answer('b', DOWN);
      expect(await cache.lookup('a')).toEqual(DOWN);
      expect(await cache.lookup('b')).toMatchObject({ kind: 'found', stale: true });
    });
  });

  describe('stats', () => {
    it('counts hits from peek and lookup, misses, coalesced joins, loads, stale answers and size', async () => {
      const { upstream, clock, cache } = setup();
      upstream.answer('a', found('a')).answer('b', BOT);
      expect(cache.stats()).toEqual({ hits: 0, misses: 0, coalesced: 0, staleServed: 0, loads: 0, sharedHits: 0, sharedWaits: 0, size: 0, bytes: 0 });

      upstream.hold();
      const pending = [cache.lookup('a'), cache.lookup('a'), cache.lookup('a'), cache.lookup('b')];
      upstream.release();
      await Promise.all(pending);
      expect(cache.stats()).toEqual({ hits: 0, misses: 4, coalesced: 2, staleServed: 0, loads: 2, sharedHits: 0, sharedWaits: 0, size: 2, bytes: entryBytes(found('a'), 'a') + entryBytes(BOT, 'b') });

      cache.peek('a');
      await cache.lookup('a');
      await cache.lookup('b');
      cache.peek('nobody'); // a miss of peek is not a miss: nothing was loaded
      expect(cache.stats()).toMatchObject({ hits: 3, misses: 4, loads: 2 });

      clock.advance(TTL);
      upstream.answer('a', DOWN);
      await cache.lookup('a');
      expect(cache.stats()).toEqual({ hits: 3, misses: 5, coalesced: 2, staleServed: 1, loads: 3, sharedHits: 0, sharedWaits: 0, size: 2, bytes: entryBytes(found('a'), 'a') + entryBytes(BOT, 'b') });
    });
  });

  describe('clear', () => {
    it('drops every cached answer, so the next lookup loads again', async () => {
      const { upstream, cache } = setup();
      upstream.answer('v1', found('v1'));
      await cache.lookup('v1');

      cache.clear();
      expect(cache.stats().size).toBe(0);
      expect(cache.peek('v1')).toBeUndefined();
      await cache.lookup('v1');
      expect(upstream.callsFor('v1')).toBe(2);
    });

    it('lets a load in flight answer its callers without repopulating the cache', async () => {
      const { upstream, cache } = setup();
      const answer = found('v1');
      upstream.answer('v1', answer);
      upstream.hold();
      const pending = cache.lookup('v1');

      cache.clear();
      upstream.release();
      expect(await pending).toBe(answer);
      expect(cache.peek('v1')).toBeUndefined();
    });
  });

  describe('options', () => {
    it('rejects a max or maxBytes below 1 and negative or non-finite durations', () => {
      const load = async (): Promise<VisitorLookup> => UNKNOWN;
      expect(() => new VisitorCache(load, { max: 0 })).toThrow(RangeError);
      expect(() => new VisitorCache(load, { maxBytes: 0 })).toThrow(RangeError);
      expect(() => new VisitorCache(load, { ttlMs: -1 })).toThrow(RangeError);
      expect(() => new VisitorCache(load, { negativeTtlMs: Number.NaN })).toThrow(RangeError);
      expect(() => new VisitorCache(load, { staleIfErrorMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    });
  });
});
