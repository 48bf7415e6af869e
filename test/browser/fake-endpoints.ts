// Fake API endpoints for the widget's failure modes: test-only routes on the harness's app that
// answer /offer, /events, /leads and /live as a test says, and count what they were asked.
import type { Request, Response } from 'express';
import type { Offer, PublicOffer } from '../../server/decision/offer';
import type { OfferResponse } from '../../server/contract';
import type { Harness } from './harness';

/** A decision as /offer answers it, for a fake endpoint. */
export function decisionWith(offer: Offer, experiment: OfferResponse['experiment'] = null): OfferResponse {
  let pub: PublicOffer;
  if (offer.kind === 'coupon') {
    const { codePool: _pool, code, ...display } = offer;
    pub = { ...display, code: code ?? 'POOLCODE', expiresAt: null };
  } else if (offer.kind === 'urgency') {
    pub = { ...offer, endsAt: offer.deadline };
  } else {
    pub = offer;
  }
  return { offer: pub, experiment, segment: 'low', reason: 'fake' };
}

export interface FakeEndpoint {
  /** The prefix, for the element's endpoint attribute. */
  endpoint: string;
  /** Requests each route received, by route name (offer, events, leads, live). */
  hits: Record<string, number>;
}

type Handler = (req: Request, res: Response) => void;

/**
 * Test-only API routes at `/fake/<name>/…`: `/offer` answers with `offer` (a handler, or a decision
 * sent as JSON); `/events` 202; `/leads` with `leads` (default 202); `/live` with `live` (default a count of 3).
 */
export function fakeEndpoint(h: Harness, name: string, handlers: { offer: Handler | OfferResponse; leads?: Handler; live?: Handler }): FakeEndpoint {
  const endpoint = `/fake/${name}`;
  const hits: Record<string, number> = { offer: 0, events: 0, leads: 0, live: 0 };
  const count = (route: string): void => {
    hits[route] = (hits[route] ?? 0) + 1;
  };
  const offer = handlers.offer;
  h.routes.get(`${endpoint}/offer`, (req, res) => {
    count('offer');
    if (typeof offer === 'function') offer(req, res);
    else res.set('cache-control', 'no-store').json(offer);
  });
  h.routes.post(`${endpoint}/events`, (_req, res) => {
    count('events');
    res.status(202).json({ ok: true });
  });
  h.routes.post(`${endpoint}/leads`, (req, res) => {
    count('leads');
    if (handlers.leads) handlers.leads(req, res);
    else res.status(202).json({ ok: true });
  });
  h.routes.get(`${endpoint}/live`, (req, res) => {
    count('live');
    if (handlers.live) handlers.live(req, res);
    else res.json({ activeVisitors: 3, recentPurchases: [] });
  });
  return { endpoint, hits };
}
