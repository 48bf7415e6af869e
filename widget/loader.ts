// The bundle's entry: `<script type="module" src="/visitor-offers/widget.js">` (or the IIFE build
// in a classic script, async/defer or not). Defines <visitor-offer> once, takes the API endpoint
// from the script's own URL, and — when the page has no <visitor-offer> of its own once the DOM is
// ready — appends one to <body> with the script tag's data-* settings. Sets up
// window.visitorOffers.convert() for the page's own conversion reports.
import { convert } from './convert';
import { setDefaultEndpoint } from './endpoint';
import { VisitorOffer } from './visitor-offer';

const TAG = 'visitor-offer';
/** data-<name> on the script tag becomes <name> on the mounted element. */
const SETTINGS = ['placement', 'page', 'dismiss-days', 'max-views', 'debug', 'endpoint', 'timeout'];

// A classic script knows itself as document.currentScript (only while it first runs); a module
// knows its URL, and finds its tag by it.
const current = document.currentScript;
const src = current instanceof HTMLScriptElement ? current.src : import.meta.url;
const script = current ?? [...document.querySelectorAll('script[src]')].find((s) => (s as HTMLScriptElement).src === src);

try {
  setDefaultEndpoint(new URL('.', src).href);
} catch {
  // no usable script URL (bundled into something else): keep /visitor-offers
}

if (!customElements.get(TAG)) VisitorOffer.define(TAG);

function mount(): void {
  if (document.querySelector(TAG) || !document.body) return;
  const el = document.createElement(TAG);
  for (const name of SETTINGS) {
    const value = script?.getAttribute(`data-${name}`);
    if (value != null) el.setAttribute(name, value);
  }
  document.body.append(el);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount, { once: true });
else mount();

// Onto the page's own window.visitorOffers when it has one (its settings, say), not instead of it;
// last, so that a page object refusing it (frozen) cannot keep the widget from mounting.
(window.visitorOffers ??= {} as NonNullable<Window['visitorOffers']>).convert = convert;
