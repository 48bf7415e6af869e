// Decision tokens for route tests: as the widget gets them (GET /offer with the visitor's cookie),
// or signed with the router's own keys for claims a test needs (a time long ago, an offer the
// visitor's /offer would not name) — the real signer, never a hand-made string.
import request from 'supertest';
import type { Server } from 'node:http';
import type { OfferResponse } from '../../server/contract';
import { signDecision, type DecisionClaims } from '../../server/decision-token/token';
import { internalsOf } from '../../server/router-internals';
import type { VisitorOffersRouter } from '../../server/router';

/** A secret that passes the strength rules, for routers whose secret a test sets. */
export const TEST_SECRET = 'decision-secret-for-tests-7Hq2vLx9Rk4mWp8Zt';

/** GET /offer as the widget asks it, with the visitor's cookie. */
export async function offerFor(server: Server, visitorId: string, path = '/'): Promise<OfferResponse> {
  const res = await request(server).get(`/visitor-offers/offer?path=${encodeURIComponent(path)}`).set('Cookie', `datafast_visitor_id=${visitorId}`);
  if (res.status !== 200) throw new Error(`GET /offer answered ${res.status}`);
  return res.body as OfferResponse;
}

/** The token GET /offer gives the visitor (throws when the answer has none). */
export async function tokenFor(server: Server, visitorId: string, path = '/'): Promise<string> {
  const body = await offerFor(server, visitorId, path);
  if (typeof body.token !== 'string') throw new Error(`GET /offer for ${visitorId} carried no token (${body.reason})`);
  return body.token;
}

/** A token for `claims`, signed by the router's own signing key as at `now`. */
export async function signedToken(router: VisitorOffersRouter, claims: DecisionClaims, now = Date.now()): Promise<string> {
  const [key] = await internalsOf(router).keys.load();
  return signDecision(key, claims, now);
}
