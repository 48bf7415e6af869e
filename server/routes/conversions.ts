// POST /conversions — an order reported by the site's backend or payment webhook handler, for the
// visitor whose datafast_visitor_id cookie it read. Bearer-authenticated (admin or conversions
// token), rate-limited per client address, idempotent by order id, and it always wins over the
// page's report of the same order (store/sql-orders.ts). Acknowledged only once the order is
// stored; it then counts for every experiment the visitor was exposed to and goes to DataFast as
// an `offer_conversion` goal, queued in the store's outbox by the order's own transaction: the
// order and its goal are stored together or not at all, so a restart loses neither.
import express, { type RequestHandler } from 'express';
import { conversionBody, postMetricConversionBody, type ConversionCreated, type Duplicate } from '../contract.js';
import { conversionMetadata, GOAL_NAMES } from '../datafast/goals.js';
import { orderKey, type GoalOutbox } from '../events/outbox.js';
import { addressKey } from '../http/client-key.js';
import type { RateLimit } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';
import type { StoreRef } from '../store/store-ref.js';
import type { BearerGuard } from '../http/auth.js';
import { firstIssue, reply } from './reply.js';

export interface ConversionsRouteDeps {
  store: StoreRef;
  outbox: GoalOutbox;
  /** Tokens accepted as `Authorization: Bearer …` (nulls ignored); none disables the route (404). */
  tokens: ReadonlyArray<string | null>;
  perIp: RateLimit;
  /** Checks the token (wrong ones throttled and logged per client address). */
  guard: BearerGuard;
  logger: Logger;
  /** Whose visitor ids the body carries: DataFast's UUIDs (default) or PostMetric's ids. */
  provider?: 'datafast' | 'postmetric';
}

/** The route's handlers in order: access (enabled, rate limit, token), then body, then the order. */
export function conversionsHandlers({ store, outbox, tokens, perIp, guard, logger, provider = 'datafast' }: ConversionsRouteDeps): RequestHandler[] {
  const accepted = tokens.filter((t): t is string => t !== null);

  // Before the body is read: a disabled route or a missing token answers the same whatever is sent.
  const access: RequestHandler = async (req, res, next) => {
    if (accepted.length === 0) return reply(res, 404, { error: 'not enabled: set CONVERSIONS_TOKEN or ADMIN_TOKEN' });
    // Counted before the token check, so guessing tokens is as limited as sending orders.
    const limit = await perIp.take(addressKey(req.ip));
    if (!limit.ok) return reply(res, 429, { error: 'too many requests' }, { 'retry-after': String(limit.retryAfterSeconds) });
    if (!(await guard.admit(req, res, accepted, 'conversions token (or admin token) required'))) return;
    if (!req.is('application/json')) return reply(res, 415, { error: 'send the body as application/json' });
    next();
  };

  const record: RequestHandler = async (req, res) => {
    const parsed = (provider === 'postmetric' ? postMetricConversionBody : conversionBody).safeParse(req.body);
    if (!parsed.success) return reply(res, 400, { error: firstIssue(parsed.error) });
    const { visitorId, orderId, value = null, currency = null } = parsed.data;

    let outcome;
    try {
      const s = await store.ready;
      const report = { orderId, visitorId, value, currency, source: 'backend' } as const;
      const goal = { visitorId, name: GOAL_NAMES.conversion, metadata: conversionMetadata('backend', report) };
      outcome = await s.recordOrder(report, { key: orderKey('backend', orderId, visitorId), goal });
    } catch (err) {
      // Not stored means not acknowledged: the caller retries, and the order id keeps that safe.
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store an order');
      return reply(res, 503, { error: 'the conversion could not be stored; please try again' });
    }
    if (outcome.status === 'conflict') return reply(res, 409, { error: 'orderId: already recorded for another visitor' });
    if (outcome.status === 'duplicate') return reply(res, 200, { ok: true, duplicate: true } satisfies Duplicate);

    outbox.kick();
    reply(res, 201, { ok: true, counted: outcome.counted, forwarded: true } satisfies ConversionCreated);
  };

  return [access, express.json({ limit: '4kb' }), record];
}
