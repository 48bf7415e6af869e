// GET /offer through the real router, the real cache and the real client, against the simulated
// DataFast: every decision path, every way a cookie can be wrong, every upstream fault.
import express, { type Express } from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { personas, type PersonaName } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type Fault, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { ConfigError } from '../../server/config/config-error';
import {visitorOffers, type VisitorOffersRouter } from '../../server/router';
import type { VisitorOffersOptions } from '../../server/config/options-types';
import { captureLog, type CapturedLog } from '../support/log-capture';
import { FORBIDDEN_KEYS, keysOf, personalValues, SECRETS } from '../support/forbidden';

let sim: SimulatedDataFast;
let log: CapturedLog;

beforeAll(async () => {
  sim = await startSimulatedDataFast();
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
  vi.useRealTimers();
  // Whatever a test did, the logs never hold a secret.
  for (const secret of SECRETS) expect(log.text()).not.toContain(secret);
});

const routers: VisitorOffersRouter[] = [];
let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'vo-router-'));
});
afterAll(async () => {
  await Promise.all(routers.map((r) => r.close(100)));
  rmSync(dataDir, { recursive: true, force: true });
});

/** A router with test defaults; every router made here is closed after the file. */
function routerWith(options: Partial<VisitorOffersOptions> = {}): VisitorOffersRouter {
  const router = visitorOffers({
    datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 400 },
    logger: log.logger,
    dataDir: mkdtempSync(join(dataDir, 'r-')),
    ...options,
  });
  routers.push(router);
  return router;
}

function appWith(options: Partial<VisitorOffersOptions> = {}): Express {
  return express().use('/visitor-offers', routerWith(options));
}

const cookieFor = (id: string): string => `datafast_visitor_id=${id}`;
const offerFor = (app: Express, cookie?: string, path = '/pricing') => {
  const r = request(app).get('/visitor-offers/offer').query({ path });
  return cookie === undefined ? r : r.set('Cookie', cookie);
};

describe('GET /offer decides by segment (built-in defaults)', () => {
  const cases: Array<[PersonaName, string, string | null, string]> = [
    ['low', 'low', 'coupon', 'rule:default-low'],
    ['average', 'average', null, 'rule:default-average'],
    ['high', 'high', 'urgency', 'rule:default-high'],
    ['identified', 'high', 'urgency', 'rule:default-high'],
    ['customer', 'customer', null, 'rule:default-customer'],
    ['lowConfidence', 'unknown', 'lead_magnet', 'rule:default-unknown'],
    ['legacyShape', 'unknown', 'lead_magnet', 'rule:default-unknown'],
  ];
  it.each(cases)('the %s persona is segment %s and gets %s (%s)', async (name, segment, kind, reason) => {
    const res = await offerFor(appWith(), cookieFor(personas[name].visitorId));
    expect(res.status).toBe(200);
    expect(res.body.segment).toBe(segment);
    expect(res.body.reason).toBe(reason);
    expect(res.body.experiment).toBeNull();
    expect(res.body.offer?.kind ?? null).toBe(kind);
    if (kind) {
      expect(res.body.offer).toMatchObject({ id: expect.any(String), placement: expect.any(String), trigger: { type: expect.any(String) } });
    }
  });

  it('answers a bot (DataFast 400) with no offer', async () => {
    const res = await offerFor(appWith(), cookieFor(personas.bot.visitorId));
    expect(res.body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'bot' });
  });

  it('answers an unknown visitor (DataFast 404) with no offer', async () => {
    const res = await offerFor(appWith(), cookieFor(personas.unknown.visitorId));
    expect(res.body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason: 'unknown-visitor' });
  });

  it('marks the answer private to this visitor', async () => {
    const res = await offerFor(appWith(), cookieFor(personas.low.visitorId));
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers.vary).toMatch(/Cookie/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('accepts the cookie in upper case and asks DataFast with the canonical id', async () => {
    await offerFor(appWith(), cookieFor(personas.low.visitorId.toUpperCase()));
    expect(sim.calls.map((c) => c.path)).toEqual([`/api/v1/visitors/${personas.low.visitorId}`]);
  });

  it('uses thresholds and segment offers from its options', async () => {
    const app = appWith({ decisions: { thresholds: { low: 60 }, bySegment: { low: 'starter-guide' } } });
    const res = await offerFor(app, cookieFor(personas.average.visitorId));
    expect(res.body).toMatchObject({ segment: 'low', offer: { id: 'starter-guide', kind: 'lead_magnet' } });
  });
});

describe('GET /offer never asks DataFast about a cookie it cannot trust', () => {
  const bad: Array<[string, string | undefined, string]> = [
    ['no cookie at all', undefined, 'no-cookie'],
    ['an empty cookie', 'datafast_visitor_id=', 'no-cookie'],
    ['another cookie only', 'session=abc', 'no-cookie'],
    ['garbage', 'datafast_visitor_id=hello', 'invalid-cookie'],
    ['a UUID v1', 'datafast_visitor_id=6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'invalid-cookie'],
    ['an oversized value', `datafast_visitor_id=${'a'.repeat(3000)}`, 'invalid-cookie'],
    ['a path trick', 'datafast_visitor_id=..%2F..%2Fadmin%2Faccess-tokens', 'invalid-cookie'],
    ['a path trick the length of a UUID', 'datafast_visitor_id=../../api/v1/analytics/realtime/map', 'invalid-cookie'],
    ['a JSON cookie', 'datafast_visitor_id=j%3A%7B%22a%22%3A1%7D', 'invalid-cookie'],
  ];
  it.each(bad)('%s → no offer (%s), no upstream call', async (_label, cookie, reason) => {
    const res = await offerFor(appWith(), cookie);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason });
    expect(sim.callCount()).toBe(0);
  });

  it('answers a self-declared crawler with no offer and no upstream call', async () => {
    const res = await offerFor(appWith(), cookieFor(personas.low.visitorId)).set(
      'User-Agent',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    );
    expect(res.body.reason).toBe('bot');
    expect(sim.callCount()).toBe(0);
  });

  it.each([['//evil.example/x'], ['https://evil.example/'], ['pricing'], ['/a b'], ['/' + 'x'.repeat(3000)]])(
    'answers an invalid page path %s with no offer and no upstream call',
    async (path) => {
      const res = await offerFor(appWith(), cookieFor(personas.low.visitorId), path);
      expect(res.status).toBe(200);
      expect(res.body.reason).toBe('invalid-path');
      expect(sim.callCount()).toBe(0);
    },
  );

  it('answers a repeated path parameter with no offer', async () => {
    const res = await request(appWith())
      .get('/visitor-offers/offer?path=/a&path=/b')
      .set('Cookie', cookieFor(personas.low.visitorId));
    expect(res.body.reason).toBe('invalid-path');
  });
});

describe('GET /offer never lets the visitor record or the key reach the browser', () => {
  const names = Object.keys(personas) as PersonaName[];
  it.each(names)('the %s persona: no secret, no personal value, no record field in the body', async (name) => {
    const res = await offerFor(appWith(), cookieFor(personas[name].visitorId));
    const text = res.text;
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    for (const value of personalValues()) expect(text).not.toContain(value);
    expect(text).not.toContain('@');
    const keys = keysOf(JSON.parse(text));
    for (const key of FORBIDDEN_KEYS) expect(keys).not.toContain(key);
    const body = JSON.parse(text) as { offer: unknown; experiment: unknown };
    // `token` (the signed decision) whenever there is something to report.
    const signed = body.offer !== null || body.experiment !== null;
    expect(Object.keys(body).sort()).toEqual(['experiment', 'offer', 'reason', 'segment', ...(signed ? ['token'] : [])]);
  });

  it('never echoes the key when DataFast rejects it, and logs the rejection once', async () => {
    const app = appWith({ datafast: { apiKey: 'df_wrong_key_1234567890', apiUrl: sim.url } });
    for (const name of ['low', 'high', 'average'] as const) {
      const res = await offerFor(app, cookieFor(personas[name].visitorId));
      expect(res.body.reason).toBe('upstream-unavailable');
      expect(res.text).not.toContain('df_wrong_key');
    }
    const authLines = log.lines.filter((l) => l.includes('401'));
    expect(authLines).toHaveLength(1);
    expect(log.text()).not.toContain('df_wrong_key');
  });
});

describe('GET /offer authenticates both ways DataFast allows', () => {
  it('a df_ website key sends no websiteId', async () => {
    await offerFor(appWith(), cookieFor(personas.high.visitorId));
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]?.authorization).toBe(`Bearer ${SIM.apiKey}`);
    expect(sim.calls[0]?.query).toEqual({});
  });

  it('a dft_ account token sends ?websiteId= and gets the same decision', async () => {
    const app = appWith({ datafast: { apiKey: SIM.accountToken, websiteId: SIM.websiteId, apiUrl: sim.url } });
    const res = await offerFor(app, cookieFor(personas.high.visitorId));
    expect(res.body).toMatchObject({ segment: 'high', reason: 'rule:default-high' });
    expect(sim.calls[0]?.authorization).toBe(`Bearer ${SIM.accountToken}`);
    expect(sim.calls[0]?.query).toEqual({ websiteId: SIM.websiteId });
  });

  it('refuses to mount with a dft_ token and no website id, naming the option', () => {
    expect(() => visitorOffers({ datafast: { apiKey: SIM.accountToken } })).toThrow(ConfigError);
    expect(() => visitorOffers({ datafast: { apiKey: SIM.accountToken } })).toThrow(/datafast\.websiteId/);
  });

  it.each([
    [{ datafast: { apiKey: '' } }, /datafast\.apiKey/],
    [{ datafast: { apiKey: 'sk_live_abc' } }, /datafast\.apiKey/],
    [{ datafast: { apiKey: 'df_x', apiUrl: 'ftp://x' } }, /datafast\.apiUrl/],
    [{ datafast: { apiKey: 'df_x', timeoutMs: -5 } }, /datafast\.timeoutMs/],
    [{ datafast: { apiKey: 'df_x' }, decisions: { thresholds: { low: 80, high: 20 } } }, /decisions\.thresholds/],
    [{ datafast: { apiKey: 'df_x' }, decisions: { bySegment: { low: 'no-such-offer' } } }, /decisions\.bySegment\.low/],
  ] as Array<[VisitorOffersOptions, RegExp]>)('refuses bad options at mount time (%#)', (options, message) => {
    expect(() => visitorOffers(options)).toThrow(message);
  });

  it('two routers with different options live in one app', async () => {
    const app = express();
    const datafast = { apiKey: SIM.apiKey, apiUrl: sim.url };
    app.use('/a', routerWith({ datafast }));
    app.use('/b', routerWith({ datafast, decisions: { bySegment: { average: 'welcome-coupon' } } }));
    const cookie = cookieFor(personas.average.visitorId);
    const a = await request(app).get('/a/offer').set('Cookie', cookie);
    const b = await request(app).get('/b/offer').set('Cookie', cookie);
    expect(a.body.offer).toBeNull();
    expect(b.body.offer).toMatchObject({ id: 'welcome-coupon' });
    // Each router has its own cache: both asked DataFast.
    expect(sim.callCount('visitors')).toBe(2);
  });
});

describe('GET /offer answers in time whatever DataFast does', () => {
  const TIMEOUT = 400;
  const faults: Array<[string, Fault, string]> = [
    ['a hang', { kind: 'hang' }, 'upstream-unavailable'],
    ['a delay past the timeout', { kind: 'delay', ms: 2000 }, 'upstream-unavailable'],
    ['a 500', { kind: 'status', status: 500 }, 'upstream-unavailable'],
    ['a 503', { kind: 'status', status: 503 }, 'upstream-unavailable'],
    ['a 429 with Retry-After', { kind: 'rate-limit', retryAfterSeconds: 30 }, 'upstream-unavailable'],
    // DataFast answered, with this visitor's record unreadable: about the record, not an outage.
    ['malformed JSON', { kind: 'malformed-json' }, 'record-unreadable'],
    ['a reset connection', { kind: 'reset' }, 'upstream-unavailable'],
  ];
  it.each(faults)('on %s: 200, no offer, reason upstream-unavailable (record-unreadable for a record it cannot read), within the timeout plus a margin; healthy after', async (_label, fault, reason) => {
    const app = appWith({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: TIMEOUT } });
    sim.setFault(fault);
    const started = Date.now();
    const res = await offerFor(app, cookieFor(personas.low.visitorId));
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ offer: null, experiment: null, segment: 'unknown', reason });
    expect(elapsed).toBeLessThan(TIMEOUT + 1000);

    sim.setFault(null);
    // A fresh router is not paused by an earlier 429, so recovery is shown on a fresh one for 429
    // and on the same one for every other fault.
    const after = fault.kind === 'rate-limit' ? appWith() : app;
    const ok = await offerFor(after, cookieFor(personas.high.visitorId));
    expect(ok.body.reason).toBe('rule:default-high');
  });

  it('after a 429, pauses DataFast calls instead of retrying (no retry storm)', async () => {
    const app = appWith();
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 30 });
    await offerFor(app, cookieFor(personas.low.visitorId));
    sim.setFault(null);
    for (const name of ['high', 'average', 'customer'] as const) {
      const res = await offerFor(app, cookieFor(personas[name].visitorId));
      expect(res.body.reason).toBe('upstream-unavailable');
    }
    expect(sim.callCount()).toBe(1);
  });
});

describe('GET /offer caches per visitor', () => {
  it('100 concurrent requests for one visitor make exactly one upstream call (real sockets)', async () => {
    const app = appWith();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    sim.setFault({ kind: 'delay', ms: 100 });
    try {
      const bodies = await Promise.all(
        Array.from({ length: 100 }, () =>
          fetch(`http://127.0.0.1:${port}/visitor-offers/offer?path=/`, {
            headers: { cookie: cookieFor(personas.high.visitorId) },
          }).then((r) => r.json() as Promise<{ reason: string }>),
        ),
      );
      expect(bodies.every((b) => b.reason === 'rule:default-high')).toBe(true);
      expect(sim.callCount('visitors')).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('serves a repeat visit from the cache, and asks again once the TTL has passed', async () => {
    // Only Date is faked: the cache's clock moves on command, sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const app = appWith({ cache: { ttlMs: 60_000 } });
    const cookie = cookieFor(personas.low.visitorId);
    await offerFor(app, cookie);
    vi.setSystemTime(Date.now() + 59_000);
    await offerFor(app, cookie);
    expect(sim.callCount('visitors')).toBe(1);
    vi.setSystemTime(Date.now() + 2_000);
    const res = await offerFor(app, cookie);
    expect(res.body.reason).toBe('rule:default-low');
    expect(sim.callCount('visitors')).toBe(2);
  });

  it('remembers a 404 for a short while only', async () => {
    // Only Date is faked: the cache's clock moves on command, sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const app = appWith({ cache: { negativeTtlMs: 10_000 } });
    const cookie = cookieFor(personas.unknown.visitorId);
    await offerFor(app, cookie);
    await offerFor(app, cookie);
    expect(sim.callCount('visitors')).toBe(1);
    vi.setSystemTime(Date.now() + 10_001);
    await offerFor(app, cookie);
    expect(sim.callCount('visitors')).toBe(2);
  });

  it('serves the last good record while DataFast fails (stale-if-error), for a bounded time', async () => {
    // Only Date is faked: the cache's clock moves on command, sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const app = appWith({ cache: { ttlMs: 60_000, staleIfErrorMs: 300_000 } });
    const cookie = cookieFor(personas.low.visitorId);
    await offerFor(app, cookie);
    sim.setFault({ kind: 'status', status: 500 });
    vi.setSystemTime(Date.now() + 120_000);
    const stale = await offerFor(app, cookie);
    expect(stale.body).toMatchObject({ segment: 'low', reason: 'rule:default-low', offer: { kind: 'coupon' } });
    expect(sim.callCount('visitors')).toBe(2);
    vi.setSystemTime(Date.now() + 300_000);
    const gone = await offerFor(app, cookie);
    expect(gone.body.reason).toBe('upstream-unavailable');
  });
});
