// `npm run bench` section 5 (or alone: `npm run bench -- big-records`): what oversized DataFast
// answers cost the process, side by side with a baseline of ordinary records, all in this one
// process (forked with --expose-gc). Each scenario mounts a fresh app on a simulated DataFast that
// runs in a child process of its own (so generating 3.5 MB bodies is not counted here), sends the
// same load (distinct visitors, then the same ones again) and reports RSS and heap, the event
// loop delay (p50/p99/max beyond the sampling tick, monitorEventLoopDelay) and what the cache and
// the log hold after. The baseline runs first, so later scenarios start from its RSS: the figure
// to compare is each scenario's peak RSS against the baseline's peak.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type Fault } from '../demo/simulated-datafast';
import { createApp } from '../server/app';
import { createLogger } from '../server/logger';
import { internalsOf } from '../server/router-internals';

const MB = 1024 * 1024;
const VISITORS = 500;
const CONCURRENCY = 20;
const RSS_SAMPLE_MS = 20;
/** monitorEventLoopDelay records whole tick intervals: the delay is what exceeds this. */
const LOOP_RESOLUTION_MS = 1;

interface Scenario {
  name: string;
  /** The simulator's fault for every visitor lookup; null: ordinary generated records. */
  fault: Fault | null;
  /** Held to the targets (RSS within 50 MB of the baseline, loop delay p99 < 50 ms); the others are shown for comparison. */
  targeted?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'baseline: ordinary records (~1 kB)', fault: null },
  { name: '3.5 MB records, Content-Length', fault: { kind: 'huge-record', bytes: 3.5 * MB }, targeted: true },
  { name: '3.5 MB records, chunked (no length)', fault: { kind: 'huge-record', bytes: 3.5 * MB, chunked: true }, targeted: true },
  { name: '250 kB records crammed with goals/params', fault: { kind: 'huge-record', bytes: 250_000 } },
  { name: '120 kB records crammed with goals/params', fault: { kind: 'huge-record', bytes: 120_000 } },
];

// ---------------------------------------------------------------------------------------------
// The simulator process: one simulated DataFast per scenario, URLs sent to the parent.

async function runSimulators(send: (urls: string[]) => void): Promise<void> {
  const urls: string[] = [];
  for (const s of SCENARIOS) {
    const sim = await startSimulatedDataFast({ generateUnknown: true, keepProcessAlive: true });
    if (s.fault) sim.setFault(s.fault, { match: 'visitors' });
    urls.push(sim.url);
  }
  send(urls);
  // Lives until the parent goes.
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The measuring process

interface Result {
  name: string;
  requests: number;
  reasons: Map<string, number>;
  /** Absolute, MB. */
  rssStartMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  heapAfterMb: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  cacheSize: number;
  cacheBytes: number;
  tooLargeLines: number;
  warnLines: number;
}

function get(agent: Agent, url: string, visitorId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { cookie: `datafast_visitor_id=${visitorId}`, 'user-agent': 'Mozilla/5.0 bench' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function settledRss(gc: () => void): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function measure(scenario: Scenario, simUrl: string, gc: () => void): Promise<Result> {
  const lines: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'vo-bench-big-'));
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  const { app, router } = createApp(
    {
      // A refused record is remembered for negativeTtlMs: 0 here, so every request of a scenario
      // fetches (and refuses or parses) its record — the worst case, many visitors with huge records.
      datafast: { apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: simUrl, timeoutMs: 5_000 },
      cache: { ttlMs: 3_600_000, negativeTtlMs: 0 },
      dataDir,
    },
    logger,
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/visitor-offers/offer?path=/pricing`;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  // Warm-up on other visitors: JIT, sockets, the store.
  await Promise.all(Array.from({ length: CONCURRENCY }, () => get(agent, url, randomUUID())));

  const start = await settledRss(gc);
  const ids = Array.from({ length: VISITORS }, () => randomUUID());
  const work = [...ids, ...ids];
  const reasons = new Map<string, number>();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, RSS_SAMPLE_MS);
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < work.length) {
        const body = await get(agent, url, work[next++] ?? '');
        const reason = (JSON.parse(body) as { reason: string }).reason.replace(/^rule:.*/, 'rule:*');
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }),
  );
  loop.disable();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);

  const { cache } = internalsOf(router);
  const stats = cache.stats();
  const after = await settledRss(gc);
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await router.close(0);
  rmSync(dataDir, { recursive: true, force: true });
  const parsed = lines.map((l) => JSON.parse(l) as { level: number; cause?: string });
  return {
    name: scenario.name,
    requests: work.length,
    reasons,
    rssStartMb: start.rss / MB,
    rssPeakMb: peak / MB,
    rssAfterMb: after.rss / MB,
    heapAfterMb: after.heap / MB,
    loopP50: Math.max(0, loop.percentile(50) / 1e6 - LOOP_RESOLUTION_MS),
    loopP99: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    loopMax: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
    cacheSize: stats.size,
    cacheBytes: stats.bytes,
    tooLargeLines: parsed.filter((l) => l.cause === 'too-large').length,
    warnLines: parsed.filter((l) => l.level >= 40).length,
  };
}

const pad = (s: string, n: number): string => s.padStart(n);
const fixed = (n: number, d = 1): string => n.toFixed(d);

async function main(gc: () => void): Promise<void> {
  const sim: ChildProcess = fork(fileURLToPath(import.meta.url), ['sim'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [urls] = (await once(sim, 'message')) as [string[]];
  try {
    const line = (s = ''): void => void process.stdout.write(`${s}\n`);
    line(`5. big records — ${VISITORS} distinct visitors, each asked twice (${VISITORS * 2} requests, ${CONCURRENCY} concurrent) per scenario; one process, the simulator in another`);
    line(`   RSS in MB (start = after GC, before the load; peak sampled every ${RSS_SAMPLE_MS} ms; after = after GC); heap after GC; event loop delay beyond the ${LOOP_RESOLUTION_MS} ms tick, during the load`);
    const before = await settledRss(gc);
    line(`   this process before any scenario: RSS ${fixed(before.rss / MB)} MB, heap ${fixed(before.heap / MB)} MB`);
    line();
    line(`   ${'scenario'.padEnd(42)}${pad('RSS start', 10)}${pad('peak', 7)}${pad('after', 7)}${pad('heap', 7)}${pad('loop p50', 10)}${pad('p99', 6)}${pad('max', 6)}${pad('cached', 8)}${pad('est. kB', 9)}${pad('warnings', 16)}`);
    const results: Result[] = [];
    for (const [i, scenario] of SCENARIOS.entries()) {
      const r = await measure(scenario, urls[i] ?? '', gc);
      results.push(r);
      line(
        `   ${r.name.padEnd(42)}${pad(fixed(r.rssStartMb), 10)}${pad(fixed(r.rssPeakMb), 7)}${pad(fixed(r.rssAfterMb), 7)}${pad(fixed(r.heapAfterMb), 7)}${pad(`${fixed(r.loopP50)} ms`, 10)}${pad(fixed(r.loopP99), 6)}${pad(fixed(r.loopMax), 6)}${pad(String(r.cacheSize), 8)}${pad(fixed(r.cacheBytes / 1024, 0), 9)}${pad(`${r.warnLines} (${r.tooLargeLines} too-large)`, 16)}`,
      );
      line(`   ${''.padEnd(42)}answers: ${[...r.reasons].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    }
    line();
    const [base] = results;
    if (base) {
      for (const [i, r] of results.entries()) {
        if (i === 0) continue;
        const over = r.rssPeakMb - base.rssPeakMb;
        const targeted = SCENARIOS[i]?.targeted === true;
        const verdict = targeted ? ` — RSS ${over <= 50 ? 'ok' : 'MISSED'} (≤ +50 MB), loop p99 ${r.loopP99 < 50 ? 'ok' : 'MISSED'} (< 50 ms)` : ' (no target: bodies under the limit, parsed and cut)';
        line(`   ${r.name}: peak RSS ${over >= 0 ? '+' : ''}${fixed(over)} MB over the baseline's, after GC ${fixed(r.rssAfterMb - base.rssAfterMb)} MB; loop p99 ${fixed(r.loopP99)} ms${verdict}`);
      }
    }
    line();
  } finally {
    sim.disconnect();
    sim.kill();
  }
}

if (process.argv[2] === 'sim') {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench/big-records.ts sim runs as a child of the bench');
  await runSimulators((urls) => void send(urls));
} else {
  const gc = globalThis.gc;
  if (!gc) throw new Error('bench/big-records.ts needs --expose-gc (npm run bench forks it with it)');
  await main(() => gc());
}
