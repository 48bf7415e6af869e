// Builds the decision policy from the owner's settings (router options or the offers file),
// merging built-in defaults and checking what no schema can: thresholds in order, offer ids defined.
import { ConfigError } from '../config-error';
import { DEFAULT_SEGMENT_OFFERS, type Policy, type SegmentOffers } from './decide';
import { BUILT_IN_OFFERS, type Offer } from './offer';
import { DEFAULT_THRESHOLDS, type Thresholds } from './segment';

export interface DecisionSettings {
  thresholds?: Partial<Thresholds>;
  /** Offers by id; they replace built-in offers of the same id. */
  offers?: Offer[];
  /** Which offer id each segment gets (null = none). */
  bySegment?: Partial<SegmentOffers>;
}

/** Throws a ConfigError whose setting is relative to the settings object (`thresholds`, `bySegment.low`). */
export function buildPolicy(settings: DecisionSettings = {}): Policy {
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...settings.thresholds };
  const { low, high, minConfidence } = thresholds;
  if (!(low >= 0 && high <= 100 && low <= high)) {
    throw new ConfigError('thresholds', `need 0 ≤ low ≤ high ≤ 100, got low ${low} and high ${high}`);
  }
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new ConfigError('thresholds.minConfidence', `must be between 0 and 1, got ${minConfidence}`);
  }
  const offers = new Map<string, Offer>(BUILT_IN_OFFERS.map((o) => [o.id, o]));
  for (const o of settings.offers ?? []) offers.set(o.id, o);
  const bySegment: SegmentOffers = { ...DEFAULT_SEGMENT_OFFERS, ...settings.bySegment };
  for (const [segment, id] of Object.entries(bySegment)) {
    if (id != null && !offers.has(id)) {
      throw new ConfigError(`bySegment.${segment}`, `names offer "${id}", which is not defined`);
    }
  }
  return { thresholds, offers, bySegment };
}
