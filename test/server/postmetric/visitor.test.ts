// PostMetric's GET /api/v1/visitor body mapped into the one visitor shape: the documented example
// read field by field, bad items skipped, and nothing personal kept (paths, titles, session ids).
import { describe, expect, it } from 'vitest';
import { parsePostMetricVisitor } from '../../../server/postmetric/visitor';
import { visitorSignals } from '../../../server/analytics/behaviour';

/** The example of shared/seeds/postmetric-get-visitor.txt. */
const DOC_EXAMPLE = {
  status: 'success',
  data: {
    visitorId: 'visitor_123',
    sessionCount: 5,
    pageViewCount: 42,
    firstVisit: '2024-01-15T10:30:00Z',
    lastVisit: '2024-01-20T14:22:00Z',
    sessions: [{ sessionId: 'session_456', firstVisitAt: '2024-01-15T10:30:00Z', lastSeenAt: '2024-01-15T10:45:00Z', pageViews: 8, duration: 900, device: 'desktop', browser: 'chrome', os: 'windows', country: 'US' }],
    pageViews: [{ path: '/', title: 'Homepage', timestamp: '2024-01-15T10:30:00Z', referrer: 'https://google.com' }],
  },
};

const withData = (patch: Record<string, unknown>) => ({ status: 'success', data: { ...DOC_EXAMPLE.data, ...patch } });

describe('parsePostMetricVisitor', () => {
  it('reads the documented example into the normalised visitor', () => {
    expect(parsePostMetricVisitor(DOC_EXAMPLE)).toEqual({
      visitorId: 'visitor_123',
      identity: { countryCode: 'US', browser: 'chrome', os: 'windows', deviceType: 'desktop', params: {} },
      activity: { visitCount: 5, pageViewCount: 42, firstVisitAt: '2024-01-15T10:30:00Z', lastVisitAt: '2024-01-20T14:22:00Z', completedGoals: [] },
      identified: false,
      prediction: null,
      behaviour: { avgSessionSeconds: 900, visitedPricing: false, visitedCheckout: false, referrerHost: 'google.com' },
    });
  });

  it('gives a score its signals: search referrer, desktop, 15-minute sessions', () => {
    const v = parsePostMetricVisitor(DOC_EXAMPLE);
    if (!v) throw new Error('did not parse');
    expect(visitorSignals(v, Date.parse('2024-01-22T00:00:00Z'))).toMatchObject({ sessions: 5, pageViews: 42, daysSinceLastSeen: 1, avgSessionSeconds: 900, referrerClass: 'search', device: 'desktop' });
  });

  it('keeps the id as given (PostMetric ids are case-sensitive) and refuses one outside its charset', () => {
    expect(parsePostMetricVisitor(withData({ visitorId: 'Visitor_ABC-1' }))?.visitorId).toBe('Visitor_ABC-1');
    expect(parsePostMetricVisitor(withData({ visitorId: '../admin' }))).toBeNull();
    expect(parsePostMetricVisitor(withData({ visitorId: 'v'.repeat(129) }))).toBeNull();
  });

  it('refuses what is not a success envelope', () => {
    expect(parsePostMetricVisitor({ status: 'error', error: { code: 404, message: 'x' } })).toBeNull();
    expect(parsePostMetricVisitor({ status: 'success', data: [] })).toBeNull();
    expect(parsePostMetricVisitor('nope')).toBeNull();
  });

  it('uses the latest session for the device, averages durations, finds pricing/checkout and UTM params of the first page', () => {
    const v = parsePostMetricVisitor(
      withData({
        sessions: [
          { lastSeenAt: '2024-01-10T00:00:00Z', duration: 100, device: 'desktop', country: 'FR' },
          { lastSeenAt: '2024-01-20T00:00:00Z', duration: 300, device: 'Mobile', country: 'de' },
          'junk',
          { lastSeenAt: 'not a date', duration: -5 },
        ],
        pageViews: [
          { path: '/checkout', timestamp: '2024-01-20T00:00:00Z' },
          { path: '/?utm_source=newsletter&utm_medium=email&secret=x', timestamp: '2024-01-01T00:00:00Z', referrer: '' },
          { path: '/pricing', timestamp: '2024-01-05T00:00:00Z', referrer: 'https://www.example.org/post' },
          null,
        ],
      }),
    );
    expect(v?.identity).toMatchObject({ deviceType: 'mobile', countryCode: 'DE', params: { utm_source: 'newsletter', utm_medium: 'email' } });
    expect(v?.behaviour).toEqual({ avgSessionSeconds: 200, visitedPricing: true, visitedCheckout: true, referrerHost: 'example.org' });
  });

  it('keeps nothing personal: no paths, titles or session ids', () => {
    const text = JSON.stringify(parsePostMetricVisitor(withData({ pageViews: [{ path: '/account/jane-doe', title: 'Jane Doe — settings', timestamp: '2024-01-15T10:30:00Z' }] })));
    for (const s of ['jane', 'Jane', 'session_456', 'Homepage', '/account']) expect(text).not.toContain(s);
  });

  it('counts from the lists when the totals are missing', () => {
    const v = parsePostMetricVisitor(withData({ sessionCount: undefined, pageViewCount: 'many' }));
    expect([v?.activity.visitCount, v?.activity.pageViewCount]).toEqual([1, 1]);
  });
});
