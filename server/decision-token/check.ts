// What `POST /events` and `POST /leads` accept as the page's decision: a token this server signed
// (with a key it holds) in the last 24 hours, for the visitor whose cookie came with the request,
// naming the offer the body names. Pure; a refusal is the 400's pointed `error`.
import { verifyDecision, type DecisionKey, type VerifiedDecision } from './token.js';

export type TokenCheck = { ok: true; decision: VerifiedDecision } | { ok: false; error: string };

/**
 * `offerId`: the offer the body names (null: none, as for a control's exposure); undefined when the
 * body names none to compare (a conversion).
 */
export function checkDecisionToken(keys: readonly DecisionKey[], token: string, visitorId: string, offerId: string | null | undefined, now: number): TokenCheck {
  const verdict = verifyDecision(keys, token, now);
  if (!verdict.ok) {
    return { ok: false, error: verdict.reason === 'expired' ? 'token: expired (older than 24 hours; load the page again)' : 'token: invalid (not a decision token of this server)' };
  }
  const { decision } = verdict;
  if (decision.visitorId !== visitorId) return { ok: false, error: 'token: for another visitor (it does not match the datafast_visitor_id cookie)' };
  if (offerId !== undefined && offerId !== decision.offerId) return { ok: false, error: 'offerId: not the offer of the token' };
  return { ok: true, decision };
}
