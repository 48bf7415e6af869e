// Security headers on every answer we own, over real sockets: nosniff on the router's JSON, its
// errors, its 404s and its files (mounted on a bare app) and on the standalone server's own answers
// (its final 404 too); helmet's set on the dashboard and on the demo site's pages, each with its
// own strict policy; HSTS only when the request came over HTTPS; source maps only with
// SOURCE_MAPS=public. Needs the built widget (node build.mjs; npm test builds first).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../../demo/demo-app';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { SITE_PATHS } from '../../../demo/site/paths';
import { createApp } from '../../../server/app';
import { optionsFromEnv } from '../../../server/config/env';
import { HSTS_MAX_AGE_SECONDS } from '../../../server/http/security-headers';
import { createLogger } from '../../../server/logger';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';

const WIDGET_DIR = fileURLToPath(new URL('../../../dist/widget/', import.meta.url));
const ADMIN = 'security-headers-admin-token-4c8e2a6f0b1d';

let sim: SimulatedDataFast;
let base: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (!existsSync(join(WIDGET_DIR, 'manifest.json'))) throw new Error(`${WIDGET_DIR} is not built: run node build.mjs (npm test builds first)`);
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-headers-'));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});

/** The standalone app (createApp) from these environment variables, on 127.0.0.1; its origin. */
async function standalone(env: Record<string, string> = {}): Promise<string> {
  const options = optionsFromEnv({ DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, DATA_DIR: mkdtempSync(join(base, 'd-')), ...env });
  const { app, router } = createApp(options, createLogger({ level: 'silent' }));
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  closers.push(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await router.close(0);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = (url: string, headers: Record<string, string> = {}): Promise<Response> => fetch(url, { headers, redirect: 'manual' });

type Send = (origin: string) => Promise<Response>;
const api = (origin: string, path: string): string => `${origin}/visitor-offers${path}`;
const post =
  (path: string, body: string, headers: Record<string, string> = {}): Send =>
  (origin) =>
    fetch(api(origin, path), { method: 'POST', body, headers: { 'content-type': 'application/json', origin, ...headers } });
/** The built rendering chunk's file name (dist/widget/manifest.json), read when a test runs. */
const builtChunk = (): string => (JSON.parse(readFileSync(join(WIDGET_DIR, 'manifest.json'), 'utf8')) as { chunk: string }).chunk;

const fetchGet =
  (path: string, headers: Record<string, string> = {}): Send =>
  (origin) =>
    get(api(origin, path), headers);

/** Requests that together reach every kind of answer the router gives, with the status each gets. */
const ROUTER_REQUESTS: Array<[label: string, status: number, send: Send]> = [
  ['an offer', 200, fetchGet('/offer?path=/', { cookie: `datafast_visitor_id=${personas.low.visitorId}` })],
  ['the live view', 200, fetchGet('/live')],
  ['an event from another site', 403, post('/events', '{"type":"click","offerId":"x"}', { origin: 'https://evil.example' })],
  ['malformed JSON (the error handler)', 400, post('/events', '{"type":')],
  ['a body too large', 413, post('/leads', JSON.stringify({ email: 'a'.repeat(10_000) }))],
  ['a lead with a formula email', 400, post('/leads', JSON.stringify({ email: '=1+1@example.com', offerId: 'starter-guide' }))],
  ['results without a token', 401, fetchGet('/experiments')],
  ['conversions without a token', 401, post('/conversions', '{}')],
  ['the dashboard page', 200, fetchGet('/dashboard')],
  ['the dashboard data without a token', 401, fetchGet('/dashboard/data')],
  ['widget.js', 200, fetchGet('/widget.js')],
  ['the rendering chunk', 200, (origin) => fetchGet(`/${builtChunk()}`)(origin)],
  ['the dashboard licence notice (Lit)', 200, fetchGet('/dashboard.js.LEGAL.txt')],
  ['dashboard.js', 200, fetchGet('/dashboard.js')],
];

describe('nosniff on every answer of the router, mounted on a bare app', () => {
  let m: MountedRouter;
  beforeAll(async () => {
    m = await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url }, dataDir: mkdtempSync(join(base, 'm-')), adminToken: ADMIN, logLevel: 'silent' });
  });
  afterAll(async () => {
    await m.close();
  });

  it.each(ROUTER_REQUESTS)('%s (%i)', async (_label, status, send) => {
    const res = await send(m.origin);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('the standalone server', () => {
  it('nosniff on its own answers: /healthz, the final 404 (also under the mount path), the router’s', async () => {
    const origin = await standalone();
    for (const path of ['/healthz', '/nope', '/visitor-offers/nope', '/visitor-offers/widget.js.map']) {
      const res = await get(`${origin}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      if (path !== '/healthz') expect(res.status, path).toBe(404);
    }
    for (const [label, , send] of ROUTER_REQUESTS) expect((await send(origin)).headers.get('x-content-type-options'), label).toBe('nosniff');
  });

  it('HSTS only on a request that came over HTTPS (the proxy on this host says so), never over plain HTTP', async () => {
    const origin = await standalone();
    for (const path of ['/healthz', '/visitor-offers/offer?path=/', '/visitor-offers/dashboard', '/nope']) {
      expect((await get(`${origin}${path}`)).headers.get('strict-transport-security'), path).toBeNull();
      const secure = await get(`${origin}${path}`, { 'x-forwarded-proto': 'https' });
      expect(secure.headers.get('strict-transport-security'), path).toBe(`max-age=${HSTS_MAX_AGE_SECONDS}`);
    }
  });
});

describe('helmet on the dashboard page', () => {
  it('its own strict policy and helmet’s other headers; no HSTS over plain HTTP', async () => {
    const origin = await standalone({ ADMIN_TOKEN: ADMIN });
    const res = await get(`${origin}/visitor-offers/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none';script-src 'self';connect-src 'self';style-src 'self';img-src 'self' data:;base-uri 'none';form-action 'none';frame-ancestors 'none'",
    );
    expect(Object.fromEntries([...res.headers].filter(([k]) => HELMET_HEADERS.includes(k)))).toEqual(HELMET_EXPECTED);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

const HELMET_HEADERS = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];
const HELMET_EXPECTED = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

describe('helmet on the demo site', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ env: { PORT: '0', DATA_DIR: mkdtempSync(join(base, 'demo-')) }, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await demo.close();
  });

  it.each([SITE_PATHS.home, SITE_PATHS.pricing, SITE_PATHS.blogPost, '/demo', '/demo/site.css', '/demo/site.js', '/demo/persona/low?next=/pricing'])(
    '%s: the site’s strict policy (nothing inline, everything from itself) and helmet’s headers',
    async (path) => {
      const res = await get(new URL(path, demo.url).href);
      expect(res.status).toBeLessThan(400);
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'self';script-src 'self';style-src 'self';img-src 'self';connect-src 'self';font-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'",
      );
      expect(Object.fromEntries([...res.headers].filter(([k]) => HELMET_HEADERS.includes(k)))).toEqual(HELMET_EXPECTED);
    },
  );

  it('the pages hold nothing the policy would block: no inline script or style, no other origin', async () => {
    for (const path of [SITE_PATHS.home, SITE_PATHS.pricing, SITE_PATHS.blogPost, '/demo']) {
      const html = await (await get(new URL(path, demo.url).href)).text();
      for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
        expect(attrs, path).toMatch(/\bsrc="\//);
        expect(body, path).toBe('');
      }
      expect(html, path).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
      expect(html, path).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    }
  });
});

describe('source maps', () => {
  const manifest = (): Record<string, string> => JSON.parse(readFileSync(join(WIDGET_DIR, 'manifest.json'), 'utf8')) as Record<string, string>;

  it('unset: every map answers 404 and no bundle names one', async () => {
    const origin = await standalone();
    const { hashed = '' } = manifest();
    for (const bundle of ['widget.js', 'widget.iife.js', hashed, 'dashboard.js']) {
      const res = await get(`${origin}/visitor-offers/${bundle}`);
      expect(res.status, bundle).toBe(200);
      expect(await res.text(), bundle).not.toContain('sourceMappingURL');
      expect((await get(`${origin}/visitor-offers/${bundle.replace(/\.js$/, bundle === hashed ? '.map' : '.js.map')}`)).status, `${bundle} map`).toBe(404);
    }
  });

  it('SOURCE_MAPS=public: the maps are served and the bundles name them, as built', async () => {
    const origin = await standalone({ SOURCE_MAPS: 'public' });
    const { hashed = '' } = manifest();
    for (const bundle of ['widget.js', hashed, 'dashboard.js']) {
      const text = await (await get(`${origin}/visitor-offers/${bundle}`)).text();
      expect(text).toBe(readFileSync(join(WIDGET_DIR, bundle), 'utf8'));
      const map = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      expect(map, bundle).toBeDefined();
      const res = await get(`${origin}/visitor-offers/${map}`);
      expect(res.status, String(map)).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.json()).toHaveProperty('mappings');
    }
  });
});
