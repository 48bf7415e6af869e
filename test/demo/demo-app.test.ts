// The `npm start` demo: a persona switcher in front of the real router and the simulated DataFast.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/demo-app';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { captureLog } from '../support/log-capture';

describe('the demo without a DataFast key', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ env: { PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-demo-')) }, logger: captureLog().logger });
  });
  afterAll(async () => {
    await demo.close();
  });

  it('runs on the simulated DataFast and lists every persona', async () => {
    expect(demo.mode).toBe('simulated');
    const html = await (await fetch(demo.url)).text();
    for (const p of Object.values(personas)) expect(html).toContain(p.label);
    expect(html).toContain('Simulated DataFast');
  });

  it('sets the cookie of the chosen persona and the proxy decides for it', async () => {
    const res = await fetch(`${demo.url}demo/persona/high`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`datafast_visitor_id=${personas.high.visitorId}`);
    const offer = await fetch(`${demo.url}visitor-offers/offer?path=/`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(await offer.json()).toMatchObject({ segment: 'high', offer: { kind: 'urgency' } });
    const page = await (await fetch(demo.url, { headers: { cookie: cookie.split(';')[0] ?? '' } })).text();
    expect(page).toMatch(/persona\/high" aria-current="true"/);
  });

  it('answers an unknown persona with 404 and serves its script and styles', async () => {
    expect((await fetch(`${demo.url}demo/persona/nobody`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${demo.url}demo/demo.js`)).status).toBe(200);
    expect((await fetch(`${demo.url}demo/demo.css`)).status).toBe(200);
  });

  it('clears the cookie for "no cookie"', async () => {
    const res = await fetch(`${demo.url}demo/persona/none`, { redirect: 'manual' });
    expect(res.headers.get('set-cookie')).toMatch(/datafast_visitor_id=;/);
  });
});

describe('the demo with DATAFAST_API_KEY set', () => {
  let upstream: SimulatedDataFast;
  let demo: Demo;
  beforeAll(async () => {
    upstream = await startSimulatedDataFast(); // stands in for the real DataFast
    demo = await startDemo({
      env: { PORT: '0', DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: upstream.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-demo-')) },
      logger: captureLog().logger,
    });
  });
  afterAll(async () => {
    await demo.close();
    await upstream.close();
  });

  it('uses the configured DataFast instead of starting a simulated one', async () => {
    expect(demo.mode).toBe('live');
    expect(demo.sim).toBeNull();
    await fetch(`${demo.url}visitor-offers/offer`, { headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } });
    expect(upstream.callCount('visitors')).toBe(1);
  });
});
