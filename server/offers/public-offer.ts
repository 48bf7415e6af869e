// Turns a decided offer into what this visitor's browser receives: their own coupon code (from a
// single-use pool when configured) and the times that are theirs (expiry counted from their first
// exposure). Synchronous unless a pool code must be handed out, which is stored before it is shown.
import type { Offer, PublicOffer } from '../decision/offer.js';

/** The durable facts a public offer depends on (the Store implements them). */
export interface OfferFacts {
  firstExposure(offerId: string, visitorId: string): number | undefined;
  couponCode(offerId: string, visitorId: string): string | undefined;
  assignCouponCode(offerId: string, visitorId: string, pool: readonly string[]): Promise<string | null>;
}

export type WithdrawnReason = 'coupon-pool-empty' | 'coupon-expired' | 'deadline-passed';

export type Materialized = { offer: PublicOffer } | { offer: null; reason: WithdrawnReason };

const MINUTE = 60_000;

export function publicOffer(
  offer: Offer,
  visitorId: string,
  facts: OfferFacts,
  pools: ReadonlyMap<string, readonly string[]>,
  now: number,
): Materialized | Promise<Materialized> {
  switch (offer.kind) {
    case 'lead_magnet':
      return { offer };
    case 'urgency': {
      const first = offer.countdownMinutes === null ? undefined : facts.firstExposure(offer.id, visitorId);
      const endsAtMs =
        offer.deadline !== null
          ? Date.parse(offer.deadline)
          : offer.countdownMinutes !== null && first !== undefined
            ? first + offer.countdownMinutes * MINUTE
            : null;
      if (endsAtMs !== null && endsAtMs <= now) return { offer: null, reason: 'deadline-passed' };
      return { offer: { ...offer, endsAt: endsAtMs === null ? null : new Date(endsAtMs).toISOString() } };
    }
    case 'coupon': {
      const first = offer.expiresInMinutes === null ? undefined : facts.firstExposure(offer.id, visitorId);
      const expiresAtMs = first !== undefined && offer.expiresInMinutes !== null ? first + offer.expiresInMinutes * MINUTE : null;
      if (expiresAtMs !== null && expiresAtMs <= now) return { offer: null, reason: 'coupon-expired' };
      const { codePool: _pool, code: fixed, ...display } = offer;
      const expiresAt = expiresAtMs === null ? null : new Date(expiresAtMs).toISOString();
      const build = (code: string | null): Materialized =>
        code === null ? { offer: null, reason: 'coupon-pool-empty' } : { offer: { ...display, code, expiresAt } };
      if (fixed !== null) return build(fixed);
      const known = facts.couponCode(offer.id, visitorId);
      if (known !== undefined) return build(known);
      return facts.assignCouponCode(offer.id, visitorId, pools.get(offer.id) ?? []).then(build);
    }
  }
}
