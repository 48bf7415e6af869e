// Real-browser harness: Debian's headless Chromium (driven by playwright-core), the simulated
// DataFast, and the standalone app (createApp) serving the built widget and test host pages.
//
//   const h = await startHarness({ decisions: offerVariant('welcome-coupon', { trigger: { type: 'delay', seconds: 1 } }) });
//   const path = h.hostPage({ body: '<main>…</main>' });          // a page with the widget's script tag
//   const v = await h.visit(path, { persona: 'low' });           // new context + page, cookie set
//   await v.page.locator('visitor-offer [part=container]').waitFor();  // Playwright pierces open shadow roots
//   v.events('exposure'); v.offerRequests(); v.consoleErrors; await v.probe();  // requests, errors, CLS, DOM events
//   v.scriptErrors; v.networkErrors; v.allRequests;  // console errors split: scripts' vs the browser's "Failed to load resource"
//   (await v.probe()).violations;                    // securitypolicyviolation events (CSP)
//   await h.screenshot(v.page, 'coupon-slide-in');               // test-artifacts/coupon-slide-in.png
//   await h.close();                                              // in afterAll
//
// The widget must be built first (`npm test` builds; alone: `node build.mjs`). The full browser
// suite's shared pieces (offers per page path, fake endpoints, probes) are in fixtures.ts.
import express, { type Router } from 'express';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { personas, type PersonaName } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast, type SimulatedDataFastOptions } from '../../demo/simulated-datafast';
import { createApp, MOUNT_PATH } from '../../server/app';
import { optionsFromEnv } from '../../server/config/env';
import { BUILT_IN_OFFERS, type Offer } from '../../server/decision/offer';
import type { DecisionSettings } from '../../server/decision/policy';
import type { VisitorOffersOptions } from '../../server/config/options-types';
import type { VisitorOffersRouter } from '../../server/router';
import { VISITOR_COOKIE } from '../../server/visitor-id';
import { captureLog, type CapturedLog } from '../support/log-capture';
import { internalsOf } from '../../server/router-internals';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts');
export const WIDGET_SCRIPT = `<script type="module" src="${MOUNT_PATH}/widget.js"></script>`;
/** A strict policy: no inline script or style anywhere, everything from the page's own origin. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; object-src 'none'";

export interface HostPageOptions {
  /** Extra markup in <head> (after the widget script). */
  head?: string;
  /** The <body> content; default: a heading and a few paragraphs. */
  body?: string;
  /** A Content-Security-Policy header for the page. */
  csp?: string;
  /** The widget's script tag; default WIDGET_SCRIPT in <head>; false for none. */
  script?: string | false;
  /** Title, also the default heading. */
  title?: string;
}

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
  /** Cumulative layout shift, inputs excluded (PerformanceObserver 'layout-shift'). */
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

export interface HarnessOptions {
  /** The offers configuration (router option `decisions`); default the built-in offers. */
  decisions?: DecisionSettings;
  /** Other router options (limits…). */
  router?: Partial<Omit<VisitorOffersOptions, 'datafast' | 'logger'>>;
  /** The simulated DataFast's options (`generateUnknown` for many visitors). */
  sim?: SimulatedDataFastOptions;
}

export interface Harness {
  /** http://127.0.0.1:<port> */
  origin: string;
  sim: SimulatedDataFast;
  router: VisitorOffersRouter;
  browser: Browser;
  log: CapturedLog;
  /** Registers a host page and returns its path (/host/<n>). */
  hostPage(options?: HostPageOptions): string;
  /** Adds any route to the test app (before its final 404). */
  routes: Router;
  visit(path: string, options?: VisitOptions): Promise<Visit>;
  /** Writes test-artifacts/<name>.png and returns its path. */
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** Decision settings where one built-in offer is changed (trigger, placement, texts…). */
export function offerVariant(id: string, change: Partial<Offer>, extra: DecisionSettings = {}): DecisionSettings {
  const base = BUILT_IN_OFFERS.find((o) => o.id === id);
  if (!base) throw new Error(`no built-in offer "${id}"`);
  return { ...extra, offers: [...(extra.offers ?? []), { ...base, ...change } as Offer] };
}

const INIT_SCRIPT = `(() => {
  const vo = { cls: 0, shifts: [], events: [] };
  window.__vo = vo;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        vo.cls += e.value;
        vo.shifts.push({ value: e.value, at: e.startTime, sources: (e.sources || []).map((s) => s.node ? (s.node.nodeName + (s.node.id ? '#' + s.node.id : '')) : '?') });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch {}
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

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function defaultBody(title: string): string {
  const para = (n: number): string =>
    `<p>Paragraph ${n}. Launch pages that convert: templates, experiments and analytics in one place. Everything here is filler text long enough to wrap over several lines, as real copy would.</p>`;
  return `<main><h1>${esc(title)}</h1>${Array.from({ length: 6 }, (_, i) => para(i + 1)).join('\n')}</main>`;
}

export function renderHostPage(options: HostPageOptions = {}): string {
  const title = options.title ?? 'visitor-offers test page';
  const script = options.script === false ? '' : (options.script ?? WIDGET_SCRIPT);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
${script}
${options.head ?? ''}
</head>
<body>
${options.body ?? defaultBody(title)}
</body>
</html>`;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const widget = join(ROOT, 'dist', 'widget', 'widget.js');
  if (!existsSync(widget)) throw new Error(`${widget} is missing: build first (node build.mjs, or npm test)`);

  const sim = await startSimulatedDataFast(options.sim);
  const log = captureLog('warn');
  const config: VisitorOffersOptions = {
    ...optionsFromEnv({ DATAFAST_API_KEY: SIMULATED_DATAFAST_DEFAULTS.apiKey, DATAFAST_API_URL: sim.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-browser-')) }),
    ...options.router,
    ...(options.decisions ? { decisions: options.decisions } : {}),
  };
  const routes = express.Router();
  // Browsers ask for it on every page; a 404 would show up as a console error.
  routes.get('/favicon.ico', (_req, res) => void res.status(204).end());
  const { app, router } = createApp(config, log.logger, routes);
  await internalsOf(router).store.ready;
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  } catch (err) {
    server.close();
    await router.close(100);
    await sim.close();
    throw err;
  }

  let pages = 0;
  const contexts = new Set<BrowserContext>();

  const hostPage = (page: HostPageOptions = {}): string => {
    const path = `/host/${++pages}`;
    const html = renderHostPage(page);
    routes.get(path, (_req, res) => {
      res.set('cache-control', 'no-store');
      if (page.csp) res.set('content-security-policy', page.csp);
      res.type('html').send(html);
    });
    return path;
  };

  const visit = async (path: string, opts: VisitOptions = {}): Promise<Visit> => {
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
  };

  return {
    origin,
    sim,
    router,
    browser,
    log,
    routes,
    hostPage,
    visit,
    async screenshot(page, name, shot = {}) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const file = join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: shot.fullPage ?? false, animations: 'disabled' });
      return file;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await router.close(200);
      await sim.close();
    },
  };
}
