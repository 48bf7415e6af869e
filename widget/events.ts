// POST {endpoint}/events, sent at once, in the task that raised the event. Never deferred: a
// click on a call to action starts a navigation as its handler returns, and an event left for a
// later task raced it — sent by a late keepalive fetch after the next page had started loading,
// or only from pagehide, as the old page was torn down, which is lost wherever that event does not
// come (a killed tab, a crash) and invisible to the page's own network log. A click, and anything
// raised while the page is being left (tab hidden), goes by navigator.sendBeacon, which the
// browser delivers whatever becomes of the page; everything else, and a refused beacon, by fetch
// with keepalive (it also outlives a navigation). Both send the JSON as text/plain (no header to
// set, no CORS preflight), which the server reads as JSON.
import { shared } from './shared';
import type { EventType, OfferEventBody } from './types';

const beacon = (url: string, json: string): boolean => {
  try {
    return navigator.sendBeacon(url, json); // a string goes as text/plain;charset=UTF-8
  } catch {
    return false;
  }
};

/** Sends one event with the decision's token (the server reads the experiment and variant from it). A preview sends none. */
export function track(endpoint: string, type: EventType, offerId: string | null, token: string | undefined): void {
  if (shared.preview) return;
  const url = `${endpoint}/events`;
  const json = JSON.stringify({ type, offerId, token } satisfies OfferEventBody);
  if ((type === 'click' || document.visibilityState === 'hidden') && beacon(url, json)) return;
  fetch(url, {
    method: 'POST',
    body: json,
    keepalive: true,
  }).catch(() => {});
}
