// Turns what we know of a request into the decision the widget receives. Pure: no I/O, no clock.
import type { VisitorLookup } from '../datafast/lookup';
import type { Offer } from './offer';
import { segmentOf, type Segment, type Thresholds } from './segment';

export interface Decision {
  offer: Offer | null;
  experiment: { id: string; variant: string } | null;
  segment: Segment;
  /** A short machine word: why this decision (`no-cookie`, `bot`, `rule:<id>` …). */
  reason: string;
}

/** Which offer each segment gets when no rule says otherwise (null = no offer). */
export type SegmentOffers = Record<Segment, string | null>;

export interface Policy {
  thresholds: Thresholds;
  offers: ReadonlyMap<string, Offer>;
  bySegment: SegmentOffers;
}

/** DESIGN.md's defaults: customers get no discount, thin data a lead magnet, low scores a coupon, high scores urgency. */
export const DEFAULT_SEGMENT_OFFERS: Readonly<SegmentOffers> = {
  customer: null,
  unknown: 'starter-guide',
  low: 'welcome-coupon',
  average: null,
  high: 'popular-plan-urgency',
};

/** Why there is no visitor to decide for. */
export type NoVisitorReason = 'no-cookie' | 'invalid-cookie' | 'bot' | 'unknown-visitor' | 'upstream-unavailable' | 'invalid-path';

export function noOffer(reason: NoVisitorReason): Decision {
  return { offer: null, experiment: null, segment: 'unknown', reason };
}

export function decide(lookup: VisitorLookup, policy: Policy): Decision {
  switch (lookup.kind) {
    case 'bot':
      return noOffer('bot');
    case 'unknown':
      return noOffer('unknown-visitor');
    case 'unavailable':
      return noOffer('upstream-unavailable');
    case 'found': {
      const segment = segmentOf(lookup.visitor, policy.thresholds);
      const offerId = policy.bySegment[segment];
      const offer = offerId == null ? null : (policy.offers.get(offerId) ?? null);
      return { offer, experiment: null, segment, reason: `rule:default-${segment}` };
    }
  }
}
