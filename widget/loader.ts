// The script tag's bundle (widget.js, or widget.iife.js in a classic <script>, async/defer or
// not): small, and all a visitor without an offer downloads. Once the DOM is ready it takes the
// page's <visitor-offer> elements — or, when there is none (or each takes only some placements,
// `accept`), appends one to <body> with the script tag's data-* settings — and asks /offer for them (one request per endpoint and page). Only when
// an answer has an offer to show (or an experiment arm to expose) does it import the rendering
// chunk (render.ts: the element), from beside its own URL, and hand it this page
// view's state; the offer's trigger time counts from the answer meanwhile. Sets up
// window.visitorOffers.convert() for the page's own conversion reports.
import { convert } from './convert';
import { getDecision } from './decision';
import { apiOf, setDefaultEndpoint } from './endpoint';
import { preview } from './preview';
import type { Shared } from './shared';

/** The rendering chunk's file name, content-hashed; build.mjs defines it. */
declare const VISITOR_OFFERS_CHUNK: string;

const TAG = 'visitor-offer';
/** data-<name> on the script tag becomes <name> on the mounted element. */
const SETTINGS = ['placement', 'push', 'page', 'dismiss-days', 'max-views', 'debug', 'endpoint', 'timeout'];

// A classic script knows itself as document.currentScript (only while it first runs); a module
// knows its URL, and finds its tag by it.
const current = document.currentScript;
const src = current instanceof HTMLScriptElement ? current.src : import.meta.url;
const script = current ?? [...document.querySelectorAll('script[src]')].find((s) => (s as HTMLScriptElement).src === src);

let base = '/visitor-offers/';
try {
  base = new URL('.', src).href;
} catch {
  // no usable script URL (bundled into something else): /visitor-offers
}
setDefaultEndpoint(base);

const answered = new WeakMap<Element, number>();
let dropIn: Element | null = null;
let started: Promise<void> | undefined;

/** Imports the rendering chunk once, and starts it with this page view's state. */
function render(): Promise<void> {
  return (started ??= import(new URL(VISITOR_OFFERS_CHUNK, base).href).then(
    (m: { start(shared: Shared, endpoint: string): void }) => m.start({ decide: getDecision, preview, answered, dropIn }, base),
  ));
}

const attr = (el: Element, name: string): string | null => el.getAttribute(name);

/** Asks /offer for `el` (as the element will, from the same shared request); renders when there is something to show. */
async function ask(el: Element): Promise<void> {
  const timeout = Number(attr(el, 'timeout') ?? NaN);
  const d = await getDecision(apiOf({ endpoint: attr(el, 'endpoint') }), attr(el, 'page') || location.pathname + location.search, Number.isFinite(timeout) ? timeout : 2000);
  answered.set(el, performance.now());
  if (d?.offer || d?.experiment?.as) {
    performance.mark('visitor-offers:answer');
    return render().catch(() => {
      if (el.hasAttribute('debug')) console.debug('[visitor-offer] rendering chunk failed to load');
    });
  }
  if (el.hasAttribute('debug')) console.debug('[visitor-offer] no offer:', d ? d.reason : 'no decision');
}

function mount(): void {
  if (!document.body) return;
  const els: Element[] = [...document.querySelectorAll(TAG)];
  // The drop-in: when the page has no element, or only ones that take some placements (`accept`),
  // so that bars, slide-ins and modals still appear; it never shows an offer inline.
  if (els.every((el) => el.hasAttribute('accept'))) {
    dropIn = document.createElement(TAG);
    for (const name of SETTINGS) {
      const value = script?.getAttribute(`data-${name}`);
      if (value != null) dropIn.setAttribute(name, value);
    }
    // A push bar moves the page down from its very top; otherwise after everything.
    if (dropIn.hasAttribute('push')) document.body.prepend(dropIn);
    else document.body.append(dropIn);
    els.push(dropIn);
  }
  for (const el of els) void ask(el);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount, { once: true });
else mount();

// Onto the page's own window.visitorOffers when it has one (its settings, say), not instead of it;
// last, so that a page object refusing it (frozen) cannot keep the widget from mounting.
(window.visitorOffers ??= {} as NonNullable<Window['visitorOffers']>).convert = convert;
