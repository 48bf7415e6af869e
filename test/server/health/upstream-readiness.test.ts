// /readyz and health() of the standalone app while DataFast fails and comes back, with the real
// router, client and breakers against the simulated DataFast. An unready instance gets no traffic,
// so nothing here relies on traffic after the outage: readiness must find DataFast back by itself.
// Only Date is faked (breakers, readiness, cache); sockets and the client's deadline stay real.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import { createApp } from '../../../server/app';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { PROBE_VISITOR_ID } from '../../../server/datafast/client';
import { internalsOf } from '../../../server/router-internals';
import { useRouteSuite } from '../../support/route-suite';

const MINUTE = 60_000;
const COOL_DOWN = 30_000;
const LIMIT = 5 * MINUTE;

const suite = useRouteSuite('upstream-readiness');
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  vi.useRealTimers();
});

async function standalone(extra: Partial<VisitorOffersOptions> = {}) {
  vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
  const { app, router } = createApp(
    {
      datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 300, breaker: { failureThreshold: 1, coolDownMs: COOL_DOWN } },
      dataDir: mkdtempSync(join(suite.baseDir, 'd-')),
      ...extra,
    },
    suite.log.logger,
  );
  closers.push(() => router.close(0));
  await internalsOf(router).store.ready;
  const offer = async (visitor: string): Promise<string> =>
    ((await request(app).get('/visitor-offers/offer').query({ path: '/pricing' }).set('Cookie', `datafast_visitor_id=${visitor}`)).body as { reason: string }).reason;
  const readyz = async (): Promise<{ status: number; reasons: string[] }> => {
    const res = await request(app).get('/readyz');
    return { status: res.status, reasons: (res.body as { reasons: string[] }).reasons };
  };
  return { app, router, offer, readyz };
}

const advance = (ms: number): void => {
  vi.setSystemTime(Date.now() + ms);
};

/** Visitor-lookup calls that were readiness's probes, and all of them. */
const probes = (): number => suite.sim.calls.filter((c) => c.path === `/api/v1/visitors/${PROBE_VISITOR_ID}`).length;

describe('with readiness.maxUpstreamOpenMs set', () => {
  it('an outage, then no traffic at all, then DataFast healthy: /readyz returns to 200 by itself', async () => {
    const { offer, readyz } = await standalone({ readiness: { maxUpstreamOpenMs: LIMIT } });
    suite.sim.setFault({ kind: 'status', status: 500 }, { match: 'visitors' });
    expect(await offer(personas.high.visitorId)).toBe('upstream-unavailable');
    expect((await readyz()).status).toBe(200);

    // No request for ten minutes; DataFast still failing: /readyz probes it, and says so.
    advance(10 * MINUTE);
    suite.sim.resetCalls();
    expect(await readyz()).toEqual({ status: 503, reasons: ['upstream: the DataFast visitors breaker has not closed for 600 s (limit 300 s)'] });
    expect(probes()).toBe(1);
    // Within the cool-down nothing more is sent, however often /readyz is asked.
    for (let i = 0; i < 3; i++) expect((await readyz()).status).toBe(503);
    expect(suite.sim.callCount('visitors')).toBe(1);

    // DataFast is back; still no traffic.
    suite.sim.setFault(null);
    advance(COOL_DOWN);
    expect(await readyz()).toEqual({ status: 200, reasons: [] });
    expect(probes()).toBe(2);
    expect(suite.sim.callCount('visitors')).toBe(2);
  });

  it('health() alone (what /healthz serves) makes the probe too, without waiting for it', async () => {
    const { router, offer } = await standalone({ readiness: { maxUpstreamOpenMs: LIMIT } });
    suite.sim.setFault({ kind: 'reset' }, { match: 'visitors' });
    expect(await offer(personas.high.visitorId)).toBe('upstream-unavailable');
    suite.sim.setFault(null);
    advance(10 * MINUTE);
    suite.sim.resetCalls();
    expect(router.health()).toMatchObject({ ready: false, reasons: [expect.stringMatching(/^upstream: the DataFast visitors breaker has not closed/)] });
    await vi.waitFor(() => expect(router.health()).toMatchObject({ ready: true, reasons: [] }));
    expect(probes()).toBe(1);
  });

  it('one 429 and then ordinary /offer traffic: ready for good, though the realtime map and goals breakers wait half-open for a caller', async () => {
    const { router, offer, readyz } = await standalone({ readiness: { maxUpstreamOpenMs: LIMIT } });
    suite.sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 120 }, { times: 1 });
    expect(await offer(personas.high.visitorId)).toBe('upstream-unavailable');
    advance(121_000);
    expect(await offer(personas.low.visitorId)).toBe('rule:default-low');
    advance(10 * MINUTE);
    expect(await offer(personas.high.visitorId)).toBe('rule:default-high');
    expect(await readyz()).toEqual({ status: 200, reasons: [] });
    // Still shown as they are, for operators and metrics; they just do not decide readiness.
    expect(router.health().upstream).toEqual([
      { endpoint: 'visitors', state: 'closed', openSince: null },
      { endpoint: 'realtime', state: 'half-open', openSince: expect.any(String) },
      { endpoint: 'goals', state: 'half-open', openSince: expect.any(String) },
    ]);
  });
});

describe('by default (maxUpstreamOpenMs null)', () => {
  it('an outage of any length leaves /readyz at 200, and readiness sends DataFast nothing', async () => {
    const { offer, readyz } = await standalone();
    suite.sim.setFault({ kind: 'status', status: 500 }, { match: 'visitors' });
    expect(await offer(personas.high.visitorId)).toBe('upstream-unavailable');
    advance(60 * MINUTE);
    suite.sim.resetCalls();
    expect(await readyz()).toEqual({ status: 200, reasons: [] });
    expect(suite.sim.callCount()).toBe(0);
  });
});
