// A real Redis for a test file (Debian's `redis-server`), on a free port of 127.0.0.1, with no
// persistence, and the faults the Redis tests need: pause()/resume() (SIGSTOP/SIGCONT — a hung
// Redis: connections are accepted by the kernel, nothing answers) and kill()/restart() (an
// outage: connections refused, then an empty Redis back on the same port).
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, sleep, spawnServer, stopServer, type ServerProcess } from './server-process';

export interface Redis {
  /** e.g. redis://127.0.0.1:41234 — for REDIS_URL. */
  readonly url: string;
  readonly port: number;
  /** The current server process's pid (a new one after restart()). */
  pid(): number;
  /** SIGSTOP: the server hangs until resume(). */
  pause(): Promise<void>;
  /** SIGCONT. */
  resume(): Promise<void>;
  /** SIGKILL, and waits for the exit: the port refuses connections. */
  kill(): Promise<void>;
  /** A fresh, empty server on the same port, after kill() (or after stop()). */
  restart(): Promise<void>;
  /** Shuts it down (a paused one too) and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const MISSING = "redis-server is not installed (not on PATH): tests that use Redis need Debian's `redis-server` package. Install it with `apt-get install -y redis-server` (.ci/run does this when it is missing).";

/** redis-server's path, looked up on PATH. */
export function redisServerPath(searchPath = process.env.PATH ?? '/usr/bin:/bin'): string {
  for (const dir of searchPath.split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(MISSING);
}

/** A raw RESP PING: true when the answer is +PONG within timeoutMs. */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG\r\n'));
    });
    socket.once('error', () => done(false));
  });
}

function launch(binary: string, port: number, dir: string): ServerProcess {
  return spawnServer(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--loglevel', 'warning'], { cleanupDir: dir });
}

/** Until it answers PING; false if it exited first. */
async function ready(server: ServerProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!server.exited() && Date.now() < deadline) {
    if (await ping(port, 200)) return true;
    await sleep(10);
  }
  return false;
}

export async function startRedis(): Promise<Redis> {
  const binary = redisServerPath();
  // Nothing is persisted (--save '' --appendonly no); the dir only keeps a stray file out of the repo.
  const dir = mkdtempSync(join(tmpdir(), 'vo-redis-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const first = launch(binary, port, dir);
    if (await ready(first, port)) return handle(first, binary, port, dir);
    await stopServer(first, 'SIGKILL');
    // Another process may have taken the free port between our probe and the server's bind.
    if (/Address already in use/.test(first.output()) && attempt < 3) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`redis-server did not start:\n${first.output()}`);
  }
}

function handle(first: ServerProcess, binary: string, port: number, dir: string): Redis {
  let server = first;
  let stopped = false;
  const signal = (name: NodeJS.Signals): void => {
    if (server.exited()) throw new Error(`redis on port ${port} is not running (${name})`);
    server.child.kill(name);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => server.child.pid ?? -1,
    async pause() {
      signal('SIGSTOP');
    },
    async resume() {
      signal('SIGCONT');
    },
    async kill() {
      await stopServer(server, 'SIGKILL');
    },
    async restart() {
      if (!server.exited()) await stopServer(server, 'SIGKILL');
      stopped = false;
      mkdirSync(dir, { recursive: true });
      server = launch(binary, port, dir);
      if (!(await ready(server, port))) {
        await stopServer(server, 'SIGKILL');
        throw new Error(`redis-server did not restart on port ${port}:\n${server.output()}`);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // SIGTERM is redis's shutdown (nothing to save); stopServer adds SIGCONT for a paused one.
      await stopServer(server, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
