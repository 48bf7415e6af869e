// Which visitor a request is about: the analytics cookie (its name configurable), or, where the
// provider's browser API gives the id to scripts (PostMetric: `window.postMetric.getVisitorId()`),
// the widget's `X-Visitor-Id` header when no cookie was readable. Both are untrusted input,
// checked by the provider's id rule; a present but malformed cookie is never replaced by the header.
import type { Request } from 'express';
import type { Provider } from '../analytics/client.js';
import type { DecisionKeys } from '../decision-token/decision-keys.js';
import { verifyDecision } from '../decision-token/token.js';
import { readPostMetricId, visitorIdReader, type VisitorIdResult } from '../visitor-id.js';

export const VISITOR_ID_HEADER = 'x-visitor-id';

export interface VisitorSource {
  provider: Provider;
  cookie: string;
}

/** The longest header value looked at (the id rules allow 128 characters). */
const MAX_HEADER = 256;

export function requestVisitor(req: Request, source: VisitorSource): VisitorIdResult {
  const read = visitorIdReader(source.provider);
  const fromCookie = read((req.cookies as Record<string, unknown> | undefined)?.[source.cookie]);
  // DataFast ids come only from its cookie, as they always have.
  if (fromCookie.kind !== 'none' || source.provider !== 'postmetric') return fromCookie;
  const header = req.get(VISITOR_ID_HEADER);
  if (header === undefined) return fromCookie;
  return header.length > MAX_HEADER ? { kind: 'invalid' } : read(header);
}

/** The refusal when a request names no usable visitor. */
export function noVisitorError(source: VisitorSource): string {
  return source.provider === 'postmetric' ? `no valid ${source.cookie} cookie or X-Visitor-Id header` : `no valid ${source.cookie} cookie`;
}

/**
 * The visitor of a POST from the widget (/events, /leads): as requestVisitor, and with PostMetric,
 * when neither cookie nor header came (a beacon sets no header), the visitor the body's signed
 * decision token names — the id `/offer` decided for, which only this server can sign.
 */
export async function postedVisitor(req: Request, source: VisitorSource, keys: DecisionKeys, now: number): Promise<VisitorIdResult> {
  const found = requestVisitor(req, source);
  if (found.kind !== 'none' || source.provider !== 'postmetric') return found;
  const token: unknown = (req.body as Record<string, unknown> | undefined)?.token;
  if (typeof token !== 'string') return found;
  const held = keys.current ?? (await keys.load().catch(() => null));
  if (held === null) return found;
  const verdict = verifyDecision(held, token, now);
  return verdict.ok ? readPostMetricId(verdict.decision.visitorId) : found;
}
