// What the DataFast reconciliation decides, without I/O: which exposures it looks at (running
// experiments and the holdout, each within its attribution window plus a grace for a job running
// late), which payment times count as conversions, and when a visitor is looked at next.
//
// Schedule: the first look an hour (configurable) after the visitor's earliest exposure, then
// after doubling waits (1 h, 2 h, 4 h … at most a day), and a last look at the end of their latest
// window, so a payment on its last day is still found; after that, none. A visitor converted in
// every experiment looked at is done at once. Over a 7-day window that is about 12 looks for a
// visitor who never pays.
import type { Policy } from '../decision/decide.js';
import type { PaymentGoal } from '../datafast/payment-goals.js';
import type { CheckWindow, VisitorCheck } from '../store/store.js';
import { HOLDOUT_EXPERIMENT } from './holdout.js';
import { DAY_MS, windowMsOf } from './results.js';
import { DEFAULT_ATTRIBUTION_DAYS } from './types.js';

export interface ScheduleSettings {
  /** From the earliest exposure to the first look. */
  firstCheckAfterMs: number;
  /** The wait after the first look; it doubles after each. */
  firstIntervalMs: number;
  /** The longest wait between two looks. */
  maxIntervalMs: number;
  /** How long after a window's end a look is still made (a job that ran late, a backlog). */
  graceMs: number;
}

export const DEFAULT_SCHEDULE: Readonly<ScheduleSettings> = { firstCheckAfterMs: 3_600_000, firstIntervalMs: 3_600_000, maxIntervalMs: DAY_MS, graceMs: DAY_MS };

/** Each running experiment's attribution window (and the holdout's, when there is one), in ms. */
export function attributionWindows(policy: Policy): Map<string, number> {
  const windows = new Map<string, number>();
  for (const e of policy.experiments.values()) if (e.status === 'running') windows.set(e.id, windowMsOf(e));
  if (policy.holdout > 0) windows.set(HOLDOUT_EXPERIMENT, DEFAULT_ATTRIBUTION_DAYS * DAY_MS);
  return windows;
}

/** The exposures a claim looks at: within each window, plus the grace. */
export function checkWindows(windows: ReadonlyMap<string, number>, graceMs: number): CheckWindow[] {
  return [...windows].map(([experimentId, windowMs]) => ({ experimentId, lookBackMs: windowMs + graceMs }));
}

/**
 * The payment times to record as conversions: for each exposure, the first payment at or after it
 * (a payment before every exposure counts for none). A time in the future (a clock ahead of ours)
 * is taken as now. Oldest first, each once.
 */
export function conversionTimes(goals: readonly PaymentGoal[], exposures: Readonly<Record<string, number>>, now: number): number[] {
  const times = goals.map((g) => Math.min(g.at, now)).sort((a, b) => a - b);
  const chosen = new Set<number>();
  for (const exposedAt of Object.values(exposures)) {
    const first = times.find((t) => t >= exposedAt);
    if (first !== undefined) chosen.add(first);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * When to look at the visitor again after this look (`check.checks` looks before it), or null:
 * the latest of their windows has ended (this look was the last), or `converted` holds every
 * experiment looked at.
 */
export function nextCheckAt(check: VisitorCheck, windows: ReadonlyMap<string, number>, converted: readonly string[], now: number, s: ScheduleSettings = DEFAULT_SCHEDULE): number | null {
  const open = Object.entries(check.exposures).filter(([experiment]) => !converted.includes(experiment));
  if (open.length === 0) return null;
  const windowEnd = Math.max(...open.map(([experiment, at]) => at + (windows.get(experiment) ?? 0)));
  if (now >= windowEnd) return null;
  const wait = Math.min(s.maxIntervalMs, s.firstIntervalMs * 2 ** Math.min(check.checks, 30));
  return Math.min(now + wait, windowEnd);
}
