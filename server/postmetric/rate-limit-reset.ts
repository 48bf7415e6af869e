// How long a PostMetric 429 asks us to wait. PostMetric documents `X-RateLimit-Reset` without its
// unit; both common readings are accepted: epoch seconds (a value past the year 2001) or seconds
// from now. A Retry-After, when present, wins.
import type { RateLimitHeaders } from '../datafast/transport.js';

const EPOCH_SECONDS_FLOOR = 1_000_000_000;

/** The pause as a Retry-After value (delta seconds), or null when the headers give none. */
export function pauseFromHeaders(retryAfter: string | null, headers: RateLimitHeaders, now: number): string | null {
  if (retryAfter !== null && retryAfter.trim() !== '') return retryAfter;
  const reset = headers.reset?.trim() ?? '';
  if (!/^\d{1,13}$/.test(reset)) return null;
  const n = Number(reset);
  if (n >= EPOCH_SECONDS_FLOOR * 1000) return String(Math.max(0, Math.ceil((n - now) / 1000)));
  if (n >= EPOCH_SECONDS_FLOOR) return String(Math.max(0, Math.ceil(n - now / 1000)));
  return String(n);
}
