// Helpers for the package test: run npm and node as a user would (child processes, no shell), the
// lockfile's versions, the bare imports of a bundle, and a server started until it says where it
// listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment without npm's `npm_*` variables: when the suite runs under `npm test` they carry
 * this repository's prefix and config, which an npm started in another directory would obey.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command to its end and returns what it printed; never throws on a non-zero exit. */
export async function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Ran> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** The version package-lock.json pins for a package, so the app gets what the repository tests with. */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(resolve(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`package-lock.json pins no version of ${name}`);
  return version;
}

/** Package names an ES module bundle imports (static and dynamic), Node's built-ins left out. */
export function bareImports(code: string): Set<string> {
  const found = new Set<string>();
  const patterns = [/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm, /^import\s*["']([^"']+)["']/gm, /\bimport\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) {
    for (const [, spec] of code.matchAll(pattern)) {
      if (spec === undefined || spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
      // `@scope/name/sub` → `@scope/name`; `name/sub` → `name`.
      found.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return found;
}

export interface Listening {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** Starts `node <args>` and resolves once it prints `listening on http://host:port`. */
export function startNode(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<Listening> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`node ${args.join(' ')}: ${why}; it printed:\n${out}`)));
    };
    const timer = setTimeout(() => fail('no "listening on" line within 10 s'), 10_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (http:\/\/[\w.-]+:\d+)/.exec(out);
      if (m?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        resolvePromise({ url: m[1], output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(([code]) => fail(`exited with ${String(code)} before listening`));
  });
}
