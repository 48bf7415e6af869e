// GET /offer with `localScore: { mode: "when-missing" }` against the simulated DataFast: a visitor
// DataFast has no prediction for (no revenue attribution) is placed by the local score and the
// decision says `scoreSource: "local"`; a visitor with a prediction keeps DataFast's
// (`provider`); an identified one is not scored; with the local score off nothing changes; and
// the answer carries no visitor data either way. With PostMetric (no prediction at all) the same
// model places every visitor by default, weights change it, signals are kept, and `off` leaves
// them unknown.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { personas, type Persona } from '../../../demo/personas';
import type { PostMetricPersona } from '../../../demo/postmetric-personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { TEST_SECRET } from '../../support/decision-tokens';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom } from '../../support/visitor-ids';
import { waitFor } from '../../support/wait';
import { internalsOf } from '../../../server/router-internals';

const suite = useRouteSuite('offer-local-score');

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const DAY = 86_400_000;

/** A record without a prediction, as DataFast sends it for a site without revenue attribution. */
function unpredicted(label: string, o: { visits: number; views: number; lastMsAgo: number; pages: string[]; params: Record<string, string>; device: string; profile?: boolean }): Persona {
  const visitorId = uuidFrom(`local-score-${label}`);
  return {
    visitorId,
    label,
    description: 'no prediction',
    status: 200,
    data: {
      visitorId,
      identity: { countryCode: 'DE', params: o.params, device: { type: o.device }, browser: { name: 'Firefox' }, os: { name: 'Linux' } },
      activity: {
        visitCount: o.visits,
        pageViewCount: o.views,
        lastVisitAt: ago(o.lastMsAgo),
        firstVisitAt: ago(30 * DAY),
        visitedPages: o.pages.map((url, i) => ({ url, timestamp: ago(o.lastMsAgo - i * 60_000) })),
        completedGoals: [],
      },
      ...(o.profile ? { profile: { userId: 'u_1', metadata: {}, identifiedAt: ago(DAY) } } : {}),
      prediction: null,
    },
  };
}

const WARM = unpredicted('warm', { visits: 4, views: 14, lastMsAgo: 5 * 60_000, pages: ['/', '/pricing', '/checkout'], params: { utm_medium: 'email', utm_source: 'weekly' }, device: 'desktop' });
const COLD = unpredicted('cold', { visits: 3, views: 5, lastMsAgo: 20 * DAY, pages: ['/blog/a'], params: { ref: 'facebook.com' }, device: 'mobile' });
const IDENTIFIED = unpredicted('identified', { visits: 4, views: 14, lastMsAgo: 5 * 60_000, pages: ['/pricing'], params: {}, device: 'desktop', profile: true });

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  for (const p of [WARM, COLD, IDENTIFIED]) suite.sim.addVisitor(p);
  return suite.track(await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url }, dataDir: mkdtempSync(join(suite.baseDir, 'data-')), secret: TEST_SECRET, logger: suite.log.logger, ...options }));
}

async function offer(m: MountedRouter, visitor: string): Promise<{ text: string; body: { offer: { id: string } | null; segment: string; reason: string; scoreSource?: string } }> {
  const res = await fetch(`${m.origin}/visitor-offers/offer?path=/features`, { headers: { cookie: `datafast_visitor_id=${visitor}` } });
  const text = await res.text();
  return { text, body: JSON.parse(text) as { offer: { id: string } | null; segment: string; reason: string; scoreSource?: string } };
}

describe('GET /offer with the local score when-missing', () => {
  it('places a visitor without a prediction by the local score: a warm one is high (urgency), a cold one low (coupon)', async () => {
    const m = await mount({ localScore: { mode: 'when-missing' } });
    const warm = await offer(m, WARM.visitorId);
    expect(warm.body).toMatchObject({ segment: 'high', reason: 'rule:default-high', scoreSource: 'local', offer: { id: 'popular-plan-urgency' } });
    const cold = await offer(m, COLD.visitorId);
    expect(cold.body).toMatchObject({ segment: 'low', reason: 'rule:default-low', scoreSource: 'local', offer: { id: 'welcome-coupon' } });
    // Nothing of the record, nor the score itself, reaches the browser.
    for (const text of [warm.text, cold.text]) {
      for (const secret of ['weekly', 'facebook', '/checkout', 'visited', 'conversionRate', '"score"', 'confidence']) expect(text).not.toContain(secret);
    }
  });

  it("keeps DataFast's prediction where there is one, and says so", async () => {
    const m = await mount({ localScore: { mode: 'when-missing' } });
    expect((await offer(m, personas.low.visitorId)).body).toMatchObject({ segment: 'low', scoreSource: 'provider' });
  });

  it('does not score an identified visitor without a prediction: a customer (DataFast gives customers none)', async () => {
    const m = await mount({ localScore: { mode: 'when-missing' } });
    const body = (await offer(m, IDENTIFIED.visitorId)).body;
    expect(body.segment).toBe('customer');
    expect(body).not.toHaveProperty('scoreSource');
  });

  it('weights from the config change the decision', async () => {
    const m = await mount({ localScore: { mode: 'when-missing', weights: { checkout: -6, email: -2 } } });
    expect((await offer(m, WARM.visitorId)).body).toMatchObject({ segment: 'low', scoreSource: 'local' });
  });

  it("keeps an exposed visitor's signals once, for fit-score", async () => {
    const m = await mount({ localScore: { mode: 'when-missing' } });
    const answer = (await offer(m, WARM.visitorId)).body as unknown as { offer: { id: string }; token: string };
    const expose = () =>
      fetch(`${m.origin}/visitor-offers/events`, {
        method: 'POST',
        headers: { cookie: `datafast_visitor_id=${WARM.visitorId}`, origin: m.origin, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'exposure', offerId: answer.offer.id, token: answer.token }),
      });
    expect((await expose()).status).toBe(202);
    expect((await expose()).status).toBe(202);
    const store = await internalsOf(m.router).store.ready;
    await waitFor(async () => (await store.scoreSamples()).length === 1, 'the signals to be kept');
    const [sample] = await store.scoreSamples();
    expect(sample).toMatchObject({ converted: false, signals: { sessions: 4, pageViews: 14, visitedPricing: true, visitedCheckout: true, referrerClass: 'email', device: 'desktop' } });
  });

  it('off (the default): a visitor without a prediction stays unknown, and no answer says scoreSource', async () => {
    const m = await mount();
    const warm = (await offer(m, WARM.visitorId)).body;
    expect(warm).toMatchObject({ segment: 'unknown', reason: 'rule:default-unknown' });
    expect(warm).not.toHaveProperty('scoreSource');
    expect((await offer(m, personas.low.visitorId)).body).not.toHaveProperty('scoreSource');
  });
});

/** A PostMetric record (sessions and page views, never a prediction) in its GET /api/v1/visitor shape. */
function postMetricVisitor(label: string, o: { sessions: number; minutes: number; lastMsAgo: number; pages: string[]; referrer: string; device: string }): PostMetricPersona {
  const visitorId = `pm_local_${label}`;
  const sessions = Array.from({ length: o.sessions }, (_, i) => ({
    sessionId: `session_${visitorId}_${i}`,
    firstVisitAt: ago(o.lastMsAgo + i * DAY + o.minutes * 60_000),
    lastSeenAt: ago(o.lastMsAgo + i * DAY),
    pageViews: 3,
    duration: o.minutes * 60,
    device: o.device,
    browser: 'firefox',
    os: 'linux',
    country: 'DE',
  }));
  const pageViews = o.pages.map((path, i) => ({ path, title: path, timestamp: ago(o.lastMsAgo + (o.pages.length - i) * 60_000), referrer: i === 0 ? o.referrer : '' }));
  return {
    visitorId,
    label,
    description: 'a PostMetric record',
    status: 200,
    data: { visitorId, sessionCount: o.sessions, pageViewCount: o.sessions * 3, firstVisit: ago(o.lastMsAgo + o.sessions * DAY), lastVisit: ago(o.lastMsAgo), sessions, pageViews },
  };
}

describe('GET /offer with PostMetric, scored locally by default', () => {
  const pm = useRouteSuite('offer-local-score-postmetric', { provider: 'postmetric', pm: { rateLimitPerMinute: 100_000 } });
  const PM_WARM = postMetricVisitor('warm', { sessions: 4, minutes: 12, lastMsAgo: 5 * 60_000, pages: ['/?utm_medium=email&utm_source=weekly', '/pricing', '/checkout'], referrer: '', device: 'desktop' });
  const PM_COLD = postMetricVisitor('cold', { sessions: 3, minutes: 1, lastMsAgo: 20 * DAY, pages: ['/blog/a'], referrer: 'https://facebook.com/', device: 'mobile' });

  async function mountPm(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
    for (const p of [PM_WARM, PM_COLD]) pm.pm.addVisitor(p);
    return pm.track(await mountRouter({ ...pm.analytics(), dataDir: mkdtempSync(join(pm.baseDir, 'data-')), secret: TEST_SECRET, logger: pm.log.logger, ...options }));
  }
  async function pmOffer(m: MountedRouter, visitor: string): Promise<{ text: string; body: { offer: { id: string } | null; segment: string; reason: string; scoreSource?: string; token?: string } }> {
    const res = await fetch(`${m.origin}/visitor-offers/offer?path=/features`, { headers: { cookie: `postmetric_visitor_id=${visitor}` } });
    const text = await res.text();
    return { text, body: JSON.parse(text) as { offer: { id: string } | null; segment: string; reason: string; scoreSource?: string; token?: string } };
  }

  it('places a warm visitor high (urgency) and a cold one low (coupon), saying scoreSource local, and sends nothing of the record', async () => {
    const m = await mountPm();
    const warm = await pmOffer(m, PM_WARM.visitorId);
    expect(warm.body).toMatchObject({ segment: 'high', reason: 'rule:default-high', scoreSource: 'local', offer: { id: 'popular-plan-urgency' } });
    const cold = await pmOffer(m, PM_COLD.visitorId);
    expect(cold.body).toMatchObject({ segment: 'low', reason: 'rule:default-low', scoreSource: 'local', offer: { id: 'welcome-coupon' } });
    for (const text of [warm.text, cold.text]) for (const secret of ['weekly', 'facebook', '/checkout', 'session_', 'sessions', '"score"', 'confidence']) expect(text).not.toContain(secret);
  });

  it('weights from the config change the decision', async () => {
    const m = await mountPm({ localScore: { mode: 'when-missing', weights: { checkout: -6, email: -2 } } });
    expect((await pmOffer(m, PM_WARM.visitorId)).body).toMatchObject({ segment: 'low', scoreSource: 'local' });
  });

  it("keeps an exposed visitor's signals once, for fit-score", async () => {
    const m = await mountPm();
    const answer = (await pmOffer(m, PM_WARM.visitorId)).body;
    const expose = () =>
      fetch(`${m.origin}/visitor-offers/events`, {
        method: 'POST',
        headers: { cookie: `postmetric_visitor_id=${PM_WARM.visitorId}`, origin: m.origin, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'exposure', offerId: answer.offer?.id, token: answer.token }),
      });
    expect((await expose()).status).toBe(202);
    expect((await expose()).status).toBe(202);
    const store = await internalsOf(m.router).store.ready;
    await waitFor(async () => (await store.scoreSamples()).length === 1, 'the signals to be kept');
    const [sample] = await store.scoreSamples();
    expect(sample).toMatchObject({ converted: false, signals: { sessions: 4, pageViews: 12, visitedPricing: true, visitedCheckout: true, referrerClass: 'email', device: 'desktop' } });
  });

  it('off: a PostMetric visitor stays unknown, and no answer says scoreSource', async () => {
    const m = await mountPm({ localScore: { mode: 'off' } });
    const warm = (await pmOffer(m, PM_WARM.visitorId)).body;
    expect(warm).toMatchObject({ segment: 'unknown', reason: 'rule:default-unknown' });
    expect(warm).not.toHaveProperty('scoreSource');
  });
});
