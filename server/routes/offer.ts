// GET /offer?path=/pricing — the decision for the visitor in the cookie. Always 200 JSON: a
// failure anywhere becomes a safe "no offer" with its reason, never an error page for the widget.
import type { Request, RequestHandler, Response } from 'express';
import type { VisitorCache } from '../cache/visitor-cache';
import type { VisitorLookup } from '../datafast/lookup';
import { decide, noOffer, type Decision, type Policy } from '../decision/decide';
import type { Logger } from '../logger';
import { looksLikeCrawler } from '../user-agent';
import { readVisitorId, VISITOR_COOKIE } from '../visitor-id';

export interface OfferRouteDeps {
  cache: VisitorCache;
  policy: Policy;
  logger: Logger;
}

const MAX_PATH = 2048;
// A page path as the widget sends it: absolute, printable, no scheme or host.
const PAGE_PATH = /^\/[\x21-\x7e]*$/;

export function readPagePath(value: unknown): string | null {
  if (value === undefined || value === '') return '/';
  if (typeof value !== 'string' || value.length > MAX_PATH || !PAGE_PATH.test(value) || value.startsWith('//')) return null;
  return value;
}

export function offerHandler({ cache, policy, logger }: OfferRouteDeps): RequestHandler {
  return (req, res) => {
    try {
      return decideRequest(req, res);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'offer decision failed');
      return send(res, noOffer('upstream-unavailable'));
    }
  };

  function decideRequest(req: Request, res: Response): void | Promise<void> {
    const path = readPagePath(req.query.path);
    if (path === null) return send(res, noOffer('invalid-path'));
    const visitor = readVisitorId(req.cookies?.[VISITOR_COOKIE]);
    if (visitor.kind === 'none') return send(res, noOffer('no-cookie'));
    if (visitor.kind === 'invalid') return send(res, noOffer('invalid-cookie'));
    if (looksLikeCrawler(req.get('user-agent'))) return send(res, noOffer('bot'));

    // Hot path: a fresh cached answer is decided and sent without a promise.
    const cached = cache.peek(visitor.id);
    if (cached) return send(res, decide(cached, policy));

    return cache.lookup(visitor.id).then(
      (lookup: VisitorLookup) => send(res, decide(lookup, policy)),
      (err: unknown) => {
        // The cache never rejects; this guards against a bug in decide() reaching the page.
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'offer decision failed');
        if (!res.headersSent) send(res, noOffer('upstream-unavailable'));
      },
    );
  }
}

function send(res: Response, decision: Decision): void {
  const body = JSON.stringify(decision);
  // The decision is this visitor's own: no shared cache may keep it, and it varies with the cookie.
  // Written directly (no res.json) because an ETag on a no-store answer is wasted work.
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-store',
    vary: 'Cookie',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
