// `router.metrics()` is mounted by the host app, outside the router's own routes; its wrong tokens
// are still counted under the client address the router's `trustProxy` resolves, like those of
// every other route with a token, whatever the host app's own `trust proxy` says. Over real
// sockets from 127.0.0.2 (a proxy) and 127.0.0.3 (a peer the router does not trust).
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { TrustProxySetting } from '../../../server/http/trust-proxy';
import { visitorOffers } from '../../../server/router';

const LIMIT = 3;
const PROXY = '127.0.0.2';
const STRANGER = '127.0.0.3';
const TOKEN = 'metrics-trust-admin-token-0123456789abcdef';

let base: string;
const closers: Array<() => Promise<void>> = [];
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'vo-metrics-trust-'));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  rmSync(base, { recursive: true, force: true });
});

/** A host app with `trust proxy` = hostTrust, the router (trustProxy) and its metrics at /metrics; sends a scrape from `from`. */
async function host(hostTrust: TrustProxySetting, trustProxy: TrustProxySetting): Promise<(from: string, forwardedFor: string, token?: string) => Promise<number>> {
  const app = express();
  app.set('trust proxy', hostTrust);
  // DataFast is never called here: no visitor is looked up.
  const router = visitorOffers({ datafast: { apiKey: SIM.apiKey, apiUrl: 'http://127.0.0.1:9' }, dataDir: mkdtempSync(join(base, 'r-')), adminToken: TOKEN, trustProxy, limits: { authFailuresPerMinutePerIp: LIMIT }, logLevel: 'silent' });
  app.use('/visitor-offers', router);
  app.get('/metrics', router.metrics());
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
  return (from, forwardedFor, token = 'wrong') =>
    new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor };
      const req = request({ host: '127.0.0.1', port, path: '/metrics', headers, localAddress: from, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
}

describe('wrong tokens at a metrics handler the host app mounts', () => {
  it('are throttled per socket address when the router trusts no proxy, though the host app trusts every loopback peer', async () => {
    const scrape = await host('loopback', false);
    const statuses: number[] = [];
    // A client rotating X-Forwarded-For: the host app would see a new address each time.
    for (let i = 0; i < LIMIT + 2; i++) statuses.push(await scrape(STRANGER, `203.0.113.${i + 1}`));
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429, 429]);
    // Throttled before its token is checked: the right one gets 429 too, from that address.
    expect(await scrape(STRANGER, '203.0.113.99', TOKEN)).toBe(429);
  });

  it('are counted per client behind the proxy the router trusts, though the host app trusts none', async () => {
    const scrape = await host(false, PROXY);
    for (let i = 0; i < LIMIT; i++) expect(await scrape(PROXY, '198.51.100.7')).toBe(401);
    expect(await scrape(PROXY, '198.51.100.7')).toBe(429);
    // Another client behind the same proxy is not shut out by the first one's guesses.
    expect(await scrape(PROXY, '198.51.100.8', TOKEN)).toBe(200);
  });
});
