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
