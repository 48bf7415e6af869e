// With provider "postmetric": where the visitor id comes from (its cookie, configurable, or the
// widget's X-Visitor-Id header from window.postMetric.getVisitorId()), how it is checked (PostMetric's
// charset and length, never the DataFast UUID rule), and that the decision token binds that id, so
// /events and /leads accept it — even from a beacon, which carries no header.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { POSTMETRIC_PERSONA_IDS } from '../../../demo/postmetric-personas';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { verifyDecision } from '../../../server/decision-token/token';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom } from '../../support/visitor-ids';
import { waitFor } from '../../support/wait';

const suite = useRouteSuite('offer-postmetric', { provider: 'postmetric', pm: { generateUnknown: true, rateLimitPerMinute: 100_000 } });
const SECRET = 'postmetric-route-secret-Zq8Lw3Nf6Tb1Yx9Kc4Hv';
const KNOWN = POSTMETRIC_PERSONA_IDS.pricingReturning;

async function mount(extra: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  return suite.track(await mountRouter({ ...suite.analytics({ timeoutMs: 1500 }), dataDir: suite.baseDir, logger: suite.log.logger, secret: SECRET, ...extra }));
}
const offer = (m: MountedRouter) => request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' });

describe('the PostMetric visitor id', () => {
  it('is read from the postmetric_visitor_id cookie by default', async () => {
    const m = await mount();
    const res = await offer(m).set('Cookie', `postmetric_visitor_id=${KNOWN}`);
    expect(res.body.reason).toMatch(/^rule:/);
    expect(suite.pm.calls[0]?.query).toEqual({ visitorId: KNOWN });
  });

  it('is read from the cookie VISITOR_COOKIE names, and not from another', async () => {
    const m = await mount({ visitorCookie: 'pm_vid' });
    expect((await offer(m).set('Cookie', `pm_vid=${KNOWN}`)).body.reason).toMatch(/^rule:/);
    expect((await offer(m).set('Cookie', `postmetric_visitor_id=${KNOWN}`)).body.reason).toBe('no-cookie');
  });

  it('comes from the X-Visitor-Id header when no cookie is readable', async () => {
    const m = await mount();
    const res = await offer(m).set('X-Visitor-Id', KNOWN);
    expect(res.body.reason).toMatch(/^rule:/);
    expect(res.headers.vary).toBe('Cookie, X-Visitor-Id');
    expect(suite.pm.callCount('visitors')).toBe(1);
  });

  it('prefers the cookie; a malformed cookie is not replaced by the header', async () => {
    const m = await mount();
    await offer(m).set('Cookie', `postmetric_visitor_id=${KNOWN}`).set('X-Visitor-Id', 'pm_other');
    expect(suite.pm.calls.map((c) => c.query.visitorId)).toEqual([KNOWN]);
    expect((await offer(m).set('Cookie', 'postmetric_visitor_id=bad%20id').set('X-Visitor-Id', KNOWN)).body.reason).toBe('invalid-cookie');
  });

  it.each([
    ['a space', 'visitor 123'],
    ['a slash', '../visitor'],
    ['a dot', 'visitor.1'],
    ['129 characters', 'v'.repeat(129)],
    ['a query', 'v?x=1'],
  ])('refuses an id with %s before any call (invalid-cookie)', async (_label, id) => {
    const m = await mount();
    expect((await offer(m).set('X-Visitor-Id', id)).body).toMatchObject({ offer: null, reason: 'invalid-cookie' });
    expect(suite.pm.calls).toHaveLength(0);
  });

  it('is not held to the DataFast UUID rule: visitor_123 and a UUID are both ids', async () => {
    const m = await mount();
    expect((await offer(m).set('X-Visitor-Id', 'visitor_123')).body.reason).toMatch(/^rule:/);
    expect((await offer(m).set('X-Visitor-Id', uuidFrom('pm-uuid'))).body.reason).toMatch(/^rule:/);
  });

  it('answers no-cookie with neither cookie nor header, without a call', async () => {
    const m = await mount();
    expect((await offer(m)).body).toMatchObject({ offer: null, reason: 'no-cookie' });
    expect(suite.pm.calls).toHaveLength(0);
  });
});

describe('decision tokens for PostMetric ids', () => {
  it('bind the id the decision was made for, case and all', async () => {
    const m = await mount();
    const id = 'Visitor_MixedCase-7';
    const res = await offer(m).set('X-Visitor-Id', id);
    const token = (res.body as { token?: string }).token;
    if (token === undefined) throw new Error(`expected a token, got ${res.text}`);
    const keys = await internalsOf(m.router).keys.load();
    const verdict = verifyDecision(keys, token, Date.now());
    expect(verdict.ok && verdict.decision.visitorId).toBe(id);
  });

  it('let a beacon (no cookie, no header) post an exposure for the token’s visitor; its goal reaches POST /goal', async () => {
    const m = await mount();
    const decided = (await offer(m).set('X-Visitor-Id', KNOWN)).body as { offer: { id: string } | null; token?: string };
    if (decided.offer === null || decided.token === undefined) throw new Error('expected an offer');
    const res = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('Content-Type', 'text/plain').send(JSON.stringify({ type: 'exposure', offerId: decided.offer.id, token: decided.token }));
    expect(res.status).toBe(202);
    await waitFor(() => suite.pm.goals.length > 0, 'the goal');
    expect(suite.pm.goals[0]).toMatchObject({ event: 'offer_exposure', visitorId: KNOWN });
  });

  it('refuse a token for another visitor than the header names', async () => {
    const m = await mount();
    const decided = (await offer(m).set('X-Visitor-Id', KNOWN)).body as { offer: { id: string } | null; token?: string };
    if (decided.offer === null || decided.token === undefined) throw new Error('expected an offer');
    const res = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).set('X-Visitor-Id', 'pm_someone_else').send({ type: 'exposure', offerId: decided.offer.id, token: decided.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^token: for another visitor/);
  });

  it('are required when neither cookie nor header names the visitor', async () => {
    const m = await mount();
    const res = await request(m.server).post('/visitor-offers/events').set('Origin', m.origin).send({ type: 'exposure', offerId: 'x', token: 'not-a-token' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('no valid postmetric_visitor_id cookie or X-Visitor-Id header');
  });
});

describe('which provider is active', () => {
  it('is named by health() and the dashboard data', async () => {
    const m = await mount({ dashboard: 'open' });
    expect(m.router.health().provider).toBe('postmetric');
    const data = await request(m.server).get('/visitor-offers/dashboard/data');
    expect(data.status).toBe(200);
    expect(data.body.provider).toBe('postmetric');
    // PostMetric has no realtime map: the dashboard says so instead of failing.
    expect(data.body.activeVisitors).toBeNull();
    expect(data.body.realtimeProblem).toBe('not-supported');
  });
});

describe('POST /conversions with PostMetric', () => {
  const TOKEN = 'conv-token-for-postmetric-Hs7Kq2Lm9Xz4Vb1N';
  it('takes a PostMetric visitor id as given, and forwards the order as a goal with its value', async () => {
    const m = await mount({ conversionsToken: TOKEN });
    const post = (body: unknown) => request(m.server).post('/visitor-offers/conversions').set('Authorization', `Bearer ${TOKEN}`).send(body as object);
    const res = await post({ visitorId: 'Visitor_123', orderId: 'order-1', value: 49, currency: 'USD' });
    expect(res.status).toBe(201);
    await waitFor(() => suite.pm.goals.length > 0, 'the conversion goal');
    expect(suite.pm.goals[0]).toMatchObject({ event: 'offer_conversion', visitorId: 'Visitor_123', value: 49 });
    expect((await post({ visitorId: 'not/an id', orderId: 'order-2' })).body.error).toMatch(/^visitorId: expected a PostMetric visitor id/);
  });
});
