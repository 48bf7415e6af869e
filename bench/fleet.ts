// Section 6 of `npm run bench`: the cached /offer path on two instances sharing Postgres and Redis
// against the same load on one of them. Both are the standalone server (`node dist/server/main.js`,
// one process each); the load is autocannon in the bench's own process: 50 connections to one
// instance, or 25 to each of the two at once, alternating one/two for a few rounds. Each process's
// CPU time is read from /proc, so the figure says where the cores went: on a 2-core machine the
// load generator needs a large share of them itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { Redis as RedisClient } from 'ioredis';
import { personas } from '../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS } from '../demo/simulated-datafast';
import { startStandalone, type StandaloneProcess } from '../test/support/standalone-process';
import { fixed, int, line, pad, padEnd } from './format';

const CONNECTIONS = 50;
const WARM_UP_S = 2;
const DURATION_S = 4;
const ROUNDS = 3;
const OFFER_PATH = '/visitor-offers/offer?path=/pricing';
// An urgency offer without a countdown: decided from the cached record alone, the store untouched.
const PERSONA = personas.high;
const HEADERS = {
  cookie: `datafast_visitor_id=${PERSONA.visitorId}`,
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
};
/** Linux's USER_HZ: /proc CPU times are in these ticks. */
const TICKS_PER_S = 100;

export interface FleetSetup {
  datafastUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** A temp directory for the instances' data directories. */
  dir: string;
}

export interface FleetResult {
  one: number;
  two: number;
  ratio: number;
  /** Server CPU per request, µs: one instance, and the pair. */
  oneUs: number;
  twoUs: number;
  /** Cores the load generator used, on average, while loading the pair. */
  generatorCores: number;
  cores: number;
}

interface Run {
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Cores the servers used, this process (the load generator), and the whole machine. */
  serverCores: number;
  generatorCores: number;
  machineCores: number;
  serverUsPerReq: number;
  redisCommands: number;
}

/** user + system CPU seconds of a process so far, from /proc/<pid>/stat (fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** CPU seconds the whole machine has been busy (all cores, every process), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
}

const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function redisCommands(redis: RedisClient): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** 50 connections split evenly over `targets`, all at once, for `duration` s. */
async function load(targets: StandaloneProcess[], duration: number): Promise<autocannon.Result[]> {
  const each = CONNECTIONS / targets.length;
  return Promise.all(targets.map((t) => autocannon({ url: `${t.url}${OFFER_PATH}`, connections: each, duration, headers: HEADERS })));
}

async function measure(targets: StandaloneProcess[], all: StandaloneProcess[], redis: RedisClient): Promise<Run> {
  await load(targets, 1);
  const pids = all.map((s) => s.process.child.pid ?? 0);
  const serverBefore = pids.map(cpuSeconds);
  const ownBefore = ownCpuSeconds();
  const machineBefore = machineBusySeconds();
  const commandsBefore = await redisCommands(redis);
  const started = performance.now();
  const results = await load(targets, DURATION_S);
  const wall = (performance.now() - started) / 1000;
  // The INFO that reads the count is itself one command.
  const redisUsed = (await redisCommands(redis)) - commandsBefore - 1;
  const serverCpu = pids.map(cpuSeconds).reduce((sum, after, i) => sum + after - (serverBefore[i] ?? 0), 0);
  const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
  const weighted = (pick: (r: autocannon.Result) => number): number => results.reduce((sum, r) => sum + pick(r) * r.requests.total, 0) / requests;
  return {
    reqPerSec: requests / wall,
    p50: weighted((r) => r.latency.p50),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    serverCores: serverCpu / wall,
    generatorCores: (ownCpuSeconds() - ownBefore) / wall,
    machineCores: (machineBusySeconds() - machineBefore) / wall,
    serverUsPerReq: (serverCpu * 1e6) / requests,
    redisCommands: redisUsed,
  };
}

export async function fleetScaling(setup: FleetSetup): Promise<FleetResult> {
  const cores = availableParallelism();
  const [load1] = loadavg();
  line(`6. two instances + Redis vs one — node dist/server/main.js ×2 (one process each) on one Postgres and one Redis, ${CONNECTIONS} connections from autocannon in this process`);
  line(`   one: all ${CONNECTIONS} connections to instance a (b idle); two: ${CONNECTIONS / 2} to a and ${CONNECTIONS / 2} to b at once; ${WARM_UP_S} s warm-up each, then ${ROUNDS} rounds of 1 s + ${DURATION_S} s measured, alternating`);
  line(`   GET ${OFFER_PATH} for persona "${PERSONA.label}" (an urgency offer without countdown: the cached record decides it, the store is not read)`);
  line(
    `   load average before: ${fixed(load1 ?? 0, 1)} on ${cores} cores${(load1 ?? 0) > cores / 2 ? ' — other processes compete for the cores: the pair, being more processes, wins a larger share of a busy machine than one instance does, so the ratio overstates; the CPU per request below does not depend on it' : ''}`,
  );
  const env = (name: string): Record<string, string> => ({
    DATAFAST_API_KEY: SIMULATED_DATAFAST_DEFAULTS.apiKey,
    DATAFAST_API_URL: setup.datafastUrl,
    DATABASE_URL: setup.databaseUrl,
    REDIS_URL: setup.redisUrl,
    DATA_DIR: join(setup.dir, `fleet-${name}`),
  });
  const redis = new RedisClient(setup.redisUrl);
  const servers: StandaloneProcess[] = [];
  try {
    servers.push(...(await Promise.all([startStandalone(env('a')), startStandalone(env('b'))])));
    const [a, b] = servers as [StandaloneProcess, StandaloneProcess];
    for (const s of servers) {
      const res = await fetch(`${s.url}${OFFER_PATH}`, { headers: HEADERS });
      const body = (await res.json()) as { reason: string; offer: { id: string } | null };
      line(`   warm-up request on ${s === a ? 'a' : 'b'}: ${res.status} ${body.reason} → ${body.offer?.id ?? 'no offer'}`);
      if (res.status !== 200 || !body.reason.startsWith('rule:')) throw new Error(`the instance did not decide for the persona: ${JSON.stringify(body)}`);
    }
    await load([a], WARM_UP_S);
    await load([a, b], WARM_UP_S);

    line();
    line(`   ${padEnd('round', 6)}${padEnd('setup', 7)}${pad('req/s', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('non-2xx', 9)}${pad('errors', 8)}${pad('server cores', 14)}${pad('load-gen cores', 16)}${pad('machine busy', 14)}${pad('server µs/req', 15)}${pad('Redis cmds', 12)}`);
    const runs: Array<{ setup: 'one' | 'two'; run: Run }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [setupName, targets] of [
        ['one', [a]],
        ['two', [a, b]],
      ] as const) {
        const run = await measure([...targets], servers, redis);
        runs.push({ setup: setupName, run });
        line(
          `   ${padEnd(String(round), 6)}${padEnd(setupName, 7)}${pad(int(run.reqPerSec), 9)}${pad(fixed(run.p50, 1), 8)}${pad(fixed(run.p99, 1), 8)}${pad(int(run.non2xx), 9)}${pad(int(run.errors), 8)}${pad(fixed(run.serverCores, 2), 14)}${pad(fixed(run.generatorCores, 2), 16)}${pad(fixed(run.machineCores, 2), 14)}${pad(fixed(run.serverUsPerReq, 0), 15)}${pad(int(run.redisCommands), 12)}`,
        );
      }
    }
    const mean = (name: 'one' | 'two', pick: (r: Run) => number): number => {
      const mine = runs.filter((r) => r.setup === name).map((r) => pick(r.run));
      return mine.reduce((sum, v) => sum + v, 0) / mine.length;
    };
    const result: FleetResult = {
      one: mean('one', (r) => r.reqPerSec),
      two: mean('two', (r) => r.reqPerSec),
      ratio: mean('two', (r) => r.reqPerSec) / mean('one', (r) => r.reqPerSec),
      oneUs: mean('one', (r) => r.serverUsPerReq),
      twoUs: mean('two', (r) => r.serverUsPerReq),
      generatorCores: mean('two', (r) => r.generatorCores),
      cores,
    };
    const perRound = Array.from({ length: ROUNDS }, (_, i) => {
      const one = runs[2 * i]?.run.reqPerSec ?? Number.NaN;
      const two = runs[2 * i + 1]?.run.reqPerSec ?? Number.NaN;
      return fixed(two / one, 2);
    });
    line(`   mean  one ${int(result.one)} req/s, two ${int(result.two)} req/s → ratio ${fixed(result.ratio, 2)} (per round ${perRound.join(', ')})`);
    const others = (name: 'one' | 'two'): number => mean(name, (r) => r.machineCores - r.serverCores - r.generatorCores);
    line(
      `   where the ${cores} cores went with two: servers ${fixed(mean('two', (r) => r.serverCores), 2)}, load generator ${fixed(result.generatorCores, 2)}, everything else on the machine ${fixed(others('two'), 2)}, idle ${fixed(cores - mean('two', (r) => r.machineCores), 2)} (with one: ${fixed(mean('one', (r) => r.serverCores), 2)}, ${fixed(mean('one', (r) => r.generatorCores), 2)}, ${fixed(others('one'), 2)}, idle ${fixed(cores - mean('one', (r) => r.machineCores), 2)})`,
    );
    line(
      `   server CPU per request: one ${fixed(result.oneUs, 0)} µs, two ${fixed(result.twoUs, 0)} µs — sharing adds no work on this path (Redis commands above: the cached path answers from each instance's own cache)`,
    );
    line(
      `   capacity with a core per instance (not measured here: 1 s of CPU ÷ µs/req): two ÷ one = ${fixed((2 * result.oneUs) / result.twoUs, 2)}`,
    );
    line();
    return result;
  } finally {
    redis.disconnect();
    await Promise.allSettled(servers.map((s) => s.stop()));
  }
}
