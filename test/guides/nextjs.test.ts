// The Next.js guide's route handler (examples/nextjs/app/visitor-offers/[...path]/route.ts), called
// as Next calls it — GET(request) / POST(request) with Web Requests for the public site — against
// the real standalone server (`npm run serve`) and the simulated DataFast. Decisions, widget.js,
// events and the client's address arrive as the server needs them; its answers come back as they
// are; a server that is down is a 502 the widget ignores; the key never comes back.
import { readFileSync } from 'node:fs';
import { withoutSourceMapComment } from '../../server/routes/widget';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET, POST } from '../../examples/nextjs/app/visitor-offers/[...path]/route';
import { personas, type PersonaName } from '../../demo/personas';
import { decisionOf } from '../support/decision-tokens';
import { SECRETS } from '../support/forbidden';
import { waitFor } from '../support/wait';
import { acceptedUntilLimited, click } from './per-ip-limit';
import { ROOT, startStandaloneServer, type StandaloneServer } from './standalone-server';

/** The Next site's public origin. The server needs no ALLOWED_ORIGINS for it: it trusts the handler's X-Forwarded-Proto and -Host. */
const SITE = 'https://shop.example.com';

interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
}

const answers: Answer[] = [];

/** Reads the whole answer (kept for the secret scan). */
async function read(res: Response): Promise<Answer> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const answer = { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
  answers.push(answer);
  return answer;
}

const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => read(await GET(new Request(SITE + path, { headers })));

const post = async (path: string, headers: Record<string, string>, body: string): Promise<Answer> =>
  read(await POST(new Request(SITE + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })));

const cookie = (visitorId: string): Record<string, string> => ({ cookie: `datafast_visitor_id=${visitorId}` });

describe('the Next.js guide: a route handler forwarding /visitor-offers/* to npm run serve', () => {
  let server: StandaloneServer;
  const before = process.env.VISITOR_OFFERS_URL;

  beforeAll(async () => {
    // As the guide runs it: beside Next, on loopback, with the default TRUST_PROXY (loopback).
    server = await startStandaloneServer();
    process.env.VISITOR_OFFERS_URL = server.url;
  });

  afterAll(async () => {
    if (before === undefined) delete process.env.VISITOR_OFFERS_URL;
    else process.env.VISITOR_OFFERS_URL = before;
    await server?.close();
  });

  it('gives every persona the decision the server gives it directly, with its no-store headers', async () => {
    for (const name of Object.keys(personas) as PersonaName[]) {
      const path = '/visitor-offers/offer?path=%2Fpricing';
      const forwarded = await get(path, cookie(personas[name].visitorId));
      const direct = await fetch(server.url + path, { headers: cookie(personas[name].visitorId) });
      expect(forwarded.status, name).toBe(200);
      expect(forwarded.headers.get('cache-control'), name).toBe('private, no-store');
      expect(forwarded.headers.get('vary'), name).toMatch(/cookie/i);
      expect(decisionOf(forwarded.text), name).toEqual(decisionOf(await direct.text()));
    }
    const decision = async (headers: Record<string, string>): Promise<unknown> => JSON.parse((await get('/visitor-offers/offer?path=%2F', headers)).text);
    expect(await decision(cookie(personas.low.visitorId))).toMatchObject({ segment: 'low', offer: { kind: 'coupon' } });
    expect(await decision(cookie(personas.high.visitorId))).toMatchObject({ segment: 'high', offer: { kind: 'urgency' } });
    expect(await decision({})).toMatchObject({ offer: null, reason: 'no-cookie' });
    // The server's bot detection reads the browser's User-Agent, not Node's.
    expect(await decision({ ...cookie(personas.low.visitorId), 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' })).toMatchObject({ offer: null, reason: 'bot' });
  });

  it("streams widget.js with the server's bytes and caching headers, and passes revalidation through", async () => {
    const res = await GET(new Request(`${SITE}/visitor-offers/widget.js`));
    expect(res.body).toBeInstanceOf(ReadableStream);
    const widget = await read(res);
    expect(widget.status).toBe(200);
    // The server's bytes: the bundle as served without public source maps (no sourceMappingURL line).
    expect(widget.bytes.equals(withoutSourceMapComment(readFileSync(join(ROOT, 'dist', 'widget', 'widget.js'))))).toBe(true);
    expect(widget.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(widget.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = widget.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);

    const revalidated = await get('/visitor-offers/widget.js', { 'if-none-match': etag ?? '' });
    expect(revalidated.status).toBe(304);
    expect(revalidated.bytes.length).toBe(0);
  });

  it('forwards POST /events with its body, cookie and origin headers, and returns refusals as they are', async () => {
    const visitor = personas.average.visitorId;
    const event = (headers: Record<string, string>, body = click(visitor)): Promise<Answer> => post('/visitor-offers/events', { ...cookie(visitor), ...headers }, body);

    // What a browser on the site sends.
    expect((await event({ origin: SITE, 'sec-fetch-site': 'same-origin' })).status).toBe(202);
    // An Origin alone (browsers without Sec-Fetch-Site): the site's origin is the request's own,
    // from the X-Forwarded-Proto and -Host the handler sets and the server trusts from loopback.
    expect((await event({ origin: SITE })).status).toBe(202);
    const crossSite = await event({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.text)).toEqual({ error: 'cross-origin request refused (origin-not-allowed)' });
    expect((await event({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const bad = await event({ origin: SITE, 'sec-fetch-site': 'same-origin' }, JSON.stringify({ type: 'purchase', offerId: 'welcome-coupon' }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: expect.stringMatching(/^type: /) as unknown });

    const goals = await waitFor(() => {
      const mine = server.sim.goals.filter((g) => g.visitorId === visitor);
      return mine.length === 2 && mine;
    }, 'the two accepted clicks to reach DataFast as goals');
    expect(goals.map((g) => g.name)).toEqual(['offer_click', 'offer_click']);
  });

  it('needs TRUST_PROXY to name Next’s address when Next runs elsewhere: untrusted, the forwarded origin does not count', async () => {
    const untrusting = await startStandaloneServer({ TRUST_PROXY: 'false' });
    process.env.VISITOR_OFFERS_URL = untrusting.url;
    try {
      const visitor = cookie(personas.average.visitorId);
      const refused = await post('/visitor-offers/events', { ...visitor, origin: SITE }, click(personas.average.visitorId));
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.text)).toEqual({ error: 'cross-origin request refused (origin-not-allowed)' });
      // Browsers that send Sec-Fetch-Site pass either way.
      expect((await post('/visitor-offers/events', { ...visitor, origin: SITE, 'sec-fetch-site': 'same-origin' }, click(personas.average.visitorId))).status).toBe(202);
    } finally {
      process.env.VISITOR_OFFERS_URL = server.url;
      await untrusting.close();
    }
  });

  it("passes the client's address (X-Forwarded-For) on, so the per-IP limit is each visitor's own", async () => {
    const from = (address: string) => (visitorId: string) =>
      post('/visitor-offers/events', { origin: SITE, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': address, ...cookie(visitorId) }, click(visitorId)).then((a) => a.status);
    const accepted = await acceptedUntilLimited('nextjs-guide-limit', from('198.51.100.7'));
    expect(accepted).toBeGreaterThan(0);
    expect(await from('198.51.100.8')(personas.low.visitorId)).toBe(202);
    expect(await from('198.51.100.7')(personas.low.visitorId)).toBe(429);
  });

  it('answers 502, uncached, when the standalone server cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    process.env.VISITOR_OFFERS_URL = `http://127.0.0.1:${port}`;
    try {
      const down = await get('/visitor-offers/offer?path=%2F', cookie(personas.low.visitorId));
      expect(down.status).toBe(502);
      expect(down.headers.get('cache-control')).toBe('no-store');
      expect(JSON.parse(down.text)).toEqual({ error: 'visitor-offers is unavailable' });
    } finally {
      process.env.VISITOR_OFFERS_URL = server.url;
    }
  });

  it('no answer and no log line carries the API key', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const secret of SECRETS) {
      for (const a of answers) expect(JSON.stringify([...a.headers]) + a.text).not.toContain(secret);
      expect(server.output()).not.toContain(secret);
    }
  });
});
