// PostMetric's mapper into the one visitor shape: GET /api/v1/visitor?visitorId= answers sessions
// and page views, with no prediction, identity profile or goals. Checked by a zod schema; tolerant
// like the DataFast one (extra fields ignored, a bad item skipped, strings cut), and bounded: lists
// are looked at only so far (the client refuses bodies over 256 kB anyway).
//
// What it keeps: counts and first/last seen; device, browser, OS and country of the latest session;
// the mean session length; whether a pricing or checkout page was viewed; the earliest referrer's
// host; and the allow-listed UTM/ref parameters of the earliest page's query. Page paths, titles
// and session ids are dropped here.
import { z } from 'zod';
import { cut } from '../datafast/cut.js';
import { VISITOR_LIMITS } from '../datafast/visitor.js';
import { isCheckoutPath, isPricingPath, referrerHostOf, VISITOR_PARAMS, type Visitor } from '../analytics/visitor.js';

/** PostMetric's ids: its docs show `visitor_123`; never the DataFast UUID rule. */
export const POSTMETRIC_VISITOR_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Items of each list looked at. */
const ITEMS_SCANNED = 1_000;

const text = (max: number) => z.string().nullish().catch(null).transform((v) => (v == null ? null : cut(v, max)));
const date = z
  .string()
  .nullish()
  .catch(null)
  .transform((v) => (v == null || v.length > VISITOR_LIMITS.dateLength || Number.isNaN(Date.parse(v)) ? null : v));
const count = z.number().int().nonnegative().nullish().catch(null);

const sessionSchema = z.object({
  firstVisitAt: date,
  lastSeenAt: date,
  pageViews: count,
  duration: z.number().finite().nonnegative().nullish().catch(null),
  device: text(VISITOR_LIMITS.shortString),
  browser: text(VISITOR_LIMITS.shortString),
  os: text(VISITOR_LIMITS.shortString),
  country: text(VISITOR_LIMITS.shortString),
});

const pageViewSchema = z.object({
  path: text(2048),
  timestamp: date,
  referrer: text(2048),
});

type Session = z.output<typeof sessionSchema>;
type PageView = z.output<typeof pageViewSchema>;

/** A list whose unreadable items are skipped, looked at up to ITEMS_SCANNED. */
const listOf = <T extends z.ZodType>(item: T) =>
  z
    .unknown()
    .optional()
    .transform((v): z.output<T>[] => {
      if (!Array.isArray(v)) return [];
      const out: z.output<T>[] = [];
      for (const raw of v.slice(0, ITEMS_SCANNED)) {
        const parsed = item.safeParse(raw);
        if (parsed.success) out.push(parsed.data);
      }
      return out;
    });

export const postMetricVisitorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    visitorId: z.string().regex(POSTMETRIC_VISITOR_ID),
    sessionCount: count,
    pageViewCount: count,
    firstVisit: date,
    lastVisit: date,
    sessions: listOf(sessionSchema),
    pageViews: listOf(pageViewSchema),
  }),
});

const ISO_COUNTRY = /^[A-Za-z]{2}$/;
const when = (iso: string | null): number => (iso === null ? Number.NEGATIVE_INFINITY : Date.parse(iso));

/** Parses a 200 body; null when it is not a PostMetric visitor response. */
export function parsePostMetricVisitor(body: unknown): Visitor | null {
  const parsed = postMetricVisitorSchema.safeParse(body);
  if (!parsed.success) return null;
  const d = parsed.data.data;
  const latest = latestSession(d.sessions);
  const pages = [...d.pageViews].sort((a, b) => when(a.timestamp) - when(b.timestamp));
  const durations = d.sessions.map((s) => s.duration).filter((n): n is number => n !== null);
  const country = latest?.country ?? null;
  return {
    visitorId: d.visitorId,
    identity: {
      countryCode: country !== null && ISO_COUNTRY.test(country) ? country.toUpperCase() : null,
      browser: latest?.browser ?? null,
      os: latest?.os ?? null,
      deviceType: latest?.device ? latest.device.toLowerCase() : null,
      params: paramsOf(pages[0]?.path ?? null),
    },
    activity: {
      visitCount: d.sessionCount ?? d.sessions.length,
      pageViewCount: d.pageViewCount ?? d.pageViews.length,
      firstVisitAt: d.firstVisit,
      lastVisitAt: d.lastVisit,
      completedGoals: [],
    },
    identified: false,
    prediction: null,
    behaviour: {
      avgSessionSeconds: durations.length === 0 ? null : Math.round(durations.reduce((a, b) => a + b, 0) / durations.length),
      visitedPricing: pages.some((p) => p.path !== null && isPricingPath(p.path)),
      visitedCheckout: pages.some((p) => p.path !== null && isCheckoutPath(p.path)),
      referrerHost: referrerHostOf(pages.find((p) => p.referrer)?.referrer ?? null),
    },
  };
}

function latestSession(sessions: readonly Session[]): Session | undefined {
  let best: Session | undefined;
  for (const s of sessions) if (best === undefined || when(s.lastSeenAt) >= when(best.lastSeenAt)) best = s;
  return best;
}

/** The allow-listed params of a page path's query (`/?utm_source=x`). */
function paramsOf(path: PageView['path']): Record<string, string> {
  const out: Record<string, string> = {};
  const q = path?.indexOf('?') ?? -1;
  if (path === null || q < 0) return out;
  const query = new URLSearchParams(path.slice(q + 1));
  for (const key of VISITOR_PARAMS) {
    const v = query.get(key);
    if (v) out[key] = cut(v, VISITOR_LIMITS.paramValueLength);
  }
  return out;
}
