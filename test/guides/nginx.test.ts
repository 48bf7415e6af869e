// The nginx guide, run for real: Debian's nginx with examples/nginx/visitor-offers.conf in front
// of the standalone server (`npm run serve`) and the simulated DataFast. Through nginx the site's
// pages are served, each visitor cookie gets its own decision, widget.js keeps the server's caching
// headers, a POST /events from the page's origin passes the same-origin check, the rate limits see
// the client's address, and /offer is never cached.
import { readFileSync } from 'node:fs';
import { withoutSourceMapComment } from '../../server/routes/widget';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas, type PersonaName } from '../../demo/personas';
import { decisionOf } from '../support/decision-tokens';
import { SECRETS } from '../support/forbidden';
import { uuidFrom } from '../support/visitor-ids';
import { waitFor } from '../support/wait';
import { PLAIN_HTML_ROOT, startNginx, type NginxProxy } from './nginx-proxy';
import { acceptedUntilLimited, click } from './per-ip-limit';
import { ROOT, startStandaloneServer, type StandaloneServer } from './standalone-server';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Ask {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client's own address (any 127.x.y.z), to be a different visitor machine. */
  localAddress?: string;
}

const answers: Answer[] = [];

/** One HTTP request on a fresh connection; every answer is kept for the secret scan. */
function ask(url: string, { method = 'GET', headers = {}, body, localAddress }: Ask = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, ...(localAddress ? { localAddress } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        const answer = { status: res.statusCode ?? 0, headers: res.headers, body: text };
        answers.push(answer);
        resolve(answer);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cookie = (visitorId: string): Record<string, string> => ({ cookie: `datafast_visitor_id=${visitorId}` });

describe('the nginx guide: examples/nginx/visitor-offers.conf in front of npm run serve', () => {
  let server: StandaloneServer;
  let nginx: NginxProxy;

  beforeAll(async () => {
    server = await startStandaloneServer();
    nginx = await startNginx({ upstream: server.address });
  });

  afterAll(async () => {
    await nginx?.close();
    await server?.close();
  });

  it("serves the site's own pages from its root", async () => {
    const page = await ask(`${nginx.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toBe(readFileSync(join(PLAIN_HTML_ROOT, 'index.html'), 'utf8'));
  });

  it('gives every persona the decision the server gives it directly', async () => {
    for (const name of Object.keys(personas) as PersonaName[]) {
      const path = '/visitor-offers/offer?path=%2Fpricing';
      const proxied = await ask(nginx.origin + path, { headers: cookie(personas[name].visitorId) });
      const direct = await ask(server.url + path, { headers: cookie(personas[name].visitorId) });
      expect(proxied.status, name).toBe(200);
      expect(decisionOf(proxied.body), name).toEqual(decisionOf(direct.body));
    }
    const decision = async (headers: Record<string, string>): Promise<Record<string, unknown>> =>
      JSON.parse((await ask(`${nginx.origin}/visitor-offers/offer?path=%2Fpricing`, { headers })).body) as Record<string, unknown>;
    expect(await decision(cookie(personas.low.visitorId))).toMatchObject({ segment: 'low', offer: { kind: 'coupon' } });
    expect(await decision(cookie(personas.high.visitorId))).toMatchObject({ segment: 'high', offer: { kind: 'urgency' } });
    expect(await decision(cookie(personas.customer.visitorId))).toMatchObject({ segment: 'customer', offer: null });
    expect(await decision({})).toMatchObject({ offer: null, reason: 'no-cookie' });
  });

  it('never caches /offer: each request reaches the server and gets its own cookie’s decision', async () => {
    const url = `${nginx.origin}/visitor-offers/offer?path=%2F`;
    const kinds: unknown[] = [];
    for (const visitor of [personas.low, personas.high, personas.low, personas.customer]) {
      const answer = await ask(url, { headers: cookie(visitor.visitorId) });
      expect(answer.headers['cache-control']).toBe('private, no-store');
      expect(answer.headers.vary).toMatch(/cookie/i);
      expect(answer.headers['x-cache-status']).toBeUndefined();
      kinds.push((JSON.parse(answer.body) as { offer: { kind: string } | null }).offer?.kind ?? null);
    }
    expect(kinds).toEqual(['coupon', 'urgency', 'coupon', null]);
  });

  it("serves widget.js with the server's bytes and caching headers, cached by nginx only as they allow", async () => {
    const url = `${nginx.origin}/visitor-offers/widget.js`;
    const first = await ask(url);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/javascript/);
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    expect(first.headers.etag).toMatch(/^"[0-9a-f]{16}"$/);
    // The server's bytes: the bundle as served without public source maps (no sourceMappingURL line).
    expect(first.body).toBe(withoutSourceMapComment(readFileSync(join(ROOT, 'dist', 'widget', 'widget.js'))).toString('utf8'));
    expect(first.headers['x-cache-status']).toBe('MISS');

    const second = await ask(url);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.headers['cache-control']).toBe('public, max-age=300');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.body).toBe(first.body);

    const revalidated = await ask(url, { headers: { 'if-none-match': first.headers.etag ?? '' } });
    expect(revalidated.status).toBe(304);

    const { hashed } = JSON.parse(readFileSync(join(ROOT, 'dist', 'widget', 'manifest.json'), 'utf8')) as { hashed: string };
    const pinned = await ask(`${nginx.origin}/visitor-offers/${hashed}`);
    expect(pinned.status).toBe(200);
    expect(pinned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it("accepts a POST /events from the page's origin: nginx passes the Host and sets the scheme", async () => {
    // A seeded visitor: DataFast accepts goals only for visitors it has seen.
    const visitor = personas.average.visitorId;
    const post = (headers: Record<string, string>): Promise<Answer> =>
      ask(`${nginx.origin}/visitor-offers/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...cookie(visitor), ...headers }, body: click(visitor) });

    // Only an Origin, no Sec-Fetch-Site: the server must rebuild the page's origin from what nginx forwards.
    expect((await post({ origin: nginx.origin })).status).toBe(202);
    // A client's own X-Forwarded-Proto is replaced by nginx's $scheme.
    expect((await post({ origin: nginx.origin, 'x-forwarded-proto': 'https' })).status).toBe(202);
    expect((await post({ origin: nginx.origin.replace('http:', 'https:') })).status).toBe(403);
    expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);

    const goals = await waitFor(() => {
      const mine = server.sim.goals.filter((g) => g.visitorId === visitor);
      return mine.length === 2 && mine;
    }, 'the two accepted clicks to reach DataFast as goals');
    expect(goals.map((g) => g.name)).toEqual(['offer_click', 'offer_click']);
  });

  it("keys the per-IP rate limit on the client's address, which the client cannot spoof", async () => {
    let spoof = 0;
    const from = (localAddress: string) => (visitorId: string) =>
      ask(`${nginx.origin}/visitor-offers/events`, {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', origin: nginx.origin, 'x-forwarded-for': `203.0.113.${++spoof % 250}`, ...cookie(visitorId) },
        body: click(visitorId),
      }).then((a) => a.status);

    const accepted = await acceptedUntilLimited('nginx-guide-limit', from('127.0.0.2'));
    expect(accepted).toBeGreaterThan(0);
    // Another machine behind the same nginx still has its own allowance.
    expect(await from('127.0.0.3')(uuidFrom('nginx-guide-other-machine'))).toBe(202);
    expect(await from('127.0.0.2')(uuidFrom('nginx-guide-same-machine'))).toBe(429);
  });

  it('no answer and no log line carries the API key', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const secret of SECRETS) {
      for (const a of answers) expect(JSON.stringify(a.headers) + a.body).not.toContain(secret);
      expect(server.output()).not.toContain(secret);
    }
  });
});
