// The standalone app's /healthz (liveness: always 200 while the process answers), /readyz
// (readiness: 503 with the reasons) and /metrics, configured from environment variables. A full
// disk is a real one: the data directory is a 1 MiB tmpfs mounted for this file and filled up, so
// the store's journal and the readiness probe meet a real ENOSPC; then the filler is removed and
// the app is ready again. Mounting needs root (CAP_SYS_ADMIN): CI has it and must run that test
// (the file fails there without it); elsewhere it is skipped. A second full-disk test needs no
// mount: the readiness probe's file is a link to /dev/full, which refuses every write with ENOSPC.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { createApp } from '../../server/app';
import { optionsFromEnv } from '../../server/config/env';
import { PROBE_FILE } from '../../server/health/store-probe';
import { internalsOf } from '../../server/router-internals';
import { captureLog } from '../support/log-capture';
import { parseScrape } from '../support/prometheus';
import { leadBodyFor, TEST_SECRET } from '../support/decision-tokens';
import { uuidFrom } from '../support/visitor-ids';
import { fill, mounted, tmpfs } from '../support/tmpfs';

const TOKEN = 'app-health-admin-token-7c41e09b2fd8';
let sim: SimulatedDataFast;
let base: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-app-health-'));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});

async function standalone(env: Record<string, string>) {
  const options = optionsFromEnv({ DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, VISITOR_OFFERS_SECRET: TEST_SECRET, ...env });
  const { app, router } = createApp({ ...options, limits: { leadsPerMinutePerIp: 1000 } }, captureLog('warn').logger);
  closers.push(() => router.close(0));
  await internalsOf(router).store.ready;
  return { app, router };
}

const lead = (app: Parameters<typeof request>[0], i: number) =>
  request(app)
    .post('/visitor-offers/leads')
    .set('Origin', 'http://127.0.0.1')
    .set('Host', '127.0.0.1')
    .set('Cookie', `datafast_visitor_id=${uuidFrom(`health-lead-${i}`)}`)
    .set('Content-Type', 'application/json')
    .send(leadBodyFor(uuidFrom(`health-lead-${i}`), `reader${i}@example.com`));

describe('/healthz and /readyz', () => {
  it('both 200 when all is well, with the health fields (public: no offers file path)', async () => {
    const { app } = await standalone({ DATA_DIR: mkdtempSync(join(base, 'd-')), OFFERS_CONFIG: 'demo/offers.demo.json' });
    // /readyz first: it waits for the first write probe, which /healthz only starts.
    for (const path of ['/readyz', '/healthz']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        status: 'ok',
        ready: true,
        reasons: [],
        store: 'ok',
        upstreamPausedUntil: null,
        outbox: { queued: 0, inFlight: 0, failed: 0, rejected: 0, delivered: 0, dropped: 0, capacity: 100_000 },
        cachedVisitors: 0,
        offers: { source: 'file', reloadFailing: false },
      });
      expect(res.body.upstream).toEqual(['visitors', 'realtime', 'goals'].map((endpoint) => ({ endpoint, state: 'closed', openSince: null })));
      expect(Date.parse(res.body.storeCheckedAt as string)).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toContain('offers.demo.json');
    }
  });

  it('/readyz answers 503 with the reason while the data directory cannot be opened for writing', async () => {
    // The data directory exists but something sits where the probe writes: a real failed write.
    const dir = mkdtempSync(join(base, 'd-'));
    const { app, router } = await standalone({ DATA_DIR: dir });
    execFileSync('mkdir', [join(dir, '.visitor-offers-write-probe')]);
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', ready: false, store: 'not-writable', reasons: ['store: the data directory takes no writes (EISDIR)'] });
    expect(JSON.stringify(res.body)).not.toContain(dir);
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect(router.health()).toMatchObject({ ready: false, store: 'not-writable' });
    rmSync(join(dir, '.visitor-offers-write-probe'), { recursive: true });
    // Ready with the first probe that starts after the fix: a probe the checks above started may
    // still be out (and fail), so the check is repeated as an orchestrator's would be.
    await expect.poll(async () => (await request(app).get('/readyz')).status, { timeout: 5000 }).toBe(200);
  });
});

const disk = tmpfs('1m');
afterAll(() => disk?.unmount());

describe('a full disk', () => {
  it('makes /readyz 503 (ENOSPC) while leads fail with 503, and 200 again once there is room', async () => {
    const small = mounted(disk, 'the full-disk test');
    const dir = join(small.dir, 'data');
    const { app } = await standalone({ DATA_DIR: dir, ADMIN_TOKEN: TOKEN });
    expect((await request(app).get('/readyz')).status).toBe(200);
    expect((await lead(app, 0)).status).toBe(202);

    const filler = join(small.dir, 'filler');
    fill(filler);
    // The journal's last block may still have room for a few leads; then one fails for real. (With
    // no leads at all, the next probe finds the full disk: within the 10 s a good probe is trusted.)
    const statuses: number[] = [];
    for (let i = 1; i <= 200 && !statuses.includes(503); i++) statuses.push((await lead(app, i)).status);
    expect(statuses.at(-1)).toBe(503);
    expect(statuses.slice(0, -1).every((s) => s === 202)).toBe(true);
    const full = await request(app).get('/readyz');
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ ready: false, store: 'not-writable', reasons: ['store: the data directory takes no writes (ENOSPC)'] });
    const alive = await request(app).get('/healthz');
    expect(alive.status).toBe(200);
    expect(alive.body).toMatchObject({ status: 'degraded', ready: false });
    const metrics = parseScrape((await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text);
    expect(metrics.value('visitor_offers_ready')).toBe(0);
    expect(metrics.value('visitor_offers_store_writable')).toBe(0);
    // The refused lead's write, and possibly the conversion count that follows an accepted lead (a write of its own).
    expect(metrics.value('visitor_offers_store_write_failures_total')).toBeGreaterThanOrEqual(1);
    expect(metrics.value('visitor_offers_store_write_failures_total')).toBeLessThanOrEqual(2);

    rmSync(filler);
    const back = await request(app).get('/readyz');
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ ready: true, store: 'ok', reasons: [] });
    expect((await lead(app, 999)).status).toBe(202);
  });
});

describe('a data directory whose next write finds no room (the probe writes to /dev/full)', () => {
  it('makes /readyz 503 with ENOSPC, and 200 again once a write succeeds', async () => {
    const dir = mkdtempSync(join(base, 'd-'));
    const { app } = await standalone({ DATA_DIR: dir });
    symlinkSync('/dev/full', join(dir, PROBE_FILE));
    const full = await request(app).get('/readyz');
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ ready: false, store: 'not-writable', reasons: ['store: the data directory takes no writes (ENOSPC)'] });
    // The probe removes its file (here the link) after each try: the next one writes a real file, which fits.
    expect((await request(app).get('/readyz')).status).toBe(200);
  });
});

describe('/metrics on the standalone server', () => {
  it('is at the root, with the admin token; not under /visitor-offers', async () => {
    const { app } = await standalone({ DATA_DIR: mkdtempSync(join(base, 'd-')), ADMIN_TOKEN: TOKEN });
    expect((await request(app).get('/metrics')).status).toBe(401);
    const res = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(parseScrape(res.text).value('visitor_offers_ready')).toBe(1);
    expect((await request(app).get('/visitor-offers/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(404);
  });

  it('METRICS_PUBLIC=true opens it to anyone, even without ADMIN_TOKEN', async () => {
    const { app } = await standalone({ DATA_DIR: mkdtempSync(join(base, 'd-')), METRICS_PUBLIC: 'true' });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE visitor_offers_http_requests_total counter');
  });

  it('without either, 404', async () => {
    const { app } = await standalone({ DATA_DIR: mkdtempSync(join(base, 'd-')), METRICS_PUBLIC: 'false' });
    expect((await request(app).get('/metrics')).status).toBe(404);
  });
});
