// POST {endpoint}/events. An event is queued and sent on the next task with fetch (keepalive, so
// it survives a navigation that starts meanwhile). If the page is being left first (pagehide, or
// the tab hidden), everything still queued goes out at once with navigator.sendBeacon; fetch
// keepalive is the fallback when a beacon is refused. Both send the JSON as text/plain (no header
// to set, no CORS preflight), which the server reads as JSON.
import { shared } from './shared';
import type { EventType, OfferEventBody } from './types';

type Queued = [url: string, json: string];

const queue: Queued[] = [];
let scheduled = false;

const leaving = (): boolean => document.visibilityState === 'hidden';

const post = ([url, json]: Queued): void => {
  fetch(url, {
    method: 'POST',
    body: json,
    keepalive: true,
  }).catch(() => {});
};

const beacon = ([url, json]: Queued): boolean => {
  try {
    return navigator.sendBeacon(url, new Blob([json], { type: 'text/plain' }));
  } catch {
    return false;
  }
};

function flush(useBeacon = leaving()): void {
  scheduled = false;
  for (const item of queue.splice(0)) if (!(useBeacon && beacon(item))) post(item);
}

/** Queues one event with the decision's token (the server reads the experiment and variant from it). A preview sends none. */
export function track(endpoint: string, type: EventType, offerId: string | null, token: string | undefined): void {
  if (shared.preview) return;
  queue.push([`${endpoint}/events`, JSON.stringify({ type, offerId, token } satisfies OfferEventBody)]);
  if (leaving()) return flush();
  if (!scheduled) {
    scheduled = true;
    setTimeout(flush);
  }
}

addEventListener('pagehide', () => flush(true));
document.addEventListener('visibilitychange', () => leaving() && flush());
