import { describe, expect, it } from 'vitest';
import { MAP_LIMITS, parseRealtimeMapResponse, type RealtimeMap } from '../../../server/datafast/realtime';

/** The documented example (datafa.st/docs/api-realtime-map), verbatim. */
const DOC_EXAMPLE = {
  status: 'success',
  data: {
    count: 2,
    visitors: [
      {
        visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
        location: { city: 'Denver', region: 'US-CO', countryCode: 'US' },
        system: { browser: { name: 'Chrome' }, os: { name: 'Mac OS' }, device: { type: 'desktop' } },
        currentUrl: '/pricing',
        referrer: null,
        sessionStartTime: '2026-02-06T05:27:20.000Z',
        visitCount: 1,
        params: { ref: null, source: null, via: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null },
        latitude: 39.7391,
        longitude: -104.9866,
        isCustomer: false,
        customerName: null,
        customerEmail: null,
        profileData: { displayName: null, userId: null, hasProfile: false, isRandomName: true },
        conversionLikelihood: {
          score: 65,
          confidence: 0.763,
          isBaseline: false,
          dimensionMatches: ['device', 'os', 'browser', 'country', 'referrer'],
          raw: { conversionRate: 0.0056, averageValue: 246.98, expectedValue: 1.37 },
        },
      },
    ],
    conversionMetrics: { baselineConversionRate: 0.0044, baselineAverageValue: 243.63 },
    hasConversionPredictions: true,
    recentEvents: [
      {
        _id: '69857bb827ddefd472fb2b09',
        type: 'pageview',
        visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
        timestamp: '2026-02-06T05:27:20.000Z',
        path: '/pricing',
        countryCode: 'US',
        extraData: {},
        referrer: null,
        customerName: null,
        amount: null,
        displayName: null,
      },
    ],
    recentPayments: [
      {
        _id: '69857bb827ddefd472fb2b12',
        type: 'payment_received',
        timestamp: '2026-02-06T05:26:10.000Z',
        name: 'Jane Doe',
        email: 'jane@example.com',
        amount: 49,
        currency: 'USD',
        renewal: false,
        displayName: null,
        isNew: false,
        visible: true,
      },
    ],
  },
} as const;

type Row = Record<string, unknown>;

function withData(patch: Row): Row {
  const copy = structuredClone(DOC_EXAMPLE) as unknown as { data: Row };
  return { ...copy, data: { ...copy.data, ...patch } };
}

const docVisitor = (patch: Row = {}): Row => ({ ...structuredClone(DOC_EXAMPLE.data.visitors[0]), ...patch });

function parsed(body: unknown): RealtimeMap {
  const map = parseRealtimeMapResponse(body);
  if (!map) throw new Error('expected the body to parse');
  return map;
}

describe('parseRealtimeMapResponse', () => {
  describe('the documented example', () => {
    const map = parsed(DOC_EXAMPLE);

    it('reads the active visitor count', () => {
      expect(map.count).toBe(2);
    });

    it('reads each active visitor', () => {
      expect(map.visitors).toEqual([
        {
          visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
          countryCode: 'US',
          deviceType: 'desktop',
          browser: 'Chrome',
          os: 'Mac OS',
          currentUrl: '/pricing',
          visitCount: 1,
          isCustomer: false,
          score: 65,
          confidence: 0.763,
        },
      ]);
    });

    it('keeps of a payment only its time, visibility, amount, currency and country', () => {
      expect(map.recentPayments).toEqual([{ timestamp: '2026-02-06T05:26:10.000Z', visible: true, amount: 49, currency: 'USD', countryCode: null }]);
    });

    it('keeps of an event only its type, time, path and country', () => {
      expect(map.recentEvents).toEqual([{ type: 'pageview', timestamp: '2026-02-06T05:27:20.000Z', path: '/pricing', countryCode: 'US' }]);
    });
  });

  it('reads system values given as plain strings (the newer field table)', () => {
    const body = withData({ visitors: [docVisitor({ system: { browser: 'Firefox', os: 'Linux', device: 'mobile' } })] });
    expect(parsed(body).visitors[0]).toMatchObject({ browser: 'Firefox', os: 'Linux', deviceType: 'mobile' });
  });

  it.each([
    ['system: null', { system: null }],
    ['system missing', { system: undefined }],
    ['system values null', { system: { browser: null, os: null, device: null } }],
    ['system of the wrong type', { system: 'Chrome on Mac' }],
  ])('reads %s as unknown browser, os and device', (_label, patch) => {
    expect(parsed(withData({ visitors: [docVisitor(patch)] })).visitors[0]).toMatchObject({ browser: null, os: null, deviceType: null });
  });

  it('reads a visitor without conversionLikelihood (no modeling data yet) with null score and confidence', () => {
    const visitor = docVisitor({ conversionLikelihood: undefined, location: null, currentUrl: null, visitCount: null, isCustomer: null });
    expect(parsed(withData({ visitors: [visitor], hasConversionPredictions: false })).visitors[0]).toEqual({
      visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
      countryCode: null,
      deviceType: 'desktop',
      browser: 'Chrome',
      os: 'Mac OS',
      currentUrl: null,
      visitCount: null,
      isCustomer: false,
      score: null,
      confidence: null,
    });
  });

  it('reads a customer as a customer', () => {
    expect(parsed(withData({ visitors: [docVisitor({ isCustomer: true, customerName: 'Bob' })] })).visitors[0]?.isCustomer).toBe(true);
  });

  describe('privacy: names, emails, places and coordinates are dropped', () => {
    const SECRETS = {
      visitorCity: 'Springfield Secret',
      visitorRegion: 'US-ZZ-secret',
      customerName: 'Homer Simpson',
      customerEmail: 'homer@example.com',
      displayName: 'Homie Display',
      profileUserId: 'usr_secret_42',
      latitude: 12.345678,
      longitude: -98.765432,
      eventCustomerName: 'Marge Simpson',
      eventDisplayName: 'Marge Display',
      paymentName: 'Lisa Simpson',
      paymentEmail: 'lisa@example.com',
      paymentDisplayName: 'Lisa Display',
      paymentCity: 'Shelbyville Secret',
    };
    const body = withData({
      visitors: [
        docVisitor({
          location: { city: SECRETS.visitorCity, region: SECRETS.visitorRegion, countryCode: 'US' },
          latitude: SECRETS.latitude,
          longitude: SECRETS.longitude,
          isCustomer: true,
          customerName: SECRETS.customerName,
          customerEmail: SECRETS.customerEmail,
          profileData: { displayName: SECRETS.displayName, userId: SECRETS.profileUserId, hasProfile: true, isRandomName: false },
        }),
      ],
      recentEvents: [
        {
          ...structuredClone(DOC_EXAMPLE.data.recentEvents[0]),
          type: 'payment',
          customerName: SECRETS.eventCustomerName,
          displayName: SECRETS.eventDisplayName,
          amount: 99,
        },
      ],
      recentPayments: [
        {
          ...structuredClone(DOC_EXAMPLE.data.recentPayments[0]),
          name: SECRETS.paymentName,
          email: SECRETS.paymentEmail,
          displayName: SECRETS.paymentDisplayName,
          city: SECRETS.paymentCity,
          countryCode: 'CA',
        },
      ],
    });
    const serialised = JSON.stringify(parsed(body));

    it.each(Object.entries(SECRETS))('does not keep %s', (_field, value) => {
      expect(serialised).not.toContain(String(value));
    });

    it.each(['customerName', 'customerEmail', 'name', 'email', 'displayName', 'city', 'region', 'latitude', 'longitude', 'profileData', 'userId'])(
      'has no "%s" key',
      (key) => {
        expect(serialised).not.toContain(`"${key}"`);
      },
    );

    it('still gives what social proof needs', () => {
      const map = parsed(body);
      expect(map.recentPayments).toEqual([{ timestamp: '2026-02-06T05:26:10.000Z', amount: 49, currency: 'USD', countryCode: 'CA', visible: true }]);
      expect(map.visitors[0]?.isCustomer).toBe(true);
    });
  });

  describe('one malformed row is dropped without losing the others', () => {
    it('in visitors', () => {
      const good2 = docVisitor({ visitorId: '00000000-0000-4000-8000-000000000002' });
      const map = parsed(withData({ visitors: [docVisitor(), { location: { countryCode: 'FR' } }, null, 'visitor', good2] }));
      expect(map.visitors.map((v) => v.visitorId)).toEqual(['b971cbbf-7ce2-4925-902b-8f95a5fb3449', '00000000-0000-4000-8000-000000000002']);
    });

    it('in recentPayments', () => {
      const ok = { timestamp: '2026-02-06T05:20:00.000Z', amount: 19, currency: 'EUR' };
      const map = parsed(withData({ recentPayments: [{ amount: 5, currency: 'USD' }, ok, { timestamp: 42 }] }));
      expect(map.recentPayments).toEqual([{ ...ok, countryCode: null, visible: true }]);
    });

    it('in recentEvents', () => {
      const map = parsed(withData({ recentEvents: [{ type: 'pageview' }, ...structuredClone(DOC_EXAMPLE.data.recentEvents), 7] }));
      expect(map.recentEvents).toHaveLength(1);
    });

    it('reads odd field values as unknown rather than dropping the row', () => {
      const map = parsed(
        withData({
          visitors: [docVisitor({ visitCount: 'three', currentUrl: 5, conversionLikelihood: { score: 'high', confidence: Number.NaN } })],
          recentPayments: [{ timestamp: '2026-02-06T05:20:00.000Z', amount: '49', currency: 840 }],
        }),
      );
      expect(map.visitors[0]).toMatchObject({ visitCount: null, currentUrl: null, score: null, confidence: null });
      expect(map.recentPayments).toEqual([{ timestamp: '2026-02-06T05:20:00.000Z', amount: null, currency: null, countryCode: null, visible: true }]);
    });
  });

  it.each([
    ['missing lists', { visitors: undefined, recentEvents: undefined, recentPayments: undefined }],
    ['null lists', { visitors: null, recentEvents: null, recentPayments: null }],
    ['lists of the wrong type', { visitors: {}, recentEvents: 'none', recentPayments: 3 }],
  ])('reads %s as empty lists, keeping the count', (_label, patch) => {
    expect(parsed(withData(patch))).toEqual({ count: 2, visitors: [], recentPayments: [], recentEvents: [] });
  });

  describe('bounded, whatever DataFast sends', () => {
    it('reads the first 1,000 items of each list and cuts the strings it keeps', () => {
      const visitor = { visitorId: 'v', currentUrl: `/${'p'.repeat(5_000)}`, system: { browser: 'b'.repeat(500) }, location: { countryCode: 'c'.repeat(500) } };
      const event = { type: 't'.repeat(500), timestamp: '2026-02-06T05:27:20.000Z', path: '/' };
      const payment = { timestamp: '2026-02-06T05:27:20.000Z', currency: 'u'.repeat(500), amount: 1 };
      const map = parseRealtimeMapResponse({
        status: 'success',
        data: { count: 3_000, visitors: Array(3_000).fill(visitor), recentEvents: Array(3_000).fill(event), recentPayments: Array(3_000).fill(payment) },
      });
      if (!map) throw new Error('expected the map to parse');
      expect([map.count, map.visitors.length, map.recentEvents.length, map.recentPayments.length]).toEqual([3_000, MAP_LIMITS.rows, MAP_LIMITS.rows, MAP_LIMITS.rows]);
      expect(map.visitors[0]?.currentUrl).toHaveLength(MAP_LIMITS.url);
      expect([map.visitors[0]?.browser, map.visitors[0]?.countryCode, map.recentEvents[0]?.type, map.recentPayments[0]?.currency].map((v) => v?.length)).toEqual(Array(4).fill(MAP_LIMITS.shortString));
    });
  });

  describe('an invalid envelope', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['an array', [DOC_EXAMPLE]],
      ['the error envelope', { status: 'error', error: { code: 404, message: 'Website not found' } }],
      ['no status', { data: DOC_EXAMPLE.data }],
      ['no data', { status: 'success' }],
      ['data as an array (the /realtime shape)', { status: 'success', data: [{ visitors: 42 }] }],
      ['no count', withData({ count: undefined })],
      ['a negative count', withData({ count: -1 })],
      ['a fractional count', withData({ count: 1.5 })],
      ['a string count', withData({ count: '2' })],
    ])('is rejected: %s', (_label, body) => {
      expect(parseRealtimeMapResponse(body)).toBeNull();
    });
  });
});
