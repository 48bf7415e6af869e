// Turns what we know of a request into the decision the widget receives. Pure: no I/O, no clock.
import type { VisitorLookup } from '../datafast/lookup.js';
import { assign } from '../experiments/assign.js';
import type { Experiment } from '../experiments/types.js';
import type { Offer } from './offer.js';
import { firstMatch, type CompiledRule } from './rules.js';
import { segmentOf, type Segment, type Thresholds } from './segment.js';

/** What is decided for one page view. */
export interface Decision {
  /** The offer to show, or null for none. */
  offer: Offer | null;
  /** The experiment and variant this visitor is in, when an experiment decided. */
  experiment: { id: string; variant: string } | null;
  /** Where DataFast's prediction puts the visitor. */
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
  rules: readonly CompiledRule[];
  experiments: ReadonlyMap<string, Experiment>;
}

/** What the request tells us besides the visitor: the page being viewed. */
export interface PageFacts {
  /** Path without query, e.g. `/pricing`. */
  path: string;
  /** The page URL's query parameters (utm_source, ref …). */
  query: Readonly<Record<string, string>>;
  /** document.referrer as the widget sent it, or null. */
  referrer: string | null;
}

/** DESIGN.md's defaults: customers get no discount, thin data a lead magnet, low scores a coupon, high scores urgency. */
export const DEFAULT_SEGMENT_OFFERS: Readonly<SegmentOffers> = {
  customer: null,
  unknown: 'starter-guide',
  low: 'welcome-coupon',
  average: null,
  high: 'popular-plan-urgency',
};

/** Why there is no visitor to decide for, or no decision (`internal-error`: our own failure, logged). */
export type NoVisitorReason = 'no-cookie' | 'invalid-cookie' | 'bot' | 'unknown-visitor' | 'upstream-unavailable' | 'invalid-path' | 'internal-error';

/** A decision without offer; assignable to any decision shape, public or not. */
export type NoOfferDecision = Omit<Decision, 'offer'> & { offer: null };

export function noOffer(reason: NoVisitorReason): NoOfferDecision {
  return { offer: null, experiment: null, segment: 'unknown', reason };
}

const NO_PAGE: PageFacts = { path: '/', query: {}, referrer: null };

/**
 * Rules first (first match wins); a rule may send the visitor into an experiment, whose
 * deterministic assignment picks the variant. Visitors an experiment does not enrol (holdout,
 * stopped) fall through to the later rules and then to the segment default, and are not exposed.
 */
export function decide(lookup: VisitorLookup, policy: Policy, page: PageFacts = NO_PAGE): Decision {
  switch (lookup.kind) {
    case 'bot':
      return noOffer('bot');
    case 'unknown':
      return noOffer('unknown-visitor');
    case 'unavailable':
      return noOffer('upstream-unavailable');
    case 'found':
      break;
  }
  const visitor = lookup.visitor;
  const segment = segmentOf(visitor, policy.thresholds);
  const ctx = { visitor, segment, path: page.path, query: page.query, referrer: page.referrer };

  let rules = policy.rules;
  for (;;) {
    const rule = firstMatch(rules, ctx);
    if (!rule) break;
    const reason = `rule:${rule.id}`;
    if ('experiment' in rule.then) {
      const experiment = policy.experiments.get(rule.then.experiment);
      const assignment = experiment ? assign(experiment, visitor.visitorId) : null;
      if (assignment) {
        return {
          offer: offerById(policy, assignment.offerId),
          experiment: { id: assignment.experimentId, variant: assignment.variantId },
          segment,
          reason,
        };
      }
      rules = rules.slice(rules.indexOf(rule) + 1);
      continue;
    }
    return { offer: offerById(policy, rule.then.offer), experiment: null, segment, reason };
  }
  return { offer: offerById(policy, policy.bySegment[segment]), experiment: null, segment, reason: `rule:default-${segment}` };
}

function offerById(policy: Policy, id: string | null): Offer | null {
  return id == null ? null : (policy.offers.get(id) ?? null);
}
