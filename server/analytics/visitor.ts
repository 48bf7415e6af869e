// The one visitor shape the decision engine sees, whichever analytics provider answered: identity,
// activity, goals, and the provider's prediction or null. Each provider has one mapper into it
// (datafast/visitor.ts, postmetric/visitor.ts). What a behaviour-based score needs beyond the
// counts (session length, pricing/checkout visits, referrer) is in `behaviour`; behaviour.ts
// derives the score's plain signals from the whole shape. Nothing here identifies a person.

export interface CompletedGoal {
  name: string;
  timestamp: string | null;
  origin: 'manual' | 'payment_provider' | null;
}

export interface Prediction {
  /** 0–100, 50 is the site's baseline. */
  score: number;
  /** 0–1; DataFast: "don't make important decisions if confidence is < 0.5". */
  confidence: number;
  conversionRate: number | null;
  expectedValue: number | null;
}

/** What a provider reports of how the visitor behaved, beyond the counts in `activity`. */
export interface VisitorBehaviour {
  /** Mean session length in seconds; null when the provider reports no durations (DataFast). */
  avgSessionSeconds: number | null;
  /** A page viewed under /pricing, /prices or /plans. */
  visitedPricing: boolean;
  /** A page viewed under /checkout, /cart, /basket, /billing, /payment, /subscribe, /upgrade or /order. */
  visitedCheckout: boolean;
  /** Host of the earliest referrer recorded, lowercased, without `www.`; null: direct or unknown. */
  referrerHost: string | null;
}

/** What we keep of a visitor: enough to decide, nothing that identifies a person. */
export interface Visitor {
  /** As the provider spells it (a lowercase UUID for DataFast; PostMetric ids are case-sensitive). */
  visitorId: string;
  identity: {
    countryCode: string | null;
    browser: string | null;
    os: string | null;
    /** `desktop`, `mobile`, `tablet` … lowercased. */
    deviceType: string | null;
    /** First-session parameters: ref, source, via, utm_source … utm_term. */
    params: Record<string, string>;
  };
  activity: {
    /** Sessions. */
    visitCount: number;
    pageViewCount: number;
    /** ISO 8601, first seen. */
    firstVisitAt: string | null;
    /** ISO 8601, last seen. */
    lastVisitAt: string | null;
    completedGoals: CompletedGoal[];
  };
  /** True when the provider has an identified profile (a user id); its contents are not kept. */
  identified: boolean;
  prediction: Prediction | null;
  /** Absent: the provider told nothing beyond the counts. */
  behaviour?: VisitorBehaviour;
}

/** The first-session params the rules and the explanation read (utm_* and ref), plus source and via. */
export const VISITOR_PARAMS: readonly string[] = ['ref', 'source', 'via', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'];

const PRICING = /^\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?(?:pricing|prices|plans?)(?:[/?#.]|$)/i;
const CHECKOUT = /^\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?(?:checkout|cart|basket|billing|payment|subscribe|upgrade|order)(?:[/?#.]|$)/i;

/** The path of a page as a provider gives it: a path, or a full URL (DataFast's visitedPages). */
export function pathOf(page: string): string {
  if (page.startsWith('/')) return page;
  if (URL.canParse(page)) return new URL(page).pathname;
  // DataFast writes some URLs without a scheme: `codefa.st/pricing`.
  const slash = page.indexOf('/');
  return slash > 0 ? page.slice(slash) : '';
}

/** Whether a path is a pricing page (an optional language prefix allowed: /fr/pricing). */
export const isPricingPath = (path: string): boolean => PRICING.test(pathOf(path));
/** Whether a path is a checkout page. */
export const isCheckoutPath = (path: string): boolean => CHECKOUT.test(pathOf(path));

/** The host of a referrer URL, lowercased and without `www.`; null when it is not an http(s) URL. */
export function referrerHostOf(referrer: string | null | undefined): string | null {
  if (!referrer) return null;
  try {
    const url = new URL(referrer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.hostname.toLowerCase().replace(/^www\./, '').slice(0, 253) || null;
  } catch {
    return null;
  }
}
