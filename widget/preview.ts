// A preview link (`?visitor-offers-preview=<offer id>&visitor-offers-token=…`, made by the
// dashboard or `visitor-offers preview-link`): the operator sees the offer the server checks the
// token for, and nothing of it counts — no POST /events, no lead sent, nothing in localStorage, no
// dismissal or view cap in the way, DOM event details marked `preview: true`.

/**
 * The two parameters as the page URL has them (already escaped), each as `&name=value`, for
 * /offer (OfferPreviewQuery: the same names); '' on an ordinary page view.
 */
export const previewQuery = (location.search.match(/[?&]visitor-offers-(preview|token)=[^&]+/g) ?? []).join('').replace('?', '&');

/** True on a preview page view (even a half or bad link: it shows nothing then, and sends nothing). */
export const preview = !!previewQuery;

// The token leaves the address bar at once, so it does not travel on in Referer headers, the
// site's own analytics or a copied link; nor in the page path sent to /offer.
if (preview) history.replaceState(history.state, '', location.href.replace(/[?&]visitor-offers-(preview|token)=[^&#]*/g, '').replace(/^([^?#]*)&/, '$1?'));
