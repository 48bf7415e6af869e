// The shapes that cross the browser/server boundary, in one place both sides import: the
// decision `GET /offer` answers with, and the bodies the widget (and a site's backend) POST. The
// widget imports types only, so none of this code reaches the browser bundle.
import { z } from 'zod';
import type { Decision } from './decision/decide.js';
import type { PublicOffer } from './decision/offer.js';

export type { LeadMagnetOffer, Placement, PublicCouponOffer, PublicOffer, PublicUrgencyOffer, Trigger } from './decision/offer.js';

/** `GET /offer`: the decision, with the offer made this visitor's own. */
export interface OfferResponse extends Omit<Decision, 'offer'> {
  offer: PublicOffer | null;
}

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected an id of a-z, 0-9, _ and -');

/** `POST /events` from the widget. */
export const eventBody = z.strictObject({
  type: z.enum(['exposure', 'click', 'dismiss', 'conversion']),
  /** Null only for the exposure of an experiment's control, which shows no offer. */
  offerId: id.nullable(),
  experiment: id.optional(),
  variant: id.optional(),
});
export type EventBody = z.infer<typeof eventBody>;

// Pragmatic, not RFC 5322: one @, no spaces or controls, a dotted domain of letters, digits, hyphens.
const EMAIL = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

/** `POST /leads` from a lead-magnet form. */
export const leadBody = z.strictObject({
  email: z
    .string()
    .trim()
    .max(254, 'too long')
    .regex(EMAIL, 'not an email address')
    .transform((e) => {
      const at = e.lastIndexOf('@');
      return e.slice(0, at) + e.slice(at).toLowerCase();
    }),
  offerId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected an offer id'),
});
export type LeadBody = z.input<typeof leadBody>;
