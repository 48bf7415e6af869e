// The countdown's arithmetic: when an offer ends, and how the time left reads.
import type { PublicOffer } from './types';

const two = (n: number): string => String(n).padStart(2, '0');

/** 2d 3h 04m · 1:02:03 · 4:05 */
export function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor(total / 3600) % 24;
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  return d ? `${d}d ${h}h ${two(m)}m` : h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** When the offer ends, in ms: the server's time, else counted from this first display. */
export function deadline(o: PublicOffer, shownAt: number): number | null {
  const [at, minutes] =
    o.kind === 'coupon' ? [o.expiresAt, o.expiresInMinutes] : o.kind === 'urgency' ? [o.endsAt, o.countdownMinutes] : [null, null];
  const t = at ? Date.parse(at) : minutes ? shownAt + minutes * 60_000 : NaN;
  return Number.isFinite(t) ? t : null;
}

/** Seconds left at which the countdown is announced (the timer itself is not a live region). */
const MILESTONES = [600, 300, 60];

/** The minutes left to announce when the seconds left went from `before` (Infinity: first tick) to `left`, or 0. */
export function milestone(before: number, left: number): number {
  const passed = MILESTONES.find((m) => before > m && left <= m);
  return before !== Infinity && passed ? passed / 60 : 0;
}
