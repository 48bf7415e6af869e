// toLiveView: the public social-proof view of the realtime map. Pure table tests, plus the seeded
// map end to end through the real parser with a scan for every piece of personal data in it.
import { describe, expect, it } from 'vitest';
import { realtimeSeed } from '../../../demo/personas';
import { parseRealtimeMapResponse, type RealtimeMap, type RecentEvent, type RecentPayment } from '../../../server/datafast/realtime';
import { toLiveView, type LiveView } from '../../../server/live/live-view';
import { FORBIDDEN_KEYS, keysOf } from '../../support/forbidden';

const NOW = Date.parse('2026-02-06T12:00:00.000Z');
const iso = (msAgo: number): string => new Date(NOW - msAgo).toISOString();
const MIN = 60_000;

const pay = (msAgo: number, extra: Partial<RecentPayment> = {}): RecentPayment => ({
  timestamp: iso(msAgo),
  visible: true,
  amount: 49,
  currency: 'USD',
  countryCode: null,
  ...extra,
});
const event = (type: string, msAgo: number, countryCode: string | null): RecentEvent => ({
  type,
  timestamp: iso(msAgo),
  path: '/checkout',
  countryCode,
});
const mapOf = (recentPayments: RecentPayment[], recentEvents: RecentEvent[] = [], count = 3): RealtimeMap => ({
  count,
  visitors: [],
  recentPayments,
  recentEvents,
});

const ALLOWED_KEYS = new Set(['activeVisitors', 'recentPurchases', 'countryCode', 'minutesAgo', 'amount', 'currency']);

describe('toLiveView', () => {
  it('gives zero visitors and no purchases for an empty map', () => {
    expect(toLiveView(mapOf([], [], 0), NOW)).toEqual({ activeVisitors: 0, recentPurchases: [] });
  });

  it.each([
    [7, 7],
    [0, 0],
    [-1, 0],
    [Number.NaN, 0],
  ])('activeVisitors is the map count %s → %s', (count, expected) => {
    expect(toLiveView(mapOf([], [], count), NOW).activeVisitors).toBe(expected);
  });

  it.each([
    ['just now', 0, 0],
    ['59.999 s ago', 59_999, 0],
    ['exactly 1 min ago', MIN, 1],
    ['1 min 59 s ago', 2 * MIN - 1000, 1],
    ['9 min 30 s ago', 9.5 * MIN, 9],
    ['90 min ago', 90 * MIN, 90],
    ['1 s in the future (clock skew)', -1000, 0],
    ['10 min in the future', -10 * MIN, 0],
  ])('minutesAgo for a payment %s is %s', (_label, msAgo, expected) => {
    expect(toLiveView(mapOf([pay(msAgo)]), NOW).recentPurchases[0]?.minutesAgo).toBe(expected);
  });

  it('lists purchases newest first whatever order DataFast sends', () => {
    const view = toLiveView(mapOf([pay(5 * MIN, { amount: 5 }), pay(1 * MIN, { amount: 1 }), pay(9 * MIN, { amount: 9 }), pay(3 * MIN, { amount: 3 })]), NOW);
    expect(view.recentPurchases.map((p) => p.amount)).toEqual([1, 3, 5, 9]);
    expect(view.recentPurchases.map((p) => p.minutesAgo)).toEqual([1, 3, 5, 9]);
  });

  it('keeps DataFast order for equal timestamps', () => {
    const view = toLiveView(mapOf([pay(MIN, { amount: 1 }), pay(MIN, { amount: 2 })]), NOW);
    expect(view.recentPurchases.map((p) => p.amount)).toEqual([1, 2]);
  });

  it.each(['', 'yesterday', 'not-a-date', '2026-13-45T99:99:99Z'])('skips a payment whose timestamp is %j', (timestamp) => {
    const view = toLiveView(mapOf([pay(MIN, { amount: 1 }), { ...pay(0), timestamp, amount: 2 }]), NOW);
    expect(view.recentPurchases.map((p) => p.amount)).toEqual([1]);
  });

  it('lists at most 5 purchases by default, the newest', () => {
    const payments = Array.from({ length: 8 }, (_, i) => pay(i * MIN, { amount: i }));
    const view = toLiveView(mapOf(payments.reverse()), NOW);
    expect(view.recentPurchases.map((p) => p.amount)).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [20, 8],
  ])('maxPurchases %s lists %s of 8', (maxPurchases, expected) => {
    const payments = Array.from({ length: 8 }, (_, i) => pay(i * MIN));
    expect(toLiveView(mapOf(payments), NOW, { maxPurchases }).recentPurchases).toHaveLength(expected);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects maxPurchases %s', (maxPurchases) => {
    expect(() => toLiveView(mapOf([]), NOW, { maxPurchases })).toThrow(RangeError);
  });

  describe('amount and currency', () => {
    it.each<[string, Partial<RecentPayment>, Record<string, unknown>]>([
      ['both present', { amount: 49, currency: 'USD' }, { amount: 49, currency: 'USD' }],
      ['fractional amount', { amount: 19.99, currency: 'EUR' }, { amount: 19.99, currency: 'EUR' }],
      ['zero amount (a free plan is still a sign-up)', { amount: 0, currency: 'USD' }, { amount: 0, currency: 'USD' }],
      ['lower-case currency', { amount: 5, currency: 'gbp' }, { amount: 5, currency: 'GBP' }],
      ['null amount', { amount: null, currency: 'USD' }, { currency: 'USD' }],
      ['null currency', { amount: 49, currency: null }, { amount: 49 }],
      ['both null', { amount: null, currency: null }, {}],
      ['a currency that is not a code', { amount: 49, currency: 'US dollars' }, { amount: 49 }],
      ['an empty currency', { amount: 49, currency: '' }, { amount: 49 }],
    ])('%s', (_label, fields, expected) => {
      const [p] = toLiveView(mapOf([pay(2 * MIN, fields)]), NOW).recentPurchases;
      expect(p).toEqual({ countryCode: null, minutesAgo: 2, ...expected });
      // Omitted, not undefined: JSON must not carry the key at all.
      expect(Object.keys(p ?? {}).sort()).toEqual(['countryCode', 'minutesAgo', ...Object.keys(expected)].sort());
    });

    it('skips a negative amount (a refund is not a purchase)', () => {
      expect(toLiveView(mapOf([pay(MIN, { amount: -49 }), pay(2 * MIN, { amount: 10 })]), NOW).recentPurchases).toEqual([
        { countryCode: null, minutesAgo: 2, amount: 10, currency: 'USD' },
      ]);
    });
  });

  describe('countryCode', () => {
    it.each<[string, string | null, string | null]>([
      ['the payment own code', 'US', 'US'],
      ['a lower-case code, normalised', 'de', 'DE'],
      ['a code with spaces', ' fr ', 'FR'],
      ['a city in the field (never passed on)', 'Denver', null],
      ['a region code', 'US-CO', null],
      ['an empty string', '', null],
      ['null', null, null],
    ])('%s', (_label, countryCode, expected) => {
      expect(toLiveView(mapOf([pay(MIN, { countryCode })]), NOW).recentPurchases[0]?.countryCode).toBe(expected);
    });

    it.each<[string, RecentEvent[], string | null]>([
      ['a payment event at the same time', [event('payment_received', MIN, 'JP')], 'JP'],
      ['a payment event 2 s earlier', [event('payment_received', MIN + 2000, 'JP')], 'JP'],
      ['a payment event 2 s later', [event('payment_received', MIN - 2000, 'JP')], 'JP'],
      ['a payment event 2.001 s away', [event('payment_received', MIN + 2001, 'JP')], null],
      ['an upper-case event type', [event('PAYMENT', MIN, 'JP')], 'JP'],
      ['an event type merely containing payment', [event('stripe_payment_succeeded', MIN, 'JP')], 'JP'],
      ['a pageview at the same time (not a payment)', [event('pageview', MIN, 'JP')], null],
      ['a goal at the same time', [event('goal', MIN, 'JP')], null],
      ['a payment event without a country', [event('payment_received', MIN, null)], null],
      ['a payment event with a city as country', [event('payment_received', MIN, 'Osaka')], null],
      ['a payment event with a broken timestamp', [{ ...event('payment_received', MIN, 'JP'), timestamp: 'soon' }], null],
      [
        'the closest of two payment events',
        [event('payment_received', MIN + 1500, 'FR'), event('payment_received', MIN - 300, 'IT'), event('payment_received', MIN + 900, 'ES')],
        'IT',
      ],
    ])('when the payment has none, takes it from %s', (_label, events, expected) => {
      expect(toLiveView(mapOf([pay(MIN)], events), NOW).recentPurchases[0]?.countryCode).toBe(expected);
    });

    it('prefers the payment own code over an event', () => {
      const view = toLiveView(mapOf([pay(MIN, { countryCode: 'US' })], [event('payment_received', MIN, 'JP')]), NOW);
      expect(view.recentPurchases[0]?.countryCode).toBe('US');
    });

    it('uses each payment event for one payment only', () => {
      const view = toLiveView(
        mapOf([pay(MIN, { amount: 1 }), pay(MIN, { amount: 2 }), pay(MIN + 500, { amount: 3 })], [event('payment_received', MIN, 'JP'), event('payment', MIN + 500, 'BR')]),
        NOW,
      );
      // Newest first: the two at MIN, then the one 0.5 s older. The first takes JP (exact), the
      // second takes the remaining BR (0.5 s away), and nothing is left for the third.
      expect(view.recentPurchases.map((p) => [p.amount, p.countryCode])).toEqual([
        [1, 'JP'],
        [2, 'BR'],
        [3, null],
      ]);
    });
  });

  it('is pure: same input, same output, input untouched', () => {
    const map = mapOf([pay(3 * MIN), pay(MIN)], [event('payment_received', MIN, 'JP')]);
    const before = structuredClone(map);
    const a = toLiveView(map, NOW);
    const b = toLiveView(map, NOW);
    expect(a).toEqual(b);
    expect(map).toEqual(before);
  });

  it('never puts anything but the allowed fields in the view', () => {
    const view = toLiveView(
      {
        count: 2,
        visitors: [
          {
            visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
            countryCode: 'US',
            deviceType: 'desktop',
            browser: 'Chrome',
            os: 'Mac OS',
            currentUrl: '/pricing',
            visitCount: 1,
            isCustomer: true,
            score: 100,
            confidence: 1,
          },
        ],
        recentPayments: [pay(MIN, { countryCode: 'US' }), pay(2 * MIN, { amount: null, currency: null })],
        recentEvents: [event('pageview', 0, 'US')],
      },
      NOW,
    );
    for (const key of keysOf(view)) expect(ALLOWED_KEYS).toContain(key);
    const text = JSON.stringify(view);
    for (const leak of ['b971cbbf', 'Chrome', 'Mac OS', '/pricing', '/checkout', 'desktop']) expect(text).not.toContain(leak);
  });
});

// ---------------------------------------------------------------------------------------------

/** Every string in the raw seed under a key that carries personal or precise-location data. */
function seedPersonalData(raw: unknown): string[] {
  const PERSONAL = new Set(['name', 'email', 'customerName', 'customerEmail', 'displayName', 'userId', 'city', 'region', 'visitorId', 'latitude', 'longitude', '_id']);
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (PERSONAL.has(k) && (typeof v === 'string' || typeof v === 'number')) out.add(String(v));
        walk(v);
      }
    }
  };
  walk(raw);
  return [...out];
}

describe('toLiveView over the seeded realtime map (through the real parser)', () => {
  const raw = realtimeSeed(NOW);
  const map = parseRealtimeMapResponse({ status: 'success', data: raw });

  it('parses', () => {
    expect(map).not.toBeNull();
  });

  const view = (): LiveView => toLiveView(map as RealtimeMap, NOW);

  it('gives the count and the three seeded payments, newest first, with no country (DataFast sends none)', () => {
    expect(view()).toEqual({
      activeVisitors: 8,
      recentPurchases: [
        { countryCode: null, minutesAgo: 2, amount: 49, currency: 'USD' },
        { countryCode: null, minutesAgo: 5, amount: 129, currency: 'USD' },
        { countryCode: null, minutesAgo: 9, amount: 19, currency: 'EUR' },
      ],
    });
  });

  it('contains none of the names, emails, cities, regions, ids or coordinates in the seed', () => {
    const personal = seedPersonalData(raw);
    // The scan is only as good as its list: make sure it caught the obvious ones.
    for (const known of ['Marc Tremblay', 'marc.tremblay@example.com', 'aiko.tanaka@example.jp', 'Lucas Martin', 'Jane Doe', 'jane@example.com', 'Berlin', 'São Paulo', 'Osaka']) {
      expect(personal).toContain(known);
    }
    const text = JSON.stringify(view());
    for (const value of personal) expect(text, `the view leaks ${value}`).not.toContain(value);
    for (const key of keysOf(view())) {
      expect(ALLOWED_KEYS).toContain(key);
      expect(FORBIDDEN_KEYS).not.toContain(key);
    }
    expect(text).not.toMatch(/@/);
  });
});

describe('payments the owner hid in DataFast', () => {
  it('are never shown as social proof', () => {
    const map: RealtimeMap = { count: 3, visitors: [], recentEvents: [], recentPayments: [pay(60_000, { visible: false }), pay(120_000)] };
    const view = toLiveView(map, NOW);
    expect(view.recentPurchases).toHaveLength(1);
    expect(view.recentPurchases[0]?.minutesAgo).toBe(2);
  });
});
