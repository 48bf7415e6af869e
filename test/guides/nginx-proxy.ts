// Debian's nginx running examples/nginx/visitor-offers.conf exactly as the guide ships it, with
// only the machine-specific values swapped: the listen port, the site's root, the upstream
// address and the cache directory. It runs in the foreground as the current user, with its
// prefix, pid, logs and temp files in a fresh temporary directory, and is stopped by close().
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './standalone-server';

export const NGINX = '/usr/sbin/nginx';
export const NGINX_EXAMPLE = join(ROOT, 'examples', 'nginx', 'visitor-offers.conf');
export const PLAIN_HTML_ROOT = join(ROOT, 'examples', 'plain-html');

export interface NginxProxy {
  /** http://127.0.0.1:<port>, the site's public origin in the tests. */
  origin: string;
  port: number;
  /** The configuration file nginx was started with (the example, substituted). */
  siteConfig: string;
  close(): Promise<void>;
}

export interface NginxOptions {
  /** host:port of the standalone server. */
  upstream: string;
  /** The site's document root; default examples/plain-html. */
  root?: string;
}

/** Replaces the one occurrence of `from`; the example changing shape must fail loudly, not silently. */
function swapOnce(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${NGINX_EXAMPLE}: expected "${from}" exactly once, found it ${count} times`);
  return text.replace(from, () => to);
}

/** The example with this run's port, root, upstream and cache directory. */
export function siteConfigFor(example: string, o: { port: number; root: string; upstream: string; cacheDir: string }): string {
  let conf = swapOnce(example, 'listen 80;', `listen 127.0.0.1:${o.port};`);
  conf = swapOnce(conf, 'root /var/www/example;', `root ${o.root};`);
  conf = swapOnce(conf, 'server 127.0.0.1:3000;', `server ${o.upstream};`);
  return swapOnce(conf, 'proxy_cache_path /var/lib/nginx/visitor-offers-cache ', `proxy_cache_path ${o.cacheDir} `);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // TERM is nginx's fast shutdown: the master stops its workers, then exits.
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}

export async function startNginx(options: NginxOptions): Promise<NginxProxy> {
  if (!existsSync(NGINX)) {
    throw new Error(`nginx is not installed (${NGINX} is missing): the nginx guide's test needs Debian's nginx. Install it with \`apt-get install -y nginx\` (.ci/run does this when it is missing).`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vo-nginx-'));
  const example = readFileSync(NGINX_EXAMPLE, 'utf8');
  // As root, nginx would hand requests to workers running as `nobody`, who cannot read the temp dir.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(dir, t)};`).join('\n  ');

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const siteConfig = join(dir, 'visitor-offers.conf');
    writeFileSync(siteConfig, siteConfigFor(example, { port, root: options.root ?? PLAIN_HTML_ROOT, upstream: options.upstream, cacheDir: join(dir, 'cache') }));
    const mainConfig = join(dir, 'nginx.conf');
    writeFileSync(
      mainConfig,
      `${user}
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log ${join(dir, 'access.log')};
  ${temp}
  types { text/html html; text/javascript js; application/json json; }
  default_type application/octet-stream;
  include ${siteConfig};
}
`,
    );
    const child = spawn(NGINX, ['-p', `${dir}/`, '-c', mainConfig, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      up = await accepts(port);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (up && child.exitCode === null) {
      const close = async (): Promise<void> => {
        await stop(child);
        rmSync(dir, { recursive: true, force: true });
      };
      return { origin: `http://127.0.0.1:${port}`, port, siteConfig, close };
    }
    await stop(child);
    // Another process may have taken the free port between our probe and nginx's bind.
    if (/Address already in use/.test(out) && attempt < 3) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start:\n${out}`);
  }
}
