// A visitor's payments as DataFast records them, for the conversion reconciliation: every
// `payment` and `subscription_*` goal (except an ending or a cancellation) of both doc generations'
// goal lists (`completedGoals`, `completedCustomGoals`), each with its time. Unlike the decision's
// record (visitor.ts keeps each goal name once), repeats are kept: a visitor who paid before an
// experiment and again after it converted after it. Bounded: at most MAX_PAYMENT_GOALS kept, from
// at most 10,000 items per list (visitor.ts VISITOR_LIMITS). Pure.
import { readGoals } from './visitor.js';

/** A payment DataFast recorded, at `at` (ms epoch). */
export interface PaymentGoal {
  name: string;
  at: number;
}

export const MAX_PAYMENT_GOALS = 200;

const NOT_A_PAYMENT = new Set(['subscription_ended', 'subscription_canceled', 'subscription_cancelled']);

/** `payment`, or a `subscription_*` goal that is not its end (started, renewed, upgraded…). */
export function isPaymentGoal(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'payment' || (n.startsWith('subscription_') && !NOT_A_PAYMENT.has(n));
}

/**
 * The payments in a GET /api/v1/visitors/{id} body, oldest first; goals without a readable time
 * are left out (when they happened decides what they count for). Null when the body is not a
 * visitor response.
 */
export function parsePaymentGoals(body: unknown): PaymentGoal[] | null {
  if (typeof body !== 'object' || body === null) return null;
  const { status, data } = body as { status?: unknown; data?: unknown };
  if (status !== 'success' || typeof data !== 'object' || data === null) return null;
  const activity = (data as { activity?: unknown }).activity;
  if (activity === undefined || activity === null) return [];
  if (typeof activity !== 'object') return null;
  const { completedGoals, completedCustomGoals } = activity as Record<string, unknown>;
  const out: PaymentGoal[] = [];
  for (const goal of [...readGoals(completedGoals), ...readGoals(completedCustomGoals)]) {
    if (!isPaymentGoal(goal.name) || goal.timestamp === null) continue;
    const at = Date.parse(goal.timestamp);
    if (!Number.isFinite(at)) continue;
    out.push({ name: goal.name, at });
    if (out.length >= MAX_PAYMENT_GOALS) break;
  }
  return out.sort((a, b) => a.at - b.at);
}
