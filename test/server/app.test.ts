// The standalone server's app and whom it believes about the client. By default only a proxy on
// the same host: a peer on a private address (Docker, Kubernetes, an SNAT load balancer) no longer
// picks its own address with X-Forwarded-For. TRUST_PROXY names the proxies; from any other peer
// rotating the header leaves the per-address limits where they were (real sockets, the client
// bound to 127.0.0.2 or 127.0.0.3).
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { createApp } from '../../server/app';
import { optionsFromEnv } from '../../server/config/env';
import { DEFAULTS } from '../../server/config/options';
import type { TrustFn } from '../../server/http/trust-proxy';
import { createLogger } from '../../server/logger';
import { leadBodyFor, TEST_SECRET } from '../support/decision-tokens';
import { uuidFrom } from '../support/visitor-ids';

let sim: SimulatedDataFast;
let base: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-app-'));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});

/** The standalone app from these environment variables, listening on 127.0.0.1. */
async function standalone(env: Record<string, string> = {}) {
  const options = optionsFromEnv({ DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, DATA_DIR: mkdtempSync(join(base, 'd-')), VISITOR_OFFERS_SECRET: TEST_SECRET, ...env });
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
  const { port } = server.address() as AddressInfo;
  /** A lead from `from` (a loopback address) claiming to come from `forwardedFor`; resolves the status. */
  const lead = (from: string, forwardedFor: string, i: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const visitor = uuidFrom(`app-lead-${i}`);
      const body = leadBodyFor(visitor, `reader${i}@example.com`);
      const headers = { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}`, 'x-forwarded-for': forwardedFor, cookie: `datafast_visitor_id=${visitor}` };
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/visitor-offers/leads', headers, localAddress: from, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  return { app, lead };
}

describe('the standalone app', () => {
  it('trusts a proxy on this host only, unless TRUST_PROXY says otherwise', async () => {
    const { app } = await standalone();
    expect(app.get('trust proxy')).toBe('loopback');
    const trust = app.get('trust proxy fn') as TrustFn;
    expect(['127.0.0.1', '::1'].map((a) => trust(a, 0))).toEqual([true, true]);
    expect(['10.0.0.5', '172.17.0.2', '192.168.1.20', '169.254.169.254', 'fd12::1'].map((a) => trust(a, 0))).toEqual([false, false, false, false, false]);
  });

  it('keeps the leads limit for a peer TRUST_PROXY does not name, however it rotates X-Forwarded-For', async () => {
    const { lead } = await standalone({ TRUST_PROXY: '127.0.0.2' });
    const limit = DEFAULTS.limits.leadsPerMinutePerIp;
    const statuses: number[] = [];
    for (let i = 0; i < limit + 10; i++) statuses.push(await lead('127.0.0.3', `198.51.100.${i + 1}`, i));
    expect(statuses.filter((s) => s === 202)).toHaveLength(limit);
    expect(statuses.slice(limit)).toEqual(Array<number>(10).fill(429));
  });

  it('gives each client behind a proxy TRUST_PROXY names its own allowance', async () => {
    const { lead } = await standalone({ TRUST_PROXY: '127.0.0.2' });
    const limit = DEFAULTS.limits.leadsPerMinutePerIp;
    for (let i = 0; i < limit; i++) expect(await lead('127.0.0.2', '198.51.100.1', i)).toBe(202);
    expect(await lead('127.0.0.2', '198.51.100.1', 99)).toBe(429);
    expect(await lead('127.0.0.2', '198.51.100.2', 100)).toBe(202);
  });
});
