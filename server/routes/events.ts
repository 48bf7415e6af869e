// POST /events — what the widget saw and what the visitor did, forwarded to DataFast as goals for
// the cookie's visitor, counted for experiment results. Validated, origin-checked and rate-limited;
// the assignment is recomputed here, never taken from the browser. A conversion with an `orderId`
// (window.visitorOffers.convert) is stored as an order first: idempotent by order id, shared with
// POST /conversions.
import type { RequestHandler } from 'express';
import { eventBody } from '../contract.js';
import { GOAL_NAMES, orderMetadata } from '../datafast/goals.js';
import type { Policy } from '../decision/decide.js';
import type { GoalOutbox } from '../events/outbox.js';
import { assign } from '../experiments/assign.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { checkOrigin } from '../http/same-origin.js';
import type { Logger } from '../logger.js';
import type { StoreRef } from '../store/store-ref.js';
import { readVisitorId, VISITOR_COOKIE } from '../visitor-id.js';
import { firstIssue, reply } from './reply.js';

export interface EventsRouteDeps {
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  outbox: GoalOutbox;
  allowedOrigins: readonly string[];
  perIp: RateLimiter;
  perVisitor: RateLimiter;
  logger: Logger;
}

export function eventsHandler({ policy, store, outbox, allowedOrigins, perIp, perVisitor, logger }: EventsRouteDeps): RequestHandler {
  return async (req, res) => {
    const origin = checkOrigin(req, allowedOrigins);
    if (!origin.ok) return reply(res, 403, { error: `cross-origin request refused (${origin.reason})` });
    const visitor = readVisitorId(req.cookies?.[VISITOR_COOKIE]);
    if (visitor.kind !== 'valid') return reply(res, 400, { error: 'no valid datafast_visitor_id cookie' });
    for (const [limiter, key] of [
      [perIp, req.ip ?? 'unknown'],
      [perVisitor, visitor.id],
    ] as const) {
      const limit = limiter.take(key);
      if (!limit.ok) return reply(res, 429, { error: 'too many events' }, { 'retry-after': String(limit.retryAfterSeconds) });
    }
    const parsed = eventBody.safeParse(req.body);
    if (!parsed.success) return reply(res, 400, { error: firstIssue(parsed.error) });
    const event = parsed.data;
    const current = policy();

    if (event.offerId !== null && !current.offers.has(event.offerId)) {
      return reply(res, 400, { error: `offerId: unknown offer "${event.offerId}"` });
    }
    let variant: string | undefined;
    if (event.experiment !== undefined) {
      const experiment = current.experiments.get(event.experiment);
      if (!experiment) return reply(res, 400, { error: `experiment: unknown experiment "${event.experiment}"` });
      // The browser's word is not trusted for results: the variant is the visitor's real assignment.
      const assignment = assign(experiment, visitor.id);
      if (!assignment || (event.variant !== undefined && event.variant !== assignment.variantId) || assignment.offerId !== event.offerId) {
        return reply(res, 400, { error: 'variant: this visitor is not in that experiment variant' });
      }
      variant = assignment.variantId;
    } else if (event.variant !== undefined) {
      return reply(res, 400, { error: 'variant: given without experiment' });
    } else if (event.offerId === null && event.type !== 'conversion') {
      // A conversion may happen on a page that offers nothing (a thank-you page); anything else is about an offer.
      return reply(res, 400, { error: 'offerId: required outside an experiment' });
    }

    const s = await store.ready.catch(() => null);
    if (s === null) return reply(res, 503, { error: 'events cannot be recorded right now; please try again' });
    let duplicate = false;
    let order: Record<string, string | undefined> = {};
    if (event.type === 'conversion' && event.orderId !== undefined) {
      const { orderId, value = null, currency = null } = event;
      let outcome;
      try {
        outcome = await s.recordOrder({ orderId, visitorId: visitor.id, value, currency, source: 'page' });
      } catch (err) {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store an order');
        return reply(res, 503, { error: 'the conversion could not be recorded; please try again' });
      }
      if (outcome.status === 'conflict') return reply(res, 409, { error: 'orderId: already recorded for another visitor' });
      duplicate = outcome.status === 'duplicate';
      order = orderMetadata(outcome.order);
    } else if (event.type === 'exposure') {
      const offerSeenBefore = event.offerId !== null && s.firstExposure(event.offerId, visitor.id) !== undefined;
      if (event.offerId !== null) await s.recordFirstExposure(event.offerId, visitor.id);
      duplicate =
        event.experiment !== undefined && variant !== undefined
          ? !(await s.recordExposure(event.experiment, variant, visitor.id))
          : offerSeenBefore;
    } else if (event.type === 'conversion') {
      // Like an order and a lead: the conversion of every experiment the visitor was exposed to.
      for (const e of s.experimentIds()) if (s.exposureOf(e, visitor.id) !== undefined) await s.recordConversion(e, visitor.id);
    }
    if (duplicate) return reply(res, 202, { ok: true, duplicate: true });

    const queued = outbox.enqueue({
      visitorId: visitor.id,
      name: GOAL_NAMES[event.type],
      metadata: { offer: event.offerId ?? 'none', experiment: event.experiment, variant, ...order },
    });
    return reply(res, 202, { ok: true, forwarded: queued });
  };
}
