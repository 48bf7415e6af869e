// The standalone server's limits on slow and idle clients. The values it uses are set on its HTTP
// server; with short values the same server closes a connection that sends nothing, half a header
// or a trickle of one once its headers time out, a body that never finishes once the request
// times out, an idle keep-alive connection, and connections past the cap at once. The built server
// (`npm run serve`) keeps answering visitors while 1,000 idle connections are held open.
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { createLimitedServer, defaultMaxConnections, DEFAULT_MAX_CONNECTIONS, DESCRIPTOR_HEADROOM, openFileLimit, SERVER_LIMITS, type ServerLimits } from '../../server/server-limits';
import { startStandaloneServer } from '../guides/standalone-server';
import { captureLog } from '../support/log-capture';
import { eventually, waitFor } from '../support/wait';

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
async function limited(limits: ServerLimits, logger = captureLog().logger): Promise<number> {
  const server = createLimitedServer(
    (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    },
    limits,
    logger,
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

/** One GET on a fresh connection; resolves the status. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
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

describe('npm run serve with 1,000 idle connections held open', () => {
  it('keeps answering visitors, on fresh connections, while they are held', { timeout: 60_000 }, async () => {
    // Each idle connection is one descriptor here (and one in the server): stay well inside the limit.
    const fileLimit = openFileLimit() ?? 1024;
    const count = Math.min(1000, fileLimit - 512);
    console.log(`held ${count} idle connections (this process may open ${fileLimit} files)`);
    const server = await startStandaloneServer();
    try {
      const port = Number(new URL(server.url).port);
      // As the running server's HTTP server has them (read back from it for the start-up line).
      const started = JSON.parse(server.output().split('\n').find((l) => l.includes('listening on')) ?? '{}') as { limits?: unknown };
      expect(started.limits).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: defaultMaxConnections() });
      const idle: Held[] = [];
      for (let i = 0; i < count; i += 100) {
        // Half send nothing, half stop inside their headers.
        const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => hold(port, (i + j) % 2 === 0 ? undefined : 'GET /healthz HTTP/1.1\r\nHost: x\r\n'));
        idle.push(...(await Promise.all(batch)));
      }
      let open = idle.length;
      for (const c of idle) void c.closed.then(() => (open -= 1));

      const statuses: number[] = [];
      const cookie = { cookie: `datafast_visitor_id=${personas.low.visitorId}` };
      for (let i = 0; i < 10; i++) {
        statuses.push(await get(port, '/healthz'));
        statuses.push(await get(port, '/visitor-offers/offer?path=%2Fpricing', cookie));
        statuses.push(await get(port, '/visitor-offers/widget.js'));
      }
      // The premise: every idle connection was still held when the last visitor was answered.
      expect(open, 'idle connections still open after the visitors were answered').toBe(count);
      expect(statuses).toEqual(Array<number>(30).fill(200));
    } finally {
      await server.close();
    }
  });
});
