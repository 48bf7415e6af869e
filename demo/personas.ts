// Seeded visitors for the simulated DataFast API: one per situation the decision engine must
// handle, in the shapes DataFast documents (see /work/shared/seeds). Timestamps are relative to
// when this module loads, so the demo always looks "live".
import { createHash } from 'node:crypto';

export type PersonaName =
  | 'low'
  | 'average'
  | 'high'
  | 'customer'
  | 'identified'
  | 'lowConfidence'
  | 'legacyShape'
  | 'bot'
  | 'unknown'
  | 'experiment';

export interface Persona {
  /** Fixed, valid lowercase UUID v4 (what the `datafast_visitor_id` cookie holds). */
  visitorId: string;
  label: string;
  description: string;
  /** What GET /api/v1/visitors/:id answers: 400 = flagged as a bot, 404 = no pageviews. */
  status: 200 | 400 | 404;
  /** The envelope's `data` object; null for 400/404. */
  data: Record<string, unknown> | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const loadedAt = Date.now();
const isoAgo = (ms: number, from = loadedAt): string => new Date(from - ms).toISOString();

const SITE = 'launchkit.example';

/** First-session parameters: DataFast always sends every key, null when absent. */
function params(p: Partial<Record<'ref' | 'source' | 'via' | `utm_${'source' | 'medium' | 'campaign' | 'content' | 'term'}`, string>>) {
  return {
    ref: p.ref ?? null,
    source: p.source ?? null,
    via: p.via ?? null,
    utm_source: p.utm_source ?? null,
    utm_medium: p.utm_medium ?? null,
    utm_campaign: p.utm_campaign ?? null,
    utm_content: p.utm_content ?? null,
    utm_term: p.utm_term ?? null,
  };
}

/** Visited pages spread evenly over the current visit, oldest first; the last one is currentUrl. */
function pages(paths: string[], currentVisitMs: number) {
  const step = paths.length > 1 ? currentVisitMs / (paths.length - 1) : 0;
  return paths.map((path, i) => ({ url: `${SITE}${path}`, timestamp: isoAgo(currentVisitMs - step * i) }));
}

interface ActivityInput {
  visitCount: number;
  pageViewCount: number;
  firstVisitMsAgo: number;
  currentVisitMsAgo: number;
  paths: string[];
  goals: { name: string; msAgo: number; origin: 'manual' | 'payment_provider' }[];
}

/** The newer doc generation's activity block. */
function activity(a: ActivityInput) {
  const visited = pages(a.paths, a.currentVisitMsAgo);
  return {
    visitCount: a.visitCount,
    pageViewCount: a.pageViewCount,
    timeSinceFirstVisit: a.firstVisitMsAgo,
    timeSinceCurrentVisit: a.currentVisitMsAgo,
    firstVisitAt: isoAgo(a.firstVisitMsAgo),
    lastVisitAt: isoAgo(a.currentVisitMsAgo),
    currentUrl: visited.at(-1)?.url ?? null,
    completedGoals: a.goals.map((g) => ({ name: g.name, timestamp: isoAgo(g.msAgo), origin: g.origin })),
    visitedPages: visited,
  };
}

const ids: Record<PersonaName, string> = {
  low: '3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e01',
  average: '7a1d9c44-2e6b-4f0a-8c3d-5b9e0f1a2b02',
  high: 'c2e84b71-5d3a-4a9f-b6e1-0d7c8f9a1b03',
  customer: '9b0f3e62-4c1d-4e8a-a7b5-2c6d8e0f1a04',
  identified: 'e5a7c913-7f2b-4d6c-9a8e-3b1c5d7e9f05',
  lowConfidence: '1c4e6a88-9d0b-4b3f-8e2a-6f7a9b0c1d06',
  // The id of DataFast's own (older) doc example.
  legacyShape: 'a3ab2331-989f-4cfa-91c6-2461c9e3c6bd',
  bot: '5d2b8f17-0e3c-4a1d-b9f4-7e8a0c2d3e08',
  unknown: 'f0e1d2c3-b4a5-4968-8776-655443322109',
  // Chosen so that the demo offers file's running experiment (demo/offers.demo.json, "trial-length")
  // puts this visitor in its non-control variant; test/demo/demo-app.test.ts proves it with assign().
  experiment: '4b8e2f60-1d7a-4c39-a5e8-9f0b3c6d7e07',
};

export const personas: Record<PersonaName, Persona> = {
  low: {
    visitorId: ids.low,
    label: 'Low intent',
    description: 'First visit from a paid social ad on an Android phone, bounced between blog posts. Score 22, confidence 0.81.',
    status: 200,
    data: {
      visitorId: ids.low,
      identity: {
        country: 'Germany',
        countryCode: 'DE',
        region: 'DE-BE',
        city: 'Berlin',
        params: params({ utm_source: 'facebook', utm_medium: 'paid_social', utm_campaign: 'spring_sale', utm_content: 'carousel_b' }),
        browser: { name: 'Chrome Mobile', version: '124.0.6367.113' },
        os: { name: 'Android', version: '14' },
        device: { type: 'mobile', vendor: 'Samsung', model: 'SM-S911B' },
        viewport: { width: 384, height: 832 },
      },
      activity: activity({
        visitCount: 1,
        pageViewCount: 2,
        firstVisitMsAgo: 3 * MINUTE,
        currentVisitMsAgo: 3 * MINUTE,
        paths: ['/blog/landing-page-checklist', '/blog/free-templates'],
        goals: [],
      }),
      prediction: { score: 22, conversionRate: 0.0019, expectedValue: 0.46, confidence: 0.81 },
    },
  },

  average: {
    visitorId: ids.average,
    label: 'Average',
    description: 'Second visit from Google search on a Windows desktop, signed up for the newsletter. Score 50, confidence 0.70.',
    status: 200,
    data: {
      visitorId: ids.average,
      identity: {
        country: 'United States',
        countryCode: 'US',
        region: 'US-TX',
        city: 'Austin',
        params: params({ ref: 'google.com', utm_term: 'landing page builder' }),
        browser: { name: 'Edge', version: '125.0.2535.51' },
        os: { name: 'Windows', version: '10' },
        device: { type: 'desktop', vendor: null, model: null },
        viewport: { width: 1536, height: 730 },
      },
      activity: activity({
        visitCount: 2,
        pageViewCount: 5,
        firstVisitMsAgo: 2 * DAY + 4 * HOUR,
        currentVisitMsAgo: 6 * MINUTE,
        paths: ['/', '/features', '/templates'],
        goals: [{ name: 'newsletter_signup', msAgo: 2 * DAY + 3 * HOUR, origin: 'manual' }],
      }),
      prediction: { score: 50, conversionRate: 0.0044, expectedValue: 1.07, confidence: 0.7 },
    },
  },

  high: {
    visitorId: ids.high,
    label: 'High potential',
    description: 'Returning visitor (6 visits) from Product Hunt on a Mac, viewed pricing and started a sign-up. Score 84, confidence 0.88.',
    status: 200,
    data: {
      visitorId: ids.high,
      identity: {
        country: 'United Kingdom',
        countryCode: 'GB',
        region: 'GB-ENG',
        city: 'London',
        params: params({ ref: 'producthunt.com', utm_source: 'producthunt', utm_medium: 'referral', utm_campaign: 'launch_day' }),
        browser: { name: 'Safari', version: '17.4.1' },
        os: { name: 'Mac OS', version: '14.4.1' },
        device: { type: 'desktop', vendor: 'Apple', model: 'Macintosh' },
        viewport: { width: 1728, height: 998 },
      },
      activity: activity({
        visitCount: 6,
        pageViewCount: 23,
        firstVisitMsAgo: 9 * DAY,
        currentVisitMsAgo: 12 * MINUTE,
        paths: ['/', '/features/ab-testing', '/pricing', '/pricing/compare', '/signup'],
        goals: [
          { name: 'demo_video_played', msAgo: 9 * DAY - 10 * MINUTE, origin: 'manual' },
          { name: 'pricing_viewed', msAgo: 3 * DAY, origin: 'manual' },
          { name: 'pricing_viewed', msAgo: 9 * MINUTE, origin: 'manual' },
          { name: 'signup_started', msAgo: 2 * MINUTE, origin: 'manual' },
        ],
      }),
      prediction: { score: 84, conversionRate: 0.0297, expectedValue: 7.24, confidence: 0.88 },
    },
  },

  customer: {
    visitorId: ids.customer,
    label: 'Customer',
    description: 'Already paid (Stripe payment goal). DataFast gives customers no prediction.',
    status: 200,
    data: {
      visitorId: ids.customer,
      identity: {
        country: 'Canada',
        countryCode: 'CA',
        region: 'CA-ON',
        city: 'Toronto',
        params: params({ ref: 'news.ycombinator.com', via: 'hn' }),
        browser: { name: 'Chrome', version: '125.0.6422.60' },
        os: { name: 'Windows', version: '11' },
        device: { type: 'desktop', vendor: null, model: null },
        viewport: { width: 1920, height: 961 },
      },
      activity: activity({
        visitCount: 9,
        pageViewCount: 41,
        firstVisitMsAgo: 21 * DAY,
        currentVisitMsAgo: 8 * MINUTE,
        paths: ['/dashboard', '/docs/experiments', '/pricing'],
        goals: [
          { name: 'signup', msAgo: 20 * DAY, origin: 'manual' },
          { name: 'free_trial', msAgo: 20 * DAY, origin: 'payment_provider' },
          { name: 'payment', msAgo: 6 * DAY, origin: 'payment_provider' },
          { name: 'subscription_started', msAgo: 6 * DAY, origin: 'payment_provider' },
        ],
      }),
      prediction: null,
    },
  },

  identified: {
    visitorId: ids.identified,
    label: 'Identified (PII)',
    description:
      'Identified via DataFast Identify as jane@example.com, with city, region and profile metadata filled: proves personal data never leaks. Score 70, confidence 0.75.',
    status: 200,
    data: {
      visitorId: ids.identified,
      identity: {
        country: 'United States',
        countryCode: 'US',
        region: 'US-CA',
        city: 'San Francisco',
        params: params({ ref: 'linkedin.com', utm_source: 'linkedin', utm_medium: 'social', utm_campaign: 'q3_launch' }),
        browser: { name: 'Mobile Safari', version: '17.5' },
        os: { name: 'iOS', version: '17.5.1' },
        device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
        viewport: { width: 393, height: 659 },
      },
      profile: {
        userId: 'jane@example.com',
        metadata: {
          name: 'Jane Doe',
          plan: 'pro',
          email: 'jane@example.com',
          company: 'Doe Ventures LLC',
          phone: '+1 415 555 0134',
        },
        identifiedAt: isoAgo(4 * DAY),
      },
      activity: activity({
        visitCount: 4,
        pageViewCount: 14,
        firstVisitMsAgo: 5 * DAY,
        currentVisitMsAgo: 5 * MINUTE,
        // Email in a query string, as a careless form would leave it.
        paths: ['/welcome?email=jane%40example.com', '/features', '/pricing'],
        goals: [
          { name: 'signup', msAgo: 4 * DAY, origin: 'manual' },
          { name: 'pricing_viewed', msAgo: 4 * MINUTE, origin: 'manual' },
        ],
      }),
      prediction: { score: 70, conversionRate: 0.0121, expectedValue: 2.95, confidence: 0.75 },
    },
  },

  lowConfidence: {
    visitorId: ids.lowConfidence,
    label: 'Low confidence',
    description: 'One page view from Instagram on an iPad: score 30 but confidence 0.31, too thin to act on.',
    status: 200,
    data: {
      visitorId: ids.lowConfidence,
      identity: {
        country: 'Brazil',
        countryCode: 'BR',
        region: 'BR-SP',
        city: 'São Paulo',
        params: params({ ref: 'instagram.com', utm_source: 'instagram', utm_medium: 'bio_link' }),
        browser: { name: 'Mobile Safari', version: '16.6' },
        os: { name: 'iOS', version: '16.7.8' },
        device: { type: 'tablet', vendor: 'Apple', model: 'iPad' },
        viewport: { width: 820, height: 1106 },
      },
      activity: activity({
        visitCount: 1,
        pageViewCount: 1,
        firstVisitMsAgo: 1 * MINUTE,
        currentVisitMsAgo: 1 * MINUTE,
        paths: ['/'],
        goals: [],
      }),
      prediction: { score: 30, conversionRate: 0.0026, expectedValue: 0.63, confidence: 0.31 },
    },
  },

  legacyShape: {
    visitorId: ids.legacyShape,
    label: 'Older API shape',
    description:
      'The older doc generation: identity.country is a 2-letter code (no countryCode), completedCustomGoals instead of completedGoals, no profile, and no prediction (revenue attribution not set up).',
    status: 200,
    data: {
      visitorId: ids.legacyShape,
      identity: {
        // Deliberately no countryCode: readers must fall back to the code in `country`.
        country: 'KR',
        region: 'KR-44',
        city: 'Seosan City',
        params: {
          ref: 'youtube.com',
          source: null,
          utm_source: null,
          utm_medium: null,
          utm_campaign: null,
          utm_content: null,
          utm_term: null,
        },
        browser: { name: 'Chrome', version: '133.0.0.0' },
        os: { name: 'Mac OS', version: '10.15.7' },
        device: { type: 'desktop', vendor: 'Apple', model: 'Macintosh' },
        viewport: { width: 1728, height: 998 },
      },
      activity: {
        visitCount: 3,
        pageViewCount: 8,
        timeSinceFirstVisit: 3 * DAY,
        timeSinceCurrentVisit: 7 * MINUTE,
        firstVisitAt: isoAgo(3 * DAY),
        lastVisitAt: isoAgo(7 * MINUTE),
        currentUrl: `${SITE}/`,
        visitedPages: [{ url: `${SITE}/`, timestamp: isoAgo(7 * MINUTE) }],
        completedCustomGoals: [
          {
            name: 'newsletter_signup',
            description: 'Sign up for the newsletter',
            isServer: false,
            timestamp: isoAgo(3 * DAY - 5 * MINUTE),
          },
        ],
      },
      prediction: null,
    },
  },

  experiment: {
    visitorId: ids.experiment,
    label: 'In an A/B test',
    description:
      'Third visit from the newsletter on a Linux desktop: average score 55, confidence 0.72. Returning average visitors enter the demo\'s trial-length experiment; this one lands in the extended-trial variant.',
    status: 200,
    data: {
      visitorId: ids.experiment,
      identity: {
        country: 'Netherlands',
        countryCode: 'NL',
        region: 'NL-NH',
        city: 'Amsterdam',
        params: params({ utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'monthly_digest' }),
        browser: { name: 'Firefox', version: '126.0' },
        os: { name: 'Linux', version: null },
        device: { type: 'desktop', vendor: null, model: null },
        viewport: { width: 1440, height: 789 },
      },
      activity: activity({
        visitCount: 3,
        pageViewCount: 9,
        firstVisitMsAgo: 12 * DAY,
        currentVisitMsAgo: 4 * MINUTE,
        paths: ['/blog/saas-metrics-that-matter', '/', '/pricing'],
        goals: [{ name: 'newsletter_signup', msAgo: 12 * DAY - 20 * MINUTE, origin: 'manual' }],
      }),
      prediction: { score: 55, conversionRate: 0.0048, expectedValue: 1.17, confidence: 0.72 },
    },
  },

  bot: {
    visitorId: ids.bot,
    label: 'Bot',
    description: 'Flagged as a bot: DataFast answers 400.',
    status: 400,
    data: null,
  },

  unknown: {
    visitorId: ids.unknown,
    label: 'Unknown visitor',
    description: 'No pageviews on this website: DataFast answers 404.',
    status: 404,
    data: null,
  },
};

const generatedPlaces = [
  { country: 'United States', countryCode: 'US', region: 'US-NY', city: 'New York' },
  { country: 'Germany', countryCode: 'DE', region: 'DE-BY', city: 'Munich' },
  { country: 'India', countryCode: 'IN', region: 'IN-KA', city: 'Bengaluru' },
  { country: 'France', countryCode: 'FR', region: 'FR-IDF', city: 'Paris' },
  { country: 'Japan', countryCode: 'JP', region: 'JP-13', city: 'Tokyo' },
  { country: 'Australia', countryCode: 'AU', region: 'AU-NSW', city: 'Sydney' },
] as const;

const generatedSystems = [
  { browser: 'Chrome', os: 'Windows', device: 'desktop' },
  { browser: 'Safari', os: 'Mac OS', device: 'desktop' },
  { browser: 'Chrome Mobile', os: 'Android', device: 'mobile' },
  { browser: 'Mobile Safari', os: 'iOS', device: 'mobile' },
] as const;

const generatedSources = [params({ ref: 'google.com' }), params({ utm_source: 'newsletter', utm_medium: 'email' }), params({})];

function pick<T>(list: readonly T[], n: number): T {
  // Lists are non-empty constants; the modulo keeps the index in range.
  return list[n % list.length] as T;
}

/**
 * A believable 200 record for any visitor id, derived from the id alone so that the same id
 * always gets the same score and confidence (benchmarks use many distinct visitors).
 */
export function generatedPersona(visitorId: string): Persona {
  const h = createHash('sha256').update(visitorId.toLowerCase()).digest();
  const byte = (i: number): number => h[i] ?? 0;
  const score = ((byte(0) << 8) | byte(1)) % 101;
  const confidence = Math.round((0.2 + (byte(2) / 255) * 0.75) * 1000) / 1000;
  const conversionRate = Math.round(0.0044 * (score / 50) * 10_000) / 10_000;
  const place = pick(generatedPlaces, byte(3));
  const system = pick(generatedSystems, byte(4));
  const visitCount = 1 + (byte(5) % 8);
  return {
    visitorId,
    label: 'Generated',
    description: 'Generated from the visitor id (generateUnknown).',
    status: 200,
    data: {
      visitorId,
      identity: {
        ...place,
        params: pick(generatedSources, byte(6)),
        browser: { name: system.browser, version: null },
        os: { name: system.os, version: null },
        device: { type: system.device, vendor: null, model: null },
        viewport: null,
      },
      activity: activity({
        visitCount,
        pageViewCount: visitCount * (1 + (byte(7) % 5)),
        firstVisitMsAgo: (visitCount - 1) * DAY + 10 * MINUTE,
        currentVisitMsAgo: 10 * MINUTE,
        paths: ['/', pick(['/pricing', '/features', '/blog'], byte(8))],
        goals: [],
      }),
      prediction: {
        score,
        conversionRate,
        expectedValue: Math.round(conversionRate * 243.63 * 100) / 100,
        confidence,
      },
    },
  };
}

interface RealtimeRow {
  visitorId: string;
  city: string;
  region: string;
  countryCode: string;
  browser: string;
  os: string;
  device: string;
  path: string;
  referrer: string | null;
  sessionMinutes: number;
  visitCount: number;
  params: ReturnType<typeof params>;
  latitude: number;
  longitude: number;
  customer: { name: string; email: string } | null;
  profile: { displayName: string; userId: string } | null;
  likelihood: { score: number; confidence: number; conversionRate: number; matches: string[] } | null;
}

const BASELINE = { baselineConversionRate: 0.0044, baselineAverageValue: 243.63 };

function realtimeVisitor(r: RealtimeRow, now: number) {
  return {
    visitorId: r.visitorId,
    location: { city: r.city, region: r.region, countryCode: r.countryCode },
    system: { browser: { name: r.browser }, os: { name: r.os }, device: { type: r.device } },
    currentUrl: r.path,
    referrer: r.referrer,
    sessionStartTime: isoAgo(r.sessionMinutes * MINUTE, now),
    visitCount: r.visitCount,
    params: r.params,
    latitude: r.latitude,
    longitude: r.longitude,
    isCustomer: r.customer !== null,
    customerName: r.customer?.name ?? null,
    customerEmail: r.customer?.email ?? null,
    profileData: {
      displayName: r.profile?.displayName ?? null,
      userId: r.profile?.userId ?? null,
      hasProfile: r.profile !== null,
      isRandomName: r.profile === null,
    },
    conversionLikelihood: r.likelihood
      ? {
          score: r.likelihood.score,
          confidence: r.likelihood.confidence,
          isBaseline: r.likelihood.matches.length === 0,
          dimensionMatches: r.likelihood.matches,
          raw: {
            conversionRate: r.likelihood.conversionRate,
            averageValue: BASELINE.baselineAverageValue,
            expectedValue: Math.round(r.likelihood.conversionRate * BASELINE.baselineAverageValue * 100) / 100,
          },
        }
      : null,
  };
}

/**
 * The `data` of GET /api/v1/analytics/realtime/map, as documented: the seeded personas (except
 * bot and unknown) plus one anonymous visitor, with names, emails and coordinates included the
 * way DataFast sends them. Timestamps are minutes before `now`.
 */
export function realtimeSeed(now: number = Date.now()): Record<string, unknown> {
  const rows: RealtimeRow[] = [
    {
      visitorId: ids.low, city: 'Berlin', region: 'DE-BE', countryCode: 'DE', browser: 'Chrome Mobile', os: 'Android', device: 'mobile',
      path: '/blog/free-templates', referrer: 'facebook.com', sessionMinutes: 3, visitCount: 1,
      params: params({ utm_source: 'facebook', utm_medium: 'paid_social', utm_campaign: 'spring_sale', utm_content: 'carousel_b' }),
      latitude: 52.52, longitude: 13.405, customer: null, profile: null,
      likelihood: { score: 22, confidence: 0.81, conversionRate: 0.0019, matches: ['device', 'os', 'country', 'referrer'] },
    },
    {
      visitorId: ids.average, city: 'Austin', region: 'US-TX', countryCode: 'US', browser: 'Edge', os: 'Windows', device: 'desktop',
      path: '/templates', referrer: 'google.com', sessionMinutes: 6, visitCount: 2,
      params: params({ ref: 'google.com', utm_term: 'landing page builder' }),
      latitude: 30.2672, longitude: -97.7431, customer: null, profile: null,
      likelihood: { score: 50, confidence: 0.7, conversionRate: 0.0044, matches: ['device', 'os', 'country'] },
    },
    {
      visitorId: ids.high, city: 'London', region: 'GB-ENG', countryCode: 'GB', browser: 'Safari', os: 'Mac OS', device: 'desktop',
      path: '/signup', referrer: 'producthunt.com', sessionMinutes: 12, visitCount: 6,
      params: params({ ref: 'producthunt.com', utm_source: 'producthunt', utm_medium: 'referral', utm_campaign: 'launch_day' }),
      latitude: 51.5072, longitude: -0.1276, customer: null, profile: null,
      likelihood: { score: 84, confidence: 0.88, conversionRate: 0.0297, matches: ['device', 'os', 'browser', 'country', 'referrer'] },
    },
    {
      visitorId: ids.customer, city: 'Toronto', region: 'CA-ON', countryCode: 'CA', browser: 'Chrome', os: 'Windows', device: 'desktop',
      path: '/pricing', referrer: null, sessionMinutes: 8, visitCount: 9, params: params({ ref: 'news.ycombinator.com', via: 'hn' }),
      latitude: 43.6532, longitude: -79.3832,
      customer: { name: 'Marc Tremblay', email: 'marc.tremblay@example.com' },
      profile: { displayName: 'Marc Tremblay', userId: 'marc.tremblay@example.com' },
      // Newer docs: "Customers receive a prediction score of 100" on the map (the visitor endpoint gives null).
      likelihood: { score: 100, confidence: 1, conversionRate: 1, matches: [] },
    },
    {
      visitorId: ids.identified, city: 'San Francisco', region: 'US-CA', countryCode: 'US', browser: 'Mobile Safari', os: 'iOS', device: 'mobile',
      path: '/pricing', referrer: 'linkedin.com', sessionMinutes: 5, visitCount: 4,
      params: params({ ref: 'linkedin.com', utm_source: 'linkedin', utm_medium: 'social', utm_campaign: 'q3_launch' }),
      latitude: 37.7749, longitude: -122.4194, customer: null,
      profile: { displayName: 'Jane Doe', userId: 'jane@example.com' },
      likelihood: { score: 70, confidence: 0.75, conversionRate: 0.0121, matches: ['device', 'os', 'country', 'referrer'] },
    },
    {
      visitorId: ids.lowConfidence, city: 'São Paulo', region: 'BR-SP', countryCode: 'BR', browser: 'Mobile Safari', os: 'iOS', device: 'tablet',
      path: '/', referrer: 'instagram.com', sessionMinutes: 1, visitCount: 1,
      params: params({ ref: 'instagram.com', utm_source: 'instagram', utm_medium: 'bio_link' }),
      latitude: -23.5505, longitude: -46.6333, customer: null, profile: null,
      likelihood: { score: 30, confidence: 0.31, conversionRate: 0.0026, matches: ['device'] },
    },
    {
      visitorId: ids.legacyShape, city: 'Seosan City', region: 'KR-44', countryCode: 'KR', browser: 'Chrome', os: 'Mac OS', device: 'desktop',
      path: '/', referrer: 'youtube.com', sessionMinutes: 7, visitCount: 3, params: params({ ref: 'youtube.com' }),
      latitude: 36.7848, longitude: 126.4503, customer: null, profile: null, likelihood: null,
    },
    {
      visitorId: '6e2d4b90-3a1f-4c58-9d07-b2e4f6a8c010', city: 'Osaka', region: 'JP-27', countryCode: 'JP', browser: 'Firefox', os: 'Linux', device: 'desktop',
      path: '/docs/getting-started', referrer: 'github.com', sessionMinutes: 2, visitCount: 3, params: params({ ref: 'github.com' }),
      latitude: 34.6937, longitude: 135.5023, customer: null, profile: null,
      likelihood: { score: 50, confidence: 0.42, conversionRate: 0.0044, matches: [] },
    },
  ];

  const visitors = rows.map((r) => realtimeVisitor(r, now));
  const recentEvents = rows.slice(0, 6).map((r, i) => ({
    _id: `69857bb827ddefd472fb2b0${i}`,
    type: 'pageview',
    visitorId: r.visitorId,
    timestamp: isoAgo((i + 1) * MINUTE, now),
    path: r.path,
    countryCode: r.countryCode,
    extraData: {},
    referrer: r.referrer,
    customerName: r.customer?.name ?? null,
    amount: null,
    displayName: r.profile?.displayName ?? null,
  }));

  const payment = (id: string, minutesAgo: number, name: string, email: string, amount: number, currency: string, renewal: boolean) => ({
    _id: id,
    type: 'payment_received',
    timestamp: isoAgo(minutesAgo * MINUTE, now),
    name,
    email,
    amount,
    currency,
    renewal,
    displayName: null,
    isNew: !renewal,
    visible: true,
  });

  return {
    count: visitors.length,
    visitors,
    conversionMetrics: { ...BASELINE },
    hasConversionPredictions: true,
    recentEvents,
    recentPayments: [
      payment('69857bb827ddefd472fb2b12', 2, 'Marc Tremblay', 'marc.tremblay@example.com', 49, 'USD', false),
      payment('69857bb827ddefd472fb2b13', 5, 'Aiko Tanaka', 'aiko.tanaka@example.jp', 129, 'USD', true),
      payment('69857bb827ddefd472fb2b14', 9, 'Lucas Martin', 'lucas.martin@example.fr', 19, 'EUR', false),
    ],
  };
}
