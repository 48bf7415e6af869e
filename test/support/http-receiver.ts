// A tiny HTTP endpoint on 127.0.0.1 standing in for a site owner's webhook: it records every
// request (headers and JSON body) and answers as the test says — 200, an error status, or never
// (a hang, until close()). Real sockets, so retries and timeouts are the real ones.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ReceiverMode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'redirect'; location: string };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it does not parse. */
  body: unknown;
  /** What the receiver answered; null while it hangs (or hung until the client went away). */
  status: number | null;
  at: number;
}

export interface Receiver {
  /** e.g. http://127.0.0.1:41234/hook */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order, answered or not. */
  readonly requests: ReceivedRequest[];
  /** The requests answered with a 2xx: what the owner's system actually accepted. */
  accepted(): ReceivedRequest[];
  /** How to answer from now on; with `times`, only for the next N requests, then 200 again. */
  setMode(mode: ReceiverMode, times?: number): void;
  /** Stops listening and drops every connection, hung ones included. */
  close(): Promise<void>;
}

export async function startReceiver(options: { port?: number; path?: string } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode: ReceiverMode = { kind: 'ok' };
  let remaining: number | null = null;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    // The mode is taken on arrival, like a real endpoint deciding as the request comes in.
    const current = mode;
    if (remaining !== null) {
      remaining -= 1;
      if (remaining <= 0) {
        mode = { kind: 'ok' };
        remaining = null;
      }
    }
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // kept as text
      }
      const record: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status: null, at: Date.now() };
      requests.push(record);
      if (current.kind === 'hang') return;
      const status = current.kind === 'ok' ? 200 : current.kind === 'redirect' ? 307 : current.status;
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...(current.kind === 'redirect' ? { location: current.location } : {}) });
      res.end(JSON.stringify({ ok: status < 300 }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;

  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/hook'}`,
    port,
    requests,
    accepted: () => requests.filter((r) => r.status !== null && r.status >= 200 && r.status < 300),
    setMode(next, times) {
      mode = next;
      remaining = times ?? null;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}
