// What the Postgres and Redis helpers share: a free port on 127.0.0.1, a child server process
// whose output is kept (the tail, for error messages) and always drained (a full pipe would block
// the server), and a stop that escalates. A test file that dies without stopping its servers
// still leaves nothing running: each server has a watchdog that kills it, and removes its temp
// dir, once this process is gone (vitest ends a worker without running 'exit' handlers).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** The last few kB the server wrote to stdout and stderr. */
  output(): string;
  exited(): boolean;
  /** Resolves once the process has exited (at once if it has). */
  exit(): Promise<void>;
}

const OUTPUT_TAIL = 16_384;
const WATCHDOG = 'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; kill -9 -"$2" 2>/dev/null; [ -n "$3" ] && rm -rf -- "$3"';

/** A detached shell that outlives us: when our pid is gone it kills the server's group and removes `dir`. */
function watchdog(serverPid: number, dir: string): ChildProcess {
  const dog = spawn('/bin/sh', ['-c', WATCHDOG, 'watchdog', String(process.pid), String(serverPid), dir], { stdio: 'ignore', detached: true });
  dog.unref();
  return dog;
}

const killGroup = (pid: number | undefined, signal: NodeJS.Signals): void => {
  try {
    if (pid !== undefined) process.kill(-pid, signal);
  } catch {
    // already gone
  }
};

/** Spawns `command` in its own process group; `cleanupDir` is removed too if we die without stopping it. */
export function spawnServer(command: string, args: string[], options: SpawnOptions & { cleanupDir?: string } = {}): ServerProcess {
  const { cleanupDir, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A spawn failure (ENOENT, EACCES) is an 'error' event: keep it as output, never an uncaught throw.
  child.on('error', (error) => (tail += `\n${error.message}`));
  const dog = child.pid === undefined ? null : watchdog(child.pid, cleanupDir ?? '');
  let gone = false;
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      gone = true;
      // Its job is done; killed before it could remove a dir that a restart reuses.
      killGroup(dog?.pid, 'SIGKILL');
      resolve();
    }),
  );
  const exited = (): boolean => gone || child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output: () => tail,
    exited,
    exit: () => closed,
  };
}

/**
 * Sends `signal`, waits up to `graceMs` for the exit, then SIGKILLs the whole group. A stopped
 * (SIGSTOPped) process gets SIGCONT too, or it would never act on the signal.
 */
export async function stopServer(server: ServerProcess, signal: NodeJS.Signals, graceMs = 5000): Promise<void> {
  const { child } = server;
  if (child.pid === undefined) return server.exit();
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(signal);
      child.kill('SIGCONT');
    } catch {
      // exited meanwhile
    }
  }
  const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
  await server.exit();
  clearTimeout(timer);
}

/** Runs a short command to completion; resolves with its exit code and output. */
export function run(command: string, args: string[], options: SpawnOptions = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => {
      output += error.message;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
