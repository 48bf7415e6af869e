// GET /offer (and /live) through the real router while DataFast hangs, fails or rate-limits, with
// the breakers in front of it: once open, a visitor without a record gets `upstream-unavailable`
// and one with a stale record gets their offer, both without a call to DataFast; the half-open
// probe brings it back; a 429 opens it; and the log says so in a few lines, not one per request.
// One visitor's oversized or unreadable record is that visitor's answer, never an outage.
// Only Date is faked (the breakers' and the cache's clock); sockets and timers stay real.
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { personas } from '../../../demo/personas';
import { hugeRecord, SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { uuidFrom, visitorIds } from '../../support/visitor-ids';

const THRESHOLD = 3;
const COOL_DOWN = 30_000;
const TTL = 60_000;
const LOW = personas.low.visitorId;
const HIGH = personas.high.visitorId;

// Long enough that an answering DataFast is never cut off on a loaded machine; a hang still ends at it.
const TIMEOUT_MS = 1_500;

const suite = useRouteSuite('offer-breaker');

afterEach(() => {
  vi.useRealTimers();
});

async function mount(extra: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: TIMEOUT_MS, breaker: { failureThreshold: THRESHOLD, coolDownMs: COOL_DOWN } },
    cache: { ttlMs: TTL, staleIfErrorMs: 300_000 },
    dataDir: suite.baseDir,
    logger: suite.log.logger,
    ...extra,
  });
  return suite.track(m);
}

const offer = async (m: MountedRouter, visitor: string): Promise<{ segment: string; reason: string }> =>
  (await request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `datafast_visitor_id=${visitor}`)).body as { segment: string; reason: string };

const advance = (ms: number): void => {
  vi.setSystemTime(Date.now() + ms);
};

interface Line {
  level: number;
  msg: string;
  cause?: string;
}
const warnings = (): Line[] => suite.log.lines.map((l) => JSON.parse(l) as Line).filter((l) => l.level >= 40);

/** LOW's record is cached and expired (stale-if-error applies); then DataFast hangs and three cold visitors open the breaker. */
async function openDuringHang(m: MountedRouter): Promise<void> {
  expect((await offer(m, LOW)).reason).toBe('rule:default-low');
  advance(TTL + 1_000);
  suite.sim.setFault({ kind: 'hang' }, { match: 'visitors' });
  for (const cold of visitorIds(THRESHOLD, 'cold-during-hang')) expect((await offer(m, cold)).reason).toBe('upstream-unavailable');
  expect(internalsOf(m.router).client.breakers.visitors.state()).toBe('open');
  suite.sim.resetCalls();
}

describe('while DataFast hangs and the breaker is open', () => {
  it('a visitor without a record gets upstream-unavailable without a call to DataFast', async () => {
    const m = await mount();
    await openDuringHang(m);
    for (const cold of visitorIds(10, 'cold-after-open')) {
      expect(await offer(m, cold)).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'upstream-unavailable' });
    }
    expect(suite.sim.callCount('visitors')).toBe(0);
  });

  it('a visitor with a stale record gets their offer from it, without a call to DataFast', async () => {
    const m = await mount();
    await openDuringHang(m);
    const before = internalsOf(m.router).cache.stats().staleServed;
    for (let i = 0; i < 5; i++) expect(await offer(m, LOW)).toMatchObject({ segment: 'low', reason: 'rule:default-low' });
    expect(suite.sim.callCount('visitors')).toBe(0);
    expect(internalsOf(m.router).cache.stats().staleServed - before).toBe(5);
  });

  it('logs the hang and the opening once, then a summary a minute later and the probe: not a line per request', async () => {
    const m = await mount();
    await openDuringHang(m);
    for (let i = 0; i < 30; i++) await offer(m, i % 2 === 0 ? LOW : visitorIds(1, `cold-${i}`)[0] ?? '');
    expect(warnings().map((l) => l.msg)).toEqual([
      expect.stringMatching(new RegExp(`^DataFast visitor lookups: no answer within ${TIMEOUT_MS} ms`)),
      expect.stringMatching(/^DataFast visitor lookups: breaker open after 3 failures in a row \(last: timeout\)/),
    ]);
    // A minute on (the cool-down is over too): the next request brings the summary and is the probe, which hangs.
    advance(60_000);
    await offer(m, LOW);
    expect(warnings().slice(2).map((l) => l.msg)).toEqual([
      expect.stringMatching(/visitor lookups in the last minute: 3 failed \(timeout 3\), 30 refused by the open breaker, 0 succeeded/),
      expect.stringMatching(new RegExp(`no answer within ${TIMEOUT_MS} ms`)),
      expect.stringMatching(/the probe failed \(timeout\); calls keep failing fast for 30 s more/),
    ]);
  });
});

describe('recovery', () => {
  it('after the cool-down one probe goes to DataFast (others are refused while it is out); a failed one re-opens, a successful one closes and lookups resume', async () => {
    const m = await mount();
    await openDuringHang(m);
    const visitors = internalsOf(m.router).client.breakers.visitors;
    advance(COOL_DOWN);
    // The probe hangs: once it has reached DataFast, a second visitor is refused without a call.
    // (Whether it is still out or has timed out by then, the breaker refuses: either way no call.)
    const probe = offer(m, HIGH);
    await vi.waitFor(() => expect(suite.sim.callCount('visitors')).toBe(1));
    const [during] = visitorIds(1, 'during-probe');
    expect((await offer(m, during ?? '')).reason).toBe('upstream-unavailable');
    expect((await probe).reason).toBe('upstream-unavailable');
    expect(suite.sim.callCount('visitors')).toBe(1);
    expect(visitors.state()).toBe('open');

    suite.sim.setFault(null);
    advance(COOL_DOWN);
    expect((await offer(m, HIGH)).reason).toBe('rule:default-high');
    expect(suite.sim.callCount('visitors')).toBe(2);
    expect(visitors.state()).toBe('closed');

    // LOW's stale record is replaced by a fresh one now that DataFast answers.
    expect((await offer(m, LOW)).reason).toBe('rule:default-low');
    expect(suite.sim.callCount('visitors')).toBe(3);
    const info = suite.log.lines.map((l) => JSON.parse(l) as Line).filter((l) => l.level === 30).map((l) => l.msg);
    expect(info.filter((msg) => /cool-down over/.test(msg))).toHaveLength(2);
    expect(info.filter((msg) => /answering again/.test(msg))).toHaveLength(1);
  });
});

describe('a 429', () => {
  it('opens the breakers at once: visitor lookups and the realtime map fail fast until Retry-After, then come back', async () => {
    const m = await mount();
    suite.sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1 });
    expect((await offer(m, HIGH)).reason).toBe('upstream-unavailable');
    expect(m.router.health().upstreamPausedUntil).toBe(new Date(Date.now() + 120_000).toISOString());

    expect((await offer(m, LOW)).reason).toBe('upstream-unavailable');
    const live = await request(m.server).get('/visitor-offers/live');
    expect(live.status).toBe(200);
    expect(suite.sim.calls).toHaveLength(1);

    advance(120_000);
    expect((await offer(m, LOW)).reason).toBe('rule:default-low');
    expect(warnings().filter((l) => /429/.test(l.msg))).toHaveLength(1);
  });
});

/** A visitor of the simulated DataFast whose own record is `bytes` long (distinct goals and params, as a browser could add). */
function bloatedVisitor(label: string, bytes: number): string {
  const visitorId = uuidFrom(label);
  const data = { ...personas.high.data, visitorId };
  suite.sim.addVisitor({ ...personas.high, visitorId, data: (JSON.parse(hugeRecord({ status: 'success', data }, bytes)) as { data: Record<string, unknown> }).data });
  return visitorId;
}

const callsFor = (visitor: string): number => suite.sim.calls.filter((c) => c.path === `/api/v1/visitors/${visitor}`).length;

describe('visitor records over the size limit, or unreadable', () => {
  it('a 3.5 MB record is refused (record-too-large), logged once, and remembered for negativeTtlMs, not downloaded at every request', async () => {
    const m = await mount();
    suite.sim.setFault({ kind: 'huge-record', bytes: 3.5 * 1024 * 1024 }, { match: 'visitors' });
    for (let i = 0; i < 5; i++) expect(await offer(m, HIGH)).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'record-too-large' });
    expect(suite.sim.callCount('visitors')).toBe(1);
    expect(warnings().filter((l) => l.cause === 'too-large')).toHaveLength(1);
    // Only the small answer is kept, never the record.
    expect(internalsOf(m.router).cache.stats()).toMatchObject({ size: 1 });
    expect(internalsOf(m.router).cache.stats().bytes).toBeLessThan(1_000);
  });

  it('one visitor asking again and again for a 300 kB record of their own opens no breaker: everyone else keeps their decisions, and the record is fetched once per negativeTtlMs', async () => {
    // Every other visitor's record is fetched at each request (no fresh or stale copy to hide an open breaker).
    const m = await mount({ cache: { ttlMs: 0, staleIfErrorMs: 0, negativeTtlMs: 10_000 } });
    const big = bloatedVisitor('bloated-own-record', 300_000);
    for (let second = 0; second < 30; second++) {
      // A burst from the visitor with the big record, well over the breaker's threshold…
      for (let i = 0; i < THRESHOLD * 2; i++) expect((await offer(m, big)).reason).toBe('record-too-large');
      // …and an ordinary visitor right after it still gets a decision from their data.
      expect(await offer(m, LOW)).toMatchObject({ segment: 'low', reason: 'rule:default-low' });
      advance(1_000);
    }
    expect(callsFor(big)).toBe(3);
    expect(callsFor(LOW)).toBe(30);
    expect(internalsOf(m.router).client.breakers.visitors.stats()).toMatchObject({ state: 'closed', opened: 0, refused: 0 });
    expect(warnings().filter((l) => l.cause === 'too-large')).toHaveLength(1);
  });

  it('a record DataFast sends in a shape we cannot read is that visitor\'s answer too (record-unreadable), remembered the same way', async () => {
    const m = await mount();
    const odd = uuidFrom('unreadable-record');
    suite.sim.addVisitor({ ...personas.high, visitorId: odd, data: { ...personas.high.data, visitorId: 42 } });
    for (let i = 0; i < THRESHOLD * 2; i++) expect((await offer(m, odd)).reason).toBe('record-unreadable');
    expect(callsFor(odd)).toBe(1);
    expect((await offer(m, HIGH)).reason).toBe('rule:default-high');
    expect(internalsOf(m.router).client.breakers.visitors.state()).toBe('closed');
  });

  it('records just under the limit are decided on, and the cache stays under cache.maxBytes however many come', async () => {
    const maxBytes = 128 * 1024;
    const m = await mount({ cache: { ttlMs: TTL, maxBytes } });
    suite.sim.setFault({ kind: 'huge-record', bytes: 250_000 }, { match: 'visitors' });
    expect((await offer(m, HIGH)).reason).toBe('rule:default-high');
    expect((await offer(m, LOW)).reason).toBe('rule:default-low');
    const cache = internalsOf(m.router).cache;
    const one = cache.stats().bytes / 2;
    expect(one).toBeGreaterThan(1_000);
    for (const name of ['average', 'customer', 'identified', 'lowConfidence', 'legacyShape', 'experiment'] as const) {
      await offer(m, personas[name].visitorId);
      expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(cache.stats().size).toBeLessThan(8);
    expect(cache.stats().size).toBeGreaterThan(0);
  });
});
