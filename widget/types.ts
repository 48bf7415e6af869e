// The shapes the widget shares with the server, imported as types only (erased by esbuild, so no
// server code reaches the browser), plus the widget's own small types.
import type { OfferResponse } from '../server/contract';

export type { OfferResponse };
export type { OfferEventBody, PreviewPageParam } from '../server/contract';
export type { LeadMagnetOffer, Placement, PublicCouponOffer, PublicOffer, PublicUrgencyOffer, Trigger } from '../server/contract';

export type Experiment = NonNullable<OfferResponse['experiment']>;

/** `detail` of every `visitor-offer-*` DOM event; `offerId` is null only for an experiment's control. */
export interface OfferEventDetail {
  offerId: string | null;
  experiment: string | null;
  variant: string | null;
  /** Only on a preview page view (nothing was sent). */
  preview?: true;
}

/** What POST {endpoint}/events accepts. */
export type EventType = 'exposure' | 'click' | 'dismiss';

/** Returned by everything that listens or waits: call it to stop. */
export type Cancel = () => void;
