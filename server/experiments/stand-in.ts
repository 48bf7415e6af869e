// The offer an arm without one stands in for, so the widget can expose every arm at the moment the
// offer would have appeared (its trigger, its dismissal and view-cap memory): an arm whose own offer
// was withdrawn for this visitor (coupon expired, pool empty) stands in for that offer; a control
// for the experiment's first arm with an offer. Experiments whose arms have different triggers
// compare each arm with the control at the first arm's moment. Pure.
import type { Policy } from '../decision/decide.js';
import type { Offer } from '../decision/offer.js';

export function standInOffer(policy: Policy, experimentId: string, variantId: string): Offer | null {
  const variants = policy.experiments.get(experimentId)?.variants ?? [];
  const own = variants.find((v) => v.id === variantId)?.offer ?? null;
  const id = own ?? variants.find((v) => v.offer !== null && policy.offers.has(v.offer))?.offer ?? null;
  return id === null ? null : (policy.offers.get(id) ?? null);
}
