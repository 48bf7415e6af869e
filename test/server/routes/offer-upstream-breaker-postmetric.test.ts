// The breaker and size-limit behaviour of offer-upstream-breaker.test.ts, against the simulated
// PostMetric. Its hang cases are not repeated here (each costs the client's whole deadline, and the
// hang→open→probe path is the shared core's, run for both providers in offer-providers.test.ts);
// failing answers (502) open the breaker just the same and fast. Once open: a visitor without a
// record gets `upstream-unavailable` and one with a stale record their offer, without a call; the
// log says so in a few lines naming PostMetric; an oversized or unreadable record is that
// visitor's answer, fetched once per negativeTtlMs, never an outage. Only Date is faked.
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { POSTMETRIC_PERSONA_IDS, postMetricPersonas } from '../../../demo/postmetric-personas';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';

const THRESHOLD = 3;
const COOL_DOWN = 30_000;
const TTL = 60_000;
const KNOWN = POSTMETRIC_PERSONA_IDS.pricingReturning;

const suite = useRouteSuite('offer-breaker-postmetric', { provider: 'postmetric', pm: { generateUnknown: true, rateLimitPerMinute: 100_000 } });

afterEach(() => {
  vi.useRealTimers();
});

async function mount(extra: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
  return suite.track(
    await mountRouter({
      ...suite.analytics({ timeoutMs: 1_500, breaker: { failureThreshold: THRESHOLD, coolDownMs: COOL_DOWN } }),
      upstream: { callsPerMinute: null },
      cache: { ttlMs: TTL, staleIfErrorMs: 300_000 },
      dataDir: suite.baseDir,
      logger: suite.log.logger,
      ...extra,
    }),
  );
}

const offer = async (m: MountedRouter, visitor: string): Promise<{ segment: string; reason: string }> =>
  (await request(m.server).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `postmetric_visitor_id=${visitor}`)).body as { segment: string; reason: string };
const advance = (ms: number): void => void vi.setSystemTime(Date.now() + ms);
const warnings = (): Array<{ level: number; msg: string; cause?: string }> =>
  suite.log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; cause?: string }).filter((l) => l.level >= 40);
const callsFor = (visitor: string): number => suite.pm.calls.filter((c) => c.query.visitorId === visitor).length;

describe('while PostMetric fails and the breaker is open', () => {
  it('cold visitors get upstream-unavailable and a stale record still decides, without a call; the log says it in two lines', async () => {
    const m = await mount();
    const known = await offer(m, KNOWN);
    expect(known.reason).toMatch(/^rule:/);
    advance(TTL + 1_000);
    suite.pm.setFault({ kind: 'status', status: 502 }, { match: 'visitors' });
    for (let i = 0; i < THRESHOLD; i++) expect((await offer(m, `pm_cold_${i}`)).reason).toBe('upstream-unavailable');
    expect(internalsOf(m.router).client.breakers.visitors.state()).toBe('open');
    suite.pm.resetCalls();
    for (let i = 0; i < 10; i++) {
      expect(await offer(m, `pm_cold_after_${i}`)).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'upstream-unavailable' });
      expect(await offer(m, KNOWN)).toMatchObject({ segment: known.segment, reason: known.reason });
    }
    expect(suite.pm.callCount('visitors')).toBe(0);
    const lines = warnings().map((l) => l.msg);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^PostMetric visitor lookups: breaker open after 3 failures in a row/);
    expect(lines.join('\n')).not.toContain(suite.pm.url.replace('http://', '') + '/api/v1/visitor?');
  });
});

describe('PostMetric records over the size limit, or unreadable', () => {
  it('a 3.5 MB record is refused (record-too-large), logged once, and remembered for negativeTtlMs, not downloaded at every request', async () => {
    const m = await mount();
    suite.pm.setFault({ kind: 'huge-record', bytes: 3.5 * 1024 * 1024 }, { match: 'visitors' });
    for (let i = 0; i < 5; i++) expect((await offer(m, KNOWN)).reason).toBe('record-too-large');
    expect(suite.pm.callCount('visitors')).toBe(1);
    expect(warnings().filter((l) => l.cause === 'too-large')).toHaveLength(1);
    expect(internalsOf(m.router).cache.stats().bytes).toBeLessThan(1_000);
  });

  it("a record in a shape we cannot read is that visitor's answer (record-unreadable), fetched once, and opens no breaker", async () => {
    const m = await mount();
    const odd = 'pm_unreadable_record';
    const base = postMetricPersonas.pricingReturning;
    suite.pm.addVisitor({ ...base, visitorId: odd, data: { ...base.data, visitorId: 42 } });
    for (let i = 0; i < THRESHOLD * 2; i++) expect((await offer(m, odd)).reason).toBe('record-unreadable');
    expect(callsFor(odd)).toBe(1);
    expect((await offer(m, KNOWN)).reason).toMatch(/^rule:/);
    expect(internalsOf(m.router).client.breakers.visitors.state()).toBe('closed');
  });
});
