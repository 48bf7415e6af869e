// What a local score is computed from: a visitor's behaviour, the same for every provider. The
// normalised visitor (analytics/visitor.ts) gives it through analytics/behaviour.ts; this is the
// part of those signals the model reads.
import { z } from 'zod';
import { visitorSignals, type DeviceClass, type ReferrerClass } from '../analytics/behaviour.js';
import type { Visitor } from '../analytics/visitor.js';

export type { DeviceClass, ReferrerClass };

export interface BehaviourSignals {
  /** Visits (sessions) so far, the current one included. */
  sessions: number;
  pageViews: number;
  /** The last page view or visit start (ms epoch); null when unknown. */
  lastSeenAt: number | null;
  /** Mean session length in seconds; null when unknown. */
  avgSessionSeconds: number | null;
  visitedPricing: boolean;
  visitedCheckout: boolean;
  referrerClass: ReferrerClass;
  device: DeviceClass;
}

export const REFERRER_CLASSES = ['direct', 'search', 'social', 'email', 'paid', 'referral'] as const satisfies readonly ReferrerClass[];
const DEVICE_CLASSES = ['desktop', 'mobile', 'tablet', 'unknown'] as const satisfies readonly DeviceClass[];

const count = z.number().finite().nonnegative();
/** Signals as stored (JSON) and read back: a row this version cannot read fails it. */
export const BEHAVIOUR_SIGNALS = z.object({
  sessions: count,
  pageViews: count,
  lastSeenAt: count.nullable(),
  avgSessionSeconds: count.nullable(),
  visitedPricing: z.boolean(),
  visitedCheckout: z.boolean(),
  referrerClass: z.enum(REFERRER_CLASSES),
  device: z.enum(DEVICE_CLASSES),
}) satisfies z.ZodType<BehaviourSignals>;

/** A visitor record, from any provider, as the signals the local score reads. */
export function signalsOf(visitor: Visitor): BehaviourSignals {
  // The clock only moves daysSinceLastSeen, which the model does not read (it takes lastSeenAt).
  const s = visitorSignals(visitor, 0);
  return {
    sessions: s.sessions,
    pageViews: s.pageViews,
    lastSeenAt: s.lastSeenAt,
    avgSessionSeconds: s.avgSessionSeconds,
    visitedPricing: s.visitedPricing,
    visitedCheckout: s.visitedCheckout,
    referrerClass: s.referrerClass,
    device: s.device,
  };
}
