// The Origin / Sec-Fetch-Site check on a minimal Express app: what a browser sends for same-origin,
// allowed cross-origin and hostile cross-origin POSTs, and what curl sends.
import express, { type Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { checkOrigin } from '../../../server/http/same-origin';

function app(allowed: string[] = [], trustProxy = false): Express {
  const a = express();
  if (trustProxy) a.set('trust proxy', true);
  a.post('/events', (req, res) => {
    const check = checkOrigin(req, allowed);
    if (check.ok) res.status(204).end();
    else res.status(403).json({ reason: check.reason });
  });
  return a;
}

const HOST = 'shop.example.com';
const post = (a: Express, headers: Record<string, string>) => {
  const r = request(a).post('/events').set('Host', HOST);
  for (const [k, v] of Object.entries(headers)) r.set(k, v);
  return r;
};

describe('checkOrigin', () => {
  it.each([
    ['Sec-Fetch-Site same-origin', { 'Sec-Fetch-Site': 'same-origin', Origin: `http://${HOST}` }],
    ['Sec-Fetch-Site same-origin without Origin', { 'Sec-Fetch-Site': 'same-origin' }],
    ['Sec-Fetch-Site none', { 'Sec-Fetch-Site': 'none' }],
    ['our own Origin (no Sec-Fetch-Site: an older browser)', { Origin: `http://${HOST}` }],
    ['our own Origin in another case and with the default port', { Origin: `HTTP://Shop.Example.com:80` }],
    ['neither header (curl, server to server)', {}],
  ])('allows %s', async (_name, headers) => {
    expect((await post(app(), headers)).status).toBe(204);
  });

  it.each([
    ['a foreign Origin', { Origin: 'https://evil.example' }, 'origin-not-allowed'],
    ['a foreign Origin marked cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }, 'origin-not-allowed'],
    ['a sibling subdomain that is not listed', { 'Sec-Fetch-Site': 'same-site', Origin: `http://blog.example.com` }, 'origin-not-allowed'],
    ['our host over the other scheme', { Origin: `https://${HOST}` }, 'origin-not-allowed'],
    ['the opaque null Origin', { Origin: 'null' }, 'opaque-origin'],
    ['cross-site without Origin', { 'Sec-Fetch-Site': 'cross-site' }, 'sec-fetch-site-cross-site'],
    ['same-site without Origin', { 'Sec-Fetch-Site': 'same-site' }, 'sec-fetch-site-same-site'],
  ])('refuses %s', async (_name, headers, reason) => {
    const res = await post(app(), headers);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ reason });
  });

  it('allows an Origin listed in allowedOrigins, even cross-site, and only those', async () => {
    const a = app(['https://www.example.com', 'https://landing.example.org/']);
    expect((await post(a, { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://www.example.com' })).status).toBe(204);
    expect((await post(a, { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://landing.example.org' })).status).toBe(204);
    expect((await post(a, { Origin: 'https://www.example.com:8443' })).status).toBe(403);
    expect((await post(a, { Origin: 'http://www.example.com' })).status).toBe(403);
  });

  it('reads the protocol from X-Forwarded-Proto only when Express trusts the proxy', async () => {
    const headers = { Origin: `https://${HOST}`, 'X-Forwarded-Proto': 'https' };
    expect((await post(app([], true), headers)).status).toBe(204);
    expect((await post(app([], false), headers)).status).toBe(403);
  });

  it('reads the host from X-Forwarded-Host only when Express trusts the proxy', async () => {
    const headers = { Origin: 'https://www.example.com', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'www.example.com' };
    expect((await post(app([], true), headers)).status).toBe(204);
    expect((await post(app([], false), headers)).status).toBe(403);
    // Untrusted, the Host header is still ours.
    expect((await post(app([], false), { ...headers, Origin: `http://${HOST}` })).status).toBe(204);
  });
});
