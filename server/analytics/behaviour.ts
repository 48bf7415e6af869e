// The plain behaviour signals a local score reads, derived from the normalised visitor. Pure: the
// clock is a parameter. Every provider's visitor gives the same signals; what a provider does not
// report is null or false here, never guessed.
import type { Visitor } from './visitor.js';

/** Where the visitor came from, by the first session's UTM parameters, else the referrer. */
export type ReferrerClass = 'direct' | 'search' | 'social' | 'email' | 'paid' | 'referral';

export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'unknown';

export interface VisitorSignals {
  sessions: number;
  pageViews: number;
  /** Epoch ms, or null when unknown. */
  firstSeenAt: number | null;
  /** Epoch ms, or null when unknown. */
  lastSeenAt: number | null;
  /** Whole days since last seen (0 today), or null when unknown. */
  daysSinceLastSeen: number | null;
  avgSessionSeconds: number | null;
  visitedPricing: boolean;
  visitedCheckout: boolean;
  referrerClass: ReferrerClass;
  device: DeviceClass;
}

const SEARCH = /(^|\.)(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia|qwant|startpage|search\.brave)\.[a-z.]+$/;
const SOCIAL = /(^|\.)(facebook|fb|instagram|twitter|linkedin|lnkd|reddit|youtube|tiktok|pinterest|threads|mastodon|bsky|news\.ycombinator)\.[a-z.]+$/;
const SEARCH_NAMES = /^(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia)$/;
const SOCIAL_NAMES = /^(facebook|fb|instagram|twitter|x|linkedin|reddit|youtube|tiktok|pinterest|hn|hackernews|producthunt)$/;

/** The class of a host or a source name (`google`, `news.ycombinator.com`). */
function classOfSource(source: string): ReferrerClass | null {
  const s = source.toLowerCase();
  if (SEARCH.test(s) || SEARCH_NAMES.test(s)) return 'search';
  if (SOCIAL.test(s) || SOCIAL_NAMES.test(s) || s === 't.co' || s === 'x.com') return 'social';
  if (/^(newsletter|e-?mail|mail)/.test(s)) return 'email';
  return null;
}

export function referrerClassOf(visitor: Visitor): ReferrerClass {
  const p = visitor.identity.params;
  const medium = (p.utm_medium ?? '').trim().toLowerCase();
  if (/^(cpc|ppc|paid|paid[-_ ]?(search|social)|paidsearch|display|cpm|ads?|retargeting)$/.test(medium)) return 'paid';
  if (/^(e-?mail|newsletter)$/.test(medium)) return 'email';
  if (/^(social|social[-_ ]?network|social[-_ ]?media|sm)$/.test(medium)) return 'social';
  if (medium === 'organic') return 'search';
  const named = p.utm_source ?? p.ref ?? p.source ?? p.via ?? null;
  const host = visitor.behaviour?.referrerHost ?? null;
  for (const source of [named, host]) {
    if (source === null) continue;
    const c = classOfSource(hostPart(source));
    if (c !== null) return c;
  }
  return named !== null || host !== null ? 'referral' : 'direct';
}

/** `https://www.bing.com/search?q=x` → `bing.com`; a bare name stays as it is. */
function hostPart(source: string): string {
  return source.trim().replace(/^https?:\/\//i, '').replace(/^www\./i, '').split(/[/?#]/)[0] ?? '';
}

export function deviceClassOf(deviceType: string | null): DeviceClass {
  const d = (deviceType ?? '').toLowerCase();
  if (d === 'desktop' || d === 'laptop') return 'desktop';
  if (d === 'mobile' || d === 'phone' || d === 'smartphone') return 'mobile';
  if (d === 'tablet') return 'tablet';
  return 'unknown';
}

const DAY = 86_400_000;

function timeOf(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** The signals of `visitor` at `now` (epoch ms). */
export function visitorSignals(visitor: Visitor, now: number): VisitorSignals {
  const lastSeenAt = timeOf(visitor.activity.lastVisitAt);
  const b = visitor.behaviour;
  return {
    sessions: visitor.activity.visitCount,
    pageViews: visitor.activity.pageViewCount,
    firstSeenAt: timeOf(visitor.activity.firstVisitAt),
    lastSeenAt,
    daysSinceLastSeen: lastSeenAt === null ? null : Math.max(0, Math.floor((now - lastSeenAt) / DAY)),
    avgSessionSeconds: b?.avgSessionSeconds ?? null,
    visitedPricing: b?.visitedPricing ?? false,
    visitedCheckout: b?.visitedCheckout ?? false,
    referrerClass: referrerClassOf(visitor),
    device: deviceClassOf(visitor.identity.deviceType),
  };
}
