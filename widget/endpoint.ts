// The API base URL every part of the widget talks to: an element's own `endpoint` attribute, else
// the page's default, which the loader takes from the script's own URL. Lit-free, so the loader
// and window.visitorOffers.convert() use it without the rendering code.

let defaultEndpoint = '/visitor-offers';

/** The loader sets this from the script's own URL. */
export const setDefaultEndpoint = (endpoint: string): void => {
  defaultEndpoint = endpoint;
};

/** The API base an element uses, or without one the page's default; no trailing slash. */
export const apiOf = (el: { endpoint?: string | null } | null): string => (el?.endpoint || defaultEndpoint).replace(/\/+$/, '');
