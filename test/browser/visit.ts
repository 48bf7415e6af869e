// One visit of a test page: a fresh browser context (viewport, visitor cookie, clipboard), and a
// page that records its console, its requests, its layout shifts and the widget's DOM events.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { personas, type PersonaName } from '../../demo/personas';
import { MOUNT_PATH } from '../../server/app';
import { VISITOR_COOKIE } from '../../server/visitor-id';
import { layoutShiftObserver } from './layout-probes';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. /visitor-offers/offer?path=%2F… */
  path: string;
  /** Parsed JSON body of a POST (fetch or beacon), else null. */
  body: unknown;
  /** Playwright's resource type: fetch, ping (sendBeacon), script… */
  resourceType: string;
  at: number;
}

/** What the init script records in the page (window.__vo). */
export interface PageProbe {
  /** Cumulative layout shift, inputs excluded (PerformanceObserver 'layout-shift': layoutShiftObserver). */
  cls: number;
  shifts: Array<{ value: number; at: number; sources: string[] }>;
  /** Every visitor-offer-* DOM event that reached document (`at`: performance.now()). */
  events: Array<{ type: string; detail: unknown; at: number; bubbles: boolean; composed: boolean; target: string }>;
  /** Every securitypolicyviolation event (CSP). */
  violations: Array<{ directive: string; blocked: string; source: string }>;
}

export interface VisitOptions {
  /** Persona whose visitor id goes in the datafast_visitor_id cookie; null/undefined for none. */
  persona?: PersonaName | null;
  /** A raw cookie value instead of a persona's. */
  visitorId?: string;
  /** Extra context options (viewport, reducedMotion, hasTouch, isMobile…). */
  context?: BrowserContextOptions;
  /** Navigate at once (default true); false to set up listeners first and call v.page.goto(v.url). */
  navigate?: boolean;
}

export interface Visit {
  context: BrowserContext;
  page: Page;
  /** Absolute URL of the host page. */
  url: string;
  /** console.error messages and uncaught page errors, including the browser's own network lines. */
  consoleErrors: string[];
  /**
   * What scripts logged as errors: console.error calls and uncaught page errors — consoleErrors
   * without the browser's own "Failed to load resource" lines for a failed or non-2xx request,
   * which no script can prevent.
   */
  scriptErrors: string[];
  /** The browser's own "Failed to load resource" lines, each with the URL that failed. */
  networkErrors: string[];
  /** Every console message, as `type: text`. */
  consoleMessages: string[];
  /** Requests the page made under the mount path (the widget's own traffic). */
  requests: RecordedRequest[];
  /** Every request the page made, to any origin and path (`path` is the full URL for other origins). */
  allRequests: RecordedRequest[];
  /** POST /events bodies, optionally of one type. */
  events(type?: string): Array<Record<string, unknown>>;
  /** How many GET /offer requests the page made. */
  offerRequests(): number;
  /** The page's layout shifts and DOM events so far. */
  probe(): Promise<PageProbe>;
  close(): Promise<void>;
}

/** Layout shifts (window.__vo.cls, .shifts), the widget's DOM events and CSP violations. */
const INIT_SCRIPT = `${layoutShiftObserver('__vo')}
(() => {
  const vo = window.__vo;
  vo.events = [];
  for (const t of ['shown', 'click', 'dismiss', 'lead']) {
    document.addEventListener('visitor-offer-' + t, (e) => vo.events.push({
      type: e.type, detail: e.detail, at: performance.now(), bubbles: e.bubbles, composed: e.composed,
      target: e.target && e.target.nodeName ? e.target.nodeName.toLowerCase() : '?',
    }));
  }
  vo.violations = [];
  document.addEventListener('securitypolicyviolation', (e) => vo.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile }));
})();`;

function parseBody(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Opens `path` of `origin` in a new context of `browser` (kept in `contexts` until the visit is
 * closed, so that the harness can close what a failed test left open).
 */
export async function openVisit(browser: Browser, origin: string, contexts: Set<BrowserContext>, path: string, opts: VisitOptions = {}): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts.context });
  contexts.add(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const visitorId = opts.visitorId ?? (opts.persona ? personas[opts.persona].visitorId : undefined);
  if (visitorId !== undefined) await context.addCookies([{ name: VISITOR_COOKIE, value: visitorId, url: origin }]);
  await context.addInitScript({ content: INIT_SCRIPT });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const scriptErrors: string[] = [];
  const networkErrors: string[] = [];
  const consoleMessages: string[] = [];
  const requests: RecordedRequest[] = [];
  const allRequests: RecordedRequest[] = [];
  page.on('console', (m) => {
    consoleMessages.push(`${m.type()}: ${m.text()}`);
    if (m.type() !== 'error') return;
    const line = `${m.text()} (${m.location().url || 'page'})`;
    consoleErrors.push(line);
    // The browser's network log has no arguments; a script's console.error always has some.
    (m.args().length === 0 && m.text().startsWith('Failed to load resource') ? networkErrors : scriptErrors).push(line);
  });
  page.on('pageerror', (e) => {
    consoleErrors.push(`pageerror: ${e.message}`);
    scriptErrors.push(`pageerror: ${e.message}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    const mine = u.origin === origin;
    const recorded = (): RecordedRequest => ({
      method: r.method(),
      path: mine ? u.pathname + u.search : u.href,
      body: parseBody(r.postData()),
      resourceType: r.resourceType(),
      at: Date.now(),
    });
    allRequests.push(recorded());
    if (!mine || !u.pathname.startsWith(`${MOUNT_PATH}/`)) return;
    requests.push(recorded());
  });
  const url = origin + path;
  if (opts.navigate !== false) await page.goto(url);
  return {
    context,
    page,
    url,
    consoleErrors,
    scriptErrors,
    networkErrors,
    consoleMessages,
    requests,
    allRequests,
    events: (type) =>
      requests
        .filter((r) => r.method === 'POST' && r.path === `${MOUNT_PATH}/events` && typeof r.body === 'object' && r.body !== null)
        .map((r) => r.body as Record<string, unknown>)
        .filter((b) => type === undefined || b.type === type),
    offerRequests: () => requests.filter((r) => r.method === 'GET' && r.path.startsWith(`${MOUNT_PATH}/offer`)).length,
    probe: () => page.evaluate(() => (window as unknown as { __vo: PageProbe }).__vo),
    close: async () => {
      contexts.delete(context);
      await context.close();
    },
  };
}
