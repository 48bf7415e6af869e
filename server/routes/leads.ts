// POST /leads — an email from a lead-magnet form. Accepted (202) only once it is stored durably,
// with its deliveries (DataFast, the owner's webhook) queued in the store's outbox by the same
// transaction; the delivery worker sends them afterwards, with retries, and never loses them.
// Only from a visitor this server offered the lead magnet to: the body carries the decision token
// GET /offer answered with, for the cookie's visitor and this offer.
import type { RequestHandler } from 'express';
import { leadBody } from '../contract.js';
import { checkDecisionToken } from '../decision-token/check.js';
import type { DecisionKeys } from '../decision-token/decision-keys.js';
import type { Policy } from '../decision/decide.js';
import type { RateLimit } from '../http/rate-limit.js';
import { addressKey } from '../http/client-key.js';
import { checkOrigin } from '../http/same-origin.js';
import type { Logger } from '../logger.js';
import type { DeliveryTarget } from '../store/store.js';
import type { StoreRef } from '../store/store-ref.js';
import { noVisitorError, postedVisitor, type VisitorSource } from '../http/request-visitor.js';
import { VISITOR_COOKIE } from '../visitor-id.js';
import { firstIssue, reply } from './reply.js';

export interface LeadsRouteDeps {
  /** Where the visitor id is read (provider and cookie); default DataFast's cookie. */
  visitorSource?: VisitorSource;
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  /** Verify decision tokens. */
  keys: DecisionKeys;
  /** Where each lead is delivered. */
  deliverTo: readonly DeliveryTarget[];
  /** Tells the delivery worker a lead's deliveries were queued. */
  queued: () => void;
  allowedOrigins: readonly string[];
  perIp: RateLimit;
  logger: Logger;
  now?: () => number;
}

const NOT_STORED = { error: 'the lead could not be stored; please try again' };

export function leadsHandler({ visitorSource = { provider: 'datafast', cookie: VISITOR_COOKIE }, policy, store, keys, deliverTo, queued, allowedOrigins, perIp, logger, now = Date.now }: LeadsRouteDeps): RequestHandler {
  return async (req, res) => {
    const origin = checkOrigin(req, allowedOrigins);
    if (!origin.ok) return reply(res, 403, { error: `cross-origin request refused (${origin.reason})` });
    const limit = await perIp.take(addressKey(req.ip));
    if (!limit.ok) return reply(res, 429, { error: 'too many requests' }, { 'retry-after': String(limit.retryAfterSeconds) });
    const parsed = leadBody.safeParse(req.body);
    if (!parsed.success) return reply(res, 400, { error: firstIssue(parsed.error) });
    const { email, offerId, token } = parsed.data;
    if (policy().offers.get(offerId)?.kind !== 'lead_magnet') {
      return reply(res, 400, { error: `offerId: "${offerId}" is not a lead magnet offer` });
    }
    const cookie = await postedVisitor(req, visitorSource, keys, now());
    if (cookie.kind !== 'valid') return reply(res, 400, { error: noVisitorError(visitorSource) });
    const held = keys.current ?? (await keys.load().catch(() => null));
    if (held === null) return reply(res, 503, NOT_STORED);
    const checked = checkDecisionToken(held, token, cookie.id, offerId, now());
    if (!checked.ok) return reply(res, 400, { error: checked.error });
    const visitorId = checked.decision.visitorId;

    let s;
    try {
      s = await store.ready;
      await s.addLead({ email, offerId, visitorId }, { deliverTo });
    } catch (err) {
      // Not stored means not accepted: the form keeps the email and the visitor can try again.
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store a lead');
      return reply(res, 503, NOT_STORED);
    }
    reply(res, 202, { ok: true });
    queued();
    // A lead is the conversion of every experiment this visitor was exposed to (one statement;
    // the lead is stored and answered already, so a failure here costs a count, logged).
    await s.recordConversions(visitorId).catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not count a lead as a conversion'));
  };
}
