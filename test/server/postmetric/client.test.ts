// The PostMetric client against the simulated PostMetric over real HTTP: its Bearer key, its
// envelope and error codes (400, 401, 404, 429 with X-RateLimit-*), the same deadline, retry and
// breakers as DataFast's, goals through POST /api/v1/goal, and the key never in a log line.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POSTMETRIC_PERSONA_IDS } from '../../../demo/postmetric-personas';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric, type SimulatedPostMetric } from '../../../demo/simulated-postmetric';
import { PostMetricClient, type PostMetricClientOptions } from '../../../server/postmetric/client';
import { captureLog, type CapturedLog } from '../../support/log-capture';

let sim: SimulatedPostMetric;
let log: CapturedLog;
const clients: PostMetricClient[] = [];

beforeAll(async () => {
  sim = await startSimulatedPostMetric({ generateUnknown: false });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFault(null);
  sim.resetCalls();
  log = captureLog();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  expect(log.text()).not.toContain(SIMULATED_POSTMETRIC_DEFAULTS.apiKey);
});

function client(options: Partial<PostMetricClientOptions> = {}): PostMetricClient {
  const c = new PostMetricClient({ apiKey: SIMULATED_POSTMETRIC_DEFAULTS.apiKey, apiUrl: sim.url, timeoutMs: 400, logger: log.logger, ...options });
  clients.push(c);
  return c;
}

describe('PostMetricClient.getVisitor', () => {
  it('asks GET /api/v1/visitor?visitorId= with the Bearer key and maps the answer', async () => {
    const result = await client().getVisitor(POSTMETRIC_PERSONA_IDS.pricingReturning);
    expect(result).toMatchObject({ kind: 'found', visitor: { visitorId: POSTMETRIC_PERSONA_IDS.pricingReturning, prediction: null, behaviour: { visitedPricing: true } } });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]).toMatchObject({ method: 'GET', path: '/api/v1/visitor', query: { visitorId: POSTMETRIC_PERSONA_IDS.pricingReturning }, authorization: `Bearer ${SIMULATED_POSTMETRIC_DEFAULTS.apiKey}` });
  });

  it('reads 404 as an unknown visitor, and never sends an id outside PostMetric’s charset', async () => {
    const c = client();
    expect(await c.getVisitor(POSTMETRIC_PERSONA_IDS.unknown)).toEqual({ kind: 'unknown' });
    expect(await c.getVisitor('../../admin?x=1')).toEqual({ kind: 'unknown' });
    expect(sim.callCount('visitors')).toBe(1);
  });

  it('reads 400 (the id refused) as an unknown visitor, not an outage', async () => {
    sim.setFault({ kind: 'status', status: 400 }, { match: 'visitors', times: 1 });
    const c = client();
    expect(await c.getVisitor('visitor_123')).toEqual({ kind: 'unknown' });
    expect(c.breakers.visitors.state()).toBe('closed');
  });

  it('reads 401 as an auth failure, logged once with what to check and never the key', async () => {
    const c = client({ apiKey: 'pm_wrong_key' });
    expect(await c.getVisitor('visitor_123')).toEqual({ kind: 'unavailable', cause: 'auth' });
    expect(await c.getVisitor('visitor_123')).toEqual({ kind: 'unavailable', cause: 'auth' });
    const lines = log.lines.filter((l) => l.includes('POSTMETRIC_API_KEY'));
    expect(lines).toHaveLength(1);
    expect(log.text()).not.toContain('pm_wrong_key');
  });

  it('retries a 503 once inside the deadline', async () => {
    sim.setFault({ kind: 'status', status: 503 }, { match: 'visitors', times: 1 });
    expect((await client().getVisitor('visitor_123')).kind).toBe('found');
    expect(sim.callCount('visitors')).toBe(2);
  });

  it('gives up at the deadline on a hang', async () => {
    sim.setFault({ kind: 'hang' }, { match: 'visitors' });
    expect(await client({ timeoutMs: 200 }).getVisitor('visitor_123')).toEqual({ kind: 'unavailable', cause: 'timeout' });
  });

  it('pauses every kind of call until X-RateLimit-Reset after a 429', async () => {
    let now = Date.now();
    const c = client({ now: () => now });
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 45 }, { times: 1 });
    expect(await c.getVisitor('visitor_123')).toEqual({ kind: 'unavailable', cause: 'rate-limited' });
    const until = c.pausedUntil;
    // The simulator's reset is epoch seconds, 45 s ahead: the pause ends then, not at a default.
    expect(until).toBeGreaterThan(now + 43_000);
    expect(until).toBeLessThanOrEqual(now + 47_000);
    expect(await c.getVisitor('visitor_123')).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(await c.createGoal('visitor_123', 'offer_click', { offer: 'x' })).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(sim.calls).toHaveLength(1);
    now = until + 1;
    expect((await c.getVisitor('visitor_123')).kind).toBe('found');
  });

  it('keeps the last X-RateLimit-* headers for a budget', async () => {
    const c = client();
    await c.getVisitor('visitor_123');
    expect(c.lastRateLimit).toMatchObject({ limit: '100', remaining: '99' });
  });

  it('refuses an oversized record unread, as that visitor’s answer', async () => {
    sim.setFault({ kind: 'huge-record', bytes: 1_000_000 }, { match: 'visitors' });
    const c = client();
    expect(await c.getVisitor('visitor_123')).toEqual({ kind: 'unusable', cause: 'too-large' });
    expect(c.breakers.visitors.state()).toBe('closed');
  });

  it('has no payments to reconcile and no realtime map: answered without a call', async () => {
    const c = client();
    expect(await c.getPaymentGoals()).toEqual({ kind: 'found', goals: [] });
    expect((await c.getRealtimeMap()).kind).toBe('unavailable');
    expect(sim.calls).toHaveLength(0);
  });
});

describe('PostMetricClient.createGoal', () => {
  it('posts { event, visitorId } to /api/v1/goal, an order’s value as a number', async () => {
    const c = client();
    expect(await c.createGoal('visitor_123', 'offer_exposure', { offer: 'welcome-coupon', experiment: 'e', variant: 'a' })).toEqual({ kind: 'created' });
    expect(await c.createGoal('visitor_123', 'offer_conversion', { offer: 'none', value: '49.5', currency: 'USD' })).toEqual({ kind: 'created' });
    expect(sim.goals.map((g) => [g.event, g.visitorId, g.value])).toEqual([
      ['offer_exposure', 'visitor_123', null],
      ['offer_conversion', 'visitor_123', 49.5],
    ]);
    expect(sim.calls[0]?.body).toEqual({ event: 'offer_exposure', visitorId: 'visitor_123' });
  });

  it('reads a 400 as rejected for good, a 5xx or 429 as try again', async () => {
    const c = client();
    sim.setFault({ kind: 'status', status: 400 }, { match: 'goals', times: 1 });
    expect(await c.createGoal('visitor_123', 'offer_click', { offer: 'x' })).toEqual({ kind: 'rejected', status: 400 });
    sim.setFault({ kind: 'status', status: 500 }, { match: 'goals', times: 1 });
    expect(await c.createGoal('visitor_123', 'offer_click', { offer: 'x' })).toEqual({ kind: 'unavailable', cause: 'server-error' });
  });

  it('sends nothing for a bad name or visitor id', async () => {
    expect(await client().createGoal('bad id!', 'offer_click', { offer: 'x' })).toEqual({ kind: 'rejected', status: 400 });
    expect(sim.calls).toHaveLength(0);
  });
});
