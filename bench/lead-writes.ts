// Section 7 of `npm run bench`: durable lead writes per second through the store (Store.addLead,
// what POST /leads awaits before its 202), on SQLite in a data directory (WAL, a commit per group
// of leads, synchronous=FULL) and on Postgres with its default durability (fsync on: the bench
// starts its own server so). Callers one at a time, then 50 at once: group commit is what lets 50
// concurrent leads share a flush. What one flush costs on this disk is measured first.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../server/store/open-store';
import type { Store } from '../server/store/store';
import { fixed, int, line, pad, padEnd, percentile } from './format';

const DURATION_S = 3;
const WARM_UP_S = 0.5;
const CONCURRENCY = [1, 50] as const;
const FLUSHES = 50;

export interface LeadWritesSetup {
  /** Where the SQLite data directory and the flush probe go (the disk being measured). */
  dir: string;
  /** An empty Postgres database, on a server with fsync on. */
  databaseUrl: string;
}

export interface LeadWritesResult {
  flushMs: number;
  sqlite: Record<(typeof CONCURRENCY)[number], number>;
  postgres: Record<(typeof CONCURRENCY)[number], number>;
}

/** Mean time of a 4 KiB write + fdatasync in `dir`. */
function flushCost(dir: string): number {
  const path = join(dir, 'flush-probe');
  const fd = openSync(path, 'w');
  const page = Buffer.alloc(4096, 1);
  try {
    const started = performance.now();
    for (let i = 0; i < FLUSHES; i++) {
      writeSync(fd, page, 0, page.length, 0);
      fdatasyncSync(fd);
    }
    return (performance.now() - started) / FLUSHES;
  } finally {
    closeSync(fd);
    rmSync(path);
  }
}

interface Writes {
  perSec: number;
  p50: number;
  p99: number;
}

/** `lanes` callers, each adding a lead as soon as its last one is stored, for `seconds`. */
async function write(store: Store, lanes: number, seconds: number, label: string): Promise<Writes> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < until) {
      const t0 = performance.now();
      await store.addLead({ email: `bench-${label}-${n++}@example.com`, offerId: 'starter-guide', visitorId: null });
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: lanes }, lane));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSec: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function backend(name: string, open: () => Promise<Store>): Promise<Record<(typeof CONCURRENCY)[number], number>> {
  const store = await open();
  const result = { 1: 0, 50: 0 };
  try {
    for (const lanes of CONCURRENCY) {
      await write(store, lanes, WARM_UP_S, `${name}-warm-${lanes}`);
      const w = await write(store, lanes, DURATION_S, `${name}-${lanes}`);
      result[lanes] = w.perSec;
      line(`   ${padEnd(name, 26)}${pad(String(lanes), 8)}${pad(int(w.perSec), 10)}${pad(fixed(w.p50, 2), 9)}${pad(fixed(w.p99, 2), 9)}`);
    }
  } finally {
    await store.close();
  }
  return result;
}

export async function leadWrites(setup: LeadWritesSetup): Promise<LeadWritesResult> {
  line(`7. lead writes — Store.addLead (what POST /leads awaits before answering 202), ${DURATION_S} s per run after ${WARM_UP_S} s of warm-up, callers 1 at a time and 50 at once`);
  const flushMs = flushCost(setup.dir);
  line(`   one 4 KiB write + fdatasync on this disk: ${fixed(flushMs, 2)} ms (mean of ${FLUSHES}); a durable commit costs at least one`);
  line(`   ${padEnd('store', 26)}${pad('callers', 8)}${pad('leads/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}`);
  const dataDir = mkdtempSync(join(setup.dir, 'leads-sqlite-'));
  const sqlite = await backend('SQLite (group commit)', () => openStore({ dataDir, retentionDays: null }));
  const postgres = await backend('Postgres, fsync on', () => openStore({ dataDir, databaseUrl: setup.databaseUrl, retentionDays: null }));
  line(
    `   50 callers ÷ 1: SQLite ${fixed(sqlite[50] / sqlite[1], 1)}×, Postgres ${fixed(postgres[50] / postgres[1], 1)}× (one caller waits for each flush; many share one)`,
  );
  line();
  return { flushMs, sqlite, postgres };
}
