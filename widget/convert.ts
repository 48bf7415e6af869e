// window.visitorOffers.convert({ value, currency, orderId }): the page reports a purchase or a
// signup, as a `conversion` to POST {endpoint}/events. Nothing of this page view's decision goes
// with it, nor is it waited for: by the thank-you page the offer may be gone (expired, used up,
// removed), and the server counts the conversion for every experiment the visitor was exposed to.
// Resolves true when the server accepted it; false on a preview (not a visit) and when the server
// refused it (no DataFast cookie, a bad field) or could not be reached. Never throws or logs.
import type { ConversionEvent } from '../server/contract';
import { preview } from './preview';
import { apiOf } from './endpoint';

/** What a page passes to `convert()`: a value needs its currency and the order id (a string, or an integer like 1001). */
export type Conversion = Omit<ConversionEvent, 'type'>;

declare global {
  interface Window {
    visitorOffers?: { convert(conversion?: Conversion): Promise<boolean> };
  }
}

export async function convert(c?: Conversion): Promise<boolean> {
  try {
    // As text/plain (no header to set), which the server reads as JSON as it does for sendBeacon;
    // keepalive: sent even when the page navigates away right after calling. The options are in
    // events.ts's order, which gzip finds cheaper.
    const body = JSON.stringify({ ...c, type: 'conversion' } satisfies ConversionEvent);
    return !preview && (await fetch(`${apiOf({ endpoint: document.querySelector('visitor-offer')?.getAttribute('endpoint') })}/events`, { method: 'POST', body, keepalive: true })).ok;
  } catch {
    return false;
  }
}
