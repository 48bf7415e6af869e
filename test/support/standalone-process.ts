// The built standalone server (`node dist/server/main.js`, what `npm run serve` starts) as a
// child process, configured from the environment only: PORT=0 on 127.0.0.1, its address read from
// its "listening on" line (logged at info: LOG_LEVEL must not be above it). It runs in its own process group with a watchdog (server-process.ts),
// so a test file that dies leaves no server behind; stop() is SIGTERM, then SIGKILL after 5 s.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, stopServer, type ServerProcess } from './server-process';
import { sleep } from './wait';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'dist', 'server', 'main.js');
/** The built `visitor-offers` command. */
export const CLI = join(ROOT, 'dist', 'server', 'cli.js');

export interface StandaloneProcess {
  /** http://127.0.0.1:<port>, also the origin a same-origin page sends. */
  readonly url: string;
  readonly process: ServerProcess;
  /** The last 16 kB the server wrote to stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

export interface StandaloneStart {
  /** Run as this user and group (a test running as root needs an unprivileged server). */
  uid?: number;
  gid?: number;
  /** Default 15 s: a loaded machine may take a while to open a Postgres pool and migrate. */
  timeoutMs?: number;
}

const LISTENING = /listening on (http:\/\/[^/\s"]+)/;

/** Starts the server with exactly `env` (plus PATH) and resolves once it listens; rejects with its output if it exits first. */
export async function startStandalone(env: Record<string, string>, { uid, gid, timeoutMs = 15_000 }: StandaloneStart = {}): Promise<StandaloneProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (node build.mjs, or npm test)`);
  const server = spawnServer(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', ...env },
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = LISTENING.exec(server.output())?.[1];
    if (url !== undefined) {
      let stopped: Promise<void> | null = null;
      return { url, process: server, output: () => server.output(), stop: () => (stopped ??= stopServer(server, 'SIGTERM')) };
    }
    if (server.exited() || Date.now() > deadline) {
      const why = server.exited() ? `exit ${String(server.child.exitCode ?? server.child.signalCode)}` : `no "listening on" line within ${timeoutMs} ms`;
      await stopServer(server, 'SIGKILL');
      throw new Error(`the server did not start (${why}):\n${server.output()}`);
    }
    await sleep(20);
  }
}
