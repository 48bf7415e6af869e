// The demo under helmet's headers in headless Chromium: every page of the Launchkit site, the raw
// decision view and the open dashboard work under their strict Content-Security-Policy with not
// one securitypolicyviolation event and no console error; the widget renders and the dashboard
// shows its data. A control page proves the probe sees a violation when there is one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/demo-app';
import { personas } from '../../demo/personas';
import { DASHBOARD_PATH, SITE_PATHS } from '../../demo/site/paths';
import { captureLog } from '../support/log-capture';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

const PROBE = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`;

describe('the demo under its Content-Security-Policy (headless Chromium)', () => {
  let demo: Demo;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    demo = await startDemo({ env: { PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-demo-csp-')) }, logger: captureLog('warn').logger });
    // 127.0.0.1 rather than localhost: the cookie and the page share one origin whatever the resolver says.
    origin = demo.url.replace('localhost', '127.0.0.1').replace(/\/$/, '');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** Opens `path` as the low-score persona; returns the page, its violations and console errors once `ready` holds. */
  async function visit(path: string, ready: (page: Page) => Promise<unknown>): Promise<{ violations: string[]; errors: string[] }> {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'datafast_visitor_id', value: personas.low.visitorId, url: origin }]);
    await context.addInitScript({ content: PROBE });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    const res = await page.goto(origin + path);
    expect(res?.headers()['content-security-policy'], path).toMatch(/script-src 'self'/);
    await ready(page);
    // Let late work (the live view, the panel's own fetch) finish before reading the probe.
    await page.waitForLoadState('networkidle');
    const violations = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
    await context.close();
    return { violations, errors };
  }

  const widget = (page: Page) => page.locator('visitor-offer [part=container]').first().waitFor({ state: 'attached', timeout: 15_000 });

  it.each([
    ['the home page', SITE_PATHS.home, widget],
    ['pricing', SITE_PATHS.pricing, widget],
    ['the blog post', SITE_PATHS.blogPost, (page: Page) => page.locator('[data-why-text]').filter({ hasNotText: 'asking the proxy' }).waitFor()],
    ['the raw decision view', '/demo', (page: Page) => page.locator('#decision').filter({ hasText: '"segment"' }).waitFor()],
    ['the open dashboard', DASHBOARD_PATH, (page: Page) => page.locator('visitor-offers-dashboard').getByText(/active|visitors/i).first().waitFor()],
  ])('%s: works, no violation, no console error', async (_label, path, ready) => {
    const { violations, errors } = await visit(path, ready);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  it('control: the probe sees a violation (an inline script added to a demo page is refused)', async () => {
    const { violations } = await visit(SITE_PATHS.pricing, async (page) => {
      await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'document.title = "ran"';
        document.head.append(s);
      });
      expect(await page.title()).not.toBe('ran');
    });
    expect(violations.some((v) => v.startsWith('script-src'))).toBe(true);
  }, 30_000);
});
