// Child-process entry for bench/run.ts (forked with --expose-gc, which a worker thread cannot take):
// fills one app's VisitorCache to its default bound through cache.lookup against the simulated
// DataFast whose URL is argv[2], and reports the heap it costs as a HeapResult over IPC.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIMULATED_DATAFAST_DEFAULTS } from '../demo/simulated-datafast';
import { createApp } from '../server/app';
import type { VisitorCache } from '../server/cache/visitor-cache';
import { silentLogger } from '../server/logger';
import { internalsOf } from '../server/router-internals';
import type { HeapResult } from './protocol';

const DEFAULT_BOUND = 10_000; // VisitorCache's default `max`; the bench does not override it.
const BATCH = 200;
const EXTRA = 2_000;
// A whole fill first, so JIT code, the upstream connection pool and the LRU's own arrays are in the
// baseline and the measured fill adds only what the entries hold.
const WARM_UP = DEFAULT_BOUND;

const datafastUrl = process.argv[2];
const gc = globalThis.gc;
if (!datafastUrl || !process.send) throw new Error('bench/heap.ts is forked by bench/run.ts with the simulator URL');
if (!gc) throw new Error('bench/heap.ts needs --expose-gc');

async function fill(cache: VisitorCache, count: number): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, count - done) }, () => randomUUID());
    const answers = await Promise.all(ids.map((id) => cache.lookup(id)));
    const notFound = answers.find((a) => a.kind !== 'found');
    if (notFound) throw new Error(`simulator answered ${JSON.stringify(notFound)}`);
  }
}

async function settledHeap(collect: () => void): Promise<number> {
  // Full collections (plain gc(): in Node 20 an options object does not force a major one),
  // repeated until heapUsed stops moving: V8 sweeps concurrently, and on a busy machine a reading
  // taken right after one gc() can still count garbage not yet swept.
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8; i++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(previous - used) < 64 * 1024) return Math.min(previous, used);
    previous = used;
  }
  return previous;
}

async function main(send: (message: HeapResult) => void, collect: () => void): Promise<void> {
  // A data directory of its own: one store per directory, and none in the repository.
  const dataDir = mkdtempSync(join(tmpdir(), 'vo-bench-heap-'));
  const { router } = createApp(
    {
      datafast: { apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: datafastUrl },
      cache: { ttlMs: 3_600_000 },
      dataDir,
    },
    silentLogger(),
  );
  const cache = internalsOf(router).cache;

  await fill(cache, WARM_UP);
  cache.clear();
  const heapBefore = await settledHeap(collect);

  const started = performance.now();
  await fill(cache, DEFAULT_BOUND);
  const fillMs = performance.now() - started;
  const sizeFull = cache.stats().size;
  const heapFull = await settledHeap(collect);

  await fill(cache, EXTRA);
  const sizeAfterExtra = cache.stats().size;
  const heapAfterExtra = await settledHeap(collect);

  // Cross-check: what the same process frees when the full cache is dropped.
  cache.clear();
  const heapCleared = await settledHeap(collect);

  send({
    bound: DEFAULT_BOUND,
    heapBefore,
    heapFull,
    sizeFull,
    extraInserted: EXTRA,
    heapAfterExtra,
    sizeAfterExtra,
    heapCleared,
    loads: cache.stats().loads,
    fillMs,
  });
  await router.close(0);
  rmSync(dataDir, { recursive: true, force: true });
}

const send = process.send.bind(process);
await main((message) => send(message), () => gc());
// Keep-alive sockets to the simulator would hold the process open; the measurement is done.
process.disconnect();
