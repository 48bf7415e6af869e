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
// The widget must be built first (`npm test` builds; alone: `node build.mjs`). The suite's other
// shared pieces: offers per page path (offer-catalogue.ts), host pages (host-pages.ts, host-dom.ts),
// one visit's recordings (visit.ts), the page clock (page-clock.ts), fake endpoints
// (fake-endpoints.ts), probes (widget-probes.ts, layout-probes.ts).
import express, { type Router } from 'express';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast, type SimulatedDataFastOptions } from '../../demo/simulated-datafast';
import { createApp } from '../../server/app';
import { optionsFromEnv } from '../../server/config/env';
import type { DecisionSettings } from '../../server/decision/policy';
import type { VisitorOffersOptions } from '../../server/config/options-types';
import type { VisitorOffersRouter } from '../../server/router';
import { captureLog, type CapturedLog } from '../support/log-capture';
import { internalsOf } from '../../server/router-internals';
import { ARTIFACTS_DIR, CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { renderHostPage, type HostPageOptions } from './host-pages';
import { openVisit, type Visit, type VisitOptions } from './visit';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

  const visit = (path: string, opts: VisitOptions = {}): Promise<Visit> => openVisit(browser, origin, contexts, path, opts);

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
