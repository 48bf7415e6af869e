// GET /offer?path=/pricing&referrer=…&lang=fr — the decision for the visitor in the cookie. Always 200 JSON:
// a failure anywhere becomes a safe "no offer" with its reason, never an error page for the widget.
import type { Request, RequestHandler, Response } from 'express';
import type { VisitorCache } from '../cache/visitor-cache.js';
import type { VisitorLookup } from '../datafast/lookup.js';
import type { BanditEnrolments } from '../experiments/bandit-enrolment.js';
import { decide, noOffer, type Decision, type Policy } from '../decision/decide.js';
import type { OfferPreviewQuery, OfferResponse } from '../contract.js';
import type { DecisionKeys, KeyList } from '../decision-token/decision-keys.js';
import { signDecision } from '../decision-token/token.js';
import { standInOffer } from '../experiments/stand-in.js';
import { readPage } from '../http/page-path.js';
import type { Logger } from '../logger.js';
import { OfferFactsCache } from '../offers/facts-cache.js';
import type { PoolStock } from '../offers/pool-stock.js';
import type { PoolSync } from '../offers/pool-sync.js';
import { NO_FACTS, needsFacts, publicOffer, type Materialized } from '../offers/public-offer.js';
import { readLang, uiStringsFor, type LangTables } from '../offers/ui-strings.js';
import { previewAnswer } from '../preview/answer.js';
import type { PreviewKey } from '../preview/token.js';
import type { StoreRef } from '../store/store-ref.js';
import type { Store } from '../store/store.js';
import { looksLikeCrawler } from '../user-agent.js';
import { scoreLookup, type LocalScoreConfig } from '../scoring/score-source.js';
import { requestVisitor, type VisitorSource } from '../http/request-visitor.js';
import { VISITOR_COOKIE } from '../visitor-id.js';

/** The offers a decision is made with: read once per request, so a reload never changes one midway. */
export interface OffersSnapshot {
  readonly policy: Policy;
  readonly pools: ReadonlyMap<string, readonly string[]>;
  /** The offers file's own words by language (`lang`). */
  readonly config?: { readonly lang?: LangTables };
}

export interface OfferRouteDeps {
  /** Where the visitor id is read (provider, cookie, and PostMetric's X-Visitor-Id header); default DataFast's cookie. */
  visitorSource?: VisitorSource;
  cache: VisitorCache;
  offers: () => OffersSnapshot;
  store: StoreRef;
  /** Loads each pool into the store before its first hold. */
  poolSync: PoolSync;
  /** Told what each hold found, for the low-stock log. */
  stock: PoolStock;
  /** How long a pool code is held for a visitor before their exposure claims it (ms). */
  holdMs: number;
  logger: Logger;
  /** This instance's copy of offer facts (shared with the events route, which forgets on exposure). */
  facts?: OfferFactsCache;
  /** Sign the decisions (`token`). */
  keys: DecisionKeys;
  /** How long an answer waits for keys not known yet (a generated secret, read when the store opens) before it goes without a token. */
  keyWaitMs?: number;
  /** Signs and checks preview tokens; null: previews are refused (`preview-disabled`). */
  previewKey?: PreviewKey | null;
  /** Places visitors in bandits (sticky by record); without it every experiment is decided by its hash. */
  bandits?: BanditEnrolments;
  /** Told every decision made for a visitor (the global holdout's record). */
  decided?: (visitorId: string, decision: Decision) => void;
  /** The local score for visitors without a prediction; default off (then decisions carry no `scoreSource`). */
  localScore?: LocalScoreConfig | null;
  now?: () => number;
}


/** Default `keyWaitMs`: well inside the widget's 2 s timeout. */
export const KEY_WAIT_MS = 1000;

export function offerHandler({ visitorSource = { provider: 'datafast', cookie: VISITOR_COOKIE }, cache, offers, store, poolSync, stock, holdMs, logger, keys, keyWaitMs = KEY_WAIT_MS, facts: given, previewKey = null, bandits, decided, localScore = null, now = Date.now }: OfferRouteDeps): RequestHandler {
  const facts = given ?? new OfferFactsCache(10_000, now);
  // With PostMetric the answer also varies with X-Visitor-Id (its id when no cookie is readable).
  const vary = visitorSource.provider === 'postmetric' ? 'Cookie, X-Visitor-Id' : 'Cookie';
  const send = (res: Response, body: OfferResponse): void => sendAs(vary, res, body);
  // Upstream trouble never gets here (the cache answers 'unavailable'): what does is our own fault.
  const fail = (res: Response, err: unknown): void => {
    logger.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'offer decision failed');
    if (!res.headersSent) send(res, noOffer('internal-error'));
  };

  return (req, res) => {
    try {
      const pending = decideRequest(req, res);
      if (pending) pending.catch((err: unknown) => fail(res, err));
    } catch (err) {
      fail(res, err);
    }
  };

  function decideRequest(req: Request, res: Response): void | Promise<void> {
    // The page's language picks the widget's words (sent with the offer, see send()).
    res.locals.lang = readLang(req.query.lang);
    res.locals.langTables = offers().config?.lang;
    const page = readPage(req.query.path, req.query.referrer);
    if (page === null) return send(res, noOffer('invalid-path'));
    // A preview needs no visitor, cookie or DataFast, and touches no store (preview/answer.ts).
    const q: Partial<Record<keyof OfferPreviewQuery, unknown>> = req.query;
    if (q['visitor-offers-preview'] !== undefined) {
      const answer = previewAnswer({ target: q['visitor-offers-preview'], token: q['visitor-offers-token'], page, policy: offers().policy, key: previewKey, now: now() });
      return answer instanceof Promise ? answer.then((body) => send(res, body)) : send(res, answer);
    }
    const visitor = requestVisitor(req, visitorSource);
    if (visitor.kind === 'none') return send(res, noOffer('no-cookie'));
    if (visitor.kind === 'invalid') return send(res, noOffer('invalid-cookie'));
    if (looksLikeCrawler(req.get('user-agent'))) return send(res, noOffer('bot'));

    const { policy, pools } = offers();
    const decideWith = (lookup: VisitorLookup, enrol?: Parameters<typeof decide>[3]): Decision => {
      // Off, nothing changes: DataFast's default answers stay as they were, without scoreSource.
      if (localScore === null || localScore.mode === 'off') return decide(lookup, policy, page, enrol);
      const scored = scoreLookup(lookup, localScore, now());
      const decision = decide(scored.lookup, policy, page, enrol);
      return scored.scoreSource === null ? decision : { ...decision, scoreSource: scored.scoreSource };
    };
    const decideFor = (lookup: VisitorLookup): void | Promise<void> => {
      const decision = bandits === undefined ? decideWith(lookup) : bandits.decide(visitor.id, (enrol) => decideWith(lookup, enrol));
      return decision instanceof Promise ? decision.then((d) => respond(res, d, visitor.id, policy, pools)) : respond(res, decision, visitor.id, policy, pools);
    };
    // Hot path: a fresh cached answer is decided and sent without a promise (a bandit's new
    // visitor is enrolled in the store first).
    const cached = cache.peek(visitor.id);
    if (cached) return decideFor(cached);
    return cache.lookup(visitor.id).then(decideFor);
  }

  function respond(res: Response, decision: Decision, visitorId: string, policy: Policy, pools: OffersSnapshot['pools']): void | Promise<void> {
    decided?.(visitorId, decision);
    const offer = decision.offer;
    const signed = (body: OfferResponse): void | Promise<void> => sign(res, body, visitorId, policy);
    if (offer === null) return signed({ ...decision, offer: null });
    const done = (m: Materialized): void | Promise<void> => signed(m.offer === null ? { ...decision, offer: null, reason: m.reason } : { ...decision, offer: m.offer });
    // Most offers need nothing stored: answered without a promise, whatever the store's state.
    if (!needsFacts(offer)) return done(publicOffer(offer, NO_FACTS, now()) as Materialized);
    const unavailable = (err: unknown): void | Promise<void> => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'the store failed while handing out an offer');
      return signed({ ...decision, offer: null, reason: 'store-unavailable' });
    };
    // One query for the visitor's first exposure and claimed code. A pooled coupon not claimed yet
    // holds a code (the visitor's own, renewed, or the next free one): shown now, claimed by the
    // visitor's exposure (routes/events.ts), back in the pool if that never comes.
    const withStore = (s: Store): Promise<void> =>
      s
        .offerFacts(offer.id, visitorId)
        .then((read) => {
          facts.remember(offer.id, visitorId, read, offer.kind === 'coupon' && offer.code === null);
          const m = publicOffer(offer, read, now());
          if (!('hold' in m)) return m;
          const codes = pools.get(offer.id) ?? [];
          return poolSync
            .ensure(s, offer.id, codes)
            .then(() => s.holdCouponCode(offer.id, visitorId, holdMs))
            .then((code) => {
              if (code === null) stock.observe(offer.id, 0);
              else stock.check(s, offer.id);
              return m.withCode(code);
            });
        })
        .then(done, unavailable);
    // A returning visitor's settled facts need no query (offers/facts-cache.ts).
    const known = facts.peek(offer.id, visitorId);
    if (known !== undefined) {
      const m = publicOffer(offer, known, now());
      if (!('hold' in m)) return done(m);
    }
    const s = store.current;
    return s !== null ? withStore(s) : store.ready.then(withStore, () => signed({ ...decision, offer: null, reason: 'store-unavailable' }));
  }

  /**
   * Sends a visitor's decision with its token (when it has an offer or an experiment), and a
   * control's (or withdrawn arm's) stand-in. The keys are known at once with a configured secret;
   * a generated one is read from the store once it opens: until then an answer waits up to
   * `keyWaitMs`, then goes without a token (its events are refused; nothing could be stored yet).
   */
  function sign(res: Response, decided: OfferResponse, visitorId: string, policy: Policy): void | Promise<void> {
    let body = decided;
    const e = body.experiment;
    if (e !== null && body.offer === null) {
      const standIn = standInOffer(policy, e.id, e.variant);
      if (standIn !== null) body = { ...body, experiment: { ...e, as: { id: standIn.id, trigger: standIn.trigger } } };
    }
    if (body.offer === null && e === null) return send(res, body);
    const claims = { visitorId, offerId: body.offer?.id ?? null, experiment: e === null ? null : { id: e.id, variant: e.variant } };
    const withToken = (held: KeyList | null): void => send(res, held === null ? body : { ...body, token: signDecision(held[0], claims, now(), visitorSource.provider === 'postmetric' ? 'text' : 'uuid') });
    if (keys.current !== null) return withToken(keys.current);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<null>((resolve) => (timer = setTimeout(resolve, keyWaitMs, null)));
    return Promise.race([keys.load().catch(() => null), waited]).then((held) => {
      clearTimeout(timer);
      withToken(held);
    });
  }
}

function sendAs(vary: string, res: Response, decided: OfferResponse): void {
  const offer = decided.offer;
  const lang = typeof res.locals.lang === 'string' ? res.locals.lang : null;
  const body = offer === null ? decided : { ...decided, offer: { ...offer, strings: uiStringsFor(lang, offer.strings, res.locals.langTables as LangTables | undefined) } };
  const text = JSON.stringify(body);
  // The decision is this visitor's own: no shared cache may keep it, and it varies with the cookie.
  // Written directly (no res.json) because an ETag on a no-store answer is wasted work.
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-store',
    vary,
    'content-length': Buffer.byteLength(text),
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}
