// One HTTP exchange with the analytics API (DataFast or PostMetric) over node:http(s) and keep-alive agents. Used instead of fetch
// because the uncached /offer path is bound by CPU per upstream call, and this costs about a
// quarter less than undici's fetch on this path (measured by `npm run bench`).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface TransportRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Whether to read the body of an answer with this status (else it is discarded). */
  readBody: (status: number) => boolean;
  /** A body longer than this is refused unread: at once when Content-Length says so, else when the count passes it. */
  maxBodyBytes: number;
}

/** The `X-RateLimit-*` headers of an answer (PostMetric sends them), as given; null when absent. */
export interface RateLimitHeaders {
  limit: string | null;
  remaining: string | null;
  reset: string | null;
}

export interface TransportResponse {
  status: number;
  retryAfter: string | null;
  rateLimit: RateLimitHeaders;
  /** The body as text, or null when not read. */
  body: string | null;
}

/** Why an exchange failed: the deadline, the network, or a body over the request's size limit. */
export class TransportError extends Error {
  constructor(
    readonly reason: 'aborted' | 'network' | 'too-large',
    /** For too-large: the declared length, or the bytes received when the limit was passed. */
    readonly bytes?: number,
  ) {
    super(reason);
    this.name = 'TransportError';
  }
}

export class Transport {
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  readonly #https = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

  send(url: URL, init: TransportRequest): Promise<TransportResponse> {
    const isHttps = url.protocol === 'https:';
    const request = isHttps ? httpsRequest : httpRequest;
    const headers = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    return new Promise((resolve, reject) => {
      const fail = (reason: TransportError['reason'], bytes?: number): void =>
        reject(init.signal.aborted ? new TransportError('aborted') : new TransportError(reason, bytes));
      if (init.signal.aborted) return fail('aborted');
      const req = request(url, { method: init.method, headers, agent: isHttps ? this.#https : this.#http, signal: init.signal });
      req.on('error', () => fail('network'));
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const retryAfter = headerValue(res.headers['retry-after']);
        const rateLimit: RateLimitHeaders = {
          limit: headerValue(res.headers['x-ratelimit-limit']),
          remaining: headerValue(res.headers['x-ratelimit-remaining']),
          reset: headerValue(res.headers['x-ratelimit-reset']),
        };
        if (!init.readBody(status)) {
          res.resume();
          res.on('error', () => undefined);
          return resolve({ status, retryAfter, rateLimit, body: null });
        }
        // Refused before a byte of it is buffered, let alone parsed.
        const declared = Number(headerValue(res.headers['content-length']) ?? Number.NaN);
        if (declared > init.maxBodyBytes) {
          res.on('error', () => undefined);
          res.destroy();
          return fail('too-large', declared);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > init.maxBodyBytes) {
            res.destroy();
            return fail('too-large', size);
          }
          chunks.push(chunk);
        });
        res.on('error', () => fail('network'));
        res.on('end', () => resolve({ status, retryAfter, rateLimit, body: Buffer.concat(chunks).toString('utf8') }));
        // A body cut off mid-way (reset, deadline) ends in 'close' without 'end'.
        res.on('close', () => {
          if (!res.complete) fail('network');
        });
      });
      req.end(init.body);
    });
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  destroy(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

function headerValue(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
}
