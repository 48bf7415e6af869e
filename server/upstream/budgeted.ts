// A call to the analytics API through the upstream budget: made when the budget grants it, else
// answered at once with `unavailable: budget` (no call; nothing for a breaker to count).
import type { UpstreamBudget } from './upstream-budget.js';
import type { CallPriority } from './token-bucket.js';

export const BUDGET_REFUSED = Object.freeze({ kind: 'unavailable', cause: 'budget' } as const);

export async function budgeted<T>(budget: UpstreamBudget | null, priority: CallPriority, call: () => Promise<T>): Promise<T | typeof BUDGET_REFUSED> {
  if (budget === null) return call();
  return (await budget.take(priority)) ? call() : BUDGET_REFUSED;
}
