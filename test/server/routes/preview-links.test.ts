// GET/POST /visitor-offers/preview-links, the operator's way to a preview link: Bearer ADMIN_TOKEN
// (or the open demo dashboard), a checked body, a link to the page with a token that expires.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';

const ADMIN = 'preview-links-admin-token-0123456789';
const MINUTE = 60_000;
const suite = useRouteSuite('preview-links', { secrets: [ADMIN] });

async function mount(extra: Partial<VisitorOffersOptions> = {}): Promise<MountedRouter> {
  return suite.track(
    await mountRouter({
      datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url },
      offers: [{ id: 'spring-sale', kind: 'coupon', placement: 'bar', trigger: { type: 'immediate' }, headline: 'Spring sale', body: '20% off everything.', code: 'SPRING20', discountLabel: '20% off' }],
      adminToken: ADMIN,
      dataDir: mkdtempSync(join(suite.baseDir, 'data-')),
      logger: suite.log.logger,
      ...extra,
    }),
  );
}

const post = (m: MountedRouter, body: unknown, token: string | null = ADMIN) => {
  const req = request(m.server).post('/visitor-offers/preview-links');
  return (token === null ? req : req.set('Authorization', `Bearer ${token}`)).send(body as object);
};

describe('POST /preview-links', () => {
  it('answers 201 with a link to the page and when it expires (60 minutes by default)', async () => {
    const m = await mount();
    const t0 = Date.now();
    const res = await post(m, { target: 'spring-sale', path: '/pricing?utm_source=mail' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ url: expect.any(String), target: 'offer:spring-sale', expiresAt: expect.any(String) });
    expect(res.body.url).toMatch(/^\/pricing\?utm_source=mail&visitor-offers-preview=spring-sale&visitor-offers-token=v1\.offer:spring-sale\.[0-9a-z]+\.[\w-]{43}$/);
    const expiresAt = Date.parse(res.body.expiresAt as string);
    expect(expiresAt).toBeGreaterThan(t0 + 60 * MINUTE - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60 * MINUTE);
    expect(res.text).not.toContain(ADMIN);
  });

  it('takes a segment, a lifetime in minutes, and the home page by default', async () => {
    const m = await mount();
    const t0 = Date.now();
    const res = await post(m, { target: 'segment:high', minutes: 5 });
    expect(res.status).toBe(201);
    expect(res.body.url).toMatch(/^\/\?visitor-offers-preview=segment:high&visitor-offers-token=v1\.segment:high\./);
    expect(Date.parse(res.body.expiresAt as string)).toBeLessThanOrEqual(Date.now() + 5 * MINUTE);
    expect(Date.parse(res.body.expiresAt as string)).toBeGreaterThan(t0 + 5 * MINUTE - 1000);
  });

  it('needs the admin token: 401 without it or with another, case-insensitive scheme accepted', async () => {
    const m = await mount();
    for (const token of [null, 'wrong-token-wrong-token', `${ADMIN}x`]) {
      const res = await post(m, { target: 'spring-sale' }, token);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="visitor-offers"');
    }
    const lower = await request(m.server).post('/visitor-offers/preview-links').set('Authorization', `bearer ${ADMIN}`).send({ target: 'spring-sale' });
    expect(lower.status).toBe(201);
  });

  it('answers 404 without an admin token, and needs none on the open demo dashboard', async () => {
    expect((await post(await mount({ adminToken: null }), { target: 'spring-sale' })).status).toBe(404);
    expect((await post(await mount({ adminToken: null, dashboard: 'open' }), { target: 'spring-sale' }, null)).status).toBe(201);
  });

  it('needs the admin token when one is set, even with the dashboard open: its links are the owner’s to make', async () => {
    const m = await mount({ dashboard: 'open' });
    expect((await post(m, { target: 'spring-sale' }, null)).status).toBe(401);
    expect((await request(m.server).get('/visitor-offers/preview-links')).status).toBe(401);
    expect((await post(m, { target: 'spring-sale' })).status).toBe(201);
  });

  it.each([
    [{ target: 'summer-sale' }, 'target: no offer "summer-sale" is configured (offers: welcome-coupon, popular-plan-urgency, starter-guide, spring-sale)'],
    [{ target: 'segment:vip' }, /^target: expected an offer id or segment:</],
    [{}, /^target: /],
    [{ target: 'spring-sale', path: 'pricing' }, 'path: expected a page path starting with "/", like /pricing'],
    [{ target: 'spring-sale', path: '//evil.example/x' }, /^path: /],
    [{ target: 'spring-sale', path: 'https://shop.example.com/' }, /^path: /],
    [{ target: 'spring-sale', minutes: 0 }, /^minutes: /],
    [{ target: 'spring-sale', minutes: 1441 }, /^minutes: /],
    [{ target: 'spring-sale', minutes: 2.5 }, /^minutes: /],
    [{ target: 'spring-sale', admin: true }, /admin/],
  ])('400 for %j', async (body, error) => {
    const res = await post(await mount(), body);
    expect(res.status).toBe(400);
    if (typeof error === 'string') expect(res.body.error).toBe(error);
    else expect(res.body.error).toMatch(error);
  });

  it('400 for a body that is not JSON', async () => {
    const m = await mount();
    const bad = await request(m.server).post('/visitor-offers/preview-links').set('Authorization', `Bearer ${ADMIN}`).set('content-type', 'application/json').send('{"target":');
    expect(bad.status).toBe(400);
    const text = await request(m.server).post('/visitor-offers/preview-links').set('Authorization', `Bearer ${ADMIN}`).set('content-type', 'text/plain').send('{"target":"spring-sale"}');
    expect(text.status).toBe(400);
  });
});

describe('GET /preview-links', () => {
  it('lists the configured offers and the segments, for the admin only', async () => {
    const m = await mount();
    expect((await request(m.server).get('/visitor-offers/preview-links')).status).toBe(401);
    const res = await request(m.server).get('/visitor-offers/preview-links').set('Authorization', `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      offers: [
        { id: 'welcome-coupon', kind: 'coupon', headline: expect.any(String) },
        { id: 'popular-plan-urgency', kind: 'urgency', headline: expect.any(String) },
        { id: 'starter-guide', kind: 'lead_magnet', headline: expect.any(String) },
        { id: 'spring-sale', kind: 'coupon', headline: 'Spring sale' },
      ],
      segments: ['low', 'average', 'high', 'unknown', 'customer'],
      defaultMinutes: 60,
      maxMinutes: 1440,
    });
  });
});
