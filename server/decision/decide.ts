// Turns what we know of a request into the decision the widget receives. Pure: no I/O, no clock.
import type { Visitor } from '../analytics/visitor.js';
import type { VisitorLookup } from '../datafast/lookup.js';
import { assign } from '../experiments/assign.js';
import { inHoldout } from '../experiments/holdout.js';
import type { Assignment, Experiment } from '../experiments/types.js';
import type { Offer } from './offer.js';
import type { ScoreSource } from '../scoring/score-source.js';
import { matches, type CompiledRule, type RuleContext } from './rules.js';
import { DEFAULT_IDENTIFIED, segmentOf, type IdentifiedPolicy, type Segment, type Thresholds } from './segment.js';

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
  /**
   * With the local score on: which model's score placed the visitor, the provider's prediction or
   * the local score (scoring/). Absent when no score was used (no record; an identified visitor or
   * customer without a prediction), and always with the local score off.
   */
  scoreSource?: ScoreSource;
}

/** Which offer each segment gets when no rule says otherwise (null = no offer). */
export type SegmentOffers = Record<Segment, string | null>;

export interface Policy {
  thresholds: Thresholds;
  offers: ReadonlyMap<string, Offer>;
  bySegment: SegmentOffers;
  rules: readonly CompiledRule[];
  experiments: ReadonlyMap<string, Experiment>;
  /** Share of visitors held out of every offer (experiments/holdout.ts); 0: none. */
  holdout: number;
  /** How identified visitors are treated; absent: DEFAULT_IDENTIFIED. */
  identified?: IdentifiedPolicy;
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

/**
 * Why there is no visitor to decide for, or no decision (`internal-error`: our own failure, logged;
 * `record-too-large`, `record-unreadable`: DataFast sent this visitor's record, but over the size
 * limit or in a shape we cannot read; `upstream-budget`: a visitor with no record, not looked up
 * because the upstream budget had no call left).
 */
export type NoVisitorReason =
  | 'no-cookie'
  | 'invalid-cookie'
  | 'bot'
  | 'unknown-visitor'
  | 'record-too-large'
  | 'record-unreadable'
  | 'upstream-unavailable'
  | 'upstream-budget'
  | 'invalid-path'
  | 'internal-error';

/** A decision without offer; assignable to any decision shape, public or not. */
export type NoOfferDecision = Omit<Decision, 'offer'> & { offer: null };

export function noOffer(reason: NoVisitorReason): NoOfferDecision {
  return { offer: null, experiment: null, segment: 'unknown', reason };
}

const NO_PAGE: PageFacts = { path: '/', query: {}, referrer: null };

/** What happened to one rule while deciding: its conditions failed, it matched, or it matched but its experiment did not enrol the visitor. */
export type RuleOutcome = 'failed' | 'matched' | 'not-enrolled';

/** The rule that decided (null: none did, the segment default applies) and the experiment assignment it made. */
export interface RuleWalk {
  rule: CompiledRule | null;
  assignment: Assignment | null;
}

/**
 * The rules in order, as every decision takes them: the first whose conditions all hold decides;
 * one that starts an experiment decides only if `enrol` places the visitor (by default the
 * experiment's deterministic assignment), otherwise the walk goes on to the later rules. `seen`
 * hears about each rule looked at (for explanations).
 */
export function walkRules(
  policy: Policy,
  ctx: RuleContext,
  enrol: (experiment: Experiment) => Assignment | null = (e) => assign(e, ctx.visitor.visitorId),
  seen?: (rule: CompiledRule, outcome: RuleOutcome) => void,
): RuleWalk {
  for (const rule of policy.rules) {
    if (!matches(rule, ctx)) {
      seen?.(rule, 'failed');
      continue;
    }
    if ('experiment' in rule.then) {
      const experiment = policy.experiments.get(rule.then.experiment);
      const assignment = experiment ? enrol(experiment) : null;
      if (!assignment) {
        seen?.(rule, 'not-enrolled');
        continue;
      }
      seen?.(rule, 'matched');
      return { rule, assignment };
    }
    seen?.(rule, 'matched');
    return { rule, assignment: null };
  }
  return { rule: null, assignment: null };
}

/** The decision a walk over the rules comes to: its rule's offer or variant, else the segment's default. */
export function decisionOf(policy: Policy, segment: Segment, walk: RuleWalk): Decision {
  const { rule, assignment } = walk;
  if (rule === null) return { offer: offerById(policy, policy.bySegment[segment]), experiment: null, segment, reason: `rule:default-${segment}` };
  const reason = `rule:${rule.id}`;
  if (assignment) {
    return { offer: offerById(policy, assignment.offerId), experiment: { id: assignment.experimentId, variant: assignment.variantId }, segment, reason };
  }
  return { offer: 'offer' in rule.then ? offerById(policy, rule.then.offer) : null, experiment: null, segment, reason };
}

/** What a request tells the rules: the visitor, their segment and the page. */
export function ruleContext(visitor: Visitor, policy: Policy, page: PageFacts): RuleContext {
  return { visitor, segment: segmentOf(visitor, policy.thresholds, policy.identified ?? DEFAULT_IDENTIFIED), path: page.path, query: page.query, referrer: page.referrer };
}

/**
 * An identified visitor's email is already known: a lead magnet decided for them is withheld
 * (no offer, reason `identified-visitor`) unless the policy allows it. Any experiment stays in the
 * answer; nothing is shown, so no exposure is counted for it.
 */
export function withheldForIdentified(decision: Decision, visitor: Visitor, policy: Policy): Decision {
  const allowed = (policy.identified ?? DEFAULT_IDENTIFIED).leadMagnets;
  if (allowed || !visitor.identified || decision.offer?.kind !== 'lead_magnet') return decision;
  return { ...decision, offer: null, reason: 'identified-visitor' };
}

/**
 * The global holdout first (those visitors get no offer); then rules (first match wins); a rule may send the visitor into an experiment, whose
 * deterministic assignment picks the variant (or `enrol`, which the router gives a bandit's
 * enrolments: experiments/bandit-enrolment.ts). Visitors an experiment does not enrol (holdout,
 * stopped) fall through to the later rules and then to the segment default, and are not exposed.
 */
export function decide(lookup: VisitorLookup, policy: Policy, page: PageFacts = NO_PAGE, enrol?: (experiment: Experiment) => Assignment | null): Decision {
  switch (lookup.kind) {
    case 'bot':
      return noOffer('bot');
    case 'unknown':
      return noOffer('unknown-visitor');
    case 'unusable':
      return noOffer(lookup.cause === 'too-large' ? 'record-too-large' : 'record-unreadable');
    case 'unavailable':
      // No call was made: the budget keeps its calls for others (a refresh is served its record instead).
      return noOffer(lookup.cause === 'budget' ? 'upstream-budget' : 'upstream-unavailable');
    case 'found':
      break;
  }
  const ctx = ruleContext(lookup.visitor, policy, page);
  if (inHoldout(lookup.visitor.visitorId, policy.holdout)) return holdoutDecision(ctx.segment);
  return withheldForIdentified(decisionOf(policy, ctx.segment, walkRules(policy, ctx, enrol)), lookup.visitor, policy);
}

/** A visitor of the global holdout: no offer, no experiment, whatever the rules say. */
export function holdoutDecision(segment: Segment): Decision {
  return { offer: null, experiment: null, segment, reason: 'holdout' };
}

/** The configured offer of this id, or null. */
export function offerById(policy: Policy, id: string | null): Offer | null {
  return id == null ? null : (policy.offers.get(id) ?? null);
}
