// Builds the decision policy from checked offers settings: built-in offers and default thresholds
// and segment offers merged in, rules compiled. Pure, and trusting: the offers schema
// (server/config) has already checked ids, references and thresholds.
import type { Experiment } from '../experiments/types.js';
import { DEFAULT_SEGMENT_OFFERS, type Policy, type SegmentOffers } from './decide.js';
import { BUILT_IN_OFFERS, type Offer } from './offer.js';
import { compileRules, type Rule } from './rules.js';
import { DEFAULT_IDENTIFIED, DEFAULT_THRESHOLDS, type IdentifiedPolicy, type Thresholds } from './segment.js';

export interface DecisionSettings {
  thresholds?: Partial<Thresholds>;
  /** Offers by id; they replace built-in offers of the same id. */
  offers?: Offer[];
  /** Which offer id each segment gets (null = none). */
  bySegment?: Partial<SegmentOffers>;
  /** Ordered rules: the first whose conditions all hold decides. */
  rules?: Rule[];
  /** Experiments that rules may name. */
  experiments?: Experiment[];
  /** Share of visitors who get no offer at all (the global holdout), 0–1; default 0. */
  holdout?: number;
  /** How identified visitors are treated; default DEFAULT_IDENTIFIED. */
  identifiedVisitors?: Partial<IdentifiedPolicy>;
}

export function buildPolicy(settings: DecisionSettings = {}): Policy {
  const offers = new Map<string, Offer>(BUILT_IN_OFFERS.map((o) => [o.id, o]));
  for (const o of settings.offers ?? []) offers.set(o.id, o);
  return {
    thresholds: { ...DEFAULT_THRESHOLDS, ...settings.thresholds },
    offers,
    bySegment: { ...DEFAULT_SEGMENT_OFFERS, ...settings.bySegment },
    rules: compileRules(settings.rules ?? []),
    experiments: new Map((settings.experiments ?? []).map((e) => [e.id, e])),
    holdout: settings.holdout ?? 0,
    identified: { ...DEFAULT_IDENTIFIED, ...settings.identifiedVisitors },
  };
}
