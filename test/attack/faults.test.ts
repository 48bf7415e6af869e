// The upstream fault matrix: every kind of DataFast failure against every route that calls it.
// Each answer keeps its contract (a decision with a truthful reason, an accepted event or lead,
// JSON, within the time budget plus slack), nothing crashes, nothing secret is logged, and the app
// works normally once DataFast is back. The matrix is printed (npm run attack shows it).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, type Fault } from '../../demo/simulated-datafast';
import { eventually } from '../support/wait';
import { ADMIN_TOKEN, CONVERSIONS_TOKEN, startAttackTarget, Tally, type AttackTarget, type RawAnswer, type RawRequest } from './attack-target';

const FAULTS: Array<[string, Fault]> = [
  ['slow 200 ms', { kind: 'delay', ms: 200 }],
  ['hang', { kind: 'hang' }],
  ['reset', { kind: 'reset' }],
  ['malformed JSON', { kind: 'malformed-json' }],
  ['429', { kind: 'rate-limit', retryAfterSeconds: 1 }],
  ...[400, 401, 403, 404, 500, 502, 503, 504].map((status): [string, Fault] => [String(status), { kind: 'status', status }]),
];

interface Route {
  name: string;
  request(): RawRequest;
  /** The statuses this route may answer while DataFast fails. */
  statuses: number[];
}

const sameOrigin = { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
const ROUTES: Route[] = [
  { name: 'GET /offer (new visitor)', request: () => ({ method: 'GET', path: '/visitor-offers/offer?path=/', headers: { cookie: `datafast_visitor_id=${randomUUID()}` } }), statuses: [200] },
  { name: 'GET /offer (stale record)', request: () => ({ method: 'GET', path: '/visitor-offers/offer?path=/pricing', headers: { cookie: `datafast_visitor_id=${personas.high.visitorId}` } }), statuses: [200] },
  { name: 'GET /live', request: () => ({ method: 'GET', path: '/visitor-offers/live' }), statuses: [200] },
  { name: 'GET /dashboard/data', request: () => ({ method: 'GET', path: '/visitor-offers/dashboard/data', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), statuses: [200] },
  {
    name: 'POST /events',
    request: () => ({ method: 'POST', path: '/visitor-offers/events', headers: { ...sameOrigin, cookie: `datafast_visitor_id=${personas.low.visitorId}` }, body: JSON.stringify({ type: 'click', offerId: 'launch-coupon' }) }),
    statuses: [202],
  },
  {
    name: 'POST /leads',
    request: () => ({ method: 'POST', path: '/visitor-offers/leads', headers: { ...sameOrigin, cookie: `datafast_visitor_id=${personas.lowConfidence.visitorId}` }, body: JSON.stringify({ email: `fault-${randomUUID().slice(0, 8)}@example.com`, offerId: 'starter-guide' }) }),
    statuses: [202],
  },
  {
    name: 'POST /conversions',
    request: () => ({ method: 'POST', path: '/visitor-offers/conversions', headers: { authorization: `Bearer ${CONVERSIONS_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ visitorId: personas.low.visitorId, orderId: randomUUID(), value: 10, currency: 'EUR' }) }),
    statuses: [201],
  },
];

describe('the upstream fault matrix', () => {
  let t: AttackTarget;
  const tally = new Tally();
  const matrix = new Map<string, string[]>();
  beforeAll(async () => {
    // Records expire at once, so the known visitor's answers come from stale-if-error while
    // DataFast fails; limits high enough for the matrix's own requests.
    t = await startAttackTarget({ cache: { ttlMs: 0 }, limits: { leadsPerMinutePerIp: 1000, eventsPerMinutePerIp: 1000, eventsPerMinutePerVisitor: 1000 } });
    // Warm: the known visitor's record is in the cache.
    await t.send(ROUTES[1]?.request() as RawRequest);
  });
  afterAll(async () => {
    console.log(`${tally.line('fault matrix')}\n${[...matrix].map(([route, cells]) => `  ${route.padEnd(28)} ${cells.join(' ')}`).join('\n')}`);
    await t?.close();
  });

  describe.each(FAULTS)('DataFast %s', (label, fault) => {
    it.each(ROUTES.map((r): [string, Route] => [r.name, r]))('%s keeps its contract', async (_name, route) => {
      t.sim.setFault(fault);
      let answer: RawAnswer;
      try {
        answer = await t.send(route.request(), 5000);
      } finally {
        t.sim.setFault(null);
      }
      tally.add(answer);
      const reason = answer.status === 200 ? ((JSON.parse(answer.body) as { reason?: string }).reason ?? '') : '';
      matrix.set(route.name, [...(matrix.get(route.name) ?? []), `${label}:${answer.status}${reason ? `/${reason}` : ''}`]);
      expect(route.statuses, `${route.name} → ${answer.status} ${answer.body.slice(0, 200)}`).toContain(answer.status);
      expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
      expect(answer.body).not.toContain(SIM.apiKey);
      expect(t.crashes).toEqual([]);
    });
  });

  it('logs no secret, and decides normally once DataFast is back', async () => {
    // A 429 pauses calls and failures may have opened the breaker: the app recovers by itself.
    await eventually(async () => {
      const res = await t.send({ method: 'GET', path: '/visitor-offers/offer?path=/', headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } });
      return (JSON.parse(res.body) as { segment: string }).segment === 'low';
    }, 'a decision with data again', { timeoutMs: 90_000, intervalMs: 250 });
    for (const secret of [SIM.apiKey, ADMIN_TOKEN, CONVERSIONS_TOKEN]) expect(t.log.text()).not.toContain(secret);
    expect(t.crashes).toEqual([]);
  }, 120_000);
});
