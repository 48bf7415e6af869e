// The plain HTML guide in real headless Chromium: examples/plain-html/index.html, whose only
// integration is the widget's script tag, served by the nginx guide's setup (nginx with
// examples/nginx/visitor-offers.conf in front of `npm run serve` and the simulated DataFast).
// A visitor DataFast rates highly sees the urgency bar the server decided, and the widget's own
// exposure POST passes through nginx; a visitor without the cookie sees nothing and no error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { personas } from '../../demo/personas';
import { startNginx, type NginxProxy } from './nginx-proxy';
import { startStandaloneServer, type StandaloneServer } from './standalone-server';

// Debian's Chromium with the browser suite's flags (test/browser/chromium.ts), without that
// browser harness's in-process server: here the server is the built one, behind nginx.
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

interface Decision {
  offer: { id: string; headline: string } | null;
  reason: string;
}

interface Visit {
  page: Page;
  /** console errors and uncaught page errors, with the URL they came from. */
  errors: string[];
  /** The /offer answer the widget received. */
  decision: Decision;
}

describe('the plain HTML guide: one script tag, behind the nginx guide (headless Chromium)', () => {
  let server: StandaloneServer;
  let nginx: NginxProxy;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startStandaloneServer();
    nginx = await startNginx({ upstream: server.address });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  }, 30_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await nginx?.close();
    await server?.close();
  });

  /** Opens the example page at the site's root, as a visitor with this DataFast cookie (or none). */
  async function visit(visitorId: string | null): Promise<Visit> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    if (visitorId !== null) await context.addCookies([{ name: 'datafast_visitor_id', value: visitorId, url: nginx.origin }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    const offer = page.waitForResponse((r) => new URL(r.url()).pathname === '/visitor-offers/offer', { timeout: 10_000 });
    await page.goto(`${nginx.origin}/`);
    return { page, errors, decision: (await (await offer).json()) as Decision };
  }

  /** The browser asks for a favicon the example site does not have; nginx's 404 for it is the site's business. */
  const widgetErrors = (v: Visit): string[] => v.errors.filter((e) => !e.includes('/favicon.ico'));

  it('shows a highly rated visitor the urgency bar the server decided, and its exposure is accepted', async () => {
    const v = await visit(personas.high.visitorId);
    expect(v.decision.offer?.id).toBe('popular-plan-urgency');
    const exposure = v.page.waitForResponse((r) => new URL(r.url()).pathname === '/visitor-offers/events' && r.request().method() === 'POST', { timeout: 10_000 });

    const container = v.page.locator('visitor-offer [part=container]');
    await container.waitFor({ state: 'visible', timeout: 5000 });
    expect(await v.page.locator('visitor-offer [part=headline]').textContent()).toBe(v.decision.offer?.headline);
    expect(await v.page.locator('visitor-offer').count()).toBe(1);

    const answer = await exposure;
    expect(answer.request().postDataJSON()).toMatchObject({ type: 'exposure', offerId: 'popular-plan-urgency' });
    expect(answer.status()).toBe(202);
    expect(widgetErrors(v)).toEqual([]);
  });

  it('shows a visitor without the DataFast cookie nothing, and logs no error', async () => {
    const v = await visit(null);
    expect(v.decision).toMatchObject({ offer: null, reason: 'no-cookie' });
    await v.page.waitForLoadState('networkidle');
    expect(await v.page.locator('visitor-offer [part=container]').count()).toBe(0);
    expect(await v.page.locator('h1').textContent()).toBe('Example Shop');
    expect(widgetErrors(v)).toEqual([]);
  });
});
