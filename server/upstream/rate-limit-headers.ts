// Reads a provider's X-RateLimit-Remaining and X-RateLimit-Reset headers (PostMetric documents
// them; DataFast documents none) into the quota the budget honours. Neither document says what
// Reset holds, and APIs differ: seconds until the window ends (the IETF draft), or the end as epoch
// seconds (GitHub) or epoch ms. A number too large to be a delay in seconds is read as a time.
import type { ProviderQuota } from './token-bucket.js';

/** Above this, a Reset is a point in time, not a delay: a delay of more than a year is no window. */
const MAX_DELAY_SECONDS = 365 * 24 * 3600;
/** Above this, a point in time is in ms (epoch seconds pass it only in the year 33658). */
const EPOCH_MS_FROM = 1e12;

export interface RateLimitHeaderValues {
  remaining: string | null;
  reset: string | null;
}

/** The quota the headers state, or null when either is missing or not a plain number. */
export function quotaFromHeaders(headers: RateLimitHeaderValues, now: number): ProviderQuota | null {
  const remaining = plainNumber(headers.remaining);
  const reset = plainNumber(headers.reset);
  if (remaining === null || reset === null) return null;
  let resetAt: number;
  if (reset <= MAX_DELAY_SECONDS) resetAt = now + reset * 1000;
  else if (reset < EPOCH_MS_FROM) resetAt = reset * 1000;
  else resetAt = reset;
  return { remaining: Math.floor(remaining), resetAt };
}

function plainNumber(text: string | null): number | null {
  if (text === null) return null;
  const t = text.trim();
  if (!/^\d{1,16}(\.\d{1,6})?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}
