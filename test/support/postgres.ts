// A real PostgreSQL for a test file: a fresh cluster (initdb) in a temp dir, on a free port of
// 127.0.0.1, stopped and removed by stop(). Debian's `postgresql` package supplies the binaries.
// Postgres refuses to run as root, so under root (CI) initdb and the server run as the package's
// unprivileged `postgres` user, owning the temp dir.
//
// Tuned for tests, not for measuring: fsync, synchronous_commit and full_page_writes are off, so
// a commit costs no disk flush. Fine for correctness tests (nothing here survives a machine
// crash anyway); the bench asks for `durable: true`, Postgres' own defaults (every commit flushed).
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, sleep, spawnServer, stopServer, type ServerProcess } from './server-process';

export interface Postgres {
  /** The cluster's `postgres` database, e.g. postgres://postgres@127.0.0.1:41234/postgres */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Creates an empty database (default: a fresh unique name) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown, then the temp dir is removed. Safe to call twice. */
  stop(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';
const missing = (root: string): string => `PostgreSQL is not installed (no ${root}/<version>/bin/initdb): tests that use Postgres need Debian's \`postgresql\` package. Install it with \`apt-get install -y postgresql\` (.ci/run does this when it is missing).`;

/** The newest installed server version's bin directory (Debian: /usr/lib/postgresql/<version>/bin). */
export function postgresBinDir(root = PG_ROOT): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(missing(root));
  return join(root, versions[0], 'bin');
}

/** Under root, the unprivileged user the cluster runs as; otherwise null (run as ourselves). */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (entry === undefined) throw new Error(`running as root and there is no \`postgres\` user to run the server as (postgres refuses root). It comes with Debian's \`postgresql\` package: \`apt-get install -y postgresql\`.`);
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

let databases = 0;

export interface PostgresOptions {
  /** Postgres' default durability (fsync, synchronous_commit, full_page_writes on) instead of the tests' speed. */
  durable?: boolean;
}

export async function startPostgres({ durable = false }: PostgresOptions = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'vo-postgres-'));
  const dataDir = join(dir, 'data');
  // Node's uid/gid (not runuser) so that the child we hold is the postmaster itself: our signals
  // (fast shutdown, a kill) reach it, not a wrapper. libuv also drops root's supplementary groups.
  const as = user === null ? {} : { uid: user.uid, gid: user.gid };
  try {
    if (user !== null) chownSync(dir, user.uid, user.gid);
    const initdb = await run(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-locale', '-E', 'UTF8', '--no-instructions'], { ...as, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    if (initdb.code !== 0) throw new Error(`initdb failed (exit ${initdb.code}):\n${initdb.output}`);

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = spawnServer(
        join(bin, 'postgres'),
        ['-D', dataDir, '-p', String(port), '-k', dir, '-h', '127.0.0.1', ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])],
        { ...as, cleanupDir: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
      );
      if (await ready(server, bin, port)) return handle(server, bin, port, dir, dataDir);
      await stopServer(server, 'SIGQUIT', 2000);
      // Another process may have taken the free port between our probe and the server's bind.
      if (/could not bind|Address already in use/.test(server.output()) && attempt < 3) continue;
      throw new Error(`postgres did not start:\n${server.output()}`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Until the server says it accepts connections and pg_isready agrees; false if it exited. */
async function ready(server: ServerProcess, bin: string, port: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (!server.exited() && Date.now() < deadline) {
    if (server.output().includes('ready to accept connections')) {
      const probe = await run(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres']);
      if (probe.code === 0) return true;
    }
    await sleep(10);
  }
  return false;
}

function handle(server: ServerProcess, bin: string, port: number, dir: string, dataDir: string): Postgres {
  const urlOf = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped: Promise<void> | null = null;
  return {
    url: urlOf('postgres'),
    port,
    dataDir,
    async createDatabase(name?: string): Promise<string> {
      const database = name ?? `test_${process.pid}_${++databases}`;
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`createDatabase: "${database}" is not a plain lower-case identifier`);
      const result = await run(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', `CREATE DATABASE ${database}`]);
      if (result.code !== 0) throw new Error(`CREATE DATABASE ${database} failed:\n${result.output}`);
      return urlOf(database);
    },
    stop(): Promise<void> {
      // SIGINT is postgres's fast shutdown: open sessions are ended, no waiting for clients.
      stopped ??= stopServer(server, 'SIGINT').then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
