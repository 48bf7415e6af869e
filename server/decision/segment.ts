// Places a visitor in a segment from the provider's prediction, completed goals and identity. Pure.
import type { Visitor } from '../analytics/visitor.js';

/** Where a visitor stands: by score (low, average, high), a customer, or unknown (no confident prediction). */
export type Segment = 'low' | 'average' | 'high' | 'customer' | 'unknown';

/** How scores map to segments. */
export interface Thresholds {
  /** Scores strictly below this are "low". */
  low: number;
  /** Scores strictly above this are "high". */
  high: number;
  /** Predictions less confident than this are treated as no prediction (DataFast's own advice: 0.5). */
  minConfidence: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = { low: 40, high: 60, minConfidence: 0.5 };

/** How visitors the analytics tool has identified (a profile with a userId) are treated. */
export interface IdentifiedPolicy {
  /** Their segment when the prediction is null: DataFast documents null predictions for customers. */
  withoutPrediction: 'customer' | 'unknown';
  /** Whether they may get a lead magnet: their email is already known. */
  leadMagnets: boolean;
}

export const DEFAULT_IDENTIFIED: Readonly<IdentifiedPolicy> = { withoutPrediction: 'customer', leadMagnets: false };

/** Goals DataFast's payment integrations record when someone pays. */
const PAYING_GOALS = new Set(['payment', 'subscription_started', 'subscription_renewed', 'subscription_ended']);

export function isCustomer(visitor: Visitor): boolean {
  return visitor.activity.completedGoals.some((g) => PAYING_GOALS.has(g.name));
}

export function segmentOf(visitor: Visitor, t: Thresholds = DEFAULT_THRESHOLDS, identified: IdentifiedPolicy = DEFAULT_IDENTIFIED): Segment {
  if (isCustomer(visitor)) return 'customer';
  const p = visitor.prediction;
  if (p === null && visitor.identified && identified.withoutPrediction === 'customer') return 'customer';
  if (!p || p.confidence < t.minConfidence) return 'unknown';
  if (p.score < t.low) return 'low';
  if (p.score > t.high) return 'high';
  return 'average';
}
