// What the operator dashboard shows, assembled from the realtime map, the policy and the experiment
// results. Pure: no I/O, and the clock is a parameter.
//
// Each active visitor is run through the real decide() so the operator sees which offer (or
// experiment variant) that visitor would get and by which rule. The input is the realtime row, not
// the full visitor record: the map carries the prediction, country, device, visit count, current
// page and a customer flag, but no completed goals and no first-session UTM parameters, so a rule
// on those may decide differently when the visitor's own /offer request runs. The UI says so.
//
// Privacy: the parser (datafast/realtime.ts) has already dropped names, emails, cities and
// coordinates. On top of that, visitor ids are shortened (the dashboard needs to tell rows apart,
// not to look anyone up), and page URLs keep only their path and campaign parameters: a careless
// form can leave an email in a query string.
import type { ActiveVisitor, RealtimeMap } from '../datafast/realtime.js';
import type { Visitor } from '../datafast/visitor.js';
import { decide, type PageFacts, type Policy } from '../decision/decide.js';
import type { OfferKind } from '../decision/offer.js';
import type { Segment, Thresholds } from '../decision/segment.js';
import { ALPHA, type ExperimentResult, type HoldoutResult } from '../experiments/results.js';
import { toLiveView } from '../live/live-view.js';
import type { CouponPoolStock } from '../offers/pool-stock.js';
import { readPage } from '../http/page-path.js';

export interface DashboardVisitor {
  /** The first 8 characters of DataFast's visitor id. */
  visitorId: string;
  countryCode: string | null;
  deviceType: string | null;
  browser: string | null;
  os: string | null;
  /** Path plus campaign parameters (utm_*, ref, source, via) of the current page; null if unknown. */
  page: string | null;
  visitCount: number | null;
  score: number | null;
  confidence: number | null;
  isCustomer: boolean;
  segment: Segment;
  offer: { id: string; kind: OfferKind } | null;
  experiment: { id: string; variant: string } | null;
  /** The decision's reason: `rule:<id>`, `rule:default-<segment>`. */
  reason: string;
}

export interface DashboardEvent {
  type: string;
  /** Same shortening as DashboardVisitor.page. */
  path: string | null;
  countryCode: string | null;
  minutesAgo: number;
}

export interface DashboardPayment {
  amount: number | null;
  currency: string | null;
  countryCode: string | null;
  minutesAgo: number;
}

export interface DashboardSnapshot {
  /** The analytics API in use (`datafast` or `postmetric`); set by the dashboard route. */
  provider?: 'datafast' | 'postmetric';
  /** ISO time this snapshot was assembled. */
  generatedAt: string;
  /** ISO time the realtime map arrived from DataFast; null without a map. */
  realtimeAt: string | null;
  /** Why the last realtime-map fetch failed (`timeout`, `auth`, `rate-limited` …); null when it worked. */
  realtimeProblem: string | null;
  /** DataFast's count of active visitors; null when the realtime map is unavailable. */
  activeVisitors: number | null;
  /** At most MAX_VISITORS rows, in DataFast's order. */
  visitors: DashboardVisitor[];
  /** True when there were more active visitor rows than are listed. */
  visitorsTruncated: boolean;
  /** Newest first, at most MAX_EVENTS. */
  recentEvents: DashboardEvent[];
  /** Newest first, at most MAX_PAYMENTS; payments hidden in DataFast are left out. */
  recentPayments: DashboardPayment[];
  experiments: ExperimentResult[];
  /** The global holdout against everyone else; null without one. */
  holdout: HoldoutResult | null;
  /** The error rate of the experiment table's intervals and decisions (95 % intervals at 0.05). */
  alpha: number;
  /** The policy's score and confidence thresholds, to read the segment column by. */
  thresholds: Thresholds;
  /** Each pooled coupon's single-use codes: left (free, or held past their hold), held, claimed, and its level. */
  coupons: CouponPoolStock[];
}

export interface SnapshotInput {
  map: RealtimeMap | null;
  /** When the map arrived (epoch ms); default `now`. */
  mapFetchedAt?: number | null;
  /** Why the last fetch failed, if it did (a stale map may still be shown). */
  realtimeProblem?: string | null;
  policy: Policy;
  results: ExperimentResult[];
  holdout?: HoldoutResult | null;
  /** Pooled coupons' codes (default none). */
  coupons?: CouponPoolStock[];
  /** Epoch ms. */
  now: number;
}

export const MAX_VISITORS = 200;
export const MAX_EVENTS = 20;
export const MAX_PAYMENTS = 10;
export const SHORT_ID_LENGTH = 8;

const MINUTE = 60_000;
const CAMPAIGN_PARAM = /^(utm_(source|medium|campaign|content|term)|ref|source|via)$/;
const COUNTRY = /^[A-Z]{2}$/;
const MAX_PARAM_VALUE = 100;

export function dashboardSnapshot({ map, mapFetchedAt, realtimeProblem, policy, results, holdout = null, coupons = [], now }: SnapshotInput): DashboardSnapshot {
  const rows = map?.visitors ?? [];
  const visitors = rows.slice(0, MAX_VISITORS).map((row) => dashboardVisitor(row, policy));
  return {
    generatedAt: new Date(now).toISOString(),
    realtimeAt: map === null ? null : new Date(mapFetchedAt ?? now).toISOString(),
    realtimeProblem: realtimeProblem ?? null,
    activeVisitors: map === null ? null : Math.max(0, map.count),
    visitors,
    visitorsTruncated: rows.length > visitors.length,
    recentEvents: map === null ? [] : recentEvents(map, now),
    recentPayments: map === null ? [] : recentPayments(map, now),
    experiments: results,
    holdout,
    alpha: ALPHA,
    thresholds: { ...policy.thresholds },
    coupons,
  };
}

function dashboardVisitor(row: ActiveVisitor, policy: Policy): DashboardVisitor {
  const page = pageOf(row.currentUrl);
  const decision = decide({ kind: 'found', visitor: visitorOf(row) }, policy, page ?? undefined);
  return {
    visitorId: row.visitorId.slice(0, SHORT_ID_LENGTH).toLowerCase(),
    countryCode: countryOf(row.countryCode),
    deviceType: row.deviceType === null ? null : row.deviceType.toLowerCase(),
    browser: row.browser,
    os: row.os,
    page: page === null ? null : displayPage(page),
    visitCount: row.visitCount,
    score: row.score,
    confidence: row.confidence,
    isCustomer: row.isCustomer,
    segment: decision.segment,
    offer: decision.offer === null ? null : { id: decision.offer.id, kind: decision.offer.kind },
    experiment: decision.experiment,
    reason: decision.reason,
  };
}

/**
 * A Visitor as decide() needs it, from what the realtime row carries: a prediction when both score
 * and confidence are usable numbers, a `payment` goal for a customer (so segmentOf and
 * `customer` rules see one), and otherwise no goals and no first-session parameters.
 */
export function visitorOf(row: ActiveVisitor): Visitor {
  const { score, confidence } = row;
  const prediction =
    score !== null && confidence !== null && score >= 0 && score <= 100 && confidence >= 0 && confidence <= 1
      ? { score, confidence, conversionRate: null, expectedValue: null }
      : null;
  return {
    visitorId: row.visitorId.toLowerCase(),
    identity: {
      countryCode: countryOf(row.countryCode),
      browser: row.browser,
      os: row.os,
      deviceType: row.deviceType === null ? null : row.deviceType.toLowerCase(),
      params: {},
    },
    activity: {
      visitCount: row.visitCount ?? 0,
      pageViewCount: 0,
      firstVisitAt: null,
      lastVisitAt: null,
      completedGoals: row.isCustomer ? [{ name: 'payment', timestamp: null, origin: 'payment_provider' }] : [],
    },
    identified: false,
    prediction,
  };
}

/**
 * The page facts of a realtime `currentUrl`, which DataFast may give as a path (`/pricing`), as a
 * host and path (`example.com/pricing?x=1`) or as a full URL. Null when there is none or it is not
 * a usable page path.
 */
export function pageOf(currentUrl: string | null): PageFacts | null {
  if (currentUrl === null || currentUrl.trim() === '') return null;
  const raw = currentUrl.trim();
  let pathAndQuery: string;
  if (raw.startsWith('/') && !raw.startsWith('//')) {
    pathAndQuery = raw;
  } else {
    try {
      const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw.replace(/^\/+/, '')}`);
      pathAndQuery = u.pathname + u.search;
    } catch {
      return null;
    }
  }
  return readPage(pathAndQuery, undefined);
}

/** The path and only the campaign parameters (values shortened), e.g. `/pricing?utm_source=x`. */
function displayPage(page: PageFacts): string {
  const kept = new URLSearchParams();
  for (const [k, v] of Object.entries(page.query)) {
    if (CAMPAIGN_PARAM.test(k) && !v.includes('@')) kept.append(k, v.slice(0, MAX_PARAM_VALUE));
  }
  const q = kept.toString();
  return q === '' ? page.path : `${page.path}?${q}`;
}

function countryOf(value: string | null): string | null {
  if (value === null) return null;
  const code = value.trim().toUpperCase();
  return COUNTRY.test(code) ? code : null;
}

function minutesSince(timestamp: string, now: number): number | null {
  const at = Date.parse(timestamp);
  return Number.isFinite(at) ? Math.max(0, Math.floor((now - at) / MINUTE)) : null;
}

function recentEvents(map: RealtimeMap, now: number): DashboardEvent[] {
  const out: Array<DashboardEvent & { at: number }> = [];
  for (const e of map.recentEvents) {
    const minutesAgo = minutesSince(e.timestamp, now);
    if (minutesAgo === null) continue;
    const page = e.path === null ? null : pageOf(e.path);
    out.push({
      type: e.type.slice(0, 64),
      path: page === null ? null : displayPage(page),
      countryCode: countryOf(e.countryCode),
      minutesAgo,
      at: Date.parse(e.timestamp),
    });
  }
  // Stable: equal timestamps keep DataFast's order.
  out.sort((a, b) => b.at - a.at);
  return out.slice(0, MAX_EVENTS).map(({ at: _at, ...e }) => e);
}

/** /live's purchase list (visible payments only, country from a matching payment event), longer. */
function recentPayments(map: RealtimeMap, now: number): DashboardPayment[] {
  return toLiveView(map, now, { maxPurchases: MAX_PAYMENTS }).recentPurchases.map((p) => ({
    amount: p.amount ?? null,
    currency: p.currency ?? null,
    countryCode: p.countryCode,
    minutesAgo: p.minutesAgo,
  }));
}
