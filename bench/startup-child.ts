// Child process of bench/startup.ts: mounts the standalone app on the data directory in argv[2]
// (DataFast at argv[3]) and times, from the mount, the first decision that needs the store (a
// coupon whose expiry counts from the first exposure) and the first /readyz 200. Reports them over
// IPC and exits.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { personas } from '../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS } from '../demo/simulated-datafast';
import { createApp } from '../server/app';
import { silentLogger } from '../server/logger';
import type { StartupTimes } from './protocol';

const [dataDir, datafastUrl] = process.argv.slice(2);
if (dataDir === undefined || datafastUrl === undefined || process.send === undefined) throw new Error('bench/startup-child runs as a forked child of bench/run.ts');

const started = performance.now();
const { app, router } = createApp({ datafast: { apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: datafastUrl }, dataDir }, silentLogger());
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const res = await fetch(`${base}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } });
const decision = (await res.json()) as { reason: string; offer: { id: string } | null };
const decisionMs = performance.now() - started;
let readyMs = Number.NaN;
for (let i = 0; i < 2000; i++) {
  if ((await fetch(`${base}/readyz`)).status === 200) {
    readyMs = performance.now() - started;
    break;
  }
  await new Promise((r) => setTimeout(r, 5));
}
const times: StartupTimes = { decisionMs, readyMs, decision: decision.offer?.id ?? decision.reason };
process.send(times);
server.close();
await router.close(0);
process.disconnect();
