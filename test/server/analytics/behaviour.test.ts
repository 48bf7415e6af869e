// The signals a local score reads come from the one visitor shape, whichever provider answered.
import { describe, expect, it } from 'vitest';
import { deviceClassOf, referrerClassOf, visitorSignals } from '../../../server/analytics/behaviour';
import { isCheckoutPath, isPricingPath, pathOf, referrerHostOf, type Visitor, type VisitorBehaviour } from '../../../server/analytics/visitor';

const NOW = Date.parse('2026-02-10T12:00:00Z');

function visitor(params: Record<string, string> = {}, behaviour?: VisitorBehaviour, deviceType: string | null = 'mobile'): Visitor {
  return {
    visitorId: 'visitor_123',
    identity: { countryCode: 'US', browser: 'chrome', os: 'windows', deviceType, params },
    activity: { visitCount: 5, pageViewCount: 42, firstVisitAt: '2026-02-01T10:30:00Z', lastVisitAt: '2026-02-07T14:22:00Z', completedGoals: [] },
    identified: false,
    prediction: null,
    ...(behaviour ? { behaviour } : {}),
  };
}
const behaviour = (b: Partial<VisitorBehaviour>): VisitorBehaviour => ({ avgSessionSeconds: null, visitedPricing: false, visitedCheckout: false, referrerHost: null, ...b });

describe('visitorSignals', () => {
  it('reads counts, times, recency, behaviour and device with obvious names', () => {
    const v = visitor({}, behaviour({ avgSessionSeconds: 900, visitedPricing: true, referrerHost: 'google.com' }));
    expect(visitorSignals(v, NOW)).toEqual({
      sessions: 5,
      pageViews: 42,
      firstSeenAt: Date.parse('2026-02-01T10:30:00Z'),
      lastSeenAt: Date.parse('2026-02-07T14:22:00Z'),
      daysSinceLastSeen: 2,
      avgSessionSeconds: 900,
      visitedPricing: true,
      visitedCheckout: false,
      referrerClass: 'search',
      device: 'mobile',
    });
  });

  it('says unknown (null, false) for what the provider did not report, and tolerates bad dates', () => {
    const v = { ...visitor({}, undefined, null), activity: { ...visitor().activity, firstVisitAt: 'not a date', lastVisitAt: null } };
    expect(visitorSignals(v, NOW)).toMatchObject({ firstSeenAt: null, lastSeenAt: null, daysSinceLastSeen: null, avgSessionSeconds: null, visitedPricing: false, visitedCheckout: false, referrerClass: 'direct', device: 'unknown' });
  });
});

describe('referrerClassOf', () => {
  it.each([
    [{ utm_medium: 'cpc', utm_source: 'google' }, null, 'paid'],
    [{ utm_medium: 'email' }, null, 'email'],
    [{ utm_medium: 'newsletter' }, null, 'email'],
    [{ utm_medium: 'social' }, null, 'social'],
    [{ utm_source: 'google' }, null, 'search'],
    [{ ref: 'producthunt' }, null, 'social'],
    [{}, 'duckduckgo.com', 'search'],
    [{}, 'news.ycombinator.com', 'social'],
    [{}, 't.co', 'social'],
    [{}, 'blog.example.org', 'referral'],
    [{ ref: 'partner-site' }, null, 'referral'],
    [{}, null, 'direct'],
  ] as const)('%o with referrer %s is %s', (params, host, expected) => {
    expect(referrerClassOf(visitor({ ...params }, behaviour({ referrerHost: host })))).toBe(expected);
  });
});

describe('page and referrer helpers', () => {
  it.each([
    ['/pricing', true, false],
    ['/fr/pricing/', true, false],
    ['/plans?x=1', true, false],
    ['https://shop.example.com/checkout/step-2', false, true],
    ['codefa.st/cart', false, true],
    ['/pricing-history-of-wine', false, false],
    ['/blog/pricing', false, false],
  ])('%s: pricing %s, checkout %s', (page, pricing, checkout) => {
    expect([isPricingPath(page), isCheckoutPath(page)]).toEqual([pricing, checkout]);
  });

  it('reads a path from a path, a URL or a scheme-less URL', () => {
    expect([pathOf('/a'), pathOf('https://x.io/b?c'), pathOf('codefa.st/d'), pathOf('nothing')]).toEqual(['/a', '/b', '/d', '']);
  });

  it('keeps only the host of an http(s) referrer, without www.', () => {
    expect([referrerHostOf('https://www.Google.com/search?q=x'), referrerHostOf('javascript:alert(1)'), referrerHostOf('nope'), referrerHostOf(null)]).toEqual(['google.com', null, null, null]);
  });

  it('classes devices', () => {
    expect(['desktop', 'Mobile', 'tablet', 'tv', null].map(deviceClassOf)).toEqual(['desktop', 'mobile', 'tablet', 'unknown', 'unknown']);
  });
});
