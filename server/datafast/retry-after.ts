// How long a 429 asks us to wait, from its Retry-After header.

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form carries a time of day; without this check Date.parse reads "1.5",
  // "-5" or "soon 2" as dates in 2001, and a malformed header would cancel the pause.
  if (!/\b\d{2}:\d{2}:\d{2}\b/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
