// Readiness from the real parts it reads: a store in a temp directory (its failed writes), the
// write probe of that directory, and DataFast circuit breakers on a fake clock (with a probe call
// whose answer the test gives). Each failing condition turns it not ready with its own reason; each
// recovery turns it back, without traffic that an unready instance would not get. (A backlog of
// deliveries is not a condition: test/server/delivery/router-outbox.test.ts shows a router with
// goals piling up staying ready.)
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type FailureCause } from '../../../server/datafast/breaker';
import { Readiness, type StoreOpenState, type UpstreamCheck } from '../../../server/health/readiness';
import { PROBE_FILE, StoreProbe } from '../../../server/health/store-probe';
import Sqlite from 'better-sqlite3';
import { openStore } from '../../../server/store/open-store';
import { SQLITE_FILE } from '../../../server/store/sqlite';
import type { Store } from '../../../server/store/store';

const MINUTE = 60_000;
const base = mkdtempSync(join(tmpdir(), 'vo-readiness-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

const clock = { t: 1_000_000, now: () => clock.t };

interface Setup {
  readiness: Readiness;
  store: Store;
  probe: StoreProbe;
  dir: string;
}

async function setup(options: { upstream?: readonly UpstreamCheck[]; maxUpstreamOpenMs?: number | null; state?: () => StoreOpenState } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(base, 'data-'));
  const store = await openStore({ dataDir: dir, retentionDays: null, busyTimeoutMs: 50 });
  const probe = new StoreProbe(() => store.probe(), clock.now);
  const readiness = new Readiness({
    store: options.state ?? (() => ({ state: 'ok', openErrorCode: null, writes: store.writeStats() })),
    probe,
    upstream: () => options.upstream ?? [],
    maxUpstreamOpenMs: options.maxUpstreamOpenMs === undefined ? 5 * MINUTE : options.maxUpstreamOpenMs,
    now: clock.now,
  });
  return { readiness, store, probe, dir };
}

/** Another connection holds the database's write lock: the store's writes fail (SQLITE_BUSY) until released. */
function jam(dir: string): () => void {
  const other = new Sqlite(join(dir, SQLITE_FILE));
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

describe('the store', () => {
  it('ready once open: the first check probes the data directory with a write and leaves nothing behind', async () => {
    const { readiness, probe, dir, store } = await setup();
    expect(probe.last).toBeNull();
    expect(await readiness.check()).toEqual({ ready: true, reasons: [], store: 'ok', storeCheckedAt: probe.last?.at });
    expect(probe.runs).toBe(1);
    expect(readdirSync(dir)).not.toContain(PROBE_FILE);
    // A success is trusted for a while: no second probe right away.
    await readiness.check();
    expect(probe.runs).toBe(1);
    await store.close();
  });

  it('not ready while opening, nor when it could not be opened (with the error code, never the path)', async () => {
    let state: StoreOpenState = { state: 'opening', openErrorCode: null, writes: null };
    const { readiness, probe } = await setup({ state: () => state });
    expect(await readiness.check()).toMatchObject({ ready: false, store: 'opening', reasons: ['store: still opening'] });
    state = { state: 'unavailable', openErrorCode: 'EACCES', writes: null };
    expect(await readiness.check()).toMatchObject({ ready: false, store: 'unavailable', reasons: ['store: could not be opened (EACCES)'] });
    expect(probe.runs).toBe(0);
  });

  it('a failed write makes it not ready at once; a probe that starts after it and succeeds makes it ready again', async () => {
    const { readiness, store, dir, probe } = await setup();
    expect((await readiness.check()).ready).toBe(true);
    const release = jam(dir);
    await expect(store.addLead({ email: 'a@example.com', offerId: 'guide', visitorId: null })).rejects.toThrow();
    release();
    const runs = probe.runs;
    // Without waiting for anything: the failed write is enough.
    expect(readiness.current()).toMatchObject({ ready: false, store: 'not-writable', reasons: ['store: the last write failed (SQLITE_BUSY)'] });
    // current() started a probe, which check() joins; the disk is fine again, so its success clears the failure.
    expect(await readiness.check()).toMatchObject({ ready: true, store: 'ok' });
    expect(probe.runs).toBe(runs + 1);
    await store.addLead({ email: 'b@example.com', offerId: 'guide', visitorId: null });
    await store.close();
  });

  it('a data directory that refuses the probe keeps it not ready, re-probed at every check until it takes writes', async () => {
    const { readiness, dir, probe, store } = await setup();
    // Something in the probe's way: a real failure of the probe's open (EISDIR), as root or not.
    mkdirSync(join(dir, PROBE_FILE));
    expect(await readiness.check()).toMatchObject({ ready: false, store: 'not-writable', reasons: ['store: the data directory takes no writes (EISDIR)'] });
    const runs = probe.runs;
    expect((await readiness.check()).ready).toBe(false);
    expect(probe.runs).toBe(runs + 1);
    rmdirSync(join(dir, PROBE_FILE));
    expect(await readiness.check()).toMatchObject({ ready: true, store: 'ok', reasons: [] });
    await store.close();
  });

  it('a disk that fills while nothing is written is found by the first check after a good probe grows old', async () => {
    const { readiness, dir, probe, store } = await setup();
    expect((await readiness.check()).ready).toBe(true);
    mkdirSync(join(dir, PROBE_FILE));
    clock.t += 9_999;
    expect((await readiness.check()).ready).toBe(true);
    expect(probe.runs).toBe(1);
    clock.t += 1;
    expect(await readiness.check()).toMatchObject({ ready: false, reasons: ['store: the data directory takes no writes (EISDIR)'] });
    expect(probe.runs).toBe(2);
    await store.close();
  });
});

describe('the upstream breakers', () => {
  const COOL_DOWN = 30_000;

  /**
   * The visitor lookups' breaker, and the probe readiness may make through it as the client's
   * probeVisitors() does (only when one is due). DataFast answers each call as `answer` says at the
   * time, or holds it until `release()` while `hang` is set.
   */
  function lookups() {
    const breaker = new CircuitBreaker({ endpoint: 'visitors', failureThreshold: 1, coolDownMs: COOL_DOWN, now: clock.now });
    const dataFast = { answer: 'ok' as 'ok' | FailureCause, hang: false, calls: 0, release: () => undefined as void };
    const probe = (): Promise<void> | null => {
      if (!breaker.probeDue()) return null;
      const permit = breaker.acquire();
      if (permit === null) return null;
      dataFast.calls += 1;
      const settle = (): void => (dataFast.answer === 'ok' ? permit.succeed() : permit.fail(dataFast.answer));
      if (!dataFast.hang) return Promise.resolve().then(settle);
      return new Promise((resolve) => {
        dataFast.release = () => {
          settle();
          resolve();
        };
      });
    };
    const check: UpstreamCheck = { breaker, probe };
    /** Traffic's last call before the instance is left alone: it fails and opens the breaker. */
    const outage = (): void => {
      breaker.acquire()?.fail('timeout');
      expect(breaker.state()).toBe('open');
    };
    return { breaker, dataFast, check, outage };
  }

  it('an outage, then no traffic at all, then DataFast healthy: ready again by itself, at most one probe per cool-down', async () => {
    const { breaker, dataFast, check, outage } = lookups();
    const { readiness, store } = await setup({ upstream: [check] });
    outage();
    dataFast.answer = 'server-error';
    clock.t += 10 * MINUTE;
    // Nobody has called since: readiness makes the due probe, which fails.
    expect(await readiness.check()).toMatchObject({ ready: false, reasons: ['upstream: the DataFast visitors breaker has not closed for 600 s (limit 300 s)'] });
    expect(dataFast.calls).toBe(1);
    // Within the cool-down the breaker refuses calls: no probe, however often it is asked.
    for (let i = 0; i < 5; i++) expect((await readiness.check()).ready).toBe(false);
    expect(dataFast.calls).toBe(1);
    dataFast.answer = 'ok';
    clock.t += COOL_DOWN;
    expect(await readiness.check()).toMatchObject({ ready: true, reasons: [] });
    expect(dataFast.calls).toBe(2);
    expect(breaker.state()).toBe('closed');
    await store.close();
  });

  it('is not ready once an outage is past the limit and the last probe failed, counted from when the breaker left closed', async () => {
    const { dataFast, check, outage } = lookups();
    const { readiness, store } = await setup({ upstream: [check] });
    outage();
    dataFast.answer = 'timeout';
    clock.t += 4 * MINUTE;
    // Under the limit: ready, though the probe it started failed and opened the breaker again.
    expect((await readiness.check()).ready).toBe(true);
    await vi.waitFor(() => expect(dataFast.calls).toBe(1));
    clock.t += MINUTE + 1000;
    expect(await readiness.check()).toMatchObject({ ready: false, reasons: ['upstream: the DataFast visitors breaker has not closed for 301 s (limit 300 s)'] });
    expect(dataFast.calls).toBe(2);
    await store.close();
  });

  it('health() never waits: it starts the probe, one at a time, and a later look sees its answer', async () => {
    const { dataFast, check, outage } = lookups();
    const { readiness, store } = await setup({ upstream: [check] });
    await readiness.check(); // the store's first probe, out of the way
    outage();
    clock.t += 10 * MINUTE;
    dataFast.hang = true;
    expect(readiness.current().ready).toBe(false);
    expect(readiness.current().ready).toBe(false);
    expect(dataFast.calls).toBe(1);
    dataFast.release();
    await vi.waitFor(() => expect(readiness.current().ready).toBe(true));
    expect(dataFast.calls).toBe(1);
    await store.close();
  });

  it('waits for the probe only when its verdict depends on it, and then joins the one already out', async () => {
    const { dataFast, check, outage } = lookups();
    const { readiness, store } = await setup({ upstream: [check] });
    outage();
    clock.t += 4 * MINUTE;
    dataFast.hang = true;
    // Under the limit the verdict is "ready" whatever the probe brings: it is not waited for.
    expect((await readiness.check()).ready).toBe(true);
    expect(dataFast.calls).toBe(1);
    clock.t += 2 * MINUTE;
    // Past the limit it is, and the probe still out is the one waited for.
    const verdict = readiness.check();
    dataFast.release();
    expect(await verdict).toMatchObject({ ready: true, reasons: [] });
    expect(dataFast.calls).toBe(1);
    await store.close();
  });

  it('never counts, and never probes, with maxUpstreamOpenMs null', async () => {
    const { dataFast, check, outage } = lookups();
    const { readiness, store } = await setup({ upstream: [check], maxUpstreamOpenMs: null });
    outage();
    clock.t += 60 * MINUTE;
    expect((await readiness.check()).ready).toBe(true);
    expect(readiness.current().ready).toBe(true);
    expect(dataFast.calls).toBe(0);
    await store.close();
  });
});
