// `ANALYTICS_PROVIDER=postmetric npm start`: the same demo against the simulated PostMetric. The
// site's persona switcher still sets datafast_visitor_id, which the demo reads as the PostMetric id
// (VISITOR_COOKIE); the simulated PostMetric answers every persona with a record of its own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/demo-app';
import { personas } from '../../demo/personas';
import { captureLog } from '../support/log-capture';

describe('the demo with ANALYTICS_PROVIDER=postmetric and no PostMetric key', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ env: { PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-demo-pm-')), ANALYTICS_PROVIDER: 'postmetric' }, logger: captureLog().logger });
  });
  afterAll(async () => {
    await demo.close();
  });

  it('runs on the simulated PostMetric and says so', () => {
    expect(demo.mode).toBe('simulated');
    expect(demo.sim).toBeNull();
    expect(demo.modeLine).toMatch(/^Simulated PostMetric at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('decides for a persona by asking the simulated PostMetric, and the dashboard names the provider', async () => {
    const res = await fetch(new URL('/visitor-offers/offer?path=/pricing', demo.url), { headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } });
    const body = (await res.json()) as { reason: string };
    expect(body.reason).toMatch(/^rule:/);
    expect(demo.pmSim?.calls.map((c) => c.query.visitorId)).toEqual([personas.low.visitorId]);
    const data = (await (await fetch(new URL('/visitor-offers/dashboard/data', demo.url))).json()) as { provider: string };
    expect(data.provider).toBe('postmetric');
  });
});
