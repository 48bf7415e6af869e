// The standalone server (`node dist/server/main.js`) started on a data directory it cannot use —
// read-only, or on a full disk — keeps running: one line at start names DATA_DIR and the cause;
// /offer still decides (an offer that needs the store is withheld with `store-unavailable`, so no
// code or first exposure is claimed); /leads and /events answer 503 and store nothing; /healthz
// is 200 and /readyz 503 with the reason. Once the directory takes writes again the server opens
// the store by itself (it tries again in the background) and is ready; only leads accepted from
// then on are stored. Both disks are real: a tmpfs remounted read-only (under root, whom a mode
// does not stop; a non-root run uses mode 0555), and a tmpfs filled up. Mounting needs root with
// CAP_SYS_ADMIN, as CI has: without it these tests fail saying so (never skipped).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { SQLITE_FILE } from '../../server/store/sqlite';
import { TEST_SECRET, testToken } from '../support/decision-tokens';
import { startStandalone, type StandaloneProcess } from '../support/standalone-process';
import { fill, mounted, tmpfs } from '../support/tmpfs';
import { eventually } from '../support/wait';

let sim: SimulatedDataFast;
let base: string;
const running: StandaloneProcess[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-store-unavailable-'));
});
afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await sim?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<StandaloneProcess> {
  const server = await startStandalone({ DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, DATA_DIR: dataDir, VISITOR_OFFERS_SECRET: TEST_SECRET });
  running.push(server);
  return server;
}

interface Decision {
  segment: string;
  reason: string;
  offer: { id: string; code?: string } | null;
}

async function offer(server: StandaloneProcess, visitor: string): Promise<{ status: number; body: Decision }> {
  const res = await fetch(`${server.url}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `datafast_visitor_id=${visitor}` } });
  return { status: res.status, body: (await res.json()) as Decision };
}

async function post(server: StandaloneProcess, route: 'leads' | 'events', body: unknown): Promise<number> {
  const res = await fetch(`${server.url}/visitor-offers/${route}`, {
    method: 'POST',
    headers: { origin: server.url, 'content-type': 'application/json', cookie: `datafast_visitor_id=${personas.low.visitorId}` },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function readyz(server: StandaloneProcess): Promise<{ status: number; body: { ready: boolean; store: string; reasons: string[] } }> {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; store: string; reasons: string[] } };
}

/** The lead emails in the data directory's database (read through a connection of its own). */
function storedEmails(dataDir: string): string[] {
  const db = new Sqlite(join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT email FROM vo_leads ORDER BY email').all() as Array<{ email: string }>).map((r) => r.email);
  } finally {
    db.close();
  }
}

/** What a server without its store must do, whatever the cause (`code`, as the start line names it). */
async function servesWithoutStore(server: StandaloneProcess, dataDir: string, code: RegExp): Promise<void> {
  const lines = server.output().split('\n');
  const line = lines.find((l) => l.startsWith('visitor-offers: DATA_DIR:'));
  expect(line, server.output()).toBeDefined();
  expect(line).toContain(`"${dataDir}"`);
  expect(line).toMatch(code);
  expect(line).toContain('leads and events answer 503');

  // Decided: an offer that needs nothing stored is shown; one that would claim from the store
  // (the coupon's expiry starts at a first exposure) is withheld, and nothing is claimed.
  const high = await offer(server, personas.high.visitorId);
  expect(high).toMatchObject({ status: 200, body: { segment: 'high', offer: { id: 'popular-plan-urgency' } } });
  const low = await offer(server, personas.low.visitorId);
  expect(low).toMatchObject({ status: 200, body: { segment: 'low', offer: null, reason: 'store-unavailable' } });

  expect(await post(server, 'leads', { email: 'refused@example.com', offerId: 'starter-guide', token: testToken(personas.low.visitorId, 'starter-guide') })).toBe(503);
  expect(await post(server, 'events', { type: 'exposure', offerId: 'popular-plan-urgency', token: testToken(personas.low.visitorId, 'popular-plan-urgency') })).toBe(503);

  const ready = await readyz(server);
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ ready: false, store: 'unavailable' });
  expect(ready.body.reasons.join('\n')).toMatch(/^store: could not be opened \(/m);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect(server.process.exited()).toBe(false);
}

/** Once the directory takes writes: ready by itself, and a lead is stored — only that one. */
async function recovers(server: StandaloneProcess, dataDir: string): Promise<void> {
  await eventually(async () => (await readyz(server)).status === 200, 'the server to open its store by itself', { timeoutMs: 45_000, intervalMs: 250 });
  expect(await post(server, 'leads', { email: 'accepted@example.com', offerId: 'starter-guide', token: testToken(personas.low.visitorId, 'starter-guide') })).toBe(202);
  expect((await offer(server, personas.low.visitorId)).body.offer).toMatchObject({ id: 'welcome-coupon' });
  expect(server.output()).toContain('store opened: leads and events are stored again');
  expect(storedEmails(dataDir)).toEqual(['accepted@example.com']);
}

describe('the standalone server started on a data directory it cannot use', () => {
  // Root writes through any mode: as root the read-only disk is a tmpfs remounted read-only (EROFS
  // for root too), as a read-only volume is; otherwise the directory's mode 0555 (EACCES).
  const root = process.getuid?.() === 0;
  const roDisk = root ? tmpfs('1m') : null;
  afterAll(() => roDisk?.unmount());

  it('read-only (a read-only mount, or mode 0555): a line naming DATA_DIR and the cause, offers decided, leads and events 503 and nothing written, /readyz 503; writable again: ready by itself', async () => {
    // Under root only a read-only mount stops writes.
    const ro = root ? mounted(roDisk, 'the read-only test, under root,') : null;
    const dataDir = join(ro?.dir ?? base, 'read-only');
    mkdirSync(dataDir);
    const readOnly = (on: boolean): void => {
      if (ro !== null) execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, ro.dir], { stdio: 'ignore' });
      else chmodSync(dataDir, on ? 0o555 : 0o700);
    };
    readOnly(true);
    const server = await start(dataDir);
    await servesWithoutStore(server, dataDir, ro !== null ? /\(EROFS: read-only file system/ : /\(EACCES: permission denied/);
    expect(readdirSync(dataDir)).toEqual([]);

    readOnly(false);
    await recovers(server, dataDir);
  }, 90_000);

  const disk = tmpfs('1m');
  afterAll(() => disk?.unmount());

  it('on a full disk (a filled 1 MiB tmpfs): a line naming DATA_DIR and the full disk, offers decided, leads and events 503, /readyz 503; room again: ready by itself', async () => {
    const dataDir = mounted(disk, 'the full-disk test').dir;
    fill(join(dataDir, 'filler'));
    const server = await start(dataDir);
    await servesWithoutStore(server, dataDir, /\((SQLITE_FULL|ENOSPC)\b/);

    rmSync(join(dataDir, 'filler'));
    await recovers(server, dataDir);
    expect(existsSync(join(dataDir, SQLITE_FILE))).toBe(true);
  }, 90_000);
});
