// Seeded visitors for the simulated PostMetric API, in the shape of its GET /api/v1/visitor
// (shared/seeds/postmetric-get-visitor.txt): sessions and page views, no prediction, no profile.
// One per kind of behaviour a local score tells apart. Timestamps are relative to when this module
// loads, so the demo always looks "live".
import { createHash } from 'node:crypto';

export type PostMetricPersonaName = 'docsExample' | 'firstVisit' | 'pricingReturning' | 'checkout' | 'newsletter' | 'unknown';

export interface PostMetricPersona {
  /** A PostMetric id (letters, digits, _ and -), as `window.postMetric.getVisitorId()` gives it. */
  visitorId: string;
  label: string;
  description: string;
  /** What GET /api/v1/visitor answers: 404 = never seen. */
  status: 200 | 404;
  data: Record<string, unknown> | null;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const loadedAt = Date.now();
const isoAgo = (ms: number): string => new Date(loadedAt - ms).toISOString();

interface Shape {
  sessions: { agoMs: number; minutes: number; pages: number; device: string; browser: string; os: string; country: string }[];
  pages: { path: string; agoMs: number; referrer?: string }[];
}

function record(visitorId: string, shape: Shape): Record<string, unknown> {
  const sessions = shape.sessions.map((s, i) => ({
    sessionId: `session_${visitorId}_${i}`,
    firstVisitAt: isoAgo(s.agoMs + s.minutes * MINUTE),
    lastSeenAt: isoAgo(s.agoMs),
    pageViews: s.pages,
    duration: s.minutes * 60,
    device: s.device,
    browser: s.browser,
    os: s.os,
    country: s.country,
  }));
  const pageViews = shape.pages.map((p) => ({ path: p.path, title: p.path === '/' ? 'Homepage' : p.path.slice(1), timestamp: isoAgo(p.agoMs), referrer: p.referrer ?? '' }));
  const seen = shape.sessions.map((s) => s.agoMs);
  return {
    visitorId,
    sessionCount: sessions.length,
    pageViewCount: shape.sessions.reduce((n, s) => n + s.pages, 0),
    firstVisit: isoAgo(Math.max(...seen) + (shape.sessions[0]?.minutes ?? 0) * MINUTE),
    lastVisit: isoAgo(Math.min(...seen)),
    sessions,
    pageViews,
  };
}

const desktop = { device: 'desktop', browser: 'chrome', os: 'windows', country: 'US' };
const mobile = { device: 'mobile', browser: 'safari', os: 'ios', country: 'GB' };

export const POSTMETRIC_PERSONA_IDS: Readonly<Record<PostMetricPersonaName, string>> = {
  docsExample: 'visitor_123',
  firstVisit: 'pm_first_visit',
  pricingReturning: 'pm_pricing_returning',
  checkout: 'pm_checkout_abandoned',
  newsletter: 'pm-newsletter-reader',
  unknown: 'pm_never_seen',
};

export const postMetricPersonas: Readonly<Record<PostMetricPersonaName, PostMetricPersona>> = {
  docsExample: {
    visitorId: POSTMETRIC_PERSONA_IDS.docsExample,
    label: 'The docs example',
    description: 'visitor_123 as PostMetric documents it: 5 sessions, 42 page views, desktop, from google.com.',
    status: 200,
    data: record('visitor_123', {
      sessions: [0, 1, 2, 3, 4].map((i) => ({ agoMs: i * DAY + 10 * MINUTE, minutes: 15, pages: i === 0 ? 10 : 8, ...desktop })),
      pages: [{ path: '/', agoMs: 4 * DAY + 25 * MINUTE, referrer: 'https://google.com' }, { path: '/features', agoMs: 10 * MINUTE }],
    }),
  },
  firstVisit: {
    visitorId: POSTMETRIC_PERSONA_IDS.firstVisit,
    label: 'First visit, bounced',
    description: 'One short session on a phone, one page, no referrer.',
    status: 200,
    data: record(POSTMETRIC_PERSONA_IDS.firstVisit, { sessions: [{ agoMs: 2 * MINUTE, minutes: 0, pages: 1, ...mobile }], pages: [{ path: '/', agoMs: 2 * MINUTE }] }),
  },
  pricingReturning: {
    visitorId: POSTMETRIC_PERSONA_IDS.pricingReturning,
    label: 'Returning, read pricing',
    description: 'Three sessions this week from a search, long sessions, viewed /pricing twice.',
    status: 200,
    data: record(POSTMETRIC_PERSONA_IDS.pricingReturning, {
      sessions: [{ agoMs: 5 * MINUTE, minutes: 12, pages: 6, ...desktop }, { agoMs: 2 * DAY, minutes: 9, pages: 4, ...desktop }, { agoMs: 5 * DAY, minutes: 4, pages: 2, ...desktop }],
      pages: [{ path: '/?utm_source=google&utm_medium=organic', agoMs: 5 * DAY + 4 * MINUTE, referrer: 'https://www.google.com/' }, { path: '/pricing', agoMs: 2 * DAY }, { path: '/pricing', agoMs: 5 * MINUTE }],
    }),
  },
  checkout: {
    visitorId: POSTMETRIC_PERSONA_IDS.checkout,
    label: 'Left the checkout',
    description: 'Two sessions, reached /checkout yesterday and came back today.',
    status: 200,
    data: record(POSTMETRIC_PERSONA_IDS.checkout, {
      sessions: [{ agoMs: MINUTE, minutes: 3, pages: 3, ...desktop }, { agoMs: DAY, minutes: 8, pages: 5, ...desktop }],
      pages: [{ path: '/', agoMs: DAY + 8 * MINUTE, referrer: 'https://news.ycombinator.com/' }, { path: '/pricing', agoMs: DAY + 5 * MINUTE }, { path: '/checkout', agoMs: DAY }],
    }),
  },
  newsletter: {
    visitorId: POSTMETRIC_PERSONA_IDS.newsletter,
    label: 'Newsletter reader',
    description: 'Came from the newsletter (utm_medium=email), reads the blog on a phone.',
    status: 200,
    data: record(POSTMETRIC_PERSONA_IDS.newsletter, {
      sessions: [{ agoMs: 20 * MINUTE, minutes: 6, pages: 3, ...mobile }],
      pages: [{ path: '/blog/launch?utm_source=newsletter&utm_medium=email&utm_campaign=spring', agoMs: 26 * MINUTE }],
    }),
  },
  unknown: {
    visitorId: POSTMETRIC_PERSONA_IDS.unknown,
    label: 'Never seen',
    description: 'PostMetric answers 404: no offer.',
    status: 404,
    data: null,
  },
};

/** A believable record for any valid id, derived from the id alone (benchmarks use many visitors). */
export function generatedPostMetricPersona(visitorId: string): PostMetricPersona {
  const h = createHash('sha256').update(visitorId).digest();
  const byte = (i: number): number => h[i] ?? 0;
  const n = 1 + (byte(0) % 6);
  const system = byte(1) % 2 === 0 ? desktop : mobile;
  const sessions = Array.from({ length: n }, (_, i) => ({ agoMs: i * DAY + (byte(2) % 50) * MINUTE, minutes: 1 + (byte(3 + i) % 20), pages: 1 + (byte(9 + i) % 6), ...system }));
  const path = ['/', '/pricing', '/features', '/blog', '/checkout'][byte(15) % 5] ?? '/';
  const referrer = ['https://google.com', '', 'https://twitter.com'][byte(16) % 3];
  return {
    visitorId,
    label: 'Generated',
    description: 'Generated from the visitor id (generateUnknown).',
    status: 200,
    data: record(visitorId, { sessions, pages: [{ path: '/', agoMs: n * DAY, ...(referrer ? { referrer } : {}) }, { path, agoMs: MINUTE }] }),
  };
}
