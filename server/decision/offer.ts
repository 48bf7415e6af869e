// The offer shapes the decision carries to the widget, and the built-in offers used when the
// site owner has not written any. Display fields only: nothing here is about the visitor.
import type { UiStrings } from '../offers/ui-strings.js';

/** A coupon for the unlikely to buy, urgency for high potential, a lead magnet where data is thin. */
export type OfferKind = 'coupon' | 'urgency' | 'lead_magnet';
/** Where the widget shows it: in the page's flow, a bar on top, a slide-in bottom right, or a modal dialog. */
export type Placement = 'inline' | 'bar' | 'slide-in' | 'modal';

/** When the widget may show the offer; the decision is fetched early either way. */
export type Trigger =
  | { type: 'immediate' }
  | { type: 'delay'; seconds: number }
  | { type: 'scroll'; percent: number }
  | { type: 'exit-intent' };

/**
 * A call to action: a link shown with the offer, its click reported as a `click` event. `url` is
 * http(s) or a same-site path; a coupon's may carry `{code}`, replaced by the visitor's code
 * (URL-encoded) before it reaches the browser.
 */
export interface Cta {
  label: string;
  url: string;
}

interface OfferBase {
  id: string;
  placement: Placement;
  trigger: Trigger;
  headline: string;
  body: string;
  /** A picture from the site's own origin (a path like /img/guide.png), shown beside the headline instead of the kind's icon. */
  image?: string;
  /** The widget's words changed for this offer (in every language). */
  strings?: Partial<UiStrings>;
}

export interface CouponOffer extends OfferBase {
  kind: 'coupon';
  /** One code for everyone; null when codes come from `codePool`. Exactly one of the two is set. */
  code: string | null;
  /** Path of a file with one single-use code per line; each code goes to one visitor only. */
  codePool: string | null;
  discountLabel: string;
  /** Minutes from the visitor's first exposure until the code expires; null for no expiry. */
  expiresInMinutes: number | null;
  /** Only when configured. */
  cta?: Cta;
}

export interface UrgencyOffer extends OfferBase {
  kind: 'urgency';
  /** ISO date-time of a real deadline, or null. */
  deadline: string | null;
  /** A countdown of this many minutes from the visitor's first exposure, or null. */
  countdownMinutes: number | null;
  /** Show "N people are viewing now" from /live. */
  showLiveActivity: boolean;
  /** Only when configured. */
  cta?: Cta;
}

export interface LeadMagnetOffer extends OfferBase {
  kind: 'lead_magnet';
  assetName: string;
  buttonLabel: string;
  consentText: string;
}

/** An offer as configured (normalised: every field present). */
export type Offer = CouponOffer | UrgencyOffer | LeadMagnetOffer;

/** A coupon as the browser receives it: the visitor's own code and, once exposed, its expiry. */
export interface PublicCouponOffer extends Omit<CouponOffer, 'code' | 'codePool'> {
  code: string;
  /** ISO time the code expires for this visitor; null before the first exposure or without expiry. */
  expiresAt: string | null;
}

/** Urgency as the browser receives it: `endsAt` is the deadline, or first exposure + countdown. */
export interface PublicUrgencyOffer extends UrgencyOffer {
  endsAt: string | null;
}

/** An offer as a browser receives it: made this visitor's own, never a pool path. */
export type PublicOffer = PublicCouponOffer | PublicUrgencyOffer | LeadMagnetOffer;

/** Offers that make the product useful before any config is written. */
export const BUILT_IN_OFFERS: readonly Offer[] = [
  {
    id: 'welcome-coupon',
    kind: 'coupon',
    placement: 'slide-in',
    trigger: { type: 'delay', seconds: 8 },
    headline: 'A little something before you decide',
    body: 'Take 15% off your first order. The code is yours for the next 30 minutes.',
    code: 'WELCOME15',
    codePool: null,
    discountLabel: '15% off',
    expiresInMinutes: 30,
  },
  {
    id: 'popular-plan-urgency',
    kind: 'urgency',
    placement: 'bar',
    trigger: { type: 'immediate' },
    headline: 'Launch pricing ends soon',
    body: 'Lock in the current price today: it goes up at the end of the month.',
    deadline: null,
    countdownMinutes: null,
    showLiveActivity: true,
  },
  {
    id: 'starter-guide',
    kind: 'lead_magnet',
    placement: 'inline',
    trigger: { type: 'scroll', percent: 40 },
    headline: 'Get the free starter guide',
    body: 'Twelve pages of practical advice, straight to your inbox.',
    assetName: 'The Starter Guide (PDF)',
    buttonLabel: 'Send me the guide',
    consentText: 'We will email you the guide and occasional product news. Unsubscribe any time.',
  },
];
