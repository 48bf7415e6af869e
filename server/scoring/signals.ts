// What a local score is computed from: a visitor's behaviour, the same for every provider. Each
// provider's record maps to it (signalsFromDataFast here; PostMetric's beside its client).
import type { Visitor } from '../datafast/visitor.js';

/** Where the visitor first came from, by their first-session UTM parameters or referrer. */
export type ReferrerClass = 'direct' | 'search' | 'social' | 'email' | 'paid' | 'referral';
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'unknown';

export interface BehaviourSignals {
  /** Visits (sessions) so far, the current one included. */
  sessions: number;
  pageViews: number;
  /** The last page view or visit start (ms epoch); null when unknown. */
  lastSeenAt: number | null;
  /** Mean session length in seconds; null when unknown. */
  avgSessionSeconds: number | null;
  visitedPricing: boolean;
  visitedCheckout: boolean;
  referrerClass: ReferrerClass;
  device: DeviceClass;
}

export const REFERRER_CLASSES: readonly ReferrerClass[] = ['direct', 'search', 'social', 'email', 'paid', 'referral'];

const SEARCH = /(^|\.)(google|bing|duckduckgo|yahoo|yandex|baidu|ecosia|qwant|brave|startpage)\./i;
const SEARCH_NAME = /^(google|bing|duckduckgo|yahoo|yandex|baidu|ecosia|qwant|brave)$/i;
const SOCIAL = /(^|\.)(facebook|fb|instagram|twitter|x|t|linkedin|lnkd|reddit|youtube|youtu|tiktok|pinterest|threads|mastodon|bsky|news\.ycombinator|producthunt)\./i;
const SOCIAL_NAME = /^(facebook|fb|instagram|twitter|x|linkedin|reddit|youtube|tiktok|pinterest|threads|mastodon|bluesky|hn|hackernews|producthunt)$/i;
const PAID_MEDIUM = /^(cpc|ppc|paid|paidsearch|paid_search|paid-social|paid_social|display|cpm|ads?|retargeting)$/i;
const EMAIL_MEDIUM = /^(e-?mail|newsletter)$/i;
const SOCIAL_MEDIUM = /^(social|social-network|social_media|sm)$/i;

/** The class of a first visit's source: utm_medium first (it says how), then the source or referrer's name. */
export function referrerClassOf(params: Readonly<Record<string, string>>): ReferrerClass {
  const medium = params.utm_medium?.trim() ?? '';
  if (PAID_MEDIUM.test(medium)) return 'paid';
  if (EMAIL_MEDIUM.test(medium)) return 'email';
  if (SOCIAL_MEDIUM.test(medium)) return 'social';
  if (/^organic$/i.test(medium)) return 'search';
  const source = (params.utm_source ?? params.ref ?? params.source ?? params.via ?? '').trim().toLowerCase();
  if (source === '') return 'direct';
  const host = source.replace(/^https?:\/\//, '').replace(/^www\./, '').split('/')[0] ?? '';
  if (SEARCH_NAME.test(host) || SEARCH.test(`${host}.`)) return 'search';
  if (SOCIAL_NAME.test(host) || SOCIAL.test(`${host}.`)) return 'social';
  if (/^(newsletter|email|mail)/.test(host)) return 'email';
  return 'referral';
}

export function deviceClassOf(type: string | null): DeviceClass {
  const t = type?.toLowerCase() ?? '';
  if (t === 'desktop') return 'desktop';
  if (t === 'mobile' || t === 'smartphone' || t === 'phone') return 'mobile';
  if (t === 'tablet') return 'tablet';
  return 'unknown';
}

/** A DataFast visitor record as behaviour signals. */
export function signalsFromDataFast(visitor: Visitor): BehaviourSignals {
  const last = visitor.activity.lastVisitAt === null ? Number.NaN : Date.parse(visitor.activity.lastVisitAt);
  return {
    sessions: visitor.activity.visitCount,
    pageViews: visitor.activity.pageViewCount,
    lastSeenAt: Number.isFinite(last) ? last : null,
    avgSessionSeconds: visitor.pages?.avgSessionSeconds ?? null,
    visitedPricing: visitor.pages?.visitedPricing ?? false,
    visitedCheckout: visitor.pages?.visitedCheckout ?? false,
    referrerClass: referrerClassOf(visitor.identity.params),
    device: deviceClassOf(visitor.identity.deviceType),
  };
}
