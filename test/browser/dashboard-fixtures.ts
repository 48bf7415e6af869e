// What the dashboard's browser test (and anything that screenshots the dashboard) shows: the
// built-in offers plus two experiments, one with a clear winner and one whose exposures do not
// follow its weights (a sample ratio mismatch), with counts written straight into the store.
import type { DecisionSettings } from '../../server/decision/policy';
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

export const DASHBOARD_DECISIONS: DecisionSettings = {
  experiments: [LAUNCH_URGENCY, GUIDE_COPY],
  rules: [{ id: 'high-intent-test', when: { segment: ['high'] }, then: { experiment: LAUNCH_URGENCY.id } }],
};

/** Exposures and conversions per variant, as the widget's /events would have recorded them. */
const COUNTS: Array<[Experiment, string, number, number]> = [
  [LAUNCH_URGENCY, 'control', 412, 9],
  [LAUNCH_URGENCY, 'urgency', 405, 27],
  [GUIDE_COPY, 'control', 300, 12],
  [GUIDE_COPY, 'guide', 200, 11],
];

export async function seedExperimentCounts(store: Store): Promise<void> {
  for (const [experiment, variant, exposures, conversions] of COUNTS) {
    const ids = visitorIds(exposures, `${experiment.id}-${variant}`);
    for (const id of ids) await store.recordExposure(experiment.id, variant, id);
    for (const id of ids.slice(0, conversions)) await store.recordConversion(experiment.id, id);
  }
}
