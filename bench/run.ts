// `npm run bench`: the Scale promises of DESIGN.md, measured side by side in one run (machines
// are noisy, up to 2× between runs, so only the ratios within a run mean anything):
//   1. the cached /offer path against bare Express 5 + cookie-parser (autocannon, alternating A,B,A,B);
//   2. the uncached path against connections ÷ upstream latency;
//   3. a burst of simultaneous requests for one cold visitor → upstream calls;
//   4. heap cost of a full cache, and that it stays at its bound;
//   5. oversized DataFast records against a baseline of ordinary ones (bench/big-records.ts):
//      RSS, heap and event loop delay. `npm run bench -- big-records` runs this section alone.
//   6–8. state that lasts and scales (bench/state.ts): two instances + Redis against one on the
//      cached path, lead writes/s on SQLite and Postgres, start-up with 1,000,000 stored exposures.
//      `npm run bench -- state` runs these sections alone.
//   9. the upstream budget at 1,000 distinct visitors a minute, in simulated time (bench/budget.ts):
//      `npm run bench -- budget` runs it alone (the full run does not: its figures are counts, not speeds).
//  10. the widget per page view (bench/widget.ts): bytes without and with an offer, and the time
//      from /offer's answer to an immediate offer on screen. `npm run bench -- widget` alone.
// Servers run in worker threads (the heap test in a child process with --expose-gc), the load
// comes from this thread; everything listens on 127.0.0.1 port 0 and stops by itself at the end.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { personas } from '../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS } from '../demo/simulated-datafast';
import type { VisitorCacheStats } from '../server/cache/visitor-cache';
import { fixed, int, line, mb, ok, pad, padEnd, percentile } from './format';
import { stateSections, stateSummary } from './state';
import { budgetSection } from './budget';
import { widgetSection, widgetSummary } from './widget';
import type { Command, CommandMessage, CommandResult, HeapResult, LoopTime, ServerRole, WorkerMessage } from './protocol';

const CONNECTIONS = 50;
const WARM_UP_S = 1;
/** Once per server before round 1, so neither side (nor autocannon) runs its first round cold. */
const FIRST_WARM_UP_S = 2;
const DURATION_S = 5;
const ROUNDS = 2;
const CACHE_TTL_MS = 3_600_000;
const SLOW_LATENCY_MS = 50;
const UNCACHED_VISITORS = 1_000;
/** Distinct visitors requested before the uncached measurement, so it sees a warmed-up process. */
const UNCACHED_WARM_UP = 500;
const BURST = 500;

const MOUNT = '/visitor-offers';
const OFFER_PATH = `${MOUNT}/offer?path=/pricing`;
const COOKIE = 'datafast_visitor_id';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const BARE_BODY = { offer: null, experiment: null, segment: 'low', reason: 'bare' };

const TARGET_RATIO = 0.95;
const TARGET_FRACTION = 0.95;

// ---------------------------------------------------------------------------------------------
// Servers in worker threads

interface ServerWorker {
  readonly urls: Record<string, string>;
  call<C extends Command>(command: C): Promise<CommandResult<C>>;
  stop(): Promise<void>;
}

async function startWorker(role: ServerRole): Promise<ServerWorker> {
  const worker = new Worker(new URL('./servers.js', import.meta.url), { workerData: role });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const exit = once(worker, 'exit').then(() => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`${role.role} worker exited`));
    pending.clear();
  });

  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        worker.off('error', reject);
        worker.on('error', (err) => {
          line(`${role.role} worker failed: ${err.message}`);
          process.exitCode = 1;
        });
        resolve(message.urls);
        return;
      }
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(`${role.role} worker: ${message.error}`));
    });
  });

  function call<C extends Command>(command: C): Promise<CommandResult<C>> {
    const id = nextId++;
    const message: CommandMessage = { id, command };
    return new Promise<CommandResult<C>>((resolve, reject) => {
      // The worker answers each command with the value its type promises (see servers.ts).
      pending.set(id, { resolve: (value) => resolve(value as CommandResult<C>), reject });
      worker.postMessage(message);
    });
  }

  return {
    urls,
    call,
    async stop() {
      if (exited) return;
      await call({ cmd: 'stop' });
      // It closes its port after stopping and exits by itself; terminate only if it hangs.
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

interface Reply {
  status: number;
  body: string;
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function visitorHeaders(visitorId: string): Record<string, string> {
  return { cookie: `${COOKIE}=${visitorId}`, 'user-agent': BROWSER_UA };
}

function reasonOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'reason' in parsed && typeof parsed.reason === 'string') {
      return parsed.reason;
    }
  } catch {
    // fall through
  }
  return '(not a decision)';
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${int(n)}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// 1. Cached path vs bare Express

interface CannonRun {
  round: number;
  server: 'ours' | 'bare express';
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Share of the measured time the server's event loop was busy. */
  busy: number;
  /** Server thread CPU (or event-loop) time per request, µs. */
  usPerReq: number;
}

async function cannon(url: string, headers: Record<string, string>, duration: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration, headers });
}

interface LoopShare {
  busy: number;
  activeMs: number;
  /** Thread CPU ms, where the platform reports it. */
  cpuMs: number | null;
}

function loopShare(before: LoopTime, after: LoopTime): LoopShare {
  const active = after.active - before.active;
  const idle = after.idle - before.idle;
  const cpuMs = before.cpu === null || after.cpu === null ? null : after.cpu - before.cpu;
  return { busy: active / (active + idle), activeMs: active, cpuMs };
}

/** Server cost per request in µs: thread CPU time where known, else event-loop busy time. */
function usPer(loop: LoopShare, requests: number): number {
  return ((loop.cpuMs ?? loop.activeMs) * 1000) / requests;
}

const COST_UNIT = process.platform === 'linux' ? 'CPU' : 'loop';

async function measure(
  round: number,
  server: CannonRun['server'],
  worker: ServerWorker,
  url: string,
  headers: Record<string, string>,
): Promise<CannonRun> {
  await cannon(url, headers, WARM_UP_S);
  const before = await worker.call({ cmd: 'loopTime' });
  const r = await cannon(url, headers, DURATION_S);
  const loop = loopShare(before, await worker.call({ cmd: 'loopTime' }));
  return {
    round,
    server,
    reqPerSec: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    busy: loop.busy,
    usPerReq: usPer(loop, r.requests.total),
  };
}

interface CachedResult {
  ours: number;
  bare: number;
  ratio: number;
}

async function cachedVsBare(app: ServerWorker, bare: ServerWorker, sims: ServerWorker): Promise<CachedResult> {
  const persona = personas.low;
  const headers = visitorHeaders(persona.visitorId);
  const oursUrl = `${app.urls.main}${OFFER_PATH}`;
  const bareUrl = `${bare.urls.main}${OFFER_PATH}`;

  line(`1. cached path vs bare Express — ${CONNECTIONS} connections, ${WARM_UP_S} s warm-up + ${DURATION_S} s measured per run, A,B alternating, ${ROUNDS} rounds`);
  line(`   GET ${OFFER_PATH} with the ${COOKIE} cookie of persona "${persona.label}" (${persona.visitorId})`);
  line(`   ours: createApp, silent logger, simulated DataFast at 0 ms; cache.ttlMs = ${int(CACHE_TTL_MS)} ms, so the entry cannot expire during the run`);
  line('   bare: express 5 + cookie-parser, app.get(same path) → res.json(small object)');

  const agent = new Agent({ keepAlive: true });
  const warm = await get(agent, oursUrl, headers);
  const oursSample = await get(agent, oursUrl, headers);
  const bareSample = await get(agent, bareUrl, headers);
  agent.destroy();
  const warmReason = reasonOf(warm.body);
  line(`   warm-up request: ${warm.status} ${warmReason}; upstream calls for the persona: ${await sims.call({ cmd: 'visitorCalls', sim: 'fast', visitorId: persona.visitorId })}`);
  line(`   body bytes: ours ${Buffer.byteLength(oursSample.body)} (${reasonOf(oursSample.body)}), bare ${Buffer.byteLength(bareSample.body)}`);
  if (warm.status !== 200 || !warmReason.startsWith('rule:')) throw new Error(`the cached path did not find the persona: ${warm.body}`);
  const before: VisitorCacheStats = await app.call({ cmd: 'cacheStats' });

  line(`   first a ${FIRST_WARM_UP_S} s warm-up of each server (not measured)`);
  await cannon(oursUrl, headers, FIRST_WARM_UP_S);
  await cannon(bareUrl, headers, FIRST_WARM_UP_S);

  const runs: CannonRun[] = [];
  line();
  line(
    `   ${padEnd('round', 6)}${padEnd('server', 14)}${pad('req/s', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('non-2xx', 9)}${pad('errors', 8)}${pad('server busy', 13)}${pad(`${COST_UNIT} µs/req`, 14)}`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [server, worker, url] of [
      ['ours', app, oursUrl],
      ['bare express', bare, bareUrl],
    ] as const) {
      const run = await measure(round, server, worker, url, headers);
      runs.push(run);
      line(
        `   ${padEnd(String(round), 6)}${padEnd(server, 14)}${pad(int(run.reqPerSec), 9)}${pad(fixed(run.p50, 1), 8)}${pad(fixed(run.p99, 1), 8)}${pad(int(run.non2xx), 9)}${pad(int(run.errors), 8)}${pad(`${fixed(run.busy * 100, 0)} %`, 13)}${pad(fixed(run.usPerReq, 0), 14)}`,
      );
    }
  }
  const after: VisitorCacheStats = await app.call({ cmd: 'cacheStats' });
  const mean = (server: CannonRun['server']): number => {
    const mine = runs.filter((r) => r.server === server);
    return mine.reduce((sum, r) => sum + r.reqPerSec, 0) / mine.length;
  };
  const ours = mean('ours');
  const bareRate = mean('bare express');
  const perRound = Array.from({ length: ROUNDS }, (_, i) => {
    const o = runs.find((r) => r.round === i + 1 && r.server === 'ours');
    const b = runs.find((r) => r.round === i + 1 && r.server === 'bare express');
    return o && b ? fixed(o.reqPerSec / b.reqPerSec, 2) : '?';
  });
  const meanUs = (server: CannonRun['server']): number => {
    const mine = runs.filter((r) => r.server === server);
    return mine.reduce((sum, r) => sum + r.usPerReq, 0) / mine.length;
  };
  line(`   ${padEnd('mean', 6)}ours ${int(ours)} req/s, bare ${int(bareRate)} req/s → ratio ${fixed(ours / bareRate, 2)} (per round ${perRound.join(', ')})`);
  line(
    `   server ${COST_UNIT} time per request: ours ${fixed(meanUs('ours'), 0)} µs, bare ${fixed(meanUs('bare express'), 0)} µs → cost ratio bare/ours ${fixed(meanUs('bare express') / meanUs('ours'), 2)} (busy = event loop not idle; below ~100 % the load generator, not the server, is the limit)`,
  );
  line(
    `   cache during the runs: ${int(after.hits - before.hits)} hits, ${after.loads - before.loads} loads, ${after.misses - before.misses} misses (no reload: the TTL held)`,
  );
  line();
  return { ours, bare: bareRate, ratio: ours / bareRate };
}

// ---------------------------------------------------------------------------------------------
// 2. Uncached path

interface UncachedResult {
  reqPerSec: number;
  ideal: number;
  fraction: number;
  ceiling: number;
  upstreamCalls: number;
}

interface PoolRun {
  elapsedS: number;
  /** Sorted, ms. */
  latencies: number[];
  replies: Reply[];
}

/** Each id requested once, by `concurrency` lanes that each wait for their answer before the next request. */
async function pool(agent: Agent, ids: string[], concurrency: number, target: (id: string) => { url: string; headers: Record<string, string> }): Promise<PoolRun> {
  const latencies: number[] = [];
  const replies: Reply[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const { url, headers } = target(ids[next++] ?? '');
      const t0 = performance.now();
      replies.push(await get(agent, url, headers));
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { elapsedS, latencies, replies };
}

const freshIds = (n: number): string[] => Array.from({ length: n }, () => randomUUID());

function describePool(label: string, run: PoolRun): void {
  const n = run.replies.length;
  line(
    `   ${padEnd(label, 28)}${pad(int(n), 6)} requests in ${fixed(run.elapsedS, 3)} s → ${pad(int(n / run.elapsedS), 5)} req/s; latency p50 ${fixed(percentile(run.latencies, 50), 1)} ms, p99 ${fixed(percentile(run.latencies, 99), 1)} ms, max ${fixed(percentile(run.latencies, 100), 1)} ms`,
  );
}

async function uncached(app: ServerWorker, sims: ServerWorker): Promise<UncachedResult> {
  const offerUrl = `${app.urls.main}${OFFER_PATH}`;
  const simUrl = sims.urls.slow ?? '';
  const ideal = CONNECTIONS / (SLOW_LATENCY_MS / 1000);
  line(
    `2. uncached path — ${int(UNCACHED_VISITORS)} distinct visitors (random UUID v4), each requested once, ${CONNECTIONS} concurrent (keep-alive agent), simulator latency ${SLOW_LATENCY_MS} ms`,
  );
  const viaProxy = (id: string): { url: string; headers: Record<string, string> } => ({ url: offerUrl, headers: visitorHeaders(id) });
  const direct = (id: string): { url: string; headers: Record<string, string> } => ({
    url: `${simUrl}/api/v1/visitors/${id}`,
    headers: { authorization: `Bearer ${SIMULATED_DATAFAST_DEFAULTS.apiKey}` },
  });

  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  // Harness ceiling: the same client straight at the simulator, no proxy in between.
  await pool(agent, freshIds(CONNECTIONS), CONNECTIONS, direct);
  const ceilingRun = await pool(agent, freshIds(UNCACHED_VISITORS), CONNECTIONS, direct);
  // Opens the sockets and warms the proxy's code paths; these visitors are not counted.
  await pool(agent, freshIds(UNCACHED_WARM_UP), CONNECTIONS, viaProxy);
  await sims.call({ cmd: 'resetCalls', sim: 'slow' });

  const loopBefore = await app.call({ cmd: 'loopTime' });
  const run = await pool(agent, freshIds(UNCACHED_VISITORS), CONNECTIONS, viaProxy);
  const loop = loopShare(loopBefore, await app.call({ cmd: 'loopTime' }));
  agent.destroy();

  const upstreamCalls = await sims.call({ cmd: 'visitorCalls', sim: 'slow' });
  const reqPerSec = UNCACHED_VISITORS / run.elapsedS;
  const ceiling = UNCACHED_VISITORS / ceilingRun.elapsedS;
  line(`   first ${int(UNCACHED_WARM_UP)} other visitors through the proxy (warm-up, not counted)`);
  describePool('client → simulator (no proxy)', ceilingRun);
  describePool('client → proxy → simulator', run);
  line(`   proxy: status ${countBy(run.replies.map((r) => String(r.status)))}; reason ${countBy(run.replies.map((r) => reasonOf(r.body).replace(/^rule:.*/, 'rule:*')))}`);
  line(
    `   proxy event loop ${fixed(loop.busy * 100, 0)} % busy, ${fixed(usPer(loop, UNCACHED_VISITORS), 0)} µs ${COST_UNIT} per uncached request; upstream visitor calls ${int(upstreamCalls)}`,
  );
  line(
    `   ideal ${CONNECTIONS} / ${fixed(SLOW_LATENCY_MS / 1000, 3)} s = ${int(ideal)} req/s → fraction ${fixed(reqPerSec / ideal, 2)} (the harness alone reaches ${fixed(ceiling / ideal, 2)}; proxy ÷ harness ${fixed(reqPerSec / ceiling, 2)})`,
  );
  line();
  return { reqPerSec, ideal, fraction: reqPerSec / ideal, ceiling, upstreamCalls };
}

// ---------------------------------------------------------------------------------------------
// 3. Burst for one cold visitor

async function burst(app: ServerWorker, sims: ServerWorker): Promise<number> {
  const url = `${app.urls.main}${OFFER_PATH}`;
  const visitorId = randomUUID();
  line(`3. burst — ${BURST} simultaneous requests for one cold visitor (${visitorId}), simulator latency ${SLOW_LATENCY_MS} ms, Agent maxSockets ${BURST}`);
  const agent = new Agent({ keepAlive: true, maxSockets: BURST });
  const before: VisitorCacheStats = await app.call({ cmd: 'cacheStats' });
  const started = performance.now();
  const replies = await Promise.all(Array.from({ length: BURST }, () => get(agent, url, visitorHeaders(visitorId))));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const after: VisitorCacheStats = await app.call({ cmd: 'cacheStats' });
  const calls = await sims.call({ cmd: 'visitorCalls', sim: 'slow', visitorId });
  line(`   ${BURST} answers in ${int(elapsedMs)} ms: status ${countBy(replies.map((r) => String(r.status)))}; reason ${countBy(replies.map((r) => reasonOf(r.body)))}`);
  line(
    `   cache: ${after.loads - before.loads} load, ${after.coalesced - before.coalesced} requests joined it in flight, ${after.hits - before.hits} served from the cache after it landed`,
  );
  line(`   upstream calls for that visitor: ${calls}`);
  line();
  return calls;
}

// ---------------------------------------------------------------------------------------------
// 4. Heap with the cache full

async function heap(datafastUrl: string): Promise<HeapResult> {
  line('4. heap — cache.lookup on distinct ids (batches of 200 concurrent) against the simulator at 0 ms, in a child process with --expose-gc');
  const child = fork(fileURLToPath(new URL('./heap.js', import.meta.url)), [datafastUrl], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const [result] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`heap child exited with ${String(code)} before reporting`);
    }),
  ])) as [HeapResult];
  await exited;
  const grown = result.heapFull - result.heapBefore;
  line(
    `   heapUsed after GC: empty ${mb(result.heapBefore)} MB → ${int(result.sizeFull)} entries ${mb(result.heapFull)} MB (+${mb(grown)} MB, ${int(grown / result.sizeFull)} bytes/visitor); filled in ${int(result.fillMs)} ms`,
  );
  line(
    `   ${int(result.extraInserted)} more distinct visitors: size ${int(result.sizeAfterExtra)} (bound ${int(result.bound)}), heapUsed ${mb(result.heapAfterExtra)} MB; ${int(result.loads)} loads in all (incl. warm-up)`,
  );
  const freed = result.heapAfterExtra - result.heapCleared;
  line(
    `   cross-check: cache.clear() then GC: ${mb(result.heapCleared)} MB (−${mb(freed)} MB, ${int(freed / result.sizeAfterExtra)} bytes/visitor)`,
  );
  line();
  return result;
}

// ---------------------------------------------------------------------------------------------
// 5. Big records (its own child process with --expose-gc; it prints its own table)

async function bigRecords(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./big-records.js', import.meta.url)), [], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench/big-records exited with ${String(code)}`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  line(`visitor-offers bench — Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${process.platform} ${process.arch}`);
  line('servers run in worker threads (heap: a child process), load comes from the main thread; all on 127.0.0.1');
  line('machines are noisy (up to 2× between runs): compare the ratios, which are measured side by side in this run');
  line();

  const sims = await startWorker({ role: 'simulators', slowLatencyMs: SLOW_LATENCY_MS });
  const simFast = sims.urls.fast ?? '';
  const simSlow = sims.urls.slow ?? '';
  const workers: ServerWorker[] = [];
  try {
    const fastApp = await startWorker({ role: 'app', datafastUrl: simFast, cacheTtlMs: CACHE_TTL_MS });
    workers.push(fastApp);
    const bare = await startWorker({ role: 'bare', path: `${MOUNT}/offer`, body: BARE_BODY });
    workers.push(bare);
    const slowApp = await startWorker({ role: 'app', datafastUrl: simSlow, cacheTtlMs: CACHE_TTL_MS });
    workers.push(slowApp);

    const cached = await cachedVsBare(fastApp, bare, sims);
    await fastApp.stop();
    await bare.stop();
    const unc = await uncached(slowApp, sims);
    const burstCalls = await burst(slowApp, sims);
    await slowApp.stop();
    const h = await heap(simFast);
    await bigRecords();
    line();
    const state = await stateSections(simFast);
    const widget = await widgetSection();

    const grown = h.heapFull - h.heapBefore;
    line('summary');
    line(
      `cached /offer     ${pad(int(cached.ours), 7)} req/s   bare express ${pad(int(cached.bare), 7)} req/s   ratio ${fixed(cached.ratio, 2)} (target ≥ ${TARGET_RATIO}) ${ok(cached.ratio >= TARGET_RATIO)}`,
    );
    line(
      `uncached (${SLOW_LATENCY_MS} ms)   ${pad(int(unc.reqPerSec), 7)} req/s   ideal ${pad(int(unc.ideal), 7)} req/s          fraction ${fixed(unc.fraction, 2)} (target ≥ ${TARGET_FRACTION}) ${ok(unc.fraction >= TARGET_FRACTION)}; harness alone ${fixed(unc.ceiling / unc.ideal, 2)}; upstream calls ${int(unc.upstreamCalls)} ${ok(unc.upstreamCalls === UNCACHED_VISITORS)}`,
    );
    line(`burst ${BURST} → upstream calls: ${burstCalls} (target 1) ${ok(burstCalls === 1)}`);
    line(
      `heap: +${mb(grown)} MB for ${int(h.sizeFull)} cached visitors (${int(grown / h.sizeFull)} bytes/visitor); size after +${int(h.extraInserted)} more: ${int(h.sizeAfterExtra)} ${ok(h.sizeFull === h.bound && h.sizeAfterExtra === h.bound)}`,
    );
    for (const l of stateSummary(state)) line(l);
    for (const l of widgetSummary(widget)) line(l);
    line(`(whole bench ${fixed((performance.now() - started) / 1000, 1)} s)`);
  } finally {
    for (const w of workers) await w.stop();
    await sims.stop();
  }
}

/** Sections 6–8 alone, with their own simulated DataFast. */
async function stateOnly(): Promise<void> {
  const sims = await startWorker({ role: 'simulators', slowLatencyMs: SLOW_LATENCY_MS });
  try {
    line(`visitor-offers bench, sections 6–8 — Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${process.platform} ${process.arch}`);
    line();
    const state = await stateSections(sims.urls.fast ?? '');
    line('summary');
    for (const l of stateSummary(state)) line(l);
  } finally {
    await sims.stop();
  }
}

if (process.argv[2] === 'big-records') await bigRecords();
else if (process.argv[2] === 'state') await stateOnly();
else if (process.argv[2] === 'budget') await budgetSection();
else if (process.argv[2] === 'widget') await widgetSection();
else await main();
