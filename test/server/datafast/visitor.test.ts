import { describe, expect, it } from 'vitest';
import { parseVisitorResponse, VISITOR_LIMITS, VISITOR_PARAMS, type Visitor } from '../../../server/datafast/visitor';

type Json = Record<string, unknown>;

/**
 * The older docs' example (datafa.st/docs/api-get-visitor), made valid JSON: its comments, trailing
 * commas and a missing comma removed, nothing else changed.
 */
const OLDER_DOC_EXAMPLE = {
  status: 'success',
  data: {
    visitorId: 'a3ab2331-989f-4cfa-91c6-2461c9e3c6bd',
    identity: {
      country: 'KR',
      countryCode: 'KR',
      region: 'KR-44',
      city: 'Seosan City',
      params: { ref: 'youtube.com', source: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null },
      browser: { name: 'Chrome', version: '133.0.0.0' },
      os: { name: 'Mac OS', version: '10.15.7' },
      device: { type: 'desktop', vendor: 'Apple', model: 'Macintosh' },
      viewport: { width: 1728, height: 998 },
    },
    profile: {
      userId: 'user@example.com',
      metadata: { name: 'Jane Doe', plan: 'pro' },
      identifiedAt: '2025-04-11T03:39:10.000Z',
    },
    activity: {
      visitCount: 3,
      pageViewCount: 8,
      timeSinceFirstVisit: 3296041,
      timeSinceCurrentVisit: 3296041,
      firstVisitAt: '2025-04-11T03:38:49.154Z',
      lastVisitAt: '2025-04-11T03:38:49.154Z',
      currentUrl: 'codefa.st/',
      visitedPages: [{ url: 'codefa.st/', timestamp: '2025-04-11T03:38:49.154Z' }],
      completedCustomGoals: [
        { name: 'newsletter_signup', description: 'Sign up for the newsletter', isServer: false, timestamp: '2025-04-11T03:38:54.253Z' },
      ],
    },
    prediction: { score: 72, conversionRate: 0.0138, expectedValue: 3.089, confidence: 0.831 },
  },
} as const;

/**
 * The newer docs' shape (datafa.st/docs/api/website/visitors/retrieve): `completedGoals` with an
 * `origin`, `via` and `adClickIds` in identity, and country as a name. Values are ours, fields are theirs.
 */
const NEWER_DOC_EXAMPLE = {
  status: 'success',
  data: {
    visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
    identity: {
      country: 'United States',
      countryCode: 'US',
      region: 'US-CO',
      city: 'Denver',
      params: {
        ref: 'producthunt',
        source: null,
        via: 'newsletter',
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'spring',
        utm_content: null,
        utm_term: null,
      },
      adClickIds: { gclid: 'Cj0KCQiA-gclid-value' },
      browser: { name: 'Firefox', version: '134.0' },
      os: { name: 'Linux', version: null },
      device: { type: 'Mobile', vendor: 'Google', model: 'Pixel 8' },
      viewport: { width: 412, height: 915 },
    },
    activity: {
      visitCount: 4,
      pageViewCount: 11,
      timeSinceFirstVisit: 86_400_000,
      timeSinceCurrentVisit: 120_000,
      firstVisitAt: '2026-02-05T05:27:20.000Z',
      lastVisitAt: '2026-02-06T05:27:20.000Z',
      currentUrl: '/pricing',
      completedGoals: [
        { name: 'signup', timestamp: '2026-02-05T06:00:00.000Z', origin: 'manual' },
        { name: 'free_trial', timestamp: '2026-02-05T06:01:00.000Z', origin: 'payment_provider' },
      ],
      visitedPages: [
        { url: '/', timestamp: '2026-02-05T05:27:20.000Z' },
        { url: '/pricing', timestamp: '2026-02-06T05:27:20.000Z' },
      ],
    },
    profile: { userId: 'usr_8f2k', metadata: { plan: 'team' }, identifiedAt: '2026-02-05T06:00:00.000Z' },
    prediction: { score: 38, conversionRate: 0.004, expectedValue: 0.98, confidence: 0.64 },
  },
} as const;

/** A deep, mutable copy of an example with `data` fields replaced. */
function withData(base: Json, patch: Json): Json {
  const copy = structuredClone(base) as { data: Json };
  return { ...copy, data: { ...copy.data, ...patch } };
}

function parsed(body: unknown): Visitor {
  const v = parseVisitorResponse(body);
  if (!v) throw new Error('expected the body to parse');
  return v;
}

describe('parseVisitorResponse', () => {
  describe('the documented examples', () => {
    it('reads the older example (completedCustomGoals, { name } objects)', () => {
      expect(parseVisitorResponse(OLDER_DOC_EXAMPLE)).toEqual({
        visitorId: 'a3ab2331-989f-4cfa-91c6-2461c9e3c6bd',
        identity: { countryCode: 'KR', browser: 'Chrome', os: 'Mac OS', deviceType: 'desktop', params: { ref: 'youtube.com' } },
        activity: {
          visitCount: 3,
          pageViewCount: 8,
          firstVisitAt: '2025-04-11T03:38:49.154Z',
          lastVisitAt: '2025-04-11T03:38:49.154Z',
          completedGoals: [{ name: 'newsletter_signup', timestamp: '2025-04-11T03:38:54.253Z', origin: null }],
        },
        identified: true,
        prediction: { score: 72, confidence: 0.831, conversionRate: 0.0138, expectedValue: 3.089 },
      });
    });

    it('reads the newer example (completedGoals with origin, country as a name)', () => {
      expect(parseVisitorResponse(NEWER_DOC_EXAMPLE)).toEqual({
        visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
        identity: {
          countryCode: 'US',
          browser: 'Firefox',
          os: 'Linux',
          deviceType: 'mobile',
          params: { ref: 'producthunt', via: 'newsletter', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
        },
        activity: {
          visitCount: 4,
          pageViewCount: 11,
          firstVisitAt: '2026-02-05T05:27:20.000Z',
          lastVisitAt: '2026-02-06T05:27:20.000Z',
          completedGoals: [
            { name: 'signup', timestamp: '2026-02-05T06:00:00.000Z', origin: 'manual' },
            { name: 'free_trial', timestamp: '2026-02-05T06:01:00.000Z', origin: 'payment_provider' },
          ],
        },
        identified: true,
        // A day apart: two sessions of one page view each.
        prediction: { score: 38, confidence: 0.64, conversionRate: 0.004, expectedValue: 0.98 },
      });
    });

    it('reads goals from both generations when a body has both lists', () => {
      const body = withData(NEWER_DOC_EXAMPLE, {
        activity: { ...NEWER_DOC_EXAMPLE.data.activity, completedCustomGoals: [{ name: 'demo_booked', timestamp: null }] },
      });
      expect(parsed(body).activity.completedGoals.map((g) => g.name)).toEqual(['signup', 'free_trial', 'demo_booked']);
    });
  });

  describe('bounded, whatever DataFast sends', () => {
    const goal = (name: string) => ({ name, timestamp: '2026-02-05T06:00:00.000Z', origin: 'manual' });

    it('keeps only the params the rules read, dropping every other key', () => {
      const params = { ref: 'hn', utm_source: 'google', gclid: 'Cj0-x', fbclid: 'IwAR', [`k${'x'.repeat(100)}`]: 'v', ...Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`extra_${i}`, 'v'])) };
      const identity = { ...NEWER_DOC_EXAMPLE.data.identity, params };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { identity })).identity.params).toEqual({ ref: 'hn', utm_source: 'google' });
      expect([...VISITOR_PARAMS].sort()).toEqual(['ref', 'source', 'utm_campaign', 'utm_content', 'utm_medium', 'utm_source', 'utm_term', 'via']);
    });

    it('keeps at most 100 distinct goal names, the first ones met, with duplicates folded into one', () => {
      const completedGoals = [goal('payment'), goal('payment'), ...Array.from({ length: 500 }, (_, i) => goal(`g${i}`))];
      const activity = { ...NEWER_DOC_EXAMPLE.data.activity, completedGoals, completedCustomGoals: [goal('late')] };
      const names = parsed(withData(NEWER_DOC_EXAMPLE, { activity })).activity.completedGoals.map((g) => g.name);
      expect(names).toHaveLength(VISITOR_LIMITS.goals);
      expect(names.slice(0, 3)).toEqual(['payment', 'g0', 'g1']);
      expect(names).not.toContain('late');
    });

    it('looks at the first 10,000 items of a goal list only', () => {
      const completedGoals = [...Array.from({ length: VISITOR_LIMITS.goalItemsScanned }, () => null), goal('payment')];
      const activity = { ...NEWER_DOC_EXAMPLE.data.activity, completedGoals };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { activity })).activity.completedGoals).toEqual([]);
    });

    it('skips goal names longer than DataFast allows and reads an overlong timestamp as none', () => {
      const completedGoals = [goal('n'.repeat(65)), { ...goal('ok'), timestamp: 't'.repeat(41) }];
      const activity = { ...NEWER_DOC_EXAMPLE.data.activity, completedGoals, firstVisitAt: 'd'.repeat(1_000) };
      const v = parsed(withData(NEWER_DOC_EXAMPLE, { activity }));
      expect(v.activity.completedGoals).toEqual([{ name: 'ok', timestamp: null, origin: 'manual' }]);
      expect(v.activity.firstVisitAt).toBeNull();
    });

    it('cuts browser, OS, device and country to 64 characters', () => {
      const long = 'b'.repeat(10_000);
      const identity = { ...NEWER_DOC_EXAMPLE.data.identity, browser: { name: long }, os: long, device: { type: long }, countryCode: long };
      const v = parsed(withData(NEWER_DOC_EXAMPLE, { identity }));
      for (const value of [v.identity.browser, v.identity.os, v.identity.deviceType, v.identity.countryCode]) expect(value).toHaveLength(VISITOR_LIMITS.shortString);
    });

    it('refuses a record whose visitor id is longer than any id', () => {
      expect(parseVisitorResponse(withData(NEWER_DOC_EXAMPLE, { visitorId: 'a'.repeat(129) }))).toBeNull();
    });
  });

  describe('tolerance', () => {
    it('ignores fields it does not know, at every level', () => {
      const body = {
        ...structuredClone(NEWER_DOC_EXAMPLE),
        pagination: { limit: 1 },
        data: {
          ...structuredClone(NEWER_DOC_EXAMPLE.data),
          payments: [{ amount: 49, currency: 'USD' }],
          someFutureField: { nested: true },
        },
      };
      expect(parseVisitorResponse(body)).toEqual(parseVisitorResponse(NEWER_DOC_EXAMPLE));
    });

    it('accepts identity: null (then nothing is known about the device or place)', () => {
      const v = parsed(withData(NEWER_DOC_EXAMPLE, { identity: null }));
      expect(v.identity).toEqual({ countryCode: null, browser: null, os: null, deviceType: null, params: {} });
      expect(v.prediction?.score).toBe(38);
    });

    it('accepts prediction: null (a customer, or no revenue attribution)', () => {
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { prediction: null })).prediction).toBeNull();
    });

    it('accepts a missing prediction, profile and activity', () => {
      const v = parsed({ status: 'success', data: { visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449' } });
      expect(v.prediction).toBeNull();
      expect(v.identified).toBe(false);
      expect(v.activity).toEqual({ visitCount: 0, pageViewCount: 0, firstVisitAt: null, lastVisitAt: null, completedGoals: [] });
    });

    it('accepts prediction values of null for conversionRate and expectedValue', () => {
      const v = parsed(withData(NEWER_DOC_EXAMPLE, { prediction: { score: 50, confidence: 0.5, conversionRate: null, expectedValue: null } }));
      expect(v.prediction).toEqual({ score: 50, confidence: 0.5, conversionRate: null, expectedValue: null });
    });

    it('keeps only the non-empty string params (nulls, empties and non-strings dropped, long values cut to 256)', () => {
      const identity = {
        ...NEWER_DOC_EXAMPLE.data.identity,
        params: { ref: null, source: '', via: 42, utm_source: 'x'.repeat(1000), utm_medium: 'email', utm_term: { a: 1 } },
      };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { identity })).identity.params).toEqual({ utm_source: 'x'.repeat(256), utm_medium: 'email' });
    });

    it.each([
      ['params: null', { params: null }],
      ['params as a string', { params: 'ref=x' }],
    ])('reads %s as no params', (_label, patch) => {
      const identity = { ...NEWER_DOC_EXAMPLE.data.identity, ...patch };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { identity })).identity.params).toEqual({});
    });

    it('reads browser, os and device as plain strings too (the newer field tables)', () => {
      const identity = { countryCode: 'de', browser: 'Safari', os: 'iOS', device: 'Tablet' };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { identity })).identity).toEqual({
        countryCode: 'DE',
        browser: 'Safari',
        os: 'iOS',
        deviceType: 'tablet',
        params: {},
      });
    });

    it.each([
      ['null values', { browser: null, os: null, device: null }],
      ['{ name: null } objects', { browser: { name: null }, os: { version: '1' }, device: { type: null } }],
      ['numbers', { browser: 1, os: true, device: [] }],
    ])('reads browser, os and device given as %s as unknown', (_label, patch) => {
      const identity = { ...NEWER_DOC_EXAMPLE.data.identity, ...patch };
      const v = parsed(withData(NEWER_DOC_EXAMPLE, { identity }));
      expect([v.identity.browser, v.identity.os, v.identity.deviceType]).toEqual([null, null, null]);
    });

    it.each([
      ['a code in country when countryCode is missing', { country: 'kr', countryCode: undefined }, 'KR'],
      ['a country name without countryCode', { country: 'South Korea', countryCode: null }, null],
      ['countryCode winning over country', { country: 'France', countryCode: 'FR' }, 'FR'],
    ])('reads %s', (_label, patch, expected) => {
      const identity = { ...NEWER_DOC_EXAMPLE.data.identity, ...patch };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { identity })).identity.countryCode).toBe(expected);
    });

    it('drops goals it cannot read but keeps the others', () => {
      const activity = {
        ...NEWER_DOC_EXAMPLE.data.activity,
        completedGoals: [{ name: 'payment', origin: 'payment_provider' }, { description: 'no name' }, 'payment', null, { name: 'signup', origin: 'robot' }],
      };
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { activity })).activity.completedGoals).toEqual([
        { name: 'payment', timestamp: null, origin: 'payment_provider' },
        { name: 'signup', timestamp: null, origin: null },
      ]);
    });

    it('reads negative or fractional counts as 0', () => {
      const activity = { ...NEWER_DOC_EXAMPLE.data.activity, visitCount: -3, pageViewCount: 2.5 };
      const v = parsed(withData(NEWER_DOC_EXAMPLE, { activity }));
      expect([v.activity.visitCount, v.activity.pageViewCount]).toEqual([0, 0]);
    });
  });

  describe('a prediction it cannot trust is no prediction, not a failure', () => {
    it.each([
      ['a score above 100', { score: 101, confidence: 0.9 }],
      ['a negative score', { score: -1, confidence: 0.9 }],
      ['a confidence above 1', { score: 50, confidence: 1.2 }],
      ['a negative confidence', { score: 50, confidence: -0.1 }],
      ['no confidence', { score: 72, conversionRate: 0.01 }],
      ['no score', { confidence: 0.9 }],
      ['a string score', { score: '72', confidence: 0.9 }],
      ['a null score', { score: null, confidence: 0.9 }],
      ['a prediction that is not an object', 'high'],
    ])('%s', (_label, prediction) => {
      const v = parseVisitorResponse(withData(NEWER_DOC_EXAMPLE, { prediction }));
      expect(v).not.toBeNull();
      expect(v?.visitorId).toBe('b971cbbf-7ce2-4925-902b-8f95a5fb3449');
      expect(v?.prediction).toBeNull();
    });

    it.each([
      [0, 0],
      [100, 1],
    ])('accepts the bounds score %d, confidence %d', (score, confidence) => {
      expect(parsed(withData(NEWER_DOC_EXAMPLE, { prediction: { score, confidence } })).prediction).toEqual({
        score,
        confidence,
        conversionRate: null,
        expectedValue: null,
      });
    });
  });

  describe('a body that is not a visitor response', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['a string', 'success'],
      ['an array', [OLDER_DOC_EXAMPLE]],
      ['the error envelope', { status: 'error', error: { code: 404, message: 'Visitor not found' } }],
      ['no status', { data: OLDER_DOC_EXAMPLE.data }],
      ['status other than success', { ...OLDER_DOC_EXAMPLE, status: 'ok' }],
      ['no data', { status: 'success' }],
      ['data: null', { status: 'success', data: null }],
      ['data as an array', { status: 'success', data: [OLDER_DOC_EXAMPLE.data] }],
      ['no data.visitorId', { status: 'success', data: { ...OLDER_DOC_EXAMPLE.data, visitorId: undefined } }],
      ['an empty data.visitorId', { status: 'success', data: { ...OLDER_DOC_EXAMPLE.data, visitorId: '' } }],
      ['a numeric data.visitorId', { status: 'success', data: { ...OLDER_DOC_EXAMPLE.data, visitorId: 42 } }],
    ])('is rejected: %s', (_label, body) => {
      expect(parseVisitorResponse(body)).toBeNull();
    });
  });

  describe('privacy: personal data never leaves the parser', () => {
    const SECRETS = {
      city: 'Seosan City',
      region: 'KR-44',
      userId: 'user@example.com',
      metaName: 'Jane Doe',
      metaEmail: 'jane.doe@example.com',
      metaPlan: 'pro-plan-annual',
      metaCompany: 'Acme Secret Corp',
      identifiedAt: '2025-04-11T03:39:10.000Z',
      visitedUrl: '/account/settings?token=visited-secret',
      currentUrl: '/checkout/current-secret',
      topEmail: 'top-level@example.com',
      topName: 'Johnny Appleseed',
      goalEmail: 'goal-param@example.com',
      goalDescription: 'Goal description secret',
      gclid: 'gclid-secret-value',
      vendor: 'VendorSecret',
    };

    const body = {
      status: 'success',
      data: {
        visitorId: 'a3ab2331-989f-4cfa-91c6-2461c9e3c6bd',
        email: SECRETS.topEmail,
        name: SECRETS.topName,
        identity: {
          ...OLDER_DOC_EXAMPLE.data.identity,
          city: SECRETS.city,
          region: SECRETS.region,
          adClickIds: { gclid: SECRETS.gclid },
          device: { type: 'desktop', vendor: SECRETS.vendor, model: 'Macintosh' },
        },
        profile: {
          userId: SECRETS.userId,
          metadata: { name: SECRETS.metaName, email: SECRETS.metaEmail, plan: SECRETS.metaPlan, company: SECRETS.metaCompany },
          identifiedAt: SECRETS.identifiedAt,
        },
        activity: {
          ...OLDER_DOC_EXAMPLE.data.activity,
          currentUrl: SECRETS.currentUrl,
          visitedPages: [{ url: SECRETS.visitedUrl, timestamp: '2025-04-11T03:38:49.154Z' }],
          completedGoals: [
            {
              name: 'payment',
              origin: 'payment_provider',
              timestamp: '2025-04-11T03:40:00.000Z',
              description: SECRETS.goalDescription,
              metadata: { email: SECRETS.goalEmail },
            },
          ],
        },
        prediction: null,
      },
    };

    const serialised = JSON.stringify(parsed(body));

    it.each(Object.entries(SECRETS))('does not keep %s', (_field, value) => {
      expect(serialised).not.toContain(value);
    });

    it.each(['city', 'region', 'profile', 'userId', 'metadata', 'visitedPages', 'email', 'currentUrl', 'adClickIds'])(
      'has no "%s" key',
      (key) => {
        expect(serialised).not.toContain(`"${key}`);
      },
    );

    it('keeps only that the visitor is identified, and still sees the payment', () => {
      const v = parsed(body);
      expect(v.identified).toBe(true);
      expect(v.activity.completedGoals).toContainEqual({ name: 'payment', timestamp: '2025-04-11T03:40:00.000Z', origin: 'payment_provider' });
    });
  });
});
