// POST /events — what the widget saw and what the visitor did, forwarded to DataFast as goals for
// the cookie's visitor, counted for experiment results. Validated, origin-checked and rate-limited;
// an exposure, click or dismiss needs the decision token GET /offer answered with, and its offer,
// experiment and variant are the token's, never the browser's word, so events count only for
// visitors this server decided for. A conversion (window.visitorOffers.convert) needs no token: it
// counts for every experiment the visitor was exposed to (exposures need tokens), and with an
// `orderId` it is stored as this visitor's order first (idempotent; the backend's POST
// /conversions report of it wins). Nothing is claimed unless it was stored: any store failure is a
// 503. The goal is queued in the store's outbox before the answer (an exposure's and an order's in their own
// transaction), so it survives a restart.
import type { RequestHandler } from 'express';
import { eventBody, type Duplicate, type EventAccepted, type EventBody } from '../contract.js';
import { conversionMetadata, GOAL_NAMES, type GoalMetadata } from '../datafast/goals.js';
import { checkDecisionToken } from '../decision-token/check.js';
import type { DecisionKeys } from '../decision-token/decision-keys.js';
import type { VerifiedDecision } from '../decision-token/token.js';
import type { Policy } from '../decision/decide.js';
import { eventKey, exposureKey, orderKey, type GoalOutbox } from '../events/outbox.js';
import { addressKey } from '../http/client-key.js';
import type { RateLimit } from '../http/rate-limit.js';
import { checkOrigin } from '../http/same-origin.js';
import type { OfferFactsCache } from '../offers/facts-cache.js';
import type { Logger } from '../logger.js';
import type { StoreRef } from '../store/store-ref.js';
import type { Store } from '../store/store.js';
import type { BehaviourSignals } from '../scoring/signals.js';
import { noVisitorError, postedVisitor, type VisitorSource } from '../http/request-visitor.js';
import { VISITOR_COOKIE } from '../visitor-id.js';
import { firstIssue, reply } from './reply.js';

export interface EventsRouteDeps {
  /** Where the visitor id is read (provider and cookie); default DataFast's cookie. */
  visitorSource?: VisitorSource;
  /** The current policy, read once per request (offers can be reloaded). */
  policy: () => Policy;
  store: StoreRef;
  /** Verify decision tokens. */
  keys: DecisionKeys;
  outbox: GoalOutbox;
  allowedOrigins: readonly string[];
  perIp: RateLimit;
  perVisitor: RateLimit;
  logger: Logger;
  /** This instance's copy of offer facts, forgotten when an exposure changes them. */
  facts?: OfferFactsCache;
  /**
   * The visitor's behaviour signals as this instance holds them (no I/O), kept with their first
   * exposure to fit the local score (`visitor-offers fit-score`); absent or null: none kept.
   */
  signalsOf?: (visitorId: string) => BehaviourSignals | null;
  now?: () => number;
}

const UNAVAILABLE = { error: 'events cannot be recorded right now; please try again' };

export function eventsHandler({ visitorSource = { provider: 'datafast', cookie: VISITOR_COOKIE }, policy, store, keys, outbox, allowedOrigins, perIp, perVisitor, logger, facts, signalsOf, now = Date.now }: EventsRouteDeps): RequestHandler {
  return async (req, res) => {
    const origin = checkOrigin(req, allowedOrigins);
    if (!origin.ok) return reply(res, 403, { error: `cross-origin request refused (${origin.reason})` });
    const visitor = await postedVisitor(req, visitorSource, keys, now());
    if (visitor.kind !== 'valid') return reply(res, 400, { error: noVisitorError(visitorSource) });
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
    let decided: VerifiedDecision | null = null;
    if (event.token !== undefined) {
      // Known at once with a configured secret; else read from the store, which events need anyway.
      const held = keys.current ?? (await keys.load().catch(() => null));
      if (held === null) return reply(res, 503, UNAVAILABLE);
      const checked = checkDecisionToken(held, event.token, visitor.id, event.type === 'conversion' ? undefined : (event.offerId ?? null), now());
      if (!checked.ok) return reply(res, 400, { error: checked.error });
      decided = checked.decision;
    }
    const s = await store.ready.catch(() => null);
    if (s === null) return reply(res, 503, UNAVAILABLE);

    let goal: Goal;
    try {
      // The schema lets no other event through without a token.
      goal = event.type === 'conversion' || decided === null ? await conversion(s, visitor.id, event) : await offerEvent(s, outbox, event.type, decided, isPooled(policy(), decided.offerId), logger);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store an event');
      return reply(res, 503, UNAVAILABLE);
    }
    if (event.type === 'exposure' && decided !== null && decided.offerId !== null) facts?.forget(decided.offerId, visitor.id);
    if (event.type === 'exposure' && !goal.duplicate) keepSignals(s, visitor.id);
    if (goal.duplicate) return reply(res, 202, { ok: true, duplicate: true } satisfies Duplicate);

    let forwarded = true;
    if (goal.queued) outbox.kick();
    else if (goal.dropped === true) forwarded = false;
    else forwarded = await outbox.enqueue(s, { key: goal.key, goal: { visitorId: visitor.id, name: GOAL_NAMES[event.type], metadata: goal.metadata } });
    return reply(res, 202, { ok: true, forwarded } satisfies EventAccepted);
  };

  /** Training data is not worth a failed event: written after the answer's facts, its failure only logged. */
  function keepSignals(s: Store, visitorId: string): void {
    const signals = signalsOf?.(visitorId) ?? null;
    if (signals === null) return;
    s.recordScoreSignals(visitorId, signals, now()).catch((err: unknown) => {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not keep a visitor’s score signals (fit-score loses one sample)');
    });
  }
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
  type: 'exposure' | 'click' | 'dismiss',
  decided: VerifiedDecision,
  pooled: boolean,
  logger: Logger,
): Promise<Goal> {
  const { visitorId, offerId, experiment } = decided;
  const metadata: GoalMetadata = { offer: offerId ?? 'none', experiment: experiment?.id, variant: experiment?.variant };
  if (type !== 'exposure') return { duplicate: false, metadata, key: eventKey(), queued: false };
  const key = exposureKey(visitorId, experiment?.id, offerId);
  // A full outbox drops the goal (counted) but still records the exposure.
  const goal = outbox.admit() ? { key, goal: { visitorId, name: GOAL_NAMES.exposure, metadata } } : undefined;
  // Every arm by one rule: the first exposure of a visitor to an experiment wins.
  const outcome = await s.recordOfferExposure(
    {
      offerId,
      visitorId,
      experiment: experiment !== null ? { id: experiment.id, variantId: experiment.variant } : undefined,
      claimCode: offerId !== null && pooled,
    },
    goal,
  );
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
