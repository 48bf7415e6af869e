// Turns a decided offer into what this visitor's browser receives: their own coupon code (from a
// single-use pool when configured) and the times that are theirs (expiry counted from their first
// exposure). Pure: the facts come from the store (one query, only for offers that need them) and a
// pool code is held for the visitor by the caller when `hold` asks for one (their exposure claims it).
import type { Cta, Offer, PublicOffer } from '../decision/offer.js';
import type { VisitorOfferFacts } from '../store/store.js';

export type WithdrawnReason = 'coupon-pool-empty' | 'coupon-expired' | 'deadline-passed';

export type Materialized = { offer: PublicOffer } | { offer: null; reason: WithdrawnReason };

/** A pooled coupon the visitor has claimed no code for yet: hold one (theirs, or the next), then `withCode` (null: the pool is empty). */
export interface NeedsCode {
  hold: true;
  withCode(code: string | null): Materialized;
}

/** The facts of a visitor who has none recorded. */
export const NO_FACTS: VisitorOfferFacts = { firstExposureAt: null, code: null };

const MINUTE = 60_000;

/** The call to action with the visitor's own code in its URL, URL-encoded, wherever it says `{code}`. */
export const withCodeIn = (cta: Cta, code: string): Cta => ({ label: cta.label, url: cta.url.replaceAll('{code}', encodeURIComponent(code)) });

/** Whether the offer depends on the visitor's stored facts (first exposure, pool code): if not, the store is not asked. */
export function needsFacts(offer: Offer): boolean {
  switch (offer.kind) {
    case 'lead_magnet':
      return false;
    case 'urgency':
      return offer.deadline === null && offer.countdownMinutes !== null;
    case 'coupon':
      return offer.expiresInMinutes !== null || offer.code === null;
  }
}

export function publicOffer(offer: Offer, facts: VisitorOfferFacts, now: number): Materialized | NeedsCode {
  const first = facts.firstExposureAt;
  switch (offer.kind) {
    case 'lead_magnet':
      return { offer };
    case 'urgency': {
      const endsAtMs =
        offer.deadline !== null ? Date.parse(offer.deadline) : offer.countdownMinutes !== null && first !== null ? first + offer.countdownMinutes * MINUTE : null;
      if (endsAtMs !== null && endsAtMs <= now) return { offer: null, reason: 'deadline-passed' };
      return { offer: { ...offer, endsAt: endsAtMs === null ? null : new Date(endsAtMs).toISOString() } };
    }
    case 'coupon': {
      const expiresAtMs = first !== null && offer.expiresInMinutes !== null ? first + offer.expiresInMinutes * MINUTE : null;
      if (expiresAtMs !== null && expiresAtMs <= now) return { offer: null, reason: 'coupon-expired' };
      const { codePool: _pool, code: fixed, ...display } = offer;
      const expiresAt = expiresAtMs === null ? null : new Date(expiresAtMs).toISOString();
      const withCode = (code: string | null): Materialized =>
        code === null ? { offer: null, reason: 'coupon-pool-empty' } : { offer: { ...display, code, expiresAt, ...(display.cta && { cta: withCodeIn(display.cta, code) }) } };
      if (fixed !== null) return withCode(fixed);
      if (facts.code !== null) return withCode(facts.code);
      return { hold: true, withCode };
    }
  }
}
