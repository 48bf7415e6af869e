// The public social-proof view of DataFast's realtime map (GET /live): how many people are on the
// site and the latest purchases as "country, minutes ago, amount". It is built field by field from
// an allow-list, so nothing else in the map (visitor ids, paths, devices, scores) can reach a browser;
// names, emails, cities and coordinates were already dropped by the parser (datafast/realtime.ts).
import type { RealtimeMap, RecentEvent, RecentPayment } from '../datafast/realtime.js';

export interface LivePurchase {
  /** ISO 3166-1 alpha-2, upper case; null when DataFast did not say. */
  countryCode: string | null;
  /** Whole minutes since the payment (floor), never negative. */
  minutesAgo: number;
  /** Present only when DataFast gave a usable amount. */
  amount?: number;
  /** ISO 4217, upper case; present only when DataFast gave one. */
  currency?: string;
}

export interface LiveView {
  activeVisitors: number;
  recentPurchases: LivePurchase[];
}

export interface LiveViewOptions {
  /** Most purchases listed, newest first. Default 5. */
  maxPurchases?: number;
}

export const DEFAULT_MAX_PURCHASES = 5;
/** How far apart a payment and its payment event may be stamped and still be the same purchase. */
export const EVENT_MATCH_WINDOW_MS = 2_000;

const MINUTE_MS = 60_000;
const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

/**
 * Pure: the same map and clock always give the same view.
 * - `activeVisitors` is the map's `count`.
 * - Purchases: newest first, at most `maxPurchases`; rows whose timestamp does not parse are
 *   skipped, and so are negative amounts (refunds are not purchases). `minutesAgo` is the floor of
 *   the elapsed minutes, 0 for timestamps in the future (clock skew).
 * - `amount` is omitted unless it is a finite number >= 0; `currency` unless it is a 3-letter code.
 * - `countryCode` is the payment's own, else (DataFast's payments carry none) the country of a
 *   payment-like recent event (type containing "payment") stamped within ±2 s; the closest such
 *   event wins and each event is used for one payment only. Anything that is not a 2-letter code
 *   becomes null, so a stray free-text value cannot leak through this field.
 */
export function toLiveView(map: RealtimeMap, now: number, options: LiveViewOptions = {}): LiveView {
  const max = options.maxPurchases ?? DEFAULT_MAX_PURCHASES;
  if (!Number.isInteger(max) || max < 0) throw new RangeError('toLiveView: maxPurchases must be an integer >= 0');

  const payments: Array<{ at: number; payment: RecentPayment }> = [];
  for (const payment of map.recentPayments) {
    // A payment the owner hid in DataFast is not social proof we may show.
    if (!payment.visible) continue;
    const at = Date.parse(payment.timestamp);
    if (!Number.isFinite(at)) continue;
    if (typeof payment.amount === 'number' && payment.amount < 0) continue;
    payments.push({ at, payment });
  }
  // Stable sort: equal timestamps keep DataFast's order.
  payments.sort((a, b) => b.at - a.at);
  const newest = payments.slice(0, max);

  const events = paymentEvents(map.recentEvents);
  const recentPurchases = newest.map(({ at, payment }): LivePurchase => {
    const purchase: LivePurchase = {
      countryCode: countryOf(payment.countryCode) ?? takeEventCountry(events, at),
      minutesAgo: Math.max(0, Math.floor((now - at) / MINUTE_MS)),
    };
    const amount = payment.amount;
    if (typeof amount === 'number' && Number.isFinite(amount) && amount >= 0) purchase.amount = amount;
    const currency = currencyOf(payment.currency);
    if (currency !== null) purchase.currency = currency;
    return purchase;
  });

  return { activeVisitors: activeCount(map.count), recentPurchases };
}

interface PaymentEvent {
  at: number;
  countryCode: string;
  used: boolean;
}

function paymentEvents(events: readonly RecentEvent[]): PaymentEvent[] {
  const out: PaymentEvent[] = [];
  for (const e of events) {
    if (!e.type.toLowerCase().includes('payment')) continue;
    const countryCode = countryOf(e.countryCode);
    if (countryCode === null) continue;
    const at = Date.parse(e.timestamp);
    if (!Number.isFinite(at)) continue;
    out.push({ at, countryCode, used: false });
  }
  return out;
}

/** The closest unused payment event within the window; marks it used. */
function takeEventCountry(events: PaymentEvent[], at: number): string | null {
  let best: PaymentEvent | null = null;
  for (const e of events) {
    if (e.used) continue;
    const gap = Math.abs(e.at - at);
    if (gap > EVENT_MATCH_WINDOW_MS) continue;
    if (best === null || gap < Math.abs(best.at - at)) best = e;
  }
  if (best === null) return null;
  best.used = true;
  return best.countryCode;
}

function countryOf(value: string | null): string | null {
  if (value === null) return null;
  const code = value.trim().toUpperCase();
  return COUNTRY.test(code) ? code : null;
}

function currencyOf(value: string | null): string | null {
  if (value === null) return null;
  const code = value.trim().toUpperCase();
  return CURRENCY.test(code) ? code : null;
}

function activeCount(count: number): number {
  return Number.isSafeInteger(count) && count > 0 ? count : 0;
}
