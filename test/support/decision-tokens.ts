// Decision tokens for route tests: as the widget gets them (GET /offer with the visitor's cookie),
// or signed with the router's own keys for claims a test needs (a time long ago, an offer the
// visitor's /offer would not name) — the real signer, never a hand-made string.
import request from 'supertest';
import type { Server } from 'node:http';
import type { OfferResponse } from '../../server/contract';
import { DecisionKey, signDecision, type DecisionClaims, type VisitorIdKind } from '../../server/decision-token/token';
import { internalsOf } from '../../server/router-internals';
import type { VisitorOffersRouter } from '../../server/router';

/** A secret that passes the strength rules, for routers whose secret a test sets. */
export const TEST_SECRET = 'decision-secret-for-tests-7Hq2vLx9Rk4mWp8Zt';

/** GET /offer as the widget asks it, with the visitor's cookie (PostMetric's: `cookie: 'postmetric_visitor_id'`). */
export async function offerFor(server: Server, visitorId: string, path = '/', cookie = 'datafast_visitor_id'): Promise<OfferResponse> {
  const res = await request(server).get(`/visitor-offers/offer?path=${encodeURIComponent(path)}`).set('Cookie', `${cookie}=${visitorId}`);
  if (res.status !== 200) throw new Error(`GET /offer answered ${res.status}`);
  return res.body as OfferResponse;
}

/** The token GET /offer gives the visitor (throws when the answer has none). */
export async function tokenFor(server: Server, visitorId: string, path = '/'): Promise<string> {
  const body = await offerFor(server, visitorId, path);
  if (typeof body.token !== 'string') throw new Error(`GET /offer for ${visitorId} carried no token (${body.reason})`);
  return body.token;
}

/** A token for `claims`, signed by the router's own signing key as at `now` (PostMetric's ids with `ids: 'text'`). */
export async function signedToken(router: VisitorOffersRouter, claims: DecisionClaims, now = Date.now(), ids: VisitorIdKind = 'uuid'): Promise<string> {
  const [key] = await internalsOf(router).keys.load();
  return signDecision(key, claims, now, ids);
}

/** A token signed with TEST_SECRET, for a server started with it (`secret` / VISITOR_OFFERS_SECRET). */
export function testToken(visitorId: string, offerId: string | null, experiment: DecisionClaims['experiment'] = null, now = Date.now()): string {
  return signDecision(DecisionKey.fromSecret(TEST_SECRET), { visitorId: visitorId.toLowerCase(), offerId, experiment }, now);
}

/** A click on `offerId` as the widget posts it, for a server started with TEST_SECRET. */
export const clickBody = (visitorId: string, offerId = 'welcome-coupon'): string => JSON.stringify({ type: 'click', offerId, token: testToken(visitorId, offerId) });

/** A lead for `offerId` as the widget posts it, for a server started with TEST_SECRET. */
export const leadBodyFor = (visitorId: string, email: string, offerId = 'starter-guide'): string => JSON.stringify({ email, offerId, token: testToken(visitorId, offerId) });

/**
 * What the widget does for a visitor: GET /offer, then POST /events the exposure of what it
 * answered (its offer, or null for a control), with its token. Same-origin; returns the event's answer.
 */
export async function exposeAsWidget(server: Server, visitorId: string, path = '/'): Promise<request.Response> {
  const decided = await offerFor(server, visitorId, path);
  return request(server)
    .post('/visitor-offers/events')
    .set('Sec-Fetch-Site', 'same-origin')
    .set('Cookie', `datafast_visitor_id=${visitorId}`)
    .send({ type: 'exposure', offerId: decided.offer?.id ?? null, token: decided.token });
}

/**
 * An /offer answer's decision with its signed token replaced by its shape: two answers for the
 * same visitor are the same decision, but each token carries its own issue second (two requests
 * may straddle one).
 */
export function decisionOf(body: string): Record<string, unknown> {
  const { token, ...decision } = JSON.parse(body) as { token?: unknown };
  return { ...decision, token: typeof token === 'string' && /^[\w-]{40,}$/.test(token) ? 'signed' : token };
}
