// POST /events — what the widget saw and what the visitor did, forwarded to DataFast as goals for
// the cookie's visitor, counted for experiment results. Validated, origin-checked and rate-limited;
// the assignment is recomputed here, never taken from the browser. A conversion
// (window.visitorOffers.convert) takes nothing from the page's decision: it counts for every
// experiment the visitor was exposed to, and with an `orderId` it is stored as this visitor's
// order first (idempotent; the backend's POST /conversions report of it wins). Nothing is claimed
// unless it was stored: any store failure is a 503. The goal is queued in the store's outbox
// before the answer (an exposure's and an order's in their own transaction), so it survives a restart.
import type { RequestHandler } from 'express';
import { eventBody, type Duplicate, type EventAccepted, type EventBody } from '../contract.js';
import { conversionMetadata, GOAL_NAMES, type GoalMetadata } from '../datafast/goals.js';
import type { Policy } from '../decision/decide.js';
import { eventKey, exposureKey, orderKey, type GoalOutbox } from '../events/outbox.js';
import { assign } from '../experiments/assign.js';
import { addressKey } from '../http/client-key.js';
import type { RateLimit } from '../http/rate-limit.js';
import { checkOrigin } from '../http/same-origin.js';
import type { OfferFactsCache } from '../offers/facts-cache.js';
import type { Logger } from '../logger.js';
import type { StoreRef } from '../store/store-ref.js';
import type { Store } from '../store/store.js';
import { readVisitorId, VISITOR_COOKIE } from '../visitor-id.js';
import { firstIssue, reply } from './reply.js';

export interface EventsRouteDeps {
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  outbox: GoalOutbox;
  allowedOrigins: readonly string[];
  perIp: RateLimit;
  perVisitor: RateLimit;
  logger: Logger;
  /** This instance's copy of offer facts, forgotten when an exposure changes them. */
  facts?: OfferFactsCache;
}

export function eventsHandler({ policy, store, outbox, allowedOrigins, perIp, perVisitor, logger, facts }: EventsRouteDeps): RequestHandler {
  return async (req, res) => {
    const origin = checkOrigin(req, allowedOrigins);
    if (!origin.ok) return reply(res, 403, { error: `cross-origin request refused (${origin.reason})` });
    const visitor = readVisitorId(req.cookies?.[VISITOR_COOKIE]);
    if (visitor.kind !== 'valid') return reply(res, 400, { error: 'no valid datafast_visitor_id cookie' });
    for (const [limiter, key] of [
      [perIp, addressKey(req.ip)],
      [perVisitor, visitor.id],
    ] as const) {
      const limit = await limiter.take(key);
      if (!limit.ok) return reply(res, 429, { error: 'too many events' }, { 'retry-after': String(limit.retryAfterSeconds) });
    }
    const parsed = eventBody.safeParse(req.body);
    if (!parsed.success) return reply(res, 400, { error: firstIssue(parsed.error) });
    const event = parsed.data;
    // A conversion takes nothing from the page's decision; anything else is checked against it.
    const current = policy();
    const checked = event.type === 'conversion' ? null : checkOfferEvent(current, visitor.id, event);
    if (typeof checked === 'string') return reply(res, 400, { error: checked });
    const s = await store.ready.catch(() => null);
    if (s === null) return reply(res, 503, { error: 'events cannot be recorded right now; please try again' });

    let goal: Goal;
    try {
      goal = checked === null ? await conversion(s, visitor.id, event) : await offerEvent(s, outbox, visitor.id, event, { ...checked, pooled: isPooled(current, checked.offerId) }, logger);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store an event');
      return reply(res, 503, { error: 'events cannot be recorded right now; please try again' });
    }
    if (event.type === 'exposure' && checked !== null && checked.offerId !== null) facts?.forget(checked.offerId, visitor.id);
    if (goal.duplicate) return reply(res, 202, { ok: true, duplicate: true } satisfies Duplicate);

    let forwarded = true;
    if (goal.queued) outbox.kick();
    else if (goal.dropped === true) forwarded = false;
    else forwarded = await outbox.enqueue(s, { key: goal.key, goal: { visitorId: visitor.id, name: GOAL_NAMES[event.type], metadata: goal.metadata } });
    return reply(res, 202, { ok: true, forwarded } satisfies EventAccepted);
  };
}

/** What an event sends to DataFast: nothing when it was a duplicate; `queued` when its own write queued it already. */
interface Goal {
  duplicate: boolean;
  metadata: GoalMetadata;
  /** The goal's outbox key. */
  key: string;
  queued: boolean;
  /** Not queued for good: the outbox was full. */
  dropped?: boolean;
}

/** An exposure, click or dismiss as the visitor's real assignment has it; a string is the 400's message. */
function checkOfferEvent(current: Policy, visitorId: string, event: EventBody): { offerId: string | null; variant: string | undefined } | string {
  const offerId = event.offerId ?? null;
  if (offerId !== null && !current.offers.has(offerId)) return `offerId: unknown offer "${offerId}"`;
  if (event.experiment !== undefined) {
    const experiment = current.experiments.get(event.experiment);
    if (!experiment) return `experiment: unknown experiment "${event.experiment}"`;
    // The browser's word is not trusted for results: the variant is the visitor's real assignment.
    const assignment = assign(experiment, visitorId);
    // An arm whose offer was withdrawn for this visitor (coupon expired, pool empty) shows nothing,
    // as a control does: its exposure comes without offer and still belongs to its arm.
    const withdrawn = event.type === 'exposure' && offerId === null;
    if (!assignment || (event.variant !== undefined && event.variant !== assignment.variantId) || (assignment.offerId !== offerId && !withdrawn)) {
      return 'variant: this visitor is not in that experiment variant';
    }
    return { offerId, variant: assignment.variantId };
  }
  if (event.variant !== undefined) return 'variant: given without experiment';
  if (offerId === null) return 'offerId: required outside an experiment';
  return { offerId, variant: undefined };
}

/** Whether the offer is a coupon whose codes come from a single-use pool. */
function isPooled(current: Policy, offerId: string | null): boolean {
  const offer = offerId === null ? undefined : current.offers.get(offerId);
  return offer?.kind === 'coupon' && offer.codePool !== null;
}

/**
 * Records an exposure (de-duplicated per visitor and experiment, else per visitor and offer) with
 * its goal, in one transaction (a failure stores neither, so the widget's retry is new again);
 * clicks and dismisses store nothing but their goal. An exposure to a pooled coupon also claims the
 * visitor's held code, at every exposure (a no-op once claimed), so a claim that failed once is
 * made by the next one.
 */
async function offerEvent(
  s: Store,
  outbox: GoalOutbox,
  visitorId: string,
  event: EventBody,
  { offerId, variant, pooled }: { offerId: string | null; variant: string | undefined; pooled: boolean },
  logger: Logger,
): Promise<Goal> {
  const metadata: GoalMetadata = { offer: offerId ?? 'none', experiment: event.experiment, variant };
  if (event.type !== 'exposure') return { duplicate: false, metadata, key: eventKey(), queued: false };
  const key = exposureKey(visitorId, event.experiment, offerId);
  // A full outbox drops the goal (counted) but still records the exposure.
  const goal = outbox.admit() ? { key, goal: { visitorId, name: GOAL_NAMES.exposure, metadata } } : undefined;
  const outcome = await s.recordOfferExposure({
    offerId,
    visitorId,
    experiment: event.experiment !== undefined && variant !== undefined ? { id: event.experiment, variantId: variant } : undefined,
    claimCode: offerId !== null && pooled,
  }, goal);
  if (offerId !== null && pooled && outcome.code === null) {
    // The offer showed a code this visitor no longer holds (their hold lapsed and the code went
    // to someone else), or no /offer ever held one for them: nothing to claim.
    logger.warn({ offer: offerId }, 'coupon codes: an exposure to a pooled coupon whose visitor holds no code; nothing claimed (raise codes.holdMinutes if holds lapse before offers are seen)');
  }
  return { duplicate: outcome.duplicate, metadata, key, queued: outcome.queued, dropped: goal === undefined };
}

/** A conversion: the visitor's order (when it has an id), counted for every experiment they were exposed to. */
async function conversion(s: Store, visitorId: string, { orderId, value, currency }: EventBody): Promise<Goal> {
  if (orderId === undefined) {
    // Like a lead: the conversion of every experiment the visitor was exposed to, once each (one statement).
    await s.recordConversions(visitorId);
    return { duplicate: false, metadata: conversionMetadata('page'), key: eventKey(), queued: false };
  }
  const report = { orderId, visitorId, value: value ?? null, currency: currency ?? null, source: 'page' } as const;
  const metadata = conversionMetadata('page', report);
  const key = orderKey('page', orderId, visitorId);
  // The goal is queued by the order's own transaction, only if the order is new.
  const outcome = await s.recordOrder(report, { key, goal: { visitorId, name: GOAL_NAMES.conversion, metadata } });
  // A page's order never conflicts (it is keyed by its visitor); were it to, nothing is sent either.
  return { duplicate: outcome.status !== 'new', metadata, key, queued: true };
}
