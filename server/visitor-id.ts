// Reads the DataFast visitor id from a cookie value. Anyone can forge the cookie, so only a
// well-formed UUID v4 may reach an upstream URL: no path tricks, no oversized values.

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const VISITOR_COOKIE = 'datafast_visitor_id';

export type VisitorIdResult = { kind: 'none' } | { kind: 'invalid' } | { kind: 'valid'; id: string };

export function readVisitorId(cookieValue: unknown): VisitorIdResult {
  if (cookieValue === undefined || cookieValue === null || cookieValue === '') return { kind: 'none' };
  if (typeof cookieValue !== 'string' || cookieValue.length !== 36) return { kind: 'invalid' };
  const id = cookieValue.toLowerCase();
  return UUID_V4.test(id) ? { kind: 'valid', id } : { kind: 'invalid' };
}

/** PostMetric's ids (its docs show `visitor_123`): a strict charset and length, never the UUID rule. */
const POSTMETRIC_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Reads a PostMetric visitor id (from its cookie or the widget's header); kept as given: its ids are case-sensitive. */
export function readPostMetricId(value: unknown): VisitorIdResult {
  if (value === undefined || value === null || value === '') return { kind: 'none' };
  if (typeof value !== 'string' || !POSTMETRIC_ID.test(value)) return { kind: 'invalid' };
  return { kind: 'valid', id: value };
}

/** The id rule of each analytics provider. */
export function visitorIdReader(provider: 'datafast' | 'postmetric'): (value: unknown) => VisitorIdResult {
  return provider === 'postmetric' ? readPostMetricId : readVisitorId;
}
