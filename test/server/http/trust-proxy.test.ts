// Whom the router believes about the client: `trustProxy` in Express's syntax, checked like every
// option, and applied to the requests the router handles. Over real sockets, the client binds to
// 127.0.0.2 (the trusted proxy here) or 127.0.0.3 (an untrusted peer): a spoofed X-Forwarded-For
// from the untrusted peer does not change any rate limit's key, from the proxy it does; the same
// for X-Forwarded-Proto and -Host in the origin check. The host app's own setting stays its own.
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { compileTrustProxy, trustProxyFromText, trustProxyProblem } from '../../../server/http/trust-proxy';
import { visitorOffers } from '../../../server/router';
import { uuidFrom } from '../../support/visitor-ids';
import { clickBody, leadBodyFor, TEST_SECRET } from '../../support/decision-tokens';

const PROXY = '127.0.0.2';
const STRANGER = '127.0.0.3';
const LIMIT = 3;

describe('the trustProxy setting', () => {
  it.each([
    ['false', false],
    ['a hop count', 2],
    ['a name', 'loopback'],
    ['a comma-separated list', 'loopback, 10.0.0.0/8, 192.0.2.7, 2001:db8::/32'],
    ['a list', ['uniquelocal', '203.0.113.0/24']],
    ['a netmask', '10.0.0.0/255.0.0.0'],
  ])('takes %s, as Express does', (_label, value) => {
    expect(trustProxyProblem(value)).toBeNull();
  });

  it('means what Express makes of it: hops count from the socket, names are their ranges', () => {
    const loopback = compileTrustProxy('loopback');
    expect([loopback('127.0.0.1', 0), loopback('127.9.9.9', 0), loopback('::1', 0)]).toEqual([true, true, true]);
    // A private address is not a proxy on this host: Docker, Kubernetes and SNAT peers are not trusted.
    expect(['10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.1.1', 'fd00::1'].map((a) => loopback(a, 0))).toEqual([false, false, false, false, false]);
    const twoHops = compileTrustProxy(2);
    expect([twoHops('198.51.100.1', 0), twoHops('198.51.100.1', 1), twoHops('198.51.100.1', 2)]).toEqual([true, true, false]);
    expect(compileTrustProxy(false)('127.0.0.1', 0)).toBe(false);
  });

  it.each([
    ['false', false],
    ['False', false],
    ['3', 3],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
    ['true', true],
  ])('reads TRUST_PROXY=%s', (text, setting) => {
    expect(trustProxyFromText(text)).toEqual(setting);
  });
});

let sim: SimulatedDataFast;
let base: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast({ generateUnknown: true });
  base = mkdtempSync(join(tmpdir(), 'vo-trust-'));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});

interface Site {
  origin: string;
  /** req.ip as a host middleware before the router read it when each response finished. */
  loggedIps: Array<string | undefined>;
  /** One request on a fresh connection from `from` (a loopback address); resolves the status and body. */
  send(from: string, method: string, path: string, headers?: Record<string, string>, body?: string): Promise<{ status: number; body: string }>;
}

/** A host app with the router at /visitor-offers and, after it, a route showing the app's own view of the client. */
async function site(options: Partial<VisitorOffersOptions>, hostTrust?: string): Promise<Site> {
  const app = express();
  if (hostTrust !== undefined) app.set('trust proxy', hostTrust);
  // A request logger as morgan or pino-http: it reads the client once the response is sent.
  const loggedIps: Array<string | undefined> = [];
  app.use((req, res, next) => {
    res.on('finish', () => loggedIps.push(req.ip));
    next();
  });
  const router = visitorOffers({
    datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 400 },
    dataDir: mkdtempSync(join(base, 'r-')),
    conversionsToken: 'conversions-token-0123456789abcdef',
    secret: TEST_SECRET,
    limits: { eventsPerMinutePerIp: LIMIT, leadsPerMinutePerIp: LIMIT, conversionsPerMinute: LIMIT },
    logLevel: 'silent',
    ...options,
  });
  app.use('/visitor-offers', router);
  const whoami: express.RequestHandler = (req, res) => {
    res.json({ ip: req.ip, protocol: req.protocol, host: req.host });
  };
  app.get('/whoami', whoami);
  // Under the router's path but not one of its routes: the router passes the request on.
  app.get('/visitor-offers/not-ours', whoami);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  closers.push(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await router.close(0);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    loggedIps,
    send: (from, method, path, headers = {}, body) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers, localAddress: from, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      }),
  };
}

/** Each rate-limited route, with a request that passes everything but the per-address limit. */
const ROUTES = [
  {
    name: 'POST /events (per address)',
    ok: 202,
    // A new visitor each time, so the per-visitor limit never decides.
    request: (s: Site, i: number) => ({
      path: '/visitor-offers/events',
      headers: { 'content-type': 'application/json', origin: s.origin, cookie: `datafast_visitor_id=${uuidFrom(`trust-events-${i}`)}` },
      body: clickBody(uuidFrom(`trust-events-${i}`)),
    }),
  },
  {
    name: 'POST /leads',
    ok: 202,
    request: (s: Site, i: number) => ({
      path: '/visitor-offers/leads',
      headers: { 'content-type': 'application/json', origin: s.origin, cookie: `datafast_visitor_id=${uuidFrom(`trust-leads-${i}`)}` },
      body: leadBodyFor(uuidFrom(`trust-leads-${i}`), `reader${i}@example.com`),
    }),
  },
  {
    name: 'POST /conversions',
    // Counted before the token is checked, so a wrong token shows the limit as well as a right one.
    ok: 401,
    request: () => ({ path: '/visitor-offers/conversions', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' }, body: '{}' }),
  },
];

describe.each(ROUTES)('the rate limit of $name keys on the address Express resolves', ({ ok, request: make }) => {
  let s: Site;
  let n = 0;
  /** Sends the route's request from `from` with this X-Forwarded-For; returns the status. */
  const hit = async (from: string, forwardedFor: string): Promise<number> => {
    const r = make(s, n++);
    return (await s.send(from, 'POST', r.path, { ...r.headers, 'x-forwarded-for': forwardedFor }, r.body)).status;
  };

  beforeAll(async () => {
    s = await site({ trustProxy: PROXY });
  });

  it('holds for an untrusted peer however it rotates X-Forwarded-For', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 5; i++) statuses.push(await hit(STRANGER, `203.0.113.${i + 1}`));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(ok), ...Array<number>(5).fill(429)]);
  });

  it('follows X-Forwarded-For from the trusted proxy: each client has its own allowance', async () => {
    for (let i = 0; i < LIMIT; i++) expect(await hit(PROXY, '198.51.100.7')).toBe(ok);
    expect(await hit(PROXY, '198.51.100.7')).toBe(429);
    // Another client behind the same proxy, and the proxy's own address, are still allowed.
    expect(await hit(PROXY, '198.51.100.8')).toBe(ok);
    expect(await hit(PROXY, '192.0.2.1, 198.51.100.9')).toBe(ok);
  });
});

describe('the origin check reads X-Forwarded-Proto and -Host from the trusted proxy only', () => {
  let s: Site;
  const post = (from: string, headers: Record<string, string>): Promise<number> => {
    const visitor = uuidFrom(`origin-${Math.random()}`);
    return s.send(from, 'POST', '/visitor-offers/events', { 'content-type': 'application/json', cookie: `datafast_visitor_id=${visitor}`, ...headers }, clickBody(visitor)).then((r) => r.status);
  };
  const forwarded = { origin: 'https://shop.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example.com' };

  beforeAll(async () => {
    s = await site({ trustProxy: PROXY, limits: { eventsPerMinutePerIp: 1000 } });
  });

  it('takes the public scheme and host a trusted proxy forwards as the request’s own origin', async () => {
    expect(await post(PROXY, forwarded)).toBe(202);
    expect(await post(PROXY, { ...forwarded, origin: 'https://evil.example' })).toBe(403);
  });

  it('ignores them from an untrusted peer, whose own Host still counts', async () => {
    expect(await post(STRANGER, forwarded)).toBe(403);
    expect(await post(STRANGER, { ...forwarded, origin: s.origin })).toBe(202);
    expect(await post(STRANGER, { origin: s.origin.replace('http:', 'https:'), 'x-forwarded-proto': 'https' })).toBe(403);
  });
});

describe('the host app', () => {
  it('keeps its own trust proxy setting for its own routes while the router applies trustProxy', async () => {
    const s = await site({ trustProxy: PROXY });
    const mine = JSON.parse((await s.send(PROXY, 'GET', '/whoami', { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' })).body) as unknown;
    // Express's default (trust nothing): the socket's peer, and the socket's scheme.
    expect(mine).toEqual({ ip: PROXY, protocol: 'http', host: s.origin.slice('http://'.length) });
  });

  it('gets a request the router passes on back as it came', async () => {
    const s = await site({ trustProxy: PROXY });
    const passedOn = JSON.parse((await s.send(PROXY, 'GET', '/visitor-offers/not-ours', { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' })).body) as unknown;
    expect(passedOn).toEqual({ ip: PROXY, protocol: 'http', host: s.origin.slice('http://'.length) });
  });

  it('logs the router’s resolution for a request the router answered, its own for the rest', async () => {
    const s = await site({ trustProxy: PROXY });
    await s.send(PROXY, 'GET', '/visitor-offers/offer?path=%2F', { 'x-forwarded-for': '198.51.100.7' });
    await s.send(PROXY, 'GET', '/visitor-offers/not-ours', { 'x-forwarded-for': '198.51.100.7' });
    await s.send(PROXY, 'GET', '/whoami', { 'x-forwarded-for': '198.51.100.7' });
    expect(s.loggedIps).toEqual(['198.51.100.7', PROXY, PROXY]);
  });

  it('decides for the router too when trustProxy is not given', async () => {
    const s = await site({}, PROXY);
    const events = ROUTES[0];
    if (!events) throw new Error('no events route');
    const from = async (peer: string, forwardedFor: string, i: number): Promise<number> => {
      const r = events.request(s, 1000 + i);
      return (await s.send(peer, 'POST', r.path, { ...r.headers, 'x-forwarded-for': forwardedFor }, r.body)).status;
    };
    const rotated: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) rotated.push(await from(PROXY, `203.0.113.${i + 1}`, i));
    expect(rotated).toEqual(Array<number>(LIMIT + 2).fill(202));
    const stranger: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) stranger.push(await from(STRANGER, `203.0.113.${i + 1}`, 100 + i));
    expect(stranger).toEqual([...Array<number>(LIMIT).fill(202), 429, 429]);
  });
});
