// GET /offer behaves the same against either analytics provider (the shared frame run once with the
// simulated DataFast and once with the simulated PostMetric): one upstream call for many
// simultaneous requests about one visitor; faults (hang, 5xx, reset, unreadable or oversized
// records, 429) become a safe "no offer" with a truthful reason and never an error; stale records
// are served while the upstream fails; the answer and the log never hold the key or the record;
// and an exposure's goal reaches the provider's goal endpoint through the outbox.
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { personas } from '../../../demo/personas';
import { POSTMETRIC_PERSONA_IDS, postMetricPersonas } from '../../../demo/postmetric-personas';
import { SIMULATED_DATAFAST_DEFAULTS } from '../../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS } from '../../../demo/simulated-postmetric';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { internalsOf } from '../../../server/router-internals';
import { FORBIDDEN_KEYS, keysOf, personalValues } from '../../support/forbidden';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite, type SuiteProvider } from '../../support/route-suite';
import { uuidFrom } from '../../support/visitor-ids';
import { waitFor } from '../../support/wait';

/** Each provider's cookie, a visitor it knows, and fresh ids it generates records for. */
const SIDES = {
  datafast: { cookie: 'datafast_visitor_id', known: personas.low.visitorId, unknown: personas.unknown.visitorId, fresh: (label: string) => uuidFrom(label), key: SIMULATED_DATAFAST_DEFAULTS.apiKey },
  postmetric: { cookie: 'postmetric_visitor_id', known: POSTMETRIC_PERSONA_IDS.pricingReturning, unknown: POSTMETRIC_PERSONA_IDS.unknown, fresh: (label: string) => `pm_${label}`, key: SIMULATED_POSTMETRIC_DEFAULTS.apiKey },
} as const;

afterEach(() => {
  vi.useRealTimers();
});

describe.each(['datafast', 'postmetric'] as SuiteProvider[])('GET /offer against the simulated %s', (provider) => {
  const side = SIDES[provider];
  const suite = useRouteSuite(`offer-${provider}`, { provider, sim: { generateUnknown: true }, pm: { generateUnknown: true, rateLimitPerMinute: 100_000 } });

  async function mount(extra: Partial<VisitorOffersOptions> = {}, settings: Parameters<typeof suite.analytics>[0] = { timeoutMs: 1500 }): Promise<MountedRouter> {
    return suite.track(await mountRouter({ ...suite.analytics(settings), dataDir: suite.baseDir, logger: suite.log.logger, secret: 'offers-test-secret-9f3KqZ7vB2xW5mN8pL4tR6yH1', ...extra }));
  }
  const ask = (m: MountedRouter, visitor: string) => request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `${side.cookie}=${visitor}`);

  it('decides for a known visitor (200, a segment and a reason), and an unknown one gets no offer', async () => {
    const m = await mount();
    const known = await ask(m, side.known);
    expect(known.status).toBe(200);
    expect(known.body.reason).toMatch(/^rule:/);
    expect((await ask(m, side.unknown)).body).toMatchObject({ offer: null, reason: 'unknown-visitor' });
    expect(m.router.health().provider).toBe(provider);
  });

  it('makes one upstream call for 50 simultaneous requests about one cold visitor', async () => {
    const m = await mount();
    suite.upstream.setFault({ kind: 'delay', ms: 100 }, { match: 'visitors' });
    const visitor = side.fresh('coalesced');
    const answers = await Promise.all(Array.from({ length: 50 }, () => ask(m, visitor)));
    expect(new Set(answers.map((a) => a.body.reason)).size).toBe(1);
    expect(answers.every((a) => a.status === 200 && /^rule:/.test(a.body.reason))).toBe(true);
    expect(suite.upstream.callCount('visitors')).toBe(1);
  });

  it.each([
    ['a hang past the deadline', { kind: 'hang' }, 'upstream-unavailable'],
    ['a 500', { kind: 'status', status: 500 }, 'upstream-unavailable'],
    ['a reset connection', { kind: 'reset' }, 'upstream-unavailable'],
    ['a cut-off body', { kind: 'malformed-json' }, 'record-unreadable'],
    ['a 3 MB record', { kind: 'huge-record', bytes: 3_000_000 }, 'record-too-large'],
  ] as const)('answers %s with no offer and a truthful reason', async (_label, fault, reason) => {
    const m = await mount();
    suite.upstream.setFault(fault, { match: 'visitors' });
    const res = await ask(m, side.fresh(`fault-${fault.kind}`));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ offer: null, reason });
  });

  // PostMetric's 429 also says X-RateLimit-Remaining: 0 until the reset, so its default budget
  // (100 a minute) refuses first: the key's quota is spent. DataFast has no budget by default.
  const meanwhile = provider === 'postmetric' ? 'upstream-budget' : 'upstream-unavailable';

  it('after a 429 calls no more until the pause ends, and answers with no offer meanwhile (the quota spent, or the pause)', async () => {
    const m = await mount();
    suite.upstream.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { match: 'visitors', times: 1 });
    expect((await ask(m, side.fresh('limited-1'))).body.reason).toBe('upstream-unavailable');
    const calls = suite.upstream.callCount('visitors');
    expect((await ask(m, side.fresh('limited-2'))).body.reason).toBe(meanwhile);
    expect(suite.upstream.callCount('visitors')).toBe(calls);
    expect(internalsOf(m.router).client.pausedUntil).toBeGreaterThan(Date.now() + 60_000);
  });

  it('serves a stale record while the upstream fails (stale-if-error)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
    const m = await mount({ cache: { ttlMs: 1_000, staleIfErrorMs: 300_000 } });
    const fresh = await ask(m, side.known);
    vi.setSystemTime(Date.now() + 5_000);
    suite.upstream.setFault({ kind: 'status', status: 503 }, { match: 'visitors' });
    const stale = await ask(m, side.known);
    expect(stale.body.reason).toBe(fresh.body.reason);
    expect(stale.body.segment).toBe(fresh.body.segment);
  });

  it('never puts the key, the visitor record or personal data in an answer or a log line', async () => {
    const m = await mount();
    const ids = provider === 'postmetric' ? Object.values(postMetricPersonas).map((p) => p.visitorId) : Object.values(personas).map((p) => p.visitorId);
    for (const id of ids) {
      const res = await ask(m, id);
      const text = res.text;
      expect(text).not.toContain(side.key);
      expect(keysOf(res.body).filter((k) => FORBIDDEN_KEYS.includes(k))).toEqual([]);
      for (const value of personalValues()) expect(text).not.toContain(value);
    }
    expect(suite.log.text()).not.toContain(side.key);
  });

  it("sends an exposure's goal to the provider's goal endpoint through the outbox", async () => {
    const m = await mount();
    const visitor = side.known;
    const decided = await ask(m, visitor);
    const { offer, token } = decided.body as { offer: { id: string } | null; token?: string };
    if (offer === null || token === undefined) throw new Error(`expected an offer and a token, got ${decided.text}`);
    const res = await request(m.server)
      .post('/visitor-offers/events')
      .set('Cookie', `${side.cookie}=${visitor}`)
      .set('Origin', m.origin)
      .send({ type: 'exposure', offerId: offer.id, token });
    expect(res.status).toBe(202);
    await waitFor(() => suite.upstream.callCount('goals') > 0, 'the goal to be sent');
    const goal = suite.upstream.calls.find((c) => c.method === 'POST');
    expect(goal?.authorization).toBe(`Bearer ${side.key}`);
    expect(JSON.stringify(goal?.body)).toContain('offer_exposure');
    expect(JSON.stringify(goal?.body)).toContain(visitor);
  });

  describe('the visitor lookups breaker', () => {
    const THRESHOLD = 3;
    const COOL_DOWN = 30_000;
    const mountBreaker = async (): Promise<MountedRouter> => {
      vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
      return mount({ cache: { ttlMs: 60_000, staleIfErrorMs: 300_000 } }, { timeoutMs: 300, breaker: { failureThreshold: THRESHOLD, coolDownMs: COOL_DOWN } });
    };

    it('opens after failures in a row; then cold visitors get upstream-unavailable and cached ones their offer, without a call', async () => {
      const m = await mountBreaker();
      const known = (await ask(m, side.known)).body.reason as string;
      vi.setSystemTime(Date.now() + 61_000);
      suite.upstream.setFault({ kind: 'hang' }, { match: 'visitors' });
      for (let i = 0; i < THRESHOLD; i++) expect((await ask(m, side.fresh(`open-${i}`))).body.reason).toBe('upstream-unavailable');
      expect(internalsOf(m.router).client.breakers.visitors.state()).toBe('open');
      suite.upstream.resetCalls();
      expect((await ask(m, side.fresh('cold-while-open'))).body).toMatchObject({ offer: null, reason: 'upstream-unavailable' });
      expect((await ask(m, side.known)).body.reason).toBe(known);
      expect(suite.upstream.callCount('visitors')).toBe(0);
    });

    it('lets one probe through after the cool-down, and closes when it succeeds', async () => {
      const m = await mountBreaker();
      suite.upstream.setFault({ kind: 'status', status: 502 }, { match: 'visitors' });
      for (let i = 0; i < THRESHOLD; i++) expect((await ask(m, side.fresh(`fail-${i}`))).body.reason).toBe('upstream-unavailable');
      const breaker = internalsOf(m.router).client.breakers.visitors;
      expect(breaker.state()).toBe('open');
      suite.upstream.setFault(null);
      suite.upstream.resetCalls();
      vi.setSystemTime(Date.now() + COOL_DOWN);
      expect((await ask(m, side.known)).body.reason).toMatch(/^rule:/);
      expect(suite.upstream.callCount('visitors')).toBe(1);
      expect(breaker.state()).toBe('closed');
    });
  });
});
