// The global holdout: a share of visitors who never see any offer, so that what the whole program
// of offers adds (conversions, revenue) can be read against them. Pure.
//
// Membership is a hash of the visitor id with a seed of its own (GrowthBook's v2 hash, as
// assignment), so it is sticky across requests and instances, and independent of every
// experiment's buckets: the visitors left to experiments split by their weights as before. Raising
// the share only adds visitors to the holdout; lowering it only releases some.
//
// Both groups are recorded by one rule, when /offer decides for a visitor DataFast knows (not a bot,
// not unknown): `holdout` for those held out, `offers` for everyone else (whether or not an offer
// shows them). Their exposures are a pseudo-experiment's, `_holdout` (an id no configured
// experiment can have), so their conversions, orders and revenue are counted by the same queries
// and windows as any experiment's.
import { hash, HASH_VERSION } from './hash.js';
import { DEFAULT_ATTRIBUTION_DAYS, type Experiment } from './types.js';

/** The pseudo-experiment the holdout's exposures are recorded under. */
export const HOLDOUT_EXPERIMENT = '_holdout';
const HOLDOUT_SEED = 'visitor-offers:holdout';

export type HoldoutArm = 'holdout' | 'offers';

/** True when the visitor is in the holdout of this share (0–1). */
export function inHoldout(visitorId: string, share: number): boolean {
  return share > 0 && hash(HOLDOUT_SEED, visitorId, HASH_VERSION) < share;
}

/** The visitor's group, or null when there is no holdout. */
export function holdoutArm(visitorId: string, share: number): HoldoutArm | null {
  if (!(share > 0)) return null;
  return inHoldout(visitorId, share) ? 'holdout' : 'offers';
}

/** The holdout as an experiment for the results: control `holdout` (no offer), treatment `offers`. */
export function holdoutExperiment(share: number): Experiment {
  return {
    id: HOLDOUT_EXPERIMENT,
    coverage: 1,
    status: share > 0 ? 'running' : 'stopped',
    attributionDays: DEFAULT_ATTRIBUTION_DAYS,
    variants: [
      { id: 'holdout', weight: share, offer: null },
      { id: 'offers', weight: 1 - share, offer: null },
    ],
  };
}
