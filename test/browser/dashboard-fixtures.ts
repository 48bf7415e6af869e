// What the dashboard's browser test (and anything that screenshots the dashboard) shows: the
// built-in offers plus two experiments, one with a clear winner (by the always-valid test, with
// revenue from orders) and one whose exposures do not follow its weights (a sample ratio
// mismatch), a bandit whose third arm is clearly best, and a 1 % global holdout, with counts
// written straight into the store.
import type { DecisionSettings } from '../../server/decision/policy';
import { HOLDOUT_EXPERIMENT } from '../../server/experiments/holdout';
import type { Experiment } from '../../server/experiments/types';
import type { Store } from '../../server/store/store';
import { visitorIds } from '../support/visitor-ids';

export const DASHBOARD_PATH = '/visitor-offers/dashboard';
export const DASHBOARD_SCRIPT = '<script type="module" src="/visitor-offers/dashboard.js"></script>';

/** High-intent visitors enter `launch-urgency`: control (no offer) against the urgency bar. */
export const LAUNCH_URGENCY: Experiment = {
  id: 'launch-urgency',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'urgency', weight: 1, offer: 'popular-plan-urgency' },
  ],
};

/** A stopped experiment whose 50/50 split came out 60/40: the dashboard must warn. */
export const GUIDE_COPY: Experiment = {
  id: 'guide-copy',
  coverage: 1,
  status: 'stopped',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'guide', weight: 1, offer: 'starter-guide' },
  ],
};

/** A Thompson bandit over three arms; `guide` converts at 10 % against 2 and 3 %. */
export const FIRST_VISIT_BANDIT: Experiment = {
  id: 'first-visit-bandit',
  coverage: 1,
  status: 'running',
  allocation: 'thompson',
  allocationMetric: 'conversion',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
    { id: 'guide', weight: 1, offer: 'starter-guide' },
  ],
};

export const DASHBOARD_DECISIONS: DecisionSettings = {
  experiments: [LAUNCH_URGENCY, GUIDE_COPY, FIRST_VISIT_BANDIT],
  // Small enough that none of the seeded personas is held out (their rows show their rule).
  holdout: 0.01,
  rules: [{ id: 'high-intent-test', when: { segment: ['high'] }, then: { experiment: LAUNCH_URGENCY.id } }],
};

/** Exposures, conversions and the value of each converter's order (null: a lead, no order) per variant, as /events, /leads and /conversions would have recorded them. */
const COUNTS: Array<[experiment: string, variant: string, exposures: number, conversions: number, orderValue: number | null]> = [
  [LAUNCH_URGENCY.id, 'control', 412, 9, 49],
  [LAUNCH_URGENCY.id, 'urgency', 405, 40, 59],
  [GUIDE_COPY.id, 'control', 300, 12, null],
  [GUIDE_COPY.id, 'guide', 200, 11, null],
  [FIRST_VISIT_BANDIT.id, 'control', 150, 3, null],
  [FIRST_VISIT_BANDIT.id, 'coupon', 160, 5, 40],
  [FIRST_VISIT_BANDIT.id, 'guide', 900, 90, 40],
  [HOLDOUT_EXPERIMENT, 'holdout', 20, 0, null],
  [HOLDOUT_EXPERIMENT, 'offers', 1980, 60, 55],
];

export async function seedExperimentCounts(store: Store): Promise<void> {
  for (const [experiment, variant, exposures, conversions, value] of COUNTS) {
    const ids = visitorIds(exposures, `${experiment}-${variant}`);
    for (const id of ids) await store.recordExposure(experiment, variant, id);
    for (const [i, id] of ids.slice(0, conversions).entries()) {
      if (value === null) await store.recordConversion(experiment, id);
      else await store.recordOrder({ orderId: `${experiment}-${variant}-${i}`, visitorId: id, value, currency: 'EUR', source: 'backend' });
    }
  }
}
