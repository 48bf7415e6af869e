// Worker-thread entry for bench/run.ts: runs one role's servers on 127.0.0.1 (port 0) in its own
// event loop, so the load generator in the main thread never competes with them for one.
// It answers CommandMessages on parentPort and exits by itself after `stop`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import cookieParser from 'cookie-parser';
import express from 'express';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from '../demo/simulated-datafast';
import { createApp } from '../server/app';
import type { VisitorCacheStats } from '../server/cache/visitor-cache';
import { silentLogger } from '../server/logger';
import { internalsOf } from '../server/router-internals';
import type { Command, CommandMessage, LoopTime, ServerRole, SimName, WorkerMessage } from './protocol';

const port = parentPort;
if (!port) throw new Error('bench/servers.ts runs as a worker thread of bench/run.ts');
const role = workerData as ServerRole;

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface Running {
  urls: Record<string, string>;
  handle(command: Command): Promise<number | VisitorCacheStats | LoopTime | null>;
}

async function startSimulators(slowLatencyMs: number): Promise<Running> {
  const sims: Record<SimName, SimulatedDataFast> = {
    fast: await startSimulatedDataFast({ generateUnknown: true, latencyMs: 0 }),
    slow: await startSimulatedDataFast({ generateUnknown: true, latencyMs: slowLatencyMs }),
  };
  return {
    urls: { fast: sims.fast.url, slow: sims.slow.url },
    async handle(command) {
      switch (command.cmd) {
        case 'visitorCalls': {
          const sim = sims[command.sim];
          if (command.visitorId === undefined) return sim.callCount('visitors');
          const path = `/api/v1/visitors/${command.visitorId}`;
          return sim.calls.filter((c) => c.path === path).length;
        }
        case 'resetCalls':
          sims[command.sim].resetCalls();
          return null;
        case 'stop':
          await Promise.all([sims.fast.close(), sims.slow.close()]);
          return null;
        case 'loopTime':
          return loopTime();
        case 'cacheStats':
          throw new Error('the simulators have no cache');
      }
    },
  };
}

async function startApp(datafastUrl: string, cacheTtlMs: number): Promise<Running> {
  // Each app its own data directory: one store per directory (two apps run at once), none in the repository.
  const dataDir = mkdtempSync(join(tmpdir(), 'vo-bench-app-'));
  const { app, router } = createApp(
    {
      datafast: { apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: datafastUrl },
      // Long TTL: no cached answer may expire (and be reloaded) in the middle of a measurement.
      cache: { ttlMs: cacheTtlMs },
      dataDir,
    },
    silentLogger(),
  );
  const server = createServer(app);
  const url = await listen(server);
  const cache = internalsOf(router).cache;
  return {
    urls: { main: url },
    async handle(command) {
      switch (command.cmd) {
        case 'cacheStats':
          return cache.stats();
        case 'loopTime':
          return loopTime();
        case 'stop':
          await closeServer(server);
          await router.close(0);
          rmSync(dataDir, { recursive: true, force: true });
          return null;
        default:
          throw new Error(`the app worker cannot ${command.cmd}`);
      }
    },
  };
}

async function startBare(path: string, body: Record<string, unknown>): Promise<Running> {
  const app = express();
  app.use(cookieParser());
  app.get(path, (_req, res) => {
    res.json(body);
  });
  const server = createServer(app);
  const url = await listen(server);
  return {
    urls: { main: url },
    async handle(command) {
      if (command.cmd === 'loopTime') return loopTime();
      if (command.cmd === 'stop') {
        await closeServer(server);
        return null;
      }
      throw new Error(`the bare worker cannot ${command.cmd}`);
    },
  };
}

/** This thread's CPU ms from /proc/thread-self/stat (fields 14 and 15, in ticks of 1/100 s), or null. */
function threadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

function loopTime(): LoopTime {
  const { active, idle } = performance.eventLoopUtilization();
  return { active, idle, cpu: threadCpuMs() };
}

async function start(): Promise<Running> {
  switch (role.role) {
    case 'simulators':
      return startSimulators(role.slowLatencyMs);
    case 'app':
      return startApp(role.datafastUrl, role.cacheTtlMs);
    case 'bare':
      return startBare(role.path, role.body);
  }
}

const running = await start();
port.on('message', (message: CommandMessage) => {
  running.handle(message.command).then(
    (value) => {
      post({ type: 'reply', id: message.id, ok: true, value });
      // After stop nothing is listening; closing the port lets the worker's event loop drain.
      if (message.command.cmd === 'stop') port.close();
    },
    (err: unknown) => post({ type: 'reply', id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
post({ type: 'ready', urls: running.urls });
