// The standalone server's limits on slow and idle clients. The values it uses are set on its HTTP
// server; with short values the same server closes a connection that sends nothing, half a header
// or a trickle of one once its headers time out, a body that never finishes once the request
// times out, an idle keep-alive connection, and connections past the cap at once. Under an
// open-file limit of 1,100, 1,200 idle connections do not lock visitors out of the built server
// (`npm run serve`) for longer than its headers timeout, while they do lock them out of a plain
// Node HTTP server with Node's defaults, under the same limit, at the same time.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { createLimitedServer, defaultMaxConnections, DEFAULT_MAX_CONNECTIONS, DESCRIPTOR_HEADROOM, openFileLimit, SERVER_LIMITS, type ServerLimits } from '../../server/server-limits';
import { startStandaloneServer } from '../guides/standalone-server';
import { captureLog } from '../support/log-capture';
import { eventually, sleep, waitFor } from '../support/wait';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('the values', () => {
  it('are 10 s for headers, 30 s for a request, 5 s for an idle keep-alive, checked every second', () => {
    const server = createLimitedServer((_req, res) => res.end(), { ...SERVER_LIMITS, maxConnections: 77 });
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxConnections]).toEqual([10_000, 30_000, 5_000, 77]);
  });

  it('cap connections at 4096 by default, or below the open-file limit when that is lower', () => {
    const limits = (soft: string): string => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                524288               files\n`;
    expect(openFileLimit(limits('1024'))).toBe(1024);
    expect(openFileLimit(limits('unlimited'))).toBeNull();
    expect(openFileLimit(null)).toBeNull();
    expect(defaultMaxConnections(1024)).toBe(1024 - DESCRIPTOR_HEADROOM);
    expect(defaultMaxConnections(1_048_576)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(defaultMaxConnections(null)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(defaultMaxConnections(100)).toBe(1);
  });
});

const SHORT: ServerLimits = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 300, checkIntervalMs: 50, maxConnections: 100 };

/** A server with these limits on 127.0.0.1 answering "ok" (after reading any body); resolves its port. */
async function limited(limits: ServerLimits, logger = captureLog().logger, options: { dropLogEveryMs?: number } = {}): Promise<number> {
  const server = createLimitedServer(
    (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    },
    limits,
    logger,
    options,
  );
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface Held {
  socket: Socket;
  connectedAt: number;
  /** What the server sent before closing. */
  received(): string;
  /** Resolves with the time the server closed the connection. */
  closed: Promise<number>;
}

/** A raw connection that sends `first` (if any) once connected. */
async function hold(port: number, first?: string): Promise<Held> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => performance.now());
  await once(socket, 'connect');
  const connectedAt = performance.now();
  if (first !== undefined) socket.write(first);
  return { socket, connectedAt, received: () => text, closed };
}

/** One GET on a fresh connection; resolves the status. `timeoutMs`: give up (an error) after it. */
function get(port: number, path: string, headers: Record<string, string> = {}, timeoutMs?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end();
  });
}

describe('with short limits, the server closes', () => {
  it.each([
    ['a connection that sends nothing', undefined],
    ['a connection that sends half a header', 'GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: slow'],
  ])('%s, with a 408, once its headers are overdue', async (_label, first) => {
    const port = await limited(SHORT);
    const c = await hold(port, first);
    const closedAt = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // Never before the limit (timers do not fire early); how long after is the machine's business.
    expect(closedAt - c.connectedAt).toBeGreaterThanOrEqual(SHORT.headersTimeoutMs - 5);
  });

  it('a connection that trickles its header a byte at a time (sending keeps no connection alive)', async () => {
    const port = await limited(SHORT);
    const c = await hold(port, 'G');
    const header = 'ET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(1000);
    let i = 0;
    const drip = setInterval(() => c.socket.writable && c.socket.write(header[i++ % header.length] ?? 'a'), 20);
    try {
      await c.closed;
    } finally {
      clearInterval(drip);
    }
    expect(i).toBeGreaterThan(0);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a request whose body never finishes, once the request is overdue', async () => {
    const port = await limited(SHORT);
    const c = await hold(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const closedAt = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAt - c.connectedAt).toBeGreaterThanOrEqual(SHORT.requestTimeoutMs - 5);
  });

  it('an idle keep-alive connection after its answer', async () => {
    const port = await limited(SHORT);
    const c = await hold(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => c.received().endsWith('ok'), 'the answer');
    const answeredAt = performance.now();
    const closedAt = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(closedAt - answeredAt).toBeGreaterThanOrEqual(SHORT.keepAliveTimeoutMs - 50);
  });

  it('connections beyond the cap, at once, and says so in the log once a minute; room made is room taken', async () => {
    const log = captureLog('warn');
    const port = await limited({ ...SHORT, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnections: 5 }, log.logger);
    const held = await Promise.all(Array.from({ length: 5 }, () => hold(port)));
    const over = await Promise.all(Array.from({ length: 3 }, () => hold(port)));
    for (const c of over) await c.closed;
    expect(over.map((c) => c.received())).toEqual(['', '', '']);
    const warnings = log.lines.filter((l) => l.includes('connection limit reached'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ maxConnections: 5, dropped: 1 });
    // One held connection gone: a visitor gets in.
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await eventually(async () => (await get(port, '/').catch(() => 0)) === 200, 'a request once a connection is free');
  });
});

describe('the log of refused connections', () => {
  const drops = (lines: string[]): unknown[] => lines.filter((l) => l.includes('connection limit reached')).map((l) => (JSON.parse(l) as { dropped: number }).dropped);
  const capped = { ...SHORT, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnections: 2 };

  it('tells the count of the rest of the minute at its end, though no drop follows', async () => {
    const log = captureLog('warn');
    const port = await limited(capped, log.logger, { dropLogEveryMs: 300 });
    await Promise.all([hold(port), hold(port)]);
    const over = await Promise.all(Array.from({ length: 4 }, () => hold(port)));
    for (const c of over) await c.closed;
    await waitFor(() => drops(log.lines).length === 2, 'a second line with the drops after the first');
    expect(drops(log.lines)).toEqual([1, 3]);
  });

  it('tells the count still waiting when the server closes', async () => {
    const log = captureLog('warn');
    const port = await limited(capped, log.logger);
    const held = await Promise.all([hold(port), hold(port)]);
    const over = await Promise.all(Array.from({ length: 3 }, () => hold(port)));
    for (const c of over) await c.closed;
    expect(drops(log.lines)).toEqual([1]);
    const server = servers.splice(0)[0];
    for (const c of held) c.socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
    expect(drops(log.lines)).toEqual([1, 2]);
  });
});


// A host whose open-file limit is 1,100 (a container's or an old default), and 1,200 connections
// that send nothing. Node's defaults accept them until the process runs out of descriptors, then
// accept and drop everyone else, for as long as the idle ones stay: 60 s of header timeout, checked
// every 30 s. The server's cap (the limit less 128) refuses the extra ones at once, and its headers
// timeout (2 s here, HEADERS_TIMEOUT_MS) clears the rest. Both servers run at once, under the same
// limit, and visitors are asked for over the same window: four headers timeouts.
const FILE_LIMIT = 1100;
const IDLE = 1200;
const HEADERS_TIMEOUT_MS = 2000;
const WINDOW_MS = 4 * HEADERS_TIMEOUT_MS;

interface Flood {
  /** Idle connections still open. */
  open(): number;
  /** How many got a 408 from the server before it closed them. */
  timedOut(): number;
}

/** Opens `count` connections that send nothing, 100 at a time; resolves once each is connected or closed. */
async function flood(port: number, count: number): Promise<Flood> {
  const made: Array<{ socket: Socket; text: string; open: boolean }> = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, async () => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      const c = { socket, text: '', open: true };
      made.push(c);
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (c.text += d));
      socket.on('error', () => undefined);
      socket.on('close', () => (c.open = false));
      await new Promise((resolve) => {
        socket.once('connect', resolve);
        socket.once('close', resolve);
      });
    });
    await Promise.all(batch);
  }
  return { open: () => made.filter((c) => c.open).length, timedOut: () => made.filter((c) => c.text.startsWith('HTTP/1.1 408')).length };
}

/** Asks for `path` on a fresh connection every 100 ms until a 200 or `until`; resolves the ms from `since`, or null. */
async function firstAnswer(port: number, path: string, since: number, until: number): Promise<number | null> {
  while (performance.now() < until) {
    if ((await get(port, path, {}, 1000).catch(() => 0)) === 200) return Math.round(performance.now() - since);
    await sleep(100);
  }
  return null;
}

/** A plain Node HTTP server (Node's defaults) under an open-file limit, answering "ok"; resolves its port and pid. */
async function plainNodeServer(fileLimit: number): Promise<{ port: number; child: ChildProcess }> {
  const script = "require('node:http').createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });";
  const child = spawn('sh', ['-c', `ulimit -n ${fileLimit} && exec "$0" -e "$1"`, process.execPath, script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the plain server exited (${String(code)})`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
  });
  return { port, child };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe(`under an open-file limit of ${FILE_LIMIT}, ${IDLE} idle connections`, () => {
  it('keep visitors out of a plain Node server, and out of npm run serve no longer than its headers timeout', { timeout: 30_000 }, async () => {
    const [ours, plain] = await Promise.all([startStandaloneServer({ HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) }, { openFileLimit: FILE_LIMIT }), plainNodeServer(FILE_LIMIT)]);
    try {
      const oursPort = Number(new URL(ours.url).port);
      // The premise: both processes run under the limit (ours works its cap out of it).
      expect(readFileSync(`/proc/${plain.child.pid}/limits`, 'utf8')).toMatch(new RegExp(`^Max open files\\s+${FILE_LIMIT}\\s+${FILE_LIMIT}\\s`, 'm'));
      const started = JSON.parse(ours.output().split('\n').find((l) => l.includes('listening on')) ?? '{}') as { limits?: unknown };
      const cap = FILE_LIMIT - DESCRIPTOR_HEADROOM;
      expect(started.limits).toEqual({ headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: cap });

      const [oursFlood, plainFlood] = await Promise.all([flood(oursPort, IDLE), flood(plain.port, IDLE)]);
      const since = performance.now();
      const until = since + WINDOW_MS;
      // Ours closed those beyond its cap as they came.
      await waitFor(() => oursFlood.open() <= cap, 'the connections beyond the cap closed');
      const [oursAnswered, plainAnswered] = await Promise.all([firstAnswer(oursPort, '/healthz', since, until), firstAnswer(plain.port, '/', since, until)]);
      const figures = { oursAnsweredAfterMs: oursAnswered, plainAnsweredAfterMs: plainAnswered, oursTimedOut408: oursFlood.timedOut(), plainStillOpen: plainFlood.open() };
      console.log(`${IDLE} idle connections under ulimit -n ${FILE_LIMIT}, visitors watched for ${WINDOW_MS} ms:`, figures);

      // Node's defaults: the idle connections fill the descriptors and stay; nobody else gets in.
      expect(plainAnswered, 'a plain Node server answered a visitor').toBeNull();
      expect(plainFlood.open()).toBeGreaterThan(cap);
      // Ours: the idle ones are answered 408 once their headers are overdue, and visitors get in,
      // to every route (a DataFast call and the store need descriptors of their own).
      expect(oursAnswered, 'npm run serve answered a visitor').not.toBeNull();
      expect(oursFlood.timedOut()).toBeGreaterThan(0);
      const cookie = { cookie: `datafast_visitor_id=${personas.low.visitorId}` };
      expect([await get(oursPort, '/visitor-offers/offer?path=%2Fpricing', cookie), await get(oursPort, '/visitor-offers/widget.js'), await get(oursPort, '/readyz')]).toEqual([200, 200, 200]);
    } finally {
      await ours.close();
    }
  });
});
