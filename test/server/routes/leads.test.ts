// POST /visitor-offers/leads through the real router over real sockets: an email from a
// lead-magnet form is accepted (202) only once it is stored durably, then delivered to DataFast
// (goal `offer_lead`) and to the owner's webhook (a real HTTP receiver in this test) from the
// store's outbox, with retries, and marked delivered only after each target accepted it. Invalid emails, wrong offers, other
// sites and floods are refused; a store that cannot write makes the route answer 503, never 202.
// Every lead carries the decision token of the visitor's GET /offer (refusals of bad tokens:
// events-tokens.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import type { DecisionSettings } from '../../../server/decision/policy';
import type { Experiment } from '../../../server/experiments/types';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { openStore } from '../../../server/store/open-store';
import type { Lead, Store } from '../../../server/store/store';
import { SECRETS } from '../../support/forbidden';
import { startReceiver, type ReceivedRequest, type Receiver } from '../../support/http-receiver';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { uuidFrom, visitorIn } from '../../support/visitor-ids';
import { eventually, waitFor } from '../../support/wait';
import { signedToken, TEST_SECRET, tokenFor } from '../../support/decision-tokens';
import { internalsOf } from '../../../server/router-internals';

const EXPERIMENT: Experiment = {
  id: 'guide-test',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'guide', weight: 1, offer: 'starter-guide' },
  ],
};
const DECISIONS: DecisionSettings = {
  experiments: [EXPERIMENT],
  rules: [{ id: 'ab', when: {}, then: { experiment: EXPERIMENT.id } }],
};
const VISITOR = personas.lowConfidence.visitorId;
const IN_GUIDE = visitorIn(EXPERIMENT, 'guide', 'leads');

let sim: SimulatedDataFast;
let hook: Receiver;
let log: CapturedLog;
let baseDir: string;
const mounted: MountedRouter[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast({ generateUnknown: true });
  baseDir = mkdtempSync(join(tmpdir(), 'vo-leads-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(baseDir, { recursive: true, force: true });
});
beforeEach(async () => {
  sim.setFault(null);
  sim.resetCalls();
  hook = await startReceiver();
  log = captureLog();
});
afterEach(async () => {
  await Promise.all(mounted.splice(0).map((m) => m.close()));
  await hook.close();
  for (const secret of SECRETS) expect(log.text()).not.toContain(secret);
});

interface Setup extends MountedRouter {
  dataDir: string;
}

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<Setup> {
  const dataDir = mkdtempSync(join(baseDir, 'r-'));
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 400 },
    decisions: DECISIONS,
    dataDir,
    leadsWebhookUrl: hook.url,
    logger: log.logger,
    ...options,
  });
  mounted.push(m);
  return { ...m, dataDir };
}

/**
 * The lead-magnet form's POST from the site's own page. A body without `token` gets the one the
 * router signs for this visitor shown its offer (as their GET /offer's would be).
 */
async function postLead(m: MountedRouter, body: unknown, visitor: string | null = VISITOR) {
  const r = request(m.server).post('/visitor-offers/leads').set('Origin', m.origin);
  if (visitor !== null) r.set('Cookie', `datafast_visitor_id=${visitor}`);
  return r.send((await withToken(m, body, visitor)) as object);
}

async function withToken(m: MountedRouter, body: unknown, visitor: string | null): Promise<unknown> {
  if (visitor === null || typeof body !== 'object' || body === null || Array.isArray(body) || 'token' in body) return body;
  const offerId = (body as { offerId?: unknown }).offerId;
  const named = typeof offerId === 'string' && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(offerId) ? offerId : null;
  return { ...body, token: await signedToken(m.router, { visitorId: visitor.toLowerCase(), offerId: named, experiment: null }) };
}

const lead = (email = 'ann@example.com') => ({ email, offerId: 'starter-guide' });

/** Closes the router (as a shutdown does) and reads what is on disk with a fresh Store. */
async function reopen(m: Setup): Promise<Store> {
  await m.close();
  return openStore({ dataDir: m.dataDir });
}

const leadGoals = () => sim.goals.filter((g) => g.name === 'offer_lead');
const storeOf = (m: MountedRouter): Promise<Store> => internalsOf(m.router).store.ready;
/** Waits until the stored lead satisfies `ok`. */
const leadBecomes = (m: MountedRouter, id: string, ok: (lead: Lead | undefined) => boolean, what: string, options?: { timeoutMs?: number }) =>
  eventually(async () => ok(await (await storeOf(m)).lead(id)), what, options);

describe('POST /leads stores the lead before answering, then forwards it', () => {
  it('202, and the lead is in the data directory', async () => {
    const m = await mount();
    const res = await postLead(m, lead());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['cache-control']).toBe('no-store');
    // Already in the store when the 202 arrives.
    expect(await (await storeOf(m)).leadCount()).toBe(1);

    const first = await waitFor(() => hook.accepted()[0], 'the webhook delivery');
    const id = String(first.headers['idempotency-key']);
    await leadBecomes(m, id, (l) => l?.delivered.webhook === true, 'the lead marked delivered');
    const disk = await reopen(m);
    try {
      expect(await disk.leadCount()).toBe(1);
      expect(await disk.lead(id)).toMatchObject({
        id,
        email: 'ann@example.com',
        offerId: 'starter-guide',
        visitorId: VISITOR,
        delivered: { datafast: true, webhook: true },
      } satisfies Partial<Lead>);
      expect(await disk.pendingLeads(['datafast', 'webhook'])).toEqual([]);
    } finally {
      await disk.close();
    }
  });

  it('does not follow a webhook’s redirect (it could lead to a plain-http address): the lead waits, and is delivered once the webhook answers itself', async () => {
    const elsewhere = await startReceiver({ path: '/plain' });
    try {
      const m = await mount();
      hook.setMode({ kind: 'redirect', location: elsewhere.url }, 1);
      expect((await postLead(m, lead())).status).toBe(202);
      await waitFor(() => hook.requests.some((r) => r.status === 307), 'the redirected delivery');
      const delivered = await waitFor(() => hook.accepted()[0], 'the retried delivery');
      expect(elsewhere.requests).toEqual([]);
      await leadBecomes(m, String(delivered.headers['idempotency-key']), (l) => l?.delivered.webhook === true, 'the lead marked delivered');
    } finally {
      await elsewhere.close();
    }
  });

  it('forwards it to DataFast as goal offer_lead for the cookie’s visitor', async () => {
    const m = await mount();
    expect((await postLead(m, lead())).status).toBe(202);
    await waitFor(() => leadGoals().length > 0, 'the offer_lead goal');
    expect(leadGoals().map((g) => [g.visitorId, g.metadata])).toEqual([[VISITOR, { offer: 'starter-guide' }]]);
    // The email never goes to DataFast.
    expect(JSON.stringify(sim.calls)).not.toContain('ann@example.com');
  });

  it('forwards it to the webhook as JSON with idempotency-key = the lead id', async () => {
    const m = await mount();
    const before = Date.now();
    expect((await postLead(m, lead('Ann.Lee+guide@Example.COM'))).status).toBe(202);
    const got = await waitFor(() => hook.accepted()[0], 'the webhook delivery');
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/hook');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.authorization).toBeUndefined();
    const body = got.body as Record<string, unknown>;
    expect(body).toEqual({
      id: got.headers['idempotency-key'],
      // Trimmed, domain lower-cased, local part kept as typed.
      email: 'Ann.Lee+guide@example.com',
      offerId: 'starter-guide',
      visitorId: VISITOR,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Date.parse(String(body.createdAt))).toBeGreaterThanOrEqual(before - 5);
    expect(String(got.headers['idempotency-key'])).toMatch(/^[0-9a-f-]{36}$/);
    const disk = await reopen(m);
    try {
      expect((await disk.lead(String(got.headers['idempotency-key'])))?.email).toBe('Ann.Lee+guide@example.com');
    } finally {
      await disk.close();
    }
  });

  it('retries a failing webhook until it accepts, and marks the lead delivered only then', async () => {
    const m = await mount();
    hook.setMode({ kind: 'status', status: 500 }, 2);
    expect((await postLead(m, lead())).status).toBe(202);

    const firstTry = await waitFor(() => hook.requests[0], 'the first webhook attempt');
    const id = String(firstTry.headers['idempotency-key']);
    const current = async () => (await storeOf(m)).lead(id);
    // DataFast took its copy; the webhook refused: that target stays pending.
    await leadBecomes(m, id, (l) => l?.delivered.datafast === true, 'the DataFast delivery');
    expect((await current())?.delivered.webhook).toBe(false);
    expect((await (await storeOf(m)).pendingLeads(['webhook'])).map((l) => l.id)).toEqual([id]);

    await waitFor(() => hook.requests.length >= 2, 'the second webhook attempt');
    expect((await current())?.delivered.webhook).toBe(false);

    await waitFor(() => hook.accepted().length === 1, 'the webhook to accept', { timeoutMs: 15_000 });
    await leadBecomes(m, id, (l) => l?.delivered.webhook === true, 'the lead marked delivered');
    expect(hook.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    // The same lead each time: one idempotency key, one body.
    expect(new Set(hook.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set([id]));
    expect(new Set(hook.requests.map((r: ReceivedRequest) => JSON.stringify(r.body))).size).toBe(1);
    expect(leadGoals()).toHaveLength(1);
    // The worker's counts: each target delivered once, the webhook after two failed attempts; nothing left.
    const { outbox } = internalsOf(m.router);
    await outbox.drain(15_000);
    expect(outbox.stats().byKind).toMatchObject({
      webhook: { delivered: 1, retries: 2, queued: 0, inFlight: 0, failed: 0, rejected: 0 },
      datafast: { delivered: 1, retries: 0, queued: 0, inFlight: 0 },
    });
  });

  it('retries DataFast too when it fails, and sends the goal exactly once', async () => {
    const m = await mount();
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 2 });
    expect((await postLead(m, lead())).status).toBe(202);
    const got = await waitFor(() => hook.accepted()[0], 'the webhook delivery');
    const id = String(got.headers['idempotency-key']);
    await leadBecomes(m, id, (l) => l?.delivered.datafast === true, 'the DataFast delivery', { timeoutMs: 15_000 });
    expect(sim.callCount('goals')).toBe(3);
    expect(leadGoals()).toHaveLength(1);
  });

  it('a burst of leads: each stored, and delivered to each target exactly once', async () => {
    const m = await mount({ limits: { leadsPerMinutePerIp: 100 } });
    const visitors = Array.from({ length: 12 }, (_, i) => uuidFrom(`leads-burst-${i}`));
    const responses = await Promise.all(visitors.map((v, i) => postLead(m, lead(`burst${i}@example.com`), v)));
    expect(responses.map((r) => r.status)).toEqual(visitors.map(() => 202));
    await waitFor(() => hook.accepted().length >= 12 && leadGoals().length >= 12, 'every lead delivered');
    await eventually(async () => (await (await storeOf(m)).pendingLeadCount(['datafast', 'webhook'])) === 0, 'every lead marked delivered');
    await internalsOf(m.router).outbox.drain(15_000);
    expect(hook.accepted()).toHaveLength(12);
    expect(new Set(hook.accepted().map((r) => r.headers['idempotency-key'])).size).toBe(12);
    expect(leadGoals().map((g) => g.visitorId).sort()).toEqual([...visitors].sort());
  });

  it('refuses a lead without a cookie (the token’s visitor must be the cookie’s): 400, nothing stored or sent', async () => {
    const m = await mount();
    const token = await signedToken(m.router, { visitorId: VISITOR, offerId: 'starter-guide', experiment: null });
    const res = await postLead(m, { ...lead(), token }, null);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/datafast_visitor_id/);
    expect(await (await storeOf(m)).leadCount()).toBe(0);
    await internalsOf(m.router).outbox.drain(15_000);
    expect(hook.accepted()).toEqual([]);
    expect(sim.callCount('goals')).toBe(0);
  });

  it('without a webhook configured, only DataFast gets it', async () => {
    const m = await mount({ leadsWebhookUrl: null });
    expect((await postLead(m, lead())).status).toBe(202);
    await waitFor(() => leadGoals().length === 1, 'the offer_lead goal');
    await eventually(async () => (await (await storeOf(m)).pendingLeadCount(['datafast'])) === 0, 'the lead marked delivered');
    expect(hook.requests).toHaveLength(0);
  });
});

describe('POST /leads validates the email and names the field', () => {
  const invalid: Array<[string, unknown]> = [
    ['no @', 'ann.example.com'],
    ['a space in the local part', 'ann lee@example.com'],
    ['a space in the domain', 'ann@exa mple.com'],
    ['two @', 'ann@lee@example.com'],
    ['no TLD (a@b)', 'a@b'],
    ['a one-letter TLD', 'ann@example.c'],
    ['nothing before @', '@example.com'],
    ['nothing after @', 'ann@'],
    ['a domain label starting with -', 'ann@-example.com'],
    ['a NUL', 'ann\u0000@example.com'],
    ['a newline inside', 'an\nn@example.com'],
    ['a bell character', 'ann\u0007@example.com'],
    ['DEL', 'ann\u007f@example.com'],
    ['angle brackets', '<script>@example.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['over 254 characters (each part valid)', `ann@${['b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(60)).join('.')}.com`],
    ['empty', ''],
    ['a number', 12345],
    ['null', null],
  ];
  it.each(invalid)('%s → 400 naming email, nothing stored', async (_label, email) => {
    const m = await mount();
    const res = await postLead(m, { email, offerId: 'starter-guide' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^email: /);
    expect(await (await storeOf(m)).leadCount()).toBe(0);
  });

  // A spreadsheet runs a cell that starts with one of these once the leads are exported.
  it.each([
    ['=', '=1+1@example.com'],
    ['+', '+33612345678@example.com'],
    ['-', '-2+3@example.com'],
    ['@', '@SUM(A1)@example.com'],
    ['= after spaces (trimmed first)', '   =HYPERLINK(x)@example.com'],
  ])('an email starting with %s → 400 saying why, nothing stored', async (_label, email) => {
    const m = await mount();
    const res = await postLead(m, { email, offerId: 'starter-guide' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'email: must not start with =, +, - or @ (a spreadsheet would run it as a formula)' });
    expect(await (await storeOf(m)).leadCount()).toBe(0);
    expect(hook.requests).toHaveLength(0);
  });

  it('a missing email → 400 naming email', async () => {
    const m = await mount();
    const res = await postLead(m, { offerId: 'starter-guide' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^email: /);
  });

  it.each([
    ['plain', 'ann@example.com', 'ann@example.com'],
    ['padded with spaces', '  ann@example.com  ', 'ann@example.com'],
    ['a subdomain and a plus tag', 'ann+guide@mail.example.co.uk', 'ann+guide@mail.example.co.uk'],
    ['an upper-case domain', 'Ann@EXAMPLE.COM', 'Ann@example.com'],
    ['an internationalised domain', 'jose@exämple.de', 'jose@exämple.de'],
  ])('%s → 202, stored as %s', async (_label, email, stored) => {
    const m = await mount();
    expect((await postLead(m, lead(email))).status).toBe(202);
    const got = await waitFor(() => hook.accepted()[0], 'the webhook delivery');
    expect((got.body as { email: string }).email).toBe(stored);
  });

  it.each([
    ['a coupon offer', 'welcome-coupon', /^offerId: "welcome-coupon" is not a lead magnet offer/],
    ['an urgency offer', 'popular-plan-urgency', /^offerId: "popular-plan-urgency" is not a lead magnet offer/],
    ['an unknown offer', 'no-such-offer', /^offerId: "no-such-offer" is not a lead magnet offer/],
    ['an offer id that is not an id', '../etc/passwd', /^offerId: /],
  ])('%s → 400 naming offerId, nothing stored', async (_label, offerId, error) => {
    const m = await mount();
    const res = await postLead(m, { email: 'ann@example.com', offerId });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(error);
    expect(await (await storeOf(m)).leadCount()).toBe(0);
  });

  it('an unexpected field → 400, nothing stored', async () => {
    const m = await mount();
    const res = await postLead(m, { ...lead(), visitorId: uuidFrom('someone-else') });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/visitorId/);
  });

  it('bad JSON → 400', async () => {
    const m = await mount();
    const res = await request(m.server).post('/visitor-offers/leads').set('Content-Type', 'application/json').send('{"email":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'body is not valid JSON' });
  });
});

describe('POST /leads refuses other sites and floods', () => {
  it.each([
    ['an Origin from another site', { Origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('%s → 403, nothing stored or sent', async (_label, headers) => {
    const m = await mount();
    const res = await request(m.server).post('/visitor-offers/leads').set('Cookie', `datafast_visitor_id=${VISITOR}`).set(headers).send((await withToken(m, lead(), VISITOR)) as object);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/cross-origin request refused/);
    expect(await (await storeOf(m)).leadCount()).toBe(0);
  });

  it('accepts an ALLOWED origin', async () => {
    const m = await mount({ allowedOrigins: ['https://www.example.com'] });
    const res = await request(m.server).post('/visitor-offers/leads').set('Origin', 'https://www.example.com').set('Cookie', `datafast_visitor_id=${VISITOR}`).send((await withToken(m, lead(), VISITOR)) as object);
    expect(res.status).toBe(202);
  });

  it('per IP: the N+1th lead in a minute → 429 with Retry-After, not stored', async () => {
    const m = await mount({ limits: { leadsPerMinutePerIp: 2 } });
    expect((await postLead(m, lead('a1@example.com'))).status).toBe(202);
    expect((await postLead(m, lead('a2@example.com'))).status).toBe(202);
    const refused = await postLead(m, lead('a3@example.com'));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/too many/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await (await storeOf(m)).leadCount()).toBe(2);
  });
});

describe('POST /leads never claims a lead it could not store', () => {
  it('a data directory that cannot be opened → 503, nothing forwarded', async () => {
    const file = join(mkdtempSync(join(baseDir, 'f-')), 'not-a-dir');
    writeFileSync(file, 'a regular file');
    const m = await mountRouter({
      datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 400 },
      dataDir: join(file, 'data'),
      leadsWebhookUrl: hook.url,
      logger: log.logger,
      // Signs without the store, so the lead gets as far as storing it.
      secret: TEST_SECRET,
    });
    mounted.push(m);
    const res = await postLead(m, lead());
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'the lead could not be stored; please try again' });
    expect(res.body.ok).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.requests).toHaveLength(0);
    expect(sim.callCount('goals')).toBe(0);
    expect(log.text()).toMatch(/could not store a lead/);
    expect(log.text()).not.toContain('ann@example.com');
  });

  it('a store that stops writing after start-up (closed) → 503, nothing forwarded', async () => {
    const m = await mount();
    await (await internalsOf(m.router).store.ready).close();
    const res = await postLead(m, lead());
    expect(res.status).toBe(503);
    await new Promise((r) => setTimeout(r, 200));
    expect(hook.requests).toHaveLength(0);
    expect(sim.callCount('goals')).toBe(0);
  });
});

describe('a lead is a conversion', () => {
  const counts = async (m: MountedRouter) => Object.fromEntries(await (await storeOf(m)).experimentCounts(EXPERIMENT.id));

  it('for every experiment the visitor was exposed to', async () => {
    const m = await mount();
    const exposure = await request(m.server)
      .post('/visitor-offers/events')
      .set('Origin', m.origin)
      .set('Cookie', `datafast_visitor_id=${IN_GUIDE}`)
      .send({ type: 'exposure', offerId: 'starter-guide', token: await tokenFor(m.server, IN_GUIDE) });
    expect(exposure.status).toBe(202);
    expect((await postLead(m, { ...lead(), token: await tokenFor(m.server, IN_GUIDE) }, IN_GUIDE)).status).toBe(202);
    const store = await storeOf(m);
    await eventually(async () => (await store.experimentCounts(EXPERIMENT.id)).get('guide')?.conversions === 1, 'the conversion to be counted');
    expect(await counts(m)).toEqual({ guide: { exposures: 1, conversions: 1 } });
  });

  it('but not for a visitor who was never exposed', async () => {
    const m = await mount();
    expect((await postLead(m, lead(), IN_GUIDE)).status).toBe(202);
    await waitFor(() => hook.accepted()[0], 'the webhook delivery');
    expect(await counts(m)).toEqual({});
  });
});
