// kill -9 in a loop while leads pour in. The built standalone server (dist/server/main.js, as
// `npm run serve` runs it) takes leads from 20 concurrent clients (each a distinct visitor) and
// delivers them to a webhook on 127.0.0.1 and to the simulated DataFast; every few hundred ms it is
// SIGKILLed — no shutdown, no flush — and started again on the same DATA_DIR, 10 times. Then one
// last start delivers what is left. Afterwards:
// - every lead that got a 202 is in the store (and leads whose answer the kill swallowed may be too);
// - every stored lead reached the webhook exactly once after de-duplication by `Idempotency-Key`
//   (a lead sent again because the kill came between the webhook's 200 and the settle is counted
//   as a duplicate, which is what the key is for), and nothing else reached it;
// - DataFast got each stored lead's `offer_lead` goal at least once;
// - no delivery is left pending, failed or rejected in the store.
// The figures (accepted, recovered, delivered, duplicates) are printed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { readSqlite } from '../../../server/store/sqlite';
import { freePort, spawnServer, stopServer, type ServerProcess } from '../../support/server-process';
import { sleep } from '../../support/wait';
import { leadBodyFor, TEST_SECRET } from '../../support/decision-tokens';

const MAIN = 'dist/server/main.js'; // built by `npm test` before vitest runs
const CYCLES = 10;
const CLIENTS = 20;

/** The owner's webhook: answers 200 after a few ms, keeps the first body per Idempotency-Key, counts the repeats. */
interface DedupingWebhook {
  url: string;
  /** Lead id → the first body received for it. */
  byKey: Map<string, { email: string; visitorId: string | null }>;
  duplicates(): number;
  total(): number;
  close(): Promise<void>;
}

async function startWebhook(): Promise<DedupingWebhook> {
  const byKey = new Map<string, { email: string; visitorId: string | null }>();
  let total = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; email: string; visitorId: string | null };
      total += 1;
      if (key !== body.id) {
        res.writeHead(400).end();
        return;
      }
      if (!byKey.has(key)) byKey.set(key, { email: body.email, visitorId: body.visitorId });
      // A little latency widens the window between the webhook's 200 and the server's settle.
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), Math.floor(Math.random() * 20));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    byKey,
    duplicates: () => total - byKey.size,
    total: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let sim: SimulatedDataFast;
let hook: DedupingWebhook;
let baseDir: string;

beforeAll(async () => {
  // Any valid visitor id has pageviews: each client's visitors get their goals.
  sim = await startSimulatedDataFast({ generateUnknown: true });
  hook = await startWebhook();
  baseDir = mkdtempSync(join(tmpdir(), 'vo-kill9-'));
});
afterAll(async () => {
  await hook.close();
  await sim.close();
  rmSync(baseDir, { recursive: true, force: true });
});

describe('kill -9 in a loop while 20 clients post leads', () => {
  it('loses no accepted lead, and delivers every stored lead to the webhook exactly once (by key) and to DataFast', async () => {
    const started = Date.now();
    const dataDir = join(baseDir, 'data');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      DATAFAST_API_KEY: SIM.apiKey,
      DATAFAST_API_URL: sim.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LEADS_WEBHOOK_URL: hook.url,
      LIMIT_LEADS_PER_MINUTE_PER_IP: '1000000',
      LOG_LEVEL: 'warn',
      VISITOR_OFFERS_SECRET: TEST_SECRET,
    };
    const start = async (): Promise<ServerProcess> => {
      const server = spawnServer(process.execPath, [MAIN], { env });
      for (;;) {
        if (server.exited()) throw new Error(`the server exited at start:\n${server.output()}`);
        const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (up) return server;
        await sleep(25);
      }
    };

    // The clients: each posts leads one after another, a new email and visitor each time.
    const accepted = new Map<string, string>(); // email → visitor, answered 202
    let posted = 0;
    let unanswered = 0;
    let stop = false;
    const client = async (n: number): Promise<void> => {
      for (let i = 0; !stop; i += 1) {
        const email = `k9-${n}-${i}@example.com`;
        const visitor = randomUUID();
        posted += 1;
        try {
          const res = await fetch(`${url}/visitor-offers/leads`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: url, 'sec-fetch-site': 'same-origin', cookie: `datafast_visitor_id=${visitor}` },
            body: leadBodyFor(visitor, email),
            signal: AbortSignal.timeout(5000),
          });
          if (res.status === 202) accepted.set(email, visitor);
          else unanswered += 1;
          await res.body?.cancel();
        } catch {
          // The server is down (refused) or died mid-request (reset): the lead may or may not be stored.
          unanswered += 1;
          await sleep(20);
        }
      }
    };

    let server = await start();
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    let acceptedAtLastKill = 0;
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      await sleep(150 + Math.floor(Math.random() * 300));
      server.child.kill('SIGKILL');
      await server.exit();
      expect(server.child.signalCode).toBe('SIGKILL');
      acceptedAtLastKill = accepted.size;
      server = await start();
    }
    stop = true;
    await Promise.all(clients);

    // The last run delivers what is left; the figures come from the store and the receivers.
    const db = readSqlite(dataDir);
    if (db === null) throw new Error('no database in the data directory');
    const pendingRows = async () => Number((await db.selectFrom('vo_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '<>', 'delivered').executeTakeFirstOrThrow()).n);
    try {
      const deadline = Date.now() + 30_000;
      while ((await pendingRows()) > 0 && Date.now() < deadline) await sleep(100);
      await stopServer(server, 'SIGTERM');
      const leads = await db.selectFrom('vo_leads').select(['id', 'email', 'visitor_id', 'delivered_webhook', 'delivered_datafast']).execute();
      const outbox = await db.selectFrom('vo_outbox').select(['kind', 'state']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy(['kind', 'state']).execute();
      const stored = new Map(leads.map((l) => [l.email, l]));
      const leadGoals = sim.goals.filter((g) => g.name === 'offer_lead');
      const goalVisitors = new Set(leadGoals.map((g) => g.visitorId));

      console.log(
        `kill -9 loop: ${CYCLES} kills in ${((Date.now() - started) / 1000).toFixed(1)} s, ${CLIENTS} clients; ` +
          `posted ${posted}, accepted (202) ${accepted.size} (${acceptedAtLastKill} before the last kill), unanswered ${unanswered}; ` +
          `recovered (in the store) ${leads.length}, of which accepted ${[...accepted.keys()].filter((e) => stored.has(e)).length}; ` +
          `webhook: ${hook.byKey.size} leads delivered, ${hook.total()} calls, ${hook.duplicates()} duplicates (de-duplicated by Idempotency-Key); ` +
          `DataFast: ${goalVisitors.size} leads' goals, ${leadGoals.length} goals; outbox rows: ${outbox.map((r) => `${r.kind}/${r.state}=${Number(r.n)}`).join(', ')}`,
      );

      // Enough traffic for the loop to mean something (each run took leads before its kill).
      expect(acceptedAtLastKill).toBeGreaterThanOrEqual(CLIENTS);
      // Every 202 is a stored lead.
      for (const email of accepted.keys()) expect(stored.has(email), `accepted lead ${email} is stored`).toBe(true);
      // Every stored lead reached the webhook once by key, and nothing else did.
      expect(new Set(hook.byKey.keys())).toEqual(new Set(leads.map((l) => l.id)));
      for (const l of leads) expect(hook.byKey.get(l.id)?.email).toBe(l.email);
      // DataFast got each stored lead's goal.
      for (const l of leads) expect(goalVisitors.has(l.visitor_id ?? ''), `the goal of lead ${l.id}`).toBe(true);
      // All settled as delivered, and each lead says so.
      expect(outbox.filter((r) => r.state !== 'delivered')).toEqual([]);
      expect(leads.filter((l) => Number(l.delivered_webhook) !== 1 || Number(l.delivered_datafast) !== 1)).toEqual([]);
    } finally {
      await db.destroy();
      if (!server.exited()) await stopServer(server, 'SIGKILL');
    }
  }, 60_000);
});
