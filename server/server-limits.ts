// The standalone server's HTTP server, with limits that keep slow or idle clients from holding it:
// Node's defaults have no connection cap and give a client 60 s to send its headers (checked only
// every 30 s), so a few hundred idle sockets could exhaust the process's file descriptors and lock
// every visitor out. Here a client has 10 s for its headers (HEADERS_TIMEOUT_MS) and 30 s for its
// whole request, an idle keep-alive connection is closed after 5 s (KEEP_ALIVE_TIMEOUT_MS), the
// timeouts are checked every second, and connections beyond a cap are closed at once, leaving
// descriptors for the store, DataFast and the log.
import { readFileSync } from 'node:fs';
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger.js';

export interface ServerLimits {
  /** Time a client has to send the request's headers, from the connection (or the previous request) on. */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept after a response. */
  keepAliveTimeoutMs: number;
  /** How often the two timeouts above are checked. */
  checkIntervalMs: number;
  /** Open connections at most; those beyond it are closed as they arrive. */
  maxConnections: number;
}

/** The defaults; the standalone server's environment may change the headers and keep-alive timeouts. */
export const SERVER_LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, checkIntervalMs: 1_000 } as const;

const MINUTE = 60_000;

/** The default cap on connections, unless the open-file limit is lower. */
export const DEFAULT_MAX_CONNECTIONS = 4096;
/** File descriptors kept out of the cap, for the store, DataFast connections and the log. */
export const DESCRIPTOR_HEADROOM = 128;

/** The process's soft limit on open files (Linux), or null where it cannot be read. */
export function openFileLimit(limits = readProcLimits()): number | null {
  const line = limits?.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null;
}

function readProcLimits(): string | null {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}

/** DEFAULT_MAX_CONNECTIONS, or the open-file limit less DESCRIPTOR_HEADROOM when that is lower (at least 1). */
export function defaultMaxConnections(fileLimit = openFileLimit()): number {
  if (fileLimit === null) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, fileLimit - DESCRIPTOR_HEADROOM));
}

/** An HTTP server for `handler` with these limits; not yet listening. `dropLogEveryMs`: see logDrops (a minute). */
export function createLimitedServer(handler: RequestListener, limits: ServerLimits, logger?: Logger, { dropLogEveryMs = MINUTE } = {}): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', answerClientError);
  if (logger) logDrops(server, limits.maxConnections, logger, dropLogEveryMs);
  return server;
}

/**
 * A request Node refuses before our app sees it (malformed, headers too large, too slow) gets its
 * status with the headers every answer of ours carries (nosniff, no-store). No body: the request
 * could not be read, so it may have been a HEAD, which must get none.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node itself does: answer only on a socket nothing was written to yet (after an answer, the
  // error is about what came after it; the connection just ends).
  const written = 'bytesWritten' in socket && typeof socket.bytesWritten === 'number' ? socket.bytesWritten : 0;
  if (err.code === 'ECONNRESET' || !socket.writable || written > 0) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-length: 0\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\nconnection: close\r\n\r\n`);
}

/**
 * One warning a minute at most while connections are being refused: the first drop at once, then
 * those of the rest of the minute in one line at its end (and when the server closes), so the
 * last count is logged even when drops stop.
 */
function logDrops(server: Server, maxConnections: number, logger: Logger, everyMs: number): void {
  let dropped = 0;
  let lastLogged = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (dropped === 0) return;
    logger.warn({ maxConnections, dropped }, 'connection limit reached: new connections are closed (MAX_CONNECTIONS)');
    lastLogged = Date.now();
    dropped = 0;
  };
  server.on('drop', () => {
    dropped += 1;
    const since = Date.now() - lastLogged;
    if (since >= everyMs) return flush();
    // Never keeps the process alive: a count still waiting is logged when the server closes.
    timer ??= setTimeout(flush, everyMs - since).unref();
  });
  server.on('close', flush);
}
