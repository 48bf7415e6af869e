// Behaviour signals from a visitor record: counts, last visit, the page summary, the first
// visit's source class and the device class.
import { describe, expect, it } from 'vitest';
import { parseDataFastVisitor } from '../../../server/datafast/visitor';
import { deviceClassOf, referrerClassOf as classOfVisitor } from '../../../server/analytics/behaviour';
import type { Visitor } from '../../../server/analytics/visitor';
import { signalsOf } from '../../../server/scoring/signals';

const referrerClassOf = (params: Record<string, string>): string =>
  classOfVisitor({
    visitorId: 'x',
    identity: { countryCode: null, browser: null, os: null, deviceType: null, params },
    activity: { visitCount: 0, pageViewCount: 0, firstVisitAt: null, lastVisitAt: null, completedGoals: [] },
    identified: false,
    prediction: null,
  } satisfies Visitor);

describe('referrerClassOf', () => {
  it.each([
    [{}, 'direct'],
    [{ utm_medium: 'cpc', utm_source: 'google' }, 'paid'],
    [{ utm_medium: 'email', utm_source: 'weekly' }, 'email'],
    [{ utm_medium: 'newsletter' }, 'email'],
    [{ utm_medium: 'social', utm_source: 'x' }, 'social'],
    [{ utm_medium: 'organic', utm_source: 'google' }, 'search'],
    [{ ref: 'google.com' }, 'search'],
    [{ ref: 'https://www.bing.com/search?q=x' }, 'search'],
    [{ ref: 'duckduckgo' }, 'search'],
    [{ ref: 'youtube.com' }, 'social'],
    [{ ref: 'news.ycombinator.com', via: 'hn' }, 'social'],
    [{ ref: 'producthunt' }, 'social'],
    [{ via: 'newsletter' }, 'email'],
    [{ ref: 'someblog.dev' }, 'referral'],
  ] as const)('%o → %s', (params, expected) => {
    expect(referrerClassOf(params)).toBe(expected);
  });
});

describe('deviceClassOf', () => {
  it.each([
    ['desktop', 'desktop'],
    ['Mobile', 'mobile'],
    ['tablet', 'tablet'],
    ['smarttv', 'unknown'],
    [null, 'unknown'],
  ] as const)('%s → %s', (type, expected) => {
    expect(deviceClassOf(type)).toBe(expected);
  });
});

describe('signalsOf', () => {
  it('reads a record', () => {
    const raw = {
      status: 'success',
      data: {
        visitorId: 'b971cbbf-7ce2-4925-902b-8f95a5fb3449',
        identity: { params: { utm_source: 'google', utm_medium: 'cpc' }, device: { type: 'mobile' } },
        activity: {
          visitCount: 4,
          pageViewCount: 11,
          lastVisitAt: '2026-02-06T05:27:20.000Z',
          currentUrl: '/checkout',
          visitedPages: [
            { url: '/', timestamp: '2026-02-06T05:20:20.000Z' },
            { url: '/pricing', timestamp: '2026-02-06T05:27:20.000Z' },
          ],
        },
        prediction: null,
      },
    };
    expect(parseDataFastVisitor(raw)).not.toBeNull();
    expect(signalsOf(parseDataFastVisitor(raw) ?? (undefined as never))).toEqual({
      sessions: 4,
      pageViews: 11,
      lastSeenAt: Date.parse('2026-02-06T05:27:20.000Z'),
      avgSessionSeconds: 420,
      visitedPricing: true,
      visitedCheckout: true,
      referrerClass: 'paid',
      device: 'mobile',
    });
  });

  it('a record without behaviour (cached before it existed, or a provider that reports none) reads as no pricing, no checkout, no session length', () => {
    const s = signalsOf({
      visitorId: 'x',
      identity: { countryCode: null, browser: null, os: null, deviceType: null, params: {} },
      activity: { visitCount: 0, pageViewCount: 0, firstVisitAt: null, lastVisitAt: 'not a date', completedGoals: [] },
      identified: false,
      prediction: null,
    });
    expect(s).toEqual({ sessions: 0, pageViews: 0, lastSeenAt: null, avgSessionSeconds: null, visitedPricing: false, visitedCheckout: false, referrerClass: 'direct', device: 'unknown' });
  });
});
