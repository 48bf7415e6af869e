// Builds the decision policy from the owner's settings (router options or the offers file),
// merging built-in defaults and checking what no schema can: thresholds in order, offer ids defined.
import { ConfigError } from '../config/config-error.js';
import type { Experiment } from '../experiments/types.js';
import { DEFAULT_SEGMENT_OFFERS, type Policy, type SegmentOffers } from './decide.js';
import { BUILT_IN_OFFERS, type Offer } from './offer.js';
import { compileRules, type Rule } from './rules.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './segment.js';

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
  const experiments = new Map<string, Experiment>();
  for (const [i, e] of (settings.experiments ?? []).entries()) {
    if (experiments.has(e.id)) throw new ConfigError(`experiments[${i}].id`, `"${e.id}" is used twice`);
    for (const [j, v] of e.variants.entries()) {
      if (v.offer != null && !offers.has(v.offer)) {
        throw new ConfigError(`experiments[${i}].variants[${j}].offer`, `names offer "${v.offer}", which is not defined`);
      }
    }
    experiments.set(e.id, e);
  }
  const rules = settings.rules ?? [];
  for (const [i, r] of rules.entries()) {
    if ('experiment' in r.then) {
      if (!experiments.has(r.then.experiment)) {
        throw new ConfigError(`rules[${i}].then.experiment`, `names experiment "${r.then.experiment}", which is not defined`);
      }
    } else if (r.then.offer != null && !offers.has(r.then.offer)) {
      throw new ConfigError(`rules[${i}].then.offer`, `names offer "${r.then.offer}", which is not defined`);
    }
  }
  return { thresholds, offers, bySegment, rules: compileRules(rules), experiments };
}
