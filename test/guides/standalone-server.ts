// The standalone server as the guides run it: the built `node dist/server/main.js` (what
// `npm run serve` starts), configured from the environment only, against the simulated DataFast.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { TEST_SECRET } from '../support/decision-tokens';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'server', 'main.js');

export interface StandaloneServer {
  /** http://127.0.0.1:<port>, the server's own address (the upstream a proxy forwards to). */
  url: string;
  /** host:port of `url`. */
  address: string;
  sim: SimulatedDataFast;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  close(): Promise<void>;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export interface StartOptions {
  /** Start the server under this open-file limit (`ulimit -n`, soft and hard), as on a host configured low. */
  openFileLimit?: number;
}

/** Starts the simulated DataFast and the built server on a free port of 127.0.0.1; `env` adds settings. */
export async function startStandaloneServer(env: Record<string, string> = {}, { openFileLimit }: StartOptions = {}): Promise<StandaloneServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (node build.mjs, or npm test)`);
  const sim = await startSimulatedDataFast();
  const dataDir = mkdtempSync(join(tmpdir(), 'vo-guide-'));
  // The shell lowers the limit and then becomes node itself (exec), so the pid and signals are node's.
  const [command, args] = openFileLimit === undefined ? [process.execPath, [MAIN]] : ['sh', ['-c', `ulimit -n ${openFileLimit} && exec "$0" "$@"`, process.execPath, MAIN]];
  const child = spawn(command, args, {
    env: {
      PATH: process.env.PATH ?? '',
      DATAFAST_API_KEY: SIMULATED_DATAFAST_DEFAULTS.apiKey,
      DATAFAST_API_URL: sim.url,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      // Signs decisions as the tests' own tokens are signed (test/support/decision-tokens.ts).
      VISITOR_OFFERS_SECRET: TEST_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server printed no "listening on" line within 10 s:\n${out}`)), 10_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${String(code)}) before listening:\n${out}`));
      });
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[^/\s"]+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    return {
      url,
      address: new URL(url).host,
      sim,
      output: () => out,
      async close() {
        await stop(child);
        await sim.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stop(child);
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
