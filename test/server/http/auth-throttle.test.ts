// Wrong bearer tokens through the real router over real sockets: every route that takes one
// (experiments, dashboard data, preview links, conversions) counts wrong tokens per client address
// together; past limits.authFailuresPerMinutePerIp (10) the address gets 429 with Retry-After on
// all of them, the right token included, until the sliding minute lets it in again. Other
// addresses are unaffected (requests sent from 127.0.0.2 and 127.0.0.3: all of 127/8 is this
// machine). The log names the address and route, is bounded under attack, and never holds a guess.
import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { LINES_PER_MINUTE } from '../../../server/http/auth-log';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';

const ADMIN = 'auth-throttle-admin-token-6d2f8a1c9e4b';
const BACKEND = 'auth-throttle-backend-token-3b7e1f5a0c8d';
const suite = useRouteSuite('auth-throttle', { secrets: [ADMIN, BACKEND] });

afterEach(() => {
  vi.useRealTimers();
});

async function mount(options: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  const m = await mountRouter({
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 500 },
    dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
    adminToken: ADMIN,
    conversionsToken: BACKEND,
    logger: suite.log.logger,
    ...options,
  });
  return suite.track(m);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

type Route = 'experiments' | 'dashboard' | 'preview-links' | 'conversions';

/** One request to a protected route, from `from` (a loopback address), with `token` as the bearer (null: no header). */
function call(m: MountedRouter, route: Route, token: string | null, from = '127.0.0.1'): Promise<Answer> {
  const path = { experiments: '/experiments', dashboard: '/dashboard/data', 'preview-links': '/preview-links', conversions: '/conversions' }[route];
  const post = route === 'conversions';
  const body = post ? JSON.stringify({ visitorId: personas.low.visitorId, orderId: `o-${Math.random().toString(36).slice(2)}` }) : undefined;
  const url = new URL(`/visitor-offers${path}`, m.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: post ? 'POST' : 'GET',
        localAddress: from,
        // A connection of its own: no reuse of a kept-alive socket the server may be closing.
        agent: false,
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(post ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The status a right token gets on each route (conversions: a new order, 201). */
const OK: Record<Route, number> = { experiments: 200, dashboard: 200, 'preview-links': 200, conversions: 201 };
const ROUTES = Object.keys(OK) as Route[];
const rightToken = (route: Route): string => (route === 'conversions' ? BACKEND : ADMIN);

async function guess(m: MountedRouter, n: number, route: Route = 'experiments', from = '127.0.0.1'): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await call(m, route, `guess-${i}-0123456789abcdef0123456789`, from)).status);
  return statuses;
}

describe('wrong tokens are throttled per client address', () => {
  it('10 wrong tokens are answered 401; then every protected route answers 429 with Retry-After, the right token included', async () => {
    const m = await mount();
    expect(await guess(m, 10)).toEqual(Array(10).fill(401));
    for (const route of ROUTES) {
      for (const token of [rightToken(route), 'guess-again-0123456789abcdef0123456789', null]) {
        const res = await call(m, route, token);
        expect(res.status, `${route} with ${token === null ? 'no token' : token}`).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        // The sliding-window estimate frees one attempt at most a tenth of a window after the minute.
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(66);
        expect(res.body).toEqual({ error: `too many wrong tokens from this address: try again in ${String(res.headers['retry-after'])} s` });
      }
    }
    // Nothing got through: no order stored.
    expect((await (await internalsOf(m.router).store.ready).orderCount())).toBe(0);
  });

  it('counts wrong tokens on every protected route together', async () => {
    const m = await mount();
    const statuses = [...(await guess(m, 3, 'experiments')), ...(await guess(m, 3, 'dashboard')), ...(await guess(m, 2, 'preview-links')), ...(await guess(m, 2, 'conversions'))];
    expect(statuses).toEqual(Array(10).fill(401));
    expect((await call(m, 'dashboard', ADMIN)).status).toBe(429);
  });

  it('keys on the client address: another address still gets in, and is throttled on its own', async () => {
    const m = await mount();
    await guess(m, 10, 'experiments', '127.0.0.2');
    expect((await call(m, 'experiments', ADMIN, '127.0.0.2')).status).toBe(429);
    for (const route of ROUTES) expect((await call(m, route, rightToken(route), '127.0.0.3')).status, route).toBe(OK[route]);
    expect((await call(m, 'experiments', ADMIN, '127.0.0.1')).status).toBe(200);
    expect(await guess(m, 11, 'experiments', '127.0.0.3')).toEqual([...Array(10).fill(401), 429]);
  });

  it('a request without an Authorization header is not a guess (the dashboard asks for the token after one)', async () => {
    const m = await mount();
    for (let i = 0; i < 30; i++) expect((await call(m, 'dashboard', null)).status).toBe(401);
    expect((await call(m, 'dashboard', ADMIN)).status).toBe(200);
  });

  it('a right token does not clear the count (a backend sharing the address cannot reset it for a guesser)', async () => {
    const m = await mount();
    expect(await guess(m, 9)).toEqual(Array(9).fill(401));
    expect((await call(m, 'conversions', BACKEND)).status).toBe(201);
    expect((await call(m, 'experiments', ADMIN)).status).toBe(200);
    expect(await guess(m, 1)).toEqual([401]);
    expect((await call(m, 'experiments', ADMIN)).status).toBe(429);
  });

  it('lets the address in again once the sliding minute allows, as Retry-After said', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-02T10:00:05.000Z'));
    const m = await mount();
    await guess(m, 10);
    const refused = await call(m, 'experiments', ADMIN);
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    vi.setSystemTime(Date.now() + (wait - 1) * 1000);
    expect((await call(m, 'experiments', ADMIN)).status).toBe(429);
    vi.setSystemTime(Date.now() + 1000);
    expect((await call(m, 'experiments', ADMIN)).status).toBe(200);
  });

  it('limits.authFailuresPerMinutePerIp sets the allowance', async () => {
    const m = await mount({ limits: { authFailuresPerMinutePerIp: 3 } });
    expect(await guess(m, 4)).toEqual([401, 401, 401, 429]);
  });

  it('an open dashboard takes no token and counts nothing', async () => {
    const m = await mount({ dashboard: 'open', adminToken: null, conversionsToken: null });
    for (let i = 0; i < 15; i++) expect((await call(m, 'dashboard', `guess-${i}-0123456789abcdef0123456789`)).status).toBe(200);
  });
});

describe('wrong tokens are logged, boundedly, without what was sent', () => {
  it('the first refusals and the throttling one by one (address, route), the rest as one summary', async () => {
    const m = await mount();
    const guesses = 200;
    const statuses = await guess(m, guesses);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    await m.close();
    const lines = suite.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refused = lines.filter((l) => l.msg === 'wrong token refused (401)');
    const throttled = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('too many wrong tokens from one address'));
    const summaries = lines.filter((l) => l.msg === 'token attempts refused and not logged one by one');
    expect(refused.length + throttled.length).toBeLessThanOrEqual(LINES_PER_MINUTE);
    expect(refused).toHaveLength(9);
    expect(throttled).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 40, address: '127.0.0.1', route: 'GET /visitor-offers/experiments' });
    expect(throttled[0]).toMatchObject({ address: '127.0.0.1', retryAfterSeconds: expect.any(Number) });
    expect(summaries).toEqual([expect.objectContaining({ wrongTokens: 0, refusedWhileThrottled: guesses - 10, addresses: 1 })]);
    const text = suite.log.text();
    expect(text).not.toContain('guess-');
    expect(text).not.toMatch(/bearer/i);
  });

  it('under attack from many addresses the lines stay within the budget; the summary counts the rest', async () => {
    const m = await mount({ limits: { authFailuresPerMinutePerIp: 2 } });
    for (let a = 2; a < 12; a++) await guess(m, 5, 'experiments', `127.0.0.${a}`);
    await m.close();
    const lines = suite.log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const single = lines.filter((l) => l.msg === 'wrong token refused (401)' || (typeof l.msg === 'string' && l.msg.startsWith('too many wrong tokens')));
    expect(single).toHaveLength(LINES_PER_MINUTE);
    const summary = lines.find((l) => l.msg === 'token attempts refused and not logged one by one');
    // 10 addresses × (2 wrong + 3 while throttled) = 50 refusals; 10 of them logged one by one.
    expect(summary).toMatchObject({ refusedWhileThrottled: 30 });
    expect(Number(summary?.wrongTokens) + Number(summary?.refusedWhileThrottled)).toBe(50 - LINES_PER_MINUTE);
    expect(suite.log.text()).not.toContain('guess-');
  });
});
