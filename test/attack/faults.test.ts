// The upstream fault matrix: every kind of DataFast failure against every route that calls it, each
// cell on a fresh app (its own breakers, cache and outbox), so a cell sees the fault itself, never
// a breaker opened by the cells before it. The table says what each route answers under each
// fault — the reason of a decision, why the realtime map is missing, what becomes of a goal — and
// the fault is held until the goal's attempt has reached DataFast and been answered, then the
// delivery worker's counters of DataFast rows (an event's goal or a lead's) are checked. Every answer is JSON within its
// contract, nothing crashes, nothing secret is logged, and the app decides normally once DataFast
// is back. `npm run attack` also waits for every retried goal to be delivered after the fault.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, type Fault } from '../../demo/simulated-datafast';
import { internalsOf } from '../../server/router-internals';
import { eventually, waitFor } from '../support/wait';
import { ADMIN_TOKEN, CONVERSIONS_TOKEN, FULL, startAttackTarget, Tally, type AttackTarget, type RawAnswer, type RawRequest, DECISION_SECRET, decisionToken } from './attack-target';

/** What a goal sent under the fault becomes: accepted, refused for good (400/404), or queued for another attempt. */
type GoalFate = 'sent' | 'rejected' | 'retried';

interface FaultRow {
  label: string;
  fault: Fault;
  /** Reason of /offer for a visitor never asked about before. */
  newVisitor: string | RegExp;
  /** Reason of /offer for a visitor whose expired record is cached: `as-before` when that record still decides. */
  knownVisitor: 'as-before' | string;
  /** Why the realtime map is missing (the dashboard's `realtimeProblem`); null: it came. */
  realtime: string | null;
  goal: GoalFate;
}

const failing = (label: string, fault: Fault, realtime: string): FaultRow => ({ label, fault, newVisitor: 'upstream-unavailable', knownVisitor: 'as-before', realtime, goal: 'retried' });

const FAULTS: FaultRow[] = [
  { label: 'slow 200 ms', fault: { kind: 'delay', ms: 200 }, newVisitor: /^rule:/, knownVisitor: 'as-before', realtime: null, goal: 'sent' },
  failing('hang', { kind: 'hang' }, 'timeout'),
  failing('reset', { kind: 'reset' }, 'network'),
  // The visitor's record is unreadable: their own answer (the last good record serves meanwhile).
  // A goal's answer is not read: DataFast took it.
  { label: 'malformed JSON', fault: { kind: 'malformed-json' }, newVisitor: 'record-unreadable', knownVisitor: 'as-before', realtime: 'malformed', goal: 'sent' },
  failing('429', { kind: 'rate-limit', retryAfterSeconds: 1 }, 'rate-limited'),
  { label: '400', fault: { kind: 'status', status: 400 }, newVisitor: 'bot', knownVisitor: 'bot', realtime: 'server-error', goal: 'rejected' },
  failing('401', { kind: 'status', status: 401 }, 'auth'),
  failing('403', { kind: 'status', status: 403 }, 'auth'),
  { label: '404', fault: { kind: 'status', status: 404 }, newVisitor: 'unknown-visitor', knownVisitor: 'unknown-visitor', realtime: 'server-error', goal: 'rejected' },
  ...[500, 502, 503, 504].map((status) => failing(String(status), { kind: 'status', status }, 'server-error')),
];

const KNOWN = personas.high.visitorId;
const sameOrigin = { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
const offerFor = (visitor: string): RawRequest => ({ method: 'GET', path: '/visitor-offers/offer?path=/pricing', headers: { cookie: `datafast_visitor_id=${visitor}` } });

interface Cell {
  t: AttackTarget;
  row: FaultRow;
  /** The known visitor's reason before the fault. */
  knownReason: string;
}

interface Route {
  name: string;
  request(): RawRequest;
  status: number;
  /** Checks the answer against the row; returns what the matrix prints. */
  check(answer: RawAnswer, cell: Cell): string;
  /** For the routes that send a goal: where it is counted. */
  goal?: 'outbox' | 'leads';
}

function reasonOf(answer: RawAnswer): string {
  return (JSON.parse(answer.body) as { reason: string }).reason;
}

function segmentOf(answer: RawAnswer): string {
  return (JSON.parse(answer.body) as { segment: string }).segment;
}

const ROUTES: Route[] = [
  {
    name: 'GET /offer (new visitor)',
    request: () => offerFor(randomUUID()),
    status: 200,
    check(answer, { row }) {
      const reason = reasonOf(answer);
      if (typeof row.newVisitor === 'string') expect(reason).toBe(row.newVisitor);
      else expect(reason).toMatch(row.newVisitor);
      return reason;
    },
  },
  {
    name: 'GET /offer (expired record)',
    request: () => offerFor(KNOWN),
    status: 200,
    check(answer, { row, knownReason }) {
      const reason = reasonOf(answer);
      expect(reason).toBe(row.knownVisitor === 'as-before' ? knownReason : row.knownVisitor);
      return reason;
    },
  },
  {
    name: 'GET /live',
    request: () => ({ method: 'GET', path: '/visitor-offers/live' }),
    status: 200,
    check(answer, { row }) {
      const active = (JSON.parse(answer.body) as { activeVisitors: number | null }).activeVisitors;
      expect(active === null).toBe(row.realtime !== null);
      return active === null ? 'no map' : 'map';
    },
  },
  {
    name: 'GET /dashboard/data',
    request: () => ({ method: 'GET', path: '/visitor-offers/dashboard/data', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    status: 200,
    check(answer, { row }) {
      const body = JSON.parse(answer.body) as { realtimeAt: string | null; realtimeProblem: string | null };
      expect(body.realtimeProblem).toBe(row.realtime);
      expect(body.realtimeAt === null).toBe(row.realtime !== null);
      return body.realtimeProblem ?? 'map';
    },
  },
  {
    name: 'POST /events',
    request: () => ({ method: 'POST', path: '/visitor-offers/events', headers: { ...sameOrigin, cookie: `datafast_visitor_id=${personas.low.visitorId}` }, body: JSON.stringify({ type: 'click', offerId: 'launch-coupon', token: decisionToken(personas.low.visitorId, 'launch-coupon') }) }),
    status: 202,
    check: () => 'accepted',
    goal: 'outbox',
  },
  {
    name: 'POST /leads',
    request: () => ({
      method: 'POST',
      path: '/visitor-offers/leads',
      headers: { ...sameOrigin, cookie: `datafast_visitor_id=${personas.lowConfidence.visitorId}` },
      body: JSON.stringify({ email: `fault-${randomUUID().slice(0, 8)}@example.com`, offerId: 'starter-kit', token: decisionToken(personas.lowConfidence.visitorId, 'starter-kit') }),
    }),
    status: 202,
    check: () => 'stored',
    goal: 'leads',
  },
  {
    name: 'POST /conversions',
    request: () => ({
      method: 'POST',
      path: '/visitor-offers/conversions',
      headers: { authorization: `Bearer ${CONVERSIONS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ visitorId: personas.low.visitorId, orderId: randomUUID(), value: 10, currency: 'EUR' }),
    }),
    status: 201,
    check: () => 'stored',
    goal: 'outbox',
  },
];

/** The goal's counters (an event's goal and a lead's are both DataFast rows of the outbox): answered at all, and its fate. */
function goalCounters(t: AttackTarget): { answered: number } & Record<GoalFate, number> {
  const s = internalsOf(t.router).outbox.stats().byKind.datafast;
  return { answered: s.delivered + s.refused + s.retries + s.gaveUp, sent: s.delivered, rejected: s.refused, retried: s.retries };
}

/** What each fate looks like in the counters while the fault holds (a retry may come round again before it is lifted). */
const EXPECTED: Record<GoalFate, Record<GoalFate, unknown>> = {
  sent: { sent: 1, rejected: 0, retried: 0 },
  rejected: { sent: 0, rejected: 1, retried: 0 },
  retried: { sent: 0, rejected: 0, retried: expect.any(Number) },
};

describe('the upstream fault matrix', () => {
  const tally = new Tally();
  const matrix = new Map<string, string[]>();
  const logs: string[] = [];
  afterAll(() => {
    console.log(`${tally.line('fault matrix')}\n${[...matrix].map(([route, cells]) => `  ${route.padEnd(28)} ${cells.join(' ')}`).join('\n')}`);
  });

  describe.each(FAULTS.map((row): [string, FaultRow] => [row.label, row]))('DataFast %s', (label, row) => {
    it.each(ROUTES.map((r): [string, Route] => [r.name, r]))('%s', async (_name, route) => {
      // Records expire at once, so the known visitor's answer comes from stale-if-error while DataFast fails.
      const t = await startAttackTarget({ cache: { ttlMs: 0 }, limits: { leadsPerMinutePerIp: 1000, eventsPerMinutePerIp: 1000, eventsPerMinutePerVisitor: 1000 } });
      try {
        const knownReason = reasonOf(await t.send(offerFor(KNOWN)));
        t.sim.resetCalls();
        t.sim.setFault(row.fault);
        let answer: RawAnswer;
        let fate = '';
        try {
          answer = await t.send(route.request(), 5000);
          if (route.goal) {
            // The fault holds until the goal's attempt has reached DataFast and its answer is counted.
            await waitFor(() => t.sim.callCount('goals') >= 1 && goalCounters(t).answered >= 1, `the goal attempt of ${route.name}`);
            const { sent, rejected, retried } = goalCounters(t);
            expect({ sent, rejected, retried }, `${route.name}: the goal's counters`).toEqual(EXPECTED[row.goal]);
            if (row.goal === 'retried') expect(retried).toBeGreaterThanOrEqual(1);
            fate = `+goal ${row.goal}`;
          }
        } finally {
          t.sim.setFault(null);
        }
        tally.add(answer);
        expect(answer.status, `${route.name} → ${answer.status} ${answer.body.slice(0, 200)}`).toBe(route.status);
        expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
        expect(answer.body).not.toContain(SIM.apiKey);
        const shown = route.check(answer, { t, row, knownReason });
        matrix.set(route.name, [...(matrix.get(route.name) ?? []), `${label}:${answer.status}/${shown}${fate}`]);

        if (route.goal && row.goal === 'retried' && FULL) {
          // DataFast is back: the goal queued for another attempt is delivered (after a 429, once its pause is over).
          await waitFor(() => goalCounters(t).sent >= 1, `delivery of the retried goal of ${route.name}`);
        }
        // Back to normal: a decision from data. A 429's pause (1 s) is waited out only in the full run.
        if (row.fault.kind !== 'rate-limit' || FULL) {
          await eventually(async () => segmentOf(await t.send(offerFor(personas.low.visitorId))) === 'low', 'a decision with data again', { timeoutMs: 5000, intervalMs: 100 });
        }
        expect(t.crashes).toEqual([]);
      } finally {
        logs.push(t.log.text());
        await t.close();
      }
    });
  });

  it('logged no secret in any cell', () => {
    expect(logs.length).toBe(FAULTS.length * ROUTES.length);
    for (const text of logs) for (const secret of [SIM.apiKey, ADMIN_TOKEN, CONVERSIONS_TOKEN, DECISION_SECRET]) expect(text).not.toContain(secret);
  });
});
