// Signed decisions over real HTTP: POST /events and POST /leads count only what GET /offer decided
// for the cookie's visitor. A forged variant, a token replayed under another visitor's cookie, an
// expired token, one signed with another secret and a tampered one are each refused with 400 and a
// pointed error, and nothing is recorded (no exposure, no goal, no lead); the happy paths record.
// Where the secret comes from: configured, or generated once and kept in the store (the same after
// a restart), with a previous secret accepted during a rotation; and it never leaves the server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { SECRET_SETTING } from '../../../server/decision-token/decision-keys';
import { DecisionKey, DECISION_TOKEN_TTL_MS, signDecision } from '../../../server/decision-token/token';
import type { DecisionSettings } from '../../../server/decision/policy';
import type { Experiment } from '../../../server/experiments/types';
import { internalsOf } from '../../../server/router-internals';
import type { Store } from '../../../server/store/store';
import { offerFor, signedToken, TEST_SECRET, tokenFor } from '../../support/decision-tokens';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { visitorIn } from '../../support/visitor-ids';

const EXPERIMENT: Experiment = {
  id: 'signed',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};
const DECISIONS: DecisionSettings = {
  experiments: [EXPERIMENT],
  rules: [
    { id: 'guide', when: { path: ['/guide'] }, then: { offer: 'starter-guide' } },
    { id: 'ab', when: {}, then: { experiment: EXPERIMENT.id } },
  ],
};
const IN_COUPON = visitorIn(EXPERIMENT, 'coupon', 'tokens');
const IN_CONTROL = visitorIn(EXPERIMENT, 'control', 'tokens');
const OTHER_SECRET = 'another-servers-secret-Qw3rT9zXc5Vb7Nm1Lk';

const suite = useRouteSuite('events-tokens', { sim: { generateUnknown: true }, secrets: [TEST_SECRET, OTHER_SECRET] });

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  return suite.track(
    await mountRouter({
      datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
      decisions: DECISIONS,
      dataDir: mkdtempSync(join(suite.baseDir, 'r-')),
      logger: suite.log.logger,
      ...options,
    }),
  );
}

function post(m: MountedRouter, path: 'events' | 'leads', body: object, visitor: string | null) {
  const r = request(m.server).post(`/visitor-offers/${path}`).set('Origin', m.origin);
  if (visitor !== null) r.set('Cookie', `datafast_visitor_id=${visitor}`);
  return r.send(body);
}

const store = (m: MountedRouter): Promise<Store> => internalsOf(m.router).store.ready;
const counts = async (m: MountedRouter, id = EXPERIMENT.id) => Object.fromEntries(await (await store(m)).experimentCounts(id));

/** Nothing recorded: no exposure counted, no goal sent, no lead stored. */
async function nothingRecorded(m: MountedRouter): Promise<void> {
  await internalsOf(m.router).outbox.drain(15_000);
  expect(await counts(m)).toEqual({});
  expect(await (await store(m)).leadCount()).toBe(0);
  expect(suite.sim.callCount('goals')).toBe(0);
}

/** The token with one byte of its signed part changed (the variant's last letter), its MAC kept. */
function tampered(token: string, from: string, to: string): string {
  const raw = Buffer.from(token, 'base64url');
  const at = raw.lastIndexOf(Buffer.from(from));
  expect(at).toBeGreaterThan(0);
  Buffer.from(to).copy(raw, at);
  return raw.toString('base64url');
}

describe('GET /offer signs what it decided', () => {
  it('a treatment’s answer carries a token; a control’s too, with the stand-in’s id and trigger but nothing the offer shows', async () => {
    const m = await mount();
    const coupon = await offerFor(m.server, IN_COUPON);
    expect(coupon).toMatchObject({ offer: { id: 'welcome-coupon' }, experiment: { id: EXPERIMENT.id, variant: 'coupon' } });
    expect(coupon.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(coupon.experiment).not.toHaveProperty('as');
    const control = await offerFor(m.server, IN_CONTROL);
    expect(control).toEqual({
      offer: null,
      experiment: { id: EXPERIMENT.id, variant: 'control', as: { id: 'welcome-coupon', trigger: coupon.offer?.trigger } },
      segment: control.segment,
      reason: 'rule:ab',
      token: control.token,
    });
    expect(typeof control.token).toBe('string');
    expect(JSON.stringify(control)).not.toMatch(/headline|code|discount/i);
  });

  it('no token where there is nothing to report: no cookie, an invalid cookie', async () => {
    const m = await mount();
    const none = await request(m.server).get('/visitor-offers/offer?path=/');
    expect(none.body).toMatchObject({ offer: null, experiment: null, reason: 'no-cookie' });
    expect(none.body).not.toHaveProperty('token');
    const bad = await request(m.server).get('/visitor-offers/offer?path=/').set('Cookie', 'datafast_visitor_id=nope');
    expect(bad.body).not.toHaveProperty('token');
  });
});

describe('POST /events with a token', () => {
  it('the happy paths record: the treatment’s and the control’s exposures, each in its arm, once', async () => {
    const m = await mount();
    const coupon = { type: 'exposure', offerId: 'welcome-coupon', token: await tokenFor(m.server, IN_COUPON) };
    const control = { type: 'exposure', offerId: null, token: await tokenFor(m.server, IN_CONTROL) };
    expect((await post(m, 'events', coupon, IN_COUPON)).body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, 'events', control, IN_CONTROL)).body).toEqual({ ok: true, forwarded: true });
    expect((await post(m, 'events', control, IN_CONTROL)).body).toEqual({ ok: true, duplicate: true });
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 }, control: { exposures: 1, conversions: 0 } });
    await internalsOf(m.router).outbox.drain(15_000);
    expect(suite.sim.goals.map((g) => [g.visitorId, g.metadata])).toEqual([
      [IN_COUPON, { offer: 'welcome-coupon', experiment: EXPERIMENT.id, variant: 'coupon' }],
      [IN_CONTROL, { offer: 'none', experiment: EXPERIMENT.id, variant: 'control' }],
    ]);
  });

  it('a forged variant: a control visitor claiming the treatment’s offer, or naming the variant in the body → 400, nothing recorded', async () => {
    const m = await mount();
    const token = await tokenFor(m.server, IN_CONTROL);
    const claimed = await post(m, 'events', { type: 'exposure', offerId: 'welcome-coupon', token }, IN_CONTROL);
    expect(claimed.status).toBe(400);
    expect(claimed.body).toEqual({ error: 'offerId: not the offer of the token' });
    const named = await post(m, 'events', { type: 'exposure', offerId: null, token, experiment: EXPERIMENT.id, variant: 'coupon' }, IN_CONTROL);
    expect(named.status).toBe(400);
    expect(named.body.error).toMatch(/experiment|variant/);
    await nothingRecorded(m);
  });

  it('a token replayed under another visitor’s cookie → 400 "token: for another visitor", nothing recorded', async () => {
    const m = await mount();
    const token = await tokenFor(m.server, IN_COUPON);
    const res = await post(m, 'events', { type: 'exposure', offerId: 'welcome-coupon', token }, IN_CONTROL);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^token: for another visitor/);
    await nothingRecorded(m);
  });

  it('an expired token (issued 24 h ago) → 400 "token: expired", nothing recorded; one a minute younger still counts', async () => {
    const m = await mount();
    const claims = { visitorId: IN_COUPON, offerId: 'welcome-coupon', experiment: { id: EXPERIMENT.id, variant: 'coupon' } };
    const old = await signedToken(m.router, claims, Date.now() - DECISION_TOKEN_TTL_MS - 1000);
    const res = await post(m, 'events', { type: 'exposure', offerId: 'welcome-coupon', token: old }, IN_COUPON);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^token: expired/);
    await nothingRecorded(m);
    const young = await signedToken(m.router, claims, Date.now() - DECISION_TOKEN_TTL_MS + 60_000);
    expect((await post(m, 'events', { type: 'exposure', offerId: 'welcome-coupon', token: young }, IN_COUPON)).status).toBe(202);
    expect(await counts(m)).toEqual({ coupon: { exposures: 1, conversions: 0 } });
  });

  it('a token signed with another secret → 400 "token: invalid", nothing recorded', async () => {
    const m = await mount({ secret: TEST_SECRET });
    const claims = { visitorId: IN_CONTROL, offerId: 'welcome-coupon', experiment: { id: EXPERIMENT.id, variant: 'coupon' } };
    const foreign = signDecision(DecisionKey.fromSecret(OTHER_SECRET), claims, Date.now());
    const res = await post(m, 'events', { type: 'exposure', offerId: 'welcome-coupon', token: foreign }, IN_CONTROL);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^token: invalid/);
    // And another router's generated secret is another secret too.
    const elsewhere = await mount();
    const theirs = await tokenFor(elsewhere.server, IN_COUPON);
    expect((await post(m, 'events', { type: 'exposure', offerId: 'welcome-coupon', token: theirs }, IN_COUPON)).body.error).toMatch(/^token: invalid/);
    await nothingRecorded(m);
  });

  it('a tampered token (its variant changed, its MAC kept) or a truncated one → 400 "token: invalid", nothing recorded', async () => {
    const m = await mount();
    const coupon = await tokenFor(m.server, IN_COUPON);
    // "coupon" → "coupoX": same length, so only the MAC can tell.
    for (const token of [tampered(coupon, 'coupon', 'coupoX'), coupon.slice(0, -4), `${coupon}AAAA`, 'not a token', '']) {
      const res = await post(m, 'events', { type: 'click', offerId: 'welcome-coupon', token }, IN_COUPON);
      expect(res.status, token).toBe(400);
      expect(res.body.error, token).toMatch(/^token: invalid/);
    }
    await nothingRecorded(m);
  });

  it('a conversion needs no token, but one it carries must be valid and the visitor’s', async () => {
    const m = await mount();
    const theirs = await tokenFor(m.server, IN_COUPON);
    const res = await post(m, 'events', { type: 'conversion', token: theirs }, IN_CONTROL);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^token: for another visitor/);
    expect((await post(m, 'events', { type: 'conversion', token: theirs }, IN_COUPON)).status).toBe(202);
    expect((await post(m, 'events', { type: 'conversion' }, IN_COUPON)).status).toBe(202);
  });
});

describe('POST /leads with a token', () => {
  const guideToken = (m: MountedRouter, visitor: string) => tokenFor(m.server, visitor, '/guide');

  it('the happy path: the lead of the visitor the guide was offered to is stored', async () => {
    const m = await mount();
    const res = await post(m, 'leads', { email: 'ann@example.com', offerId: 'starter-guide', token: await guideToken(m, IN_COUPON) }, IN_COUPON);
    expect(res.status).toBe(202);
    expect(await (await store(m)).leadCount()).toBe(1);
  });

  it.each([
    ['no token', async () => undefined, IN_COUPON, /^token: required/],
    ['another visitor’s token', (m: MountedRouter) => guideToken(m, IN_CONTROL), IN_COUPON, /^token: for another visitor/],
    ['a token of another offer', (m: MountedRouter) => tokenFor(m.server, IN_COUPON), IN_COUPON, /^offerId: not the offer of the token/],
    [
      'an expired token',
      (m: MountedRouter) => signedToken(m.router, { visitorId: IN_COUPON, offerId: 'starter-guide', experiment: null }, Date.now() - DECISION_TOKEN_TTL_MS),
      IN_COUPON,
      /^token: expired/,
    ],
    ['a token of another secret', async () => signDecision(DecisionKey.fromSecret(OTHER_SECRET), { visitorId: IN_COUPON, offerId: 'starter-guide', experiment: null }, Date.now()), IN_COUPON, /^token: invalid/],
  ])('%s → 400, nothing stored', async (_label, token, visitor, error) => {
    const m = await mount();
    const res = await post(m, 'leads', { email: 'ann@example.com', offerId: 'starter-guide', token: await token(m) }, visitor);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
    await nothingRecorded(m);
  });
});

describe('where the secret comes from', () => {
  it('unset: generated on first start and kept in the store, so a restart on the same data accepts the tokens it signed', async () => {
    const dataDir = mkdtempSync(join(suite.baseDir, 'keep-'));
    const first = await mount({ dataDir });
    const token = await tokenFor(first.server, IN_COUPON);
    const stored = await (await store(first)).getSetting(SECRET_SETTING);
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await first.close();
    const again = await mount({ dataDir });
    expect((await post(again, 'events', { type: 'exposure', offerId: 'welcome-coupon', token }, IN_COUPON)).status).toBe(202);
    expect(await (await store(again)).getSetting(SECRET_SETTING)).toBe(stored);
    // Never in a response or a log line.
    const answer = await request(again.server).get('/visitor-offers/offer?path=/').set('Cookie', `datafast_visitor_id=${IN_COUPON}`);
    expect(answer.text).not.toContain(stored);
    expect(suite.log.text()).not.toContain(stored);
  });

  it('rotation: with secret B and previousSecret A, tokens of A are still accepted and new ones are signed with B; without A they are refused', async () => {
    const claims = { visitorId: IN_COUPON, offerId: 'welcome-coupon', experiment: { id: EXPERIMENT.id, variant: 'coupon' } };
    const ofA = signDecision(DecisionKey.fromSecret(OTHER_SECRET), claims, Date.now());
    const rotating = await mount({ secret: TEST_SECRET, previousSecret: OTHER_SECRET });
    expect((await post(rotating, 'events', { type: 'exposure', offerId: 'welcome-coupon', token: ofA }, IN_COUPON)).status).toBe(202);
    const ofB = await tokenFor(rotating.server, IN_COUPON);
    const onlyB = await mount({ secret: TEST_SECRET });
    expect((await post(onlyB, 'events', { type: 'click', offerId: 'welcome-coupon', token: ofB }, IN_COUPON)).status).toBe(202);
    expect((await post(onlyB, 'events', { type: 'click', offerId: 'welcome-coupon', token: ofA }, IN_COUPON)).body.error).toMatch(/^token: invalid/);
  });

  it('a store that cannot open and no secret: /offer still decides, without a token, and events are refused (nothing could be stored)', async () => {
    const file = join(mkdtempSync(join(suite.baseDir, 'f-')), 'not-a-dir');
    writeFileSync(file, 'a regular file');
    const m = await mount({ dataDir: join(file, 'data') });
    const answer = await offerFor(m.server, IN_CONTROL);
    expect(answer).toMatchObject({ offer: null, experiment: { id: EXPERIMENT.id, variant: 'control' } });
    expect(answer).not.toHaveProperty('token');
    const res = await post(m, 'events', { type: 'exposure', offerId: null }, IN_CONTROL);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^token: required/);
  });
});
