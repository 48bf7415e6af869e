// Nothing in the outbox path can crash the process. The store fails for real under a working
// delivery worker — another connection holds a SQLite database's write lock past the busy timeout;
// the outbox table is taken away; every Postgres connection of the store is killed, repeatedly —
// while goals are being claimed, sent and settled. The process keeps running with no unhandled
// rejection, the failure is logged once for its kind (not once per row or per pass), and once
// the store is back every goal reaches DataFast (at least once: a send whose settle failed is sent
// again when its lease runs out).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { startSimulatedDataFast, SIMULATED_DATAFAST_DEFAULTS as SIM, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { eventKey } from '../../../server/events/outbox';
import { SQLITE_FILE } from '../../../server/store/sqlite';
import { openStoreRef } from '../../../server/store/store-ref';
import { captureLog, type CapturedLog } from '../../support/log-capture';
import { outboxRig, type Rig } from '../../support/outbox-rig';
import { startPostgres, type Postgres } from '../../support/postgres';
import { takeTableAway } from '../../support/store-faults';
import { sleep, waitFor } from '../../support/wait';

let sim: SimulatedDataFast;
let log: CapturedLog;
let base: string;
const rigs: Rig[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  base = mkdtempSync(join(tmpdir(), 'vo-outbox-store-failure-'));
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await sim.close();
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  sim.setFault(null);
  sim.resetCalls();
  log = captureLog('debug');
  unhandled.length = 0;
});
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

const VISITOR = personas.low.visitorId;
const storeWarnings = () => log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; kind?: string; code?: string }).filter((l) => l.level === 40 && /the store failed/.test(l.msg));
const offersSent = () => new Set(sim.goals.map((g) => g.metadata.offer));

async function queueGoals(r: Rig, n: number): Promise<string[]> {
  const offers = Array.from({ length: n }, (_, i) => `o-${i}`);
  for (const offer of offers) expect(await r.enqueue(eventKey(), VISITOR, offer)).toBe(true);
  return offers;
}

describe('the store fails under the delivery worker (SQLite)', () => {
  it('another connection holds the write lock: claims and settles fail for a while; the process survives, logs once, and delivers every goal afterwards', async () => {
    // Slow goals, so sends are in flight when the lock is taken and their settles fail.
    sim.setFault({ kind: 'delay', ms: 150 }, { match: 'goals' });
    const r = await outboxRig({ apiUrl: sim.url, apiKey: SIM.apiKey, logger: log.logger, baseDir: base, batch: 3, leaseMs: 800, start: false });
    rigs.push(r);
    const offers = await queueGoals(r, 12);
    await r.worker.start([]);
    await waitFor(() => sim.callCount('goals') >= 1, 'the first send');

    const other = new Sqlite(join(r.dataDir ?? '', SQLITE_FILE));
    other.exec('BEGIN EXCLUSIVE');
    try {
      // Several claim and settle failures happen meanwhile (each after the 100 ms busy timeout).
      await waitFor(() => storeWarnings().length >= 1, 'the store failure warning');
      await sleep(1500);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await r.worker.drain(20_000);
    expect(offersSent()).toEqual(new Set(offers));
    expect(r.worker.stats()).toMatchObject({ queued: 0, inFlight: 0, failed: 0 });
    // At least once, and a goal is sent twice only when its settle failed.
    expect(sim.goals.length).toBeGreaterThanOrEqual(12);
    expect(sim.goals.length).toBeLessThanOrEqual(12 + 3);
    // One line for the trouble, its code, however many rows and passes failed.
    expect(storeWarnings()).toHaveLength(1);
    expect(storeWarnings()[0]).toMatchObject({ kind: 'datafast', code: 'SQLITE_BUSY' });
    expect(unhandled).toEqual([]);
  });

  it('the outbox table is gone (a damaged database): every pass fails at once; put back, delivery resumes', async () => {
    const r = await outboxRig({ apiUrl: sim.url, apiKey: SIM.apiKey, logger: log.logger, baseDir: base, start: false });
    rigs.push(r);
    const offers = await queueGoals(r, 5);
    const restore = takeTableAway(r.dataDir ?? '', 'vo_outbox');
    try {
      await r.worker.start([]);
      await waitFor(() => storeWarnings().length >= 1, 'the store failure warning');
      // Many failing passes (the poll interval is 50 ms), one line.
      await sleep(600);
      expect(storeWarnings()).toHaveLength(1);
      expect(sim.callCount('goals')).toBe(0);
    } finally {
      restore();
    }
    await r.worker.drain(10_000);
    expect(offersSent()).toEqual(new Set(offers));
    expect(sim.goals).toHaveLength(5);
    expect(unhandled).toEqual([]);
  });
});

describe('the store fails under the delivery worker (Postgres)', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("every connection of the store is killed, again and again, mid-delivery: the process survives and every goal is delivered", async () => {
    const url = await server.createDatabase();
    const ref = openStoreRef({ dataDir: '/nonexistent/visitor-offers-data', databaseUrl: url, retentionDays: null, busyTimeoutMs: 200, logger: log.logger });
    sim.setFault({ kind: 'delay', ms: 100 }, { match: 'goals' });
    const r = await outboxRig({ apiUrl: sim.url, apiKey: SIM.apiKey, logger: log.logger, store: ref, batch: 4, leaseMs: 1000, start: false });
    const offers = await queueGoals(r, 30);
    await r.worker.start([]);
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    try {
      for (let round = 0; round < 6; round += 1) {
        await sleep(120);
        await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      }
    } finally {
      await killer.end();
    }
    await r.worker.drain(20_000);
    expect(offersSent()).toEqual(new Set(offers));
    expect(r.worker.stats()).toMatchObject({ queued: 0, inFlight: 0, failed: 0 });
    expect(unhandled).toEqual([]);
    await r.close();
    await (await ref.ready).close();
  });
});
