// window.visitorOffers.convert({ value, currency, orderId }): the page reports a purchase or a
// signup. It goes to POST {endpoint}/events as a `conversion` with this page view's decision (its
// offer, experiment and variant; waited for, within the widget's timeout, when still on its way).
// The server recomputes the variant and keeps orders idempotent by order id. Resolves true when
// the server accepted it; never throws and never logs.
import { preview } from './preview';
import { apiOf, decisionOf, type VisitorOffer } from './visitor-offer';

/** What a page passes to `convert()`: a value needs its currency and the order id. */
export interface Conversion {
  /** In the currency's major unit: 49.9 is €49.90. */
  value?: number;
  /** ISO 4217, e.g. EUR. */
  currency?: string;
  /** The site's order id: reporting it again (a reload) counts nothing twice. */
  orderId?: string;
}

declare global {
  interface Window {
    visitorOffers?: { convert(conversion?: Conversion): Promise<boolean> };
  }
}

export async function convert(c?: Conversion): Promise<boolean> {
  try {
    // The decision the page's widget asked for: the same request, awaited if still on its way.
    const el = document.querySelector<VisitorOffer>('visitor-offer');
    const d = await decisionOf(el);
    const e = d?.experiment;
    // A preview is not a visit; without a usable cookie the server could tie it to nobody.
    if (preview || d?.reason.endsWith('-cookie')) return false;
    const res = await fetch(`${apiOf(el)}/events`, {
      method: 'POST',
      keepalive: true, // sent even when the page navigates away right after calling
      // The page's fields first: what names the decision is the decision's. Sent as text/plain
      // (no header to set), which the server reads as JSON as it does for sendBeacon.
      body: JSON.stringify({ ...c, type: 'conversion', offerId: d?.offer?.id ?? null, experiment: e?.id, variant: e?.variant }),
    });
    return res.ok;
  } catch {
    return false;
  }
}
