// The real Postgres and Redis that other tests start for themselves: each answers a real query,
// and stop() leaves nothing behind — no process, no listening port, no temp dir.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { postgresBinDir, startPostgres } from './postgres';
import { redisServerPath, startRedis } from './redis';
import { run } from './server-process';
import { eventually } from './wait';

const PSQL = '/usr/bin/psql';

/** Whether a process with this pid exists (running or paused). */
const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** One RESP command over a raw socket; resolves with the first reply line, or 'timeout'. */
function redisCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (value: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.split('\r\n')[0] ?? '');
    });
    socket.once('error', (error) => done(`error: ${error.message}`));
  });
}

const psql = (url: string, sql: string): Promise<{ code: number | null; output: string }> =>
  run(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql]);

describe('startPostgres', () => {
  it('finds the newest installed server, and without one fails naming the Debian package', () => {
    expect(postgresBinDir()).toMatch(/^\/usr\/lib\/postgresql\/\d+(\.\d+)?\/bin$/);
    expect(() => postgresBinDir('/nonexistent/postgresql')).toThrow(/Debian's `postgresql` package.*apt-get install -y postgresql/);
  });

  it('runs a fresh cluster on 127.0.0.1 that answers queries, with a database per caller, and stop() removes it all', async () => {
    const pg = await startPostgres();
    const pidFile = join(pg.dataDir, 'postmaster.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
      const selected = await psql(pg.url, 'select 40 + 2');
      expect(selected).toEqual({ code: 0, output: '42\n' });
      // Not listening beyond loopback.
      expect((await psql(pg.url, 'show listen_addresses')).output).toBe('127.0.0.1\n');

      const a = await pg.createDatabase();
      const b = await pg.createDatabase('named_one');
      expect(a).not.toBe(b);
      expect(b).toBe(`postgres://postgres@127.0.0.1:${pg.port}/named_one`);
      expect((await psql(a, 'create table t (x int); insert into t values (1); select count(*) from t')).output).toBe('1\n');
      // The databases are separate: b has no table t.
      expect((await psql(b, 'select count(*) from t')).code).not.toBe(0);
      await expect(pg.createDatabase('named_one')).rejects.toThrow(/already exists/);
      await expect(pg.createDatabase('Robert"; drop')).rejects.toThrow(/not a plain lower-case identifier/);
      expect(running(pid)).toBe(true);
    } finally {
      await pg.stop();
    }
    expect(running(pid)).toBe(false);
    expect(await listening(pg.port)).toBe(false);
    expect(existsSync(pg.dataDir)).toBe(false);
    expect(existsSync(join(pg.dataDir, '..'))).toBe(false);
    await pg.stop(); // twice is harmless
  });

  it('two clusters side by side do not share anything', async () => {
    const [one, two] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(one.port).not.toBe(two.port);
      expect(one.dataDir).not.toBe(two.dataDir);
      await psql(one.url, 'create table only_here (x int)');
      expect((await psql(one.url, "select to_regclass('only_here') is not null")).output).toBe('t\n');
      expect((await psql(two.url, "select to_regclass('only_here') is not null")).output).toBe('f\n');
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });
});

describe('startRedis', () => {
  it('without redis-server on PATH fails naming the Debian package', () => {
    expect(redisServerPath()).toMatch(/\/redis-server$/);
    expect(() => redisServerPath('/nonexistent/bin')).toThrow(/Debian's `redis-server` package.*apt-get install -y redis-server/);
  });

  it('answers PING on 127.0.0.1, and stop() leaves no process, port or file', async () => {
    const redis = await startRedis();
    const pid = redis.pid();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
      expect(await redisCommand(redis.port, 'SET k v')).toBe('+OK');
      expect(await redisCommand(redis.port, 'GET k')).toBe('$1');
      // No persistence: nothing to clean up, nothing surviving a restart.
      expect(await redisCommand(redis.port, 'CONFIG GET save')).toBe('*2');
    } finally {
      await redis.stop();
    }
    expect(running(pid)).toBe(false);
    expect(await listening(redis.port)).toBe(false);
    await redis.stop();
  });

  it('pause() makes it hang (connections open, no answer) and resume() answers again', async () => {
    const redis = await startRedis();
    try {
      await redis.pause();
      // The kernel still accepts the connection; the paused server never answers — a slow Redis.
      expect(await redisCommand(redis.port, 'PING', 300)).toBe('timeout');
      await redis.resume();
      expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
    } finally {
      await redis.stop();
    }
  });

  it('kill() is an outage (connections refused, data gone) and restart() brings it back on the same port', async () => {
    const redis = await startRedis();
    try {
      const { port } = redis;
      await redisCommand(port, 'SET k v');
      const before = redis.pid();
      await redis.kill();
      expect(running(before)).toBe(false);
      expect(await redisCommand(port, 'PING')).toMatch(/^error: .*ECONNREFUSED/);
      await redis.restart();
      expect(redis.port).toBe(port);
      expect(redis.pid()).not.toBe(before);
      expect(await redisCommand(port, 'PING')).toBe('+PONG');
      expect(await redisCommand(port, 'GET k')).toBe('$-1');
    } finally {
      await redis.stop();
    }
  });

  it('stop() while paused still stops it', async () => {
    const redis = await startRedis();
    const pid = redis.pid();
    await redis.pause();
    await redis.stop();
    expect(running(pid)).toBe(false);
  });
});

describe('a test process that dies without stopping its servers', () => {
  it('leaves nothing running: a watchdog kills its servers (a paused Redis too) and removes their dirs', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'vo-servers-test-'));
    try {
      const script = join(dir, 'careless.mjs');
      await build({
        stdin: {
          contents: `
            import { readFileSync } from 'node:fs';
            import { join } from 'node:path';
            import { startPostgres } from ${JSON.stringify(join(here, 'postgres.ts'))};
            import { startRedis } from ${JSON.stringify(join(here, 'redis.ts'))};
            const pg = await startPostgres();
            const redis = await startRedis();
            await redis.pause();
            const pgPid = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\\n')[0]);
            console.log(JSON.stringify({ pgPid, pgPort: pg.port, pgDir: join(pg.dataDir, '..'), redisPid: redis.pid(), redisPort: redis.port }));
            setInterval(() => {}, 1000);
          `,
          resolveDir: here,
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: script,
        logLevel: 'silent',
      });
      const careless = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = (await once(careless.stdout, 'data')) as [Buffer];
      const left = JSON.parse(line.toString()) as { pgPid: number; pgPort: number; pgDir: string; redisPid: number; redisPort: number };
      expect(running(left.pgPid) && running(left.redisPid) && existsSync(left.pgDir)).toBe(true);

      careless.kill('SIGKILL'); // no exit handler, no finally: the worst way a test file can end
      await eventually(
        async () => !running(left.pgPid) && !running(left.redisPid) && !existsSync(left.pgDir) && !(await listening(left.pgPort)) && !(await listening(left.redisPort)),
        'the servers of a killed test process to be gone',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
