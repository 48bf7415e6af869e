// The key every per-address limit counts under: an IPv6 client by its /64 (it may take any address
// in it), an IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 client) as the IPv4
// address. Checked on the function, then over real sockets: IPv6 clients forwarded by a proxy on
// ::1 through every limited route, and one IPv4 client reaching the same router over a dual-stack
// socket and an IPv4 one.
import express from 'express';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { addressKey } from '../../../server/http/client-key';
import { visitorOffers } from '../../../server/router';
import { uuidFrom } from '../../support/visitor-ids';
import { clickBody, leadBodyFor, TEST_SECRET } from '../../support/decision-tokens';

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::a', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:FFFF:0:0:9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0000:0000:0000:000b', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:127.0.0.1', '127.0.0.1'],
    // The /64 of an address with a dotted tail that is not a mapped one.
    ['64:ff9b::203.0.113.7', '64:ff9b:0:0::/64'],
    ['not-an-address', 'not-an-address'],
    [undefined, 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  const group = fc.integer({ min: 0, max: 0xffff });
  const groups = fc.array(group, { minLength: 8, maxLength: 8 });
  const hex = (gs: number[]): string[] => gs.map((g) => g.toString(16));

  it('gives every spelling of an IPv6 address the key of its first four groups', () => {
    fc.assert(
      fc.property(groups, fc.boolean(), (gs, upper) => {
        // Mapped addresses have their own rule, below.
        fc.pre(!(gs.slice(0, 5).every((g) => g === 0) && gs[5] === 0xffff));
        const full = hex(gs).join(':');
        // The URL parser writes the shortest form (with ::); padded and dotted-tail forms too.
        const spellings = [full, new URL(`http://[${full}]/`).hostname.slice(1, -1), gs.map((g) => g.toString(16).padStart(4, '0')).join(':')];
        spellings.push(`${hex(gs.slice(0, 6)).join(':')}:${(gs[6] ?? 0) >> 8}.${(gs[6] ?? 0) & 255}.${(gs[7] ?? 0) >> 8}.${(gs[7] ?? 0) & 255}`);
        const expected = `${hex(gs.slice(0, 4)).join(':')}::/64`;
        for (const s of spellings) expect(addressKey(upper ? s.toUpperCase() : s)).toBe(expected);
      }),
    );
  });

  it('gives an IPv4-mapped address, in either spelling, the IPv4 address’s own key', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
        const hexTail = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        expect([addressKey(`::ffff:${v4}`), addressKey(`::ffff:${hexTail}`), addressKey(v4)]).toEqual([v4, v4, v4]);
      }),
    );
  });
});

// Over real sockets. A proxy on ::1 (trusted: `loopback`) forwards IPv6 clients, as nginx on the
// same host does; the limits then key on the forwarded address.
const LIMIT = 3;
let sim: SimulatedDataFast;
let base: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast({ generateUnknown: true });
  base = mkdtempSync(join(tmpdir(), 'vo-client-key-'));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});

interface Listening {
  origin: string;
  /** One request on a fresh connection to this server from `host`'s loopback; resolves status and body. */
  send(method: string, path: string, headers?: Record<string, string>, body?: string): Promise<{ status: number; body: string }>;
}

/** An app with the router at /visitor-offers and /whoami (the app's own view of the client), on each of `listen`. */
async function site(options: Partial<VisitorOffersOptions>, listen: Array<{ bind: string; connect: string }>): Promise<Listening[]> {
  const app = express();
  app.set('trust proxy', 'loopback');
  const router = visitorOffers({
    datafast: { apiKey: SIM.apiKey, apiUrl: sim.url, timeoutMs: 400 },
    dataDir: mkdtempSync(join(base, 'r-')),
    adminToken: 'client-key-admin-token-0123456789abcdef',
    secret: TEST_SECRET,
    limits: { eventsPerMinutePerIp: LIMIT, leadsPerMinutePerIp: LIMIT, conversionsPerMinute: LIMIT, authFailuresPerMinutePerIp: LIMIT },
    logLevel: 'silent',
    ...options,
  });
  app.use('/visitor-offers', router);
  app.get('/whoami', (req, res) => {
    res.json({ ip: req.ip });
  });
  closers.push(() => router.close(0));
  const sites: Listening[] = [];
  for (const { bind, connect } of listen) {
    const server: Server = app.listen(0, bind);
    await new Promise<void>((resolve) => server.once('listening', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const host = connect.includes(':') ? `[${connect}]` : connect;
    sites.push({
      origin: `http://${host}:${port}`,
      send: (method, path, headers = {}, body) =>
        new Promise((resolve, reject) => {
          const req = request({ host: connect, port, method, path, headers, agent: false }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          });
          req.on('error', reject);
          req.end(body);
        }),
    });
  }
  return sites;
}

/** Each per-address limit, with a request that passes everything but that limit. */
const ROUTES = [
  {
    name: 'POST /events',
    ok: 202,
    options: {},
    // A new visitor each time, so the per-visitor limit never decides.
    request: (origin: string, i: number) => ({
      method: 'POST',
      path: '/visitor-offers/events',
      headers: { 'content-type': 'application/json', origin, cookie: `datafast_visitor_id=${uuidFrom(`client-key-events-${i}`)}` },
      body: clickBody(uuidFrom(`client-key-events-${i}`)),
    }),
  },
  {
    name: 'POST /leads',
    ok: 202,
    options: {},
    request: (origin: string, i: number) => ({
      method: 'POST',
      path: '/visitor-offers/leads',
      headers: { 'content-type': 'application/json', origin, cookie: `datafast_visitor_id=${uuidFrom(`client-key-leads-${i}`)}` },
      body: leadBodyFor(uuidFrom(`client-key-leads-${i}`), `reader${i}@example.com`),
    }),
  },
  {
    name: 'POST /conversions',
    // Counted before the token is checked; wrong tokens are not what is limited here.
    ok: 401,
    options: { limits: { conversionsPerMinute: LIMIT, authFailuresPerMinutePerIp: 1000 } },
    request: () => ({ method: 'POST', path: '/visitor-offers/conversions', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' }, body: '{}' }),
  },
  {
    name: 'wrong bearer tokens (GET /experiments)',
    ok: 401,
    options: {},
    request: () => ({ method: 'GET', path: '/visitor-offers/experiments', headers: { authorization: 'Bearer wrong' }, body: undefined }),
  },
];

describe.each(ROUTES)('the limit of $name, over real sockets', ({ ok, options, request: make }) => {
  let s: Listening;
  let n = 0;
  const from = async (client: string): Promise<number> => {
    const r = make(s.origin, n++);
    return (await s.send(r.method, r.path, { ...r.headers, 'x-forwarded-for': client }, r.body)).status;
  };

  beforeAll(async () => {
    [s] = (await site(options, [{ bind: '::1', connect: '::1' }])) as [Listening];
  });

  it('counts the addresses of one IPv6 /64 together, and another /64 apart', async () => {
    const sameNetwork = ['2001:db8:1:2::a', '2001:DB8:1:2:ffff::9', '2001:db8:1:2:0:0:0:b', '2001:db8:1:2:1234:5678:9abc:def0'];
    const statuses: number[] = [];
    for (const client of sameNetwork) statuses.push(await from(client));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(ok), 429]);
    expect(await from('2001:db8:1:3::a')).toBe(ok);
  });

  it('counts an IPv4-mapped address as the IPv4 address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push(await from('::ffff:198.51.100.20'));
    statuses.push(await from('198.51.100.20'));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(ok), 429]);
  });
});

describe('an IPv4 client reaching the router over a dual-stack socket and an IPv4 one', () => {
  it('has one count: ::ffff:127.0.0.1 is 127.0.0.1', async () => {
    const [dual, v4] = (await site({}, [
      { bind: '::', connect: '127.0.0.1' },
      { bind: '127.0.0.1', connect: '127.0.0.1' },
    ])) as [Listening, Listening];
    // The premise: the two sockets report the same client differently.
    const seen = await Promise.all([dual, v4].map(async (s) => (JSON.parse((await s.send('GET', '/whoami')).body) as { ip: string }).ip));
    expect(seen).toEqual(['::ffff:127.0.0.1', '127.0.0.1']);
    const lead = async (s: Listening, i: number): Promise<number> =>
      (await s.send('POST', '/visitor-offers/leads', { 'content-type': 'application/json', origin: s.origin, cookie: `datafast_visitor_id=${uuidFrom(`dual-${i}`)}` }, leadBodyFor(uuidFrom(`dual-${i}`), `dual${i}@example.com`))).status;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push(await lead(i % 2 === 0 ? dual : v4, i));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(202), 429]);
  });
});
