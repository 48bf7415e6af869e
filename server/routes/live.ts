// GET /live — social proof for urgency offers: `{ activeVisitors, recentPurchases }` from the one
// shared LiveSource. Always 200 JSON; the widget hides its live line when `activeVisitors` is null.
//
// The answer is identical for every visitor: it is built only from the site-wide realtime map (a
// count, and per purchase a country code, minutes ago, amount and currency), the handler reads
// nothing from the request (no cookie, no query, no header), and the LiveSource holds one view for
// everybody. So browsers and shared caches (CDN) may keep it: `public, max-age=<interval in s>`,
// no `Vary`. A copy is then at most about two intervals old (cache age + source interval).
//
// When there is no view (DataFast has been failing for longer than maxStaleMs, or never answered)
// the body is `{ activeVisitors: null, recentPurchases: [] }`, still 200: for the widget this is
// "nothing to show", not an error, and a 503 would only add console noise on the owner's page.
import type { RequestHandler, Response } from 'express';
import type { LiveView } from '../live/live-view.js';
import type { Logger } from '../logger.js';

export interface LiveRouteDeps {
  /** Usually a LiveSource; its intervalMs sets the max-age. */
  source: { get(): Promise<LiveView | null>; readonly intervalMs: number };
  logger?: Logger;
}

export interface NoLiveView {
  activeVisitors: null;
  recentPurchases: [];
}

export type LiveResponse = LiveView | NoLiveView;

const EMPTY_BODY = JSON.stringify({ activeVisitors: null, recentPurchases: [] } satisfies NoLiveView);

export function liveHandler({ source, logger }: LiveRouteDeps): RequestHandler {
  const maxAge = Math.max(0, Math.floor(source.intervalMs / 1000));
  const cacheControl = `public, max-age=${maxAge}`;
  // A view is shared by every caller until the next refresh: serialise it once.
  const bodies = new WeakMap<LiveView, string>();
  const bodyOf = (view: LiveView): string => {
    let body = bodies.get(view);
    if (body === undefined) {
      body = JSON.stringify(view);
      bodies.set(view, body);
    }
    return body;
  };

  return (_req, res) => {
    let pending: Promise<LiveView | null>;
    try {
      pending = source.get();
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (view) => send(res, view === null ? EMPTY_BODY : bodyOf(view), cacheControl),
      (err: unknown) => {
        // LiveSource never rejects; this guards the page against a bug, and is not cached.
        logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'live view failed');
        send(res, EMPTY_BODY, 'no-store');
      },
    );
  };
}

function send(res: Response, body: string, cacheControl: string): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': cacheControl,
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
