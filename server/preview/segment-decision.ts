// What a segment would get on a page, for a preview: the rules in order and then `bySegment`, as
// decide() runs them, without asking DataFast about anyone. Pure.
//
// The rules see a typical visitor of the segment, since there is no real one: a prediction in the
// middle of the segment's score range with full confidence (none for `unknown`), a first visit,
// no country, device, goals or first-visit UTM parameters — except `customer`, who has a payment.
// The page (path, its query's utm_*/ref, no referrer) is the previewed page's. A rule that sends
// visitors into an experiment is passed over, as for a visitor the experiment does not enrol: a
// preview counts in no experiment (preview a variant's offer by its id instead).
import type { Visitor } from '../datafast/visitor.js';
import { decisionOf, walkRules, type PageFacts, type Policy } from '../decision/decide.js';
import type { Offer } from '../decision/offer.js';
import type { Segment, Thresholds } from '../decision/segment.js';

export interface SegmentPreview {
  offer: Offer | null;
  /** Which rule decided: `rule:<id>`, or `rule:default-<segment>` for bySegment. */
  rule: string;
}

export function segmentPreview(policy: Policy, segment: Segment, page: PageFacts): SegmentPreview {
  const ctx = { visitor: typicalVisitor(segment, policy.thresholds), segment, path: page.path, query: page.query, referrer: page.referrer };
  const decision = decisionOf(policy, segment, walkRules(policy, ctx, () => null));
  return { offer: decision.offer, rule: decision.reason };
}

/** The visitor the rules judge in a segment preview (see above). */
export function typicalVisitor(segment: Segment, t: Thresholds): Visitor {
  const score = segment === 'low' ? t.low / 2 : segment === 'average' ? (t.low + t.high) / 2 : segment === 'high' ? (t.high + 100) / 2 : null;
  return {
    visitorId: '00000000-0000-4000-8000-000000000000',
    identity: { countryCode: null, browser: null, os: null, deviceType: null, params: {} },
    activity: {
      visitCount: 1,
      pageViewCount: 1,
      firstVisitAt: null,
      lastVisitAt: null,
      completedGoals: segment === 'customer' ? [{ name: 'payment', timestamp: null, origin: 'payment_provider' }] : [],
    },
    identified: false,
    prediction: score === null ? null : { score, confidence: 1, conversionRate: null, expectedValue: null },
  };
}
