// What a local score reads of DataFast's `activity.visitedPages` ({ url, timestamp } items) and
// `currentUrl`, summarised at parse time so the pages themselves are never kept: whether a
// pricing or a checkout page was seen, and the average session length, sessions being runs of
// page views less than 30 minutes apart (the usual analytics definition; DataFast documents no
// session list here). Bounded: at most `MAX_PAGES_SCANNED` items are looked at.

import { isCheckoutPath, isPricingPath } from '../analytics/visitor.js';

/** Pricing and checkout pages are those of analytics/visitor.ts, the same for every provider. */
export interface PageSummary {
  visitedPricing: boolean;
  visitedCheckout: boolean;
  /** Mean of (last − first page view) per session, in seconds; null with no timed page view. */
  avgSessionSeconds: number | null;
}

export const MAX_PAGES_SCANNED = 2_000;
const SESSION_GAP_MS = 30 * 60_000;

export function summarisePages(items: unknown, currentUrl: unknown): PageSummary {
  const urls: string[] = typeof currentUrl === 'string' ? [currentUrl] : [];
  const times: number[] = [];
  if (Array.isArray(items)) {
    const end = Math.min(items.length, MAX_PAGES_SCANNED);
    for (let i = 0; i < end; i++) {
      const item: unknown = items[i];
      if (typeof item !== 'object' || item === null) continue;
      const { url, timestamp } = item as Record<string, unknown>;
      if (typeof url === 'string' && url.length <= 2048) urls.push(url);
      const at = typeof timestamp === 'string' && timestamp.length <= 40 ? Date.parse(timestamp) : Number.NaN;
      if (Number.isFinite(at)) times.push(at);
    }
  }
  return {
    visitedPricing: urls.some(isPricingPath),
    visitedCheckout: urls.some(isCheckoutPath),
    avgSessionSeconds: averageSessionSeconds(times),
  };
}

function averageSessionSeconds(times: number[]): number | null {
  if (times.length === 0) return null;
  times.sort((a, b) => a - b);
  let sessions = 0;
  let total = 0;
  let start = times[0] ?? 0;
  let last = start;
  for (const t of times) {
    if (t - last > SESSION_GAP_MS) {
      sessions++;
      total += last - start;
      start = t;
    }
    last = t;
  }
  sessions++;
  total += last - start;
  return Math.round(total / sessions / 1000);
}
