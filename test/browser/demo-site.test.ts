// The `npm start` demo in real headless Chromium: on each page of the Launchkit site, switching
// persona through the demo panel changes what the widget renders (and where), the panel's "why"
// line matches the proxy's decision, nothing logs a console error and nothing shifts the layout.
// Screenshots: test-artifacts/demo-<page>-<persona>.png.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/demo-app';
import { personas, type PersonaName } from '../../demo/personas';
import { SITE_PATHS, type SitePage } from '../../demo/site/paths';
import { captureLog } from '../support/log-capture';
import { ARTIFACTS_DIR, CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { frames, layoutShiftObserver, layoutShiftsSettled } from './layout-probes';
import type { PageProbe } from './visit';
import { animationsDone, debugLine } from './widget-probes';

type Switch = PersonaName | 'none';
type Where = 'bar' | 'slide-in' | 'inline' | 'modal';
type Kind = 'coupon' | 'urgency' | 'lead_magnet';

interface Expected {
  segment: string;
  reason: string;
  offer: { id: string; kind: Kind; where: Where } | null;
  variant?: string;
}

const nothing = (segment: string, reason: string): Expected => ({ segment, reason, offer: null });
const NOTHING: Record<'customer' | 'bot' | 'none', Expected> = {
  customer: nothing('customer', 'rule:default-customer'),
  bot: nothing('unknown', 'bot'),
  none: nothing('unknown', 'no-cookie'),
};
const experiment = (where: Where): Expected => ({
  segment: 'average',
  reason: 'rule:returning-average-visitors',
  offer: { id: 'extended-trial', kind: 'coupon', where },
  variant: 'extended-trial',
});

/** What each persona gets on each page with demo/offers.demo.json, in the order the test switches. */
const EXPECTED: Record<SitePage, Array<[Switch, Expected]>> = {
  home: [
    ['low', { segment: 'low', reason: 'rule:default-low', offer: { id: 'launch-coupon', kind: 'coupon', where: 'slide-in' } }],
    ['high', { segment: 'high', reason: 'rule:default-high', offer: { id: 'launch-week-urgency', kind: 'urgency', where: 'bar' } }],
    ['lowConfidence', { segment: 'unknown', reason: 'rule:default-unknown', offer: { id: 'starter-kit', kind: 'lead_magnet', where: 'slide-in' } }],
    ['experiment', experiment('bar')],
    ['customer', NOTHING.customer],
    ['bot', NOTHING.bot],
    ['none', NOTHING.none],
  ],
  pricing: [
    ['low', { segment: 'low', reason: 'rule:pricing-low-score', offer: { id: 'annual-coupon', kind: 'coupon', where: 'inline' } }],
    ['high', { segment: 'high', reason: 'rule:default-high', offer: { id: 'launch-week-urgency', kind: 'urgency', where: 'inline' } }],
    ['lowConfidence', { segment: 'unknown', reason: 'rule:pricing-thin-data', offer: { id: 'plan-picker', kind: 'lead_magnet', where: 'inline' } }],
    ['experiment', experiment('inline')],
    ['customer', NOTHING.customer],
    ['bot', NOTHING.bot],
    ['none', NOTHING.none],
  ],
  blogPost: [
    ['low', { segment: 'low', reason: 'rule:default-low', offer: { id: 'launch-coupon', kind: 'coupon', where: 'slide-in' } }],
    ['high', { segment: 'high', reason: 'rule:default-high', offer: { id: 'launch-week-urgency', kind: 'urgency', where: 'bar' } }],
    ['lowConfidence', { segment: 'unknown', reason: 'rule:blog-thin-data', offer: { id: 'metrics-playbook', kind: 'lead_magnet', where: 'modal' } }],
    ['experiment', experiment('bar')],
    ['customer', NOTHING.customer],
    ['bot', NOTHING.bot],
    ['none', NOTHING.none],
  ],
};

/** The longest delay trigger of demo/offers.demo.json: past it (page clock), an offer that did not show will not. */
const LONGEST_DELAY_MS = Math.max(
  ...(JSON.parse(readFileSync(new URL('../../demo/offers.demo.json', import.meta.url), 'utf8')) as { offers: Array<{ trigger: unknown }> }).offers.map(({ trigger }) =>
    typeof trigger === 'object' && trigger !== null && 'seconds' in trigger ? Number(trigger.seconds) * 1000 : 0,
  ),
);

/** The current document's layout shifts (window.__demoProbe). */
const PROBE = layoutShiftObserver('__demoProbe');

/**
 * The widget's `debug` setting on every <visitor-offer> in the markup and on its script tag (for
 * the element the loader mounts), set as the parser adds them: the widget then says on the console
 * what it decided (no offer and why, an offer waiting for its trigger, one held back).
 */
const DEBUG = `new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (n.nodeName === 'VISITOR-OFFER') n.setAttribute('debug', '');
    else if (n.nodeName === 'SCRIPT' && n.src && n.src.includes('/visitor-offers/widget')) n.setAttribute('data-debug', '');
  }
}).observe(document, { childList: true, subtree: true });`;

const OFFER = 'visitor-offer [part=container]';

interface WhyLine {
  segment?: string;
  offer?: string;
  variant?: string;
  reason?: string;
  text: string;
}

describe('the demo site in headless Chromium', () => {
  let demo: Demo;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    demo = await startDemo({ env: { PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'vo-demo-site-')) }, logger: captureLog('warn').logger });
    origin = demo.url.replace('//localhost:', '//127.0.0.1:').replace(/\/$/, '');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await demo?.close();
  });

  async function open(path: string): Promise<{ context: BrowserContext; page: Page; errors: string[]; consoleMessages: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: PROBE });
    await context.addInitScript({ content: DEBUG });
    const page = await context.newPage();
    const errors: string[] = [];
    const consoleMessages: string[] = [];
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    // The page's clock, running: a delay trigger's seconds are skipped (fastForward) rather than waited for.
    await page.clock.install();
    await page.goto(origin + path);
    await whyLine(page);
    return { context, page, errors, consoleMessages };
  }

  /** The panel's "why" line, once its own GET /offer answered. */
  async function whyLine(page: Page): Promise<WhyLine> {
    await page.locator('[data-why][data-ready=true]').waitFor({ timeout: 5000 });
    return page.locator('[data-why]').evaluate((el) => {
      const d = (el as HTMLElement).dataset;
      return { segment: d.segment, offer: d.offer, variant: d.variant, reason: d.reason, text: el.textContent ?? '' };
    });
  }

  /** Opens the demo panel and picks a persona; resolves once the same page has loaded again. */
  async function switchTo(page: Page, name: Switch, path: string): Promise<void> {
    await page.evaluate(() => ((window as unknown as { __leaving: boolean }).__leaving = true));
    await page.locator('.demo-menu > summary').click();
    const link = page.locator(`a[data-persona="${name}"]`);
    expect(await link.getAttribute('href')).toBe(`/demo/persona/${name}?next=${encodeURIComponent(path)}`);
    await link.click();
    await page.waitForFunction(() => !(window as unknown as { __leaving?: boolean }).__leaving && document.readyState === 'complete');
    expect(new URL(page.url()).pathname).toBe(path);
    expect(await page.locator('[data-current-persona]').getAttribute('data-current-persona')).toBe(name);
  }

  /** The decision the proxy makes for this persona and page, asked from outside the browser. */
  async function decisionFor(name: Switch, path: string): Promise<Record<string, unknown>> {
    const cookie = name === 'none' ? '' : `datafast_visitor_id=${personas[name].visitorId}`;
    const res = await fetch(`${origin}/visitor-offers/offer?path=${encodeURIComponent(path)}`, { headers: { cookie } });
    return (await res.json()) as Record<string, unknown>;
  }

  /** Where and what the widget rendered. */
  function rendered(page: Page): Promise<{ where: string; kind: string; code: string | null; overlapsPanel: boolean }> {
    return page.locator(OFFER).evaluate(async (el) => {
      await Promise.all(el.getAnimations().map((a) => a.finished.catch(() => null))); // slide and fade in
      const root = el.getRootNode() as ShadowRoot;
      const r = el.getBoundingClientRect();
      const panel = document.querySelector('[data-demo-panel]')?.getBoundingClientRect();
      const overlapsPanel = !!panel && !(r.right <= panel.left || r.left >= panel.right || r.bottom <= panel.top || r.top >= panel.bottom);
      const css = getComputedStyle(el);
      let where = 'unknown';
      if (el.tagName === 'DIALOG') where = el.matches(':modal') ? 'modal' : 'dialog';
      else if (css.position === 'fixed') {
        if (Math.round(r.bottom) === innerHeight && Math.round(r.width) === innerWidth) where = 'bar';
        else if (Math.abs(innerWidth - r.right - 16) < 2 && Math.abs(innerHeight - r.bottom - 16) < 2) where = 'slide-in';
      } else if (root.host.closest('.offer-band')) where = 'inline';
      const kind = el.querySelector('[part=code]') ? 'coupon' : el.querySelector('input[type=email]') ? 'lead_magnet' : el.querySelector('[role=timer]') ? 'urgency' : 'unknown';
      return { where, kind, code: el.querySelector('[part=code]')?.textContent ?? null, overlapsPanel };
    });
  }

  /** The layout shifts of the current document, once the observer has them all. */
  async function cls(page: Page): Promise<{ cls: number; sources: string[] }> {
    await layoutShiftsSettled(page, '__demoProbe');
    const probe = await page.evaluate(() => (window as unknown as { __demoProbe: Pick<PageProbe, 'cls' | 'shifts'> }).__demoProbe);
    return { cls: probe.cls, sources: probe.shifts.flatMap((s) => s.sources.map((what) => `${what} at ${Math.round(s.at)}`)) };
  }

  async function scrollTo(page: Page, fraction: number): Promise<void> {
    await page.evaluate((f) => window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * f), fraction);
  }

  async function checkPage(key: SitePage): Promise<void> {
    const path = SITE_PATHS[key];
    const { context, page, errors, consoleMessages } = await open(path);
    try {
      expect(await page.locator('a[href="/visitor-offers/dashboard"]').count()).toBe(1);
      expect(await page.locator('script[type=module][src="/visitor-offers/widget.js"]').count()).toBe(1);
      for (const [name, expected] of EXPECTED[key]) {
        consoleMessages.length = 0; // the next document's lines only
        await switchTo(page, name, path);
        const label = `${key} as ${name}`;

        // The "why" line is the proxy's decision, and it is the expected one.
        const why = await whyLine(page);
        const decision = await decisionFor(name, path);
        const exp = decision.experiment as { variant?: string } | null;
        expect(why, label).toEqual({
          segment: decision.segment,
          offer: (decision.offer as { id?: string } | null)?.id ?? '',
          variant: exp?.variant ?? '',
          reason: decision.reason,
          text: expect.stringContaining(String(decision.reason)),
        });
        expect({ segment: why.segment, reason: why.reason, offer: why.offer || null, variant: why.variant || undefined }, label).toEqual({
          segment: expected.segment,
          reason: expected.reason,
          offer: expected.offer?.id ?? null,
          variant: expected.variant,
        });

        if (expected.offer) {
          if (expected.offer.where === 'modal') await scrollTo(page, 0.5); // its trigger: 40 % scrolled
          const trigger = (decision.offer as { trigger?: { type: string; seconds?: number } }).trigger;
          if (trigger?.type === 'delay') {
            // Armed (the decision is in, the trigger waits): its seconds pass on the page's clock.
            await page.waitForFunction(() => [...document.querySelectorAll('visitor-offer')].some((el) => el.shadowRoot?.querySelector('[aria-live]')), undefined, { polling: 20 });
            await page.clock.fastForward((trigger.seconds ?? 0) * 1000);
          }
          const container = page.locator(OFFER);
          await container.waitFor({ state: 'visible', timeout: 8000 });
          const got = await rendered(page);
          expect({ where: got.where, kind: got.kind }, label).toEqual({ where: expected.offer.where, kind: expected.offer.kind });
          if (expected.offer.where === 'bar' || expected.offer.where === 'slide-in') expect(got.overlapsPanel, `${label}: the panel hides the offer`).toBe(false);
          const offer = decision.offer as { code?: string };
          if (expected.offer.kind === 'coupon') expect(got.code, label).toBe(offer.code);
          if (expected.offer.id === 'extended-trial') expect(got.code, label).toBe('TRIAL30');
          if (expected.offer.where === 'modal') expect(await page.evaluate(() => scrollY), `${label}: the page kept its scroll position`).toBeGreaterThan(1000);
          await animationsDone(page);
          if (expected.offer.where === 'inline') await page.locator('visitor-offer').scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(ARTIFACTS_DIR, `demo-${key}-${name}.png`), animations: 'disabled' });
          if (expected.offer.where === 'modal') {
            await page.keyboard.press('Escape'); // closes the dialog; the panel is usable again
            await container.waitFor({ state: 'detached', timeout: 3000 });
          }
        } else {
          if (key === 'blogPost') await scrollTo(page, 0.5);
          // The loader has the decision, and says there is nothing to show; then, past any trigger
          // an offer could have had, still nothing.
          await debugLine({ page, consoleMessages }, `no offer: ${expected.reason}`);
          await page.clock.fastForward(LONGEST_DELAY_MS + 1000);
          await frames(page);
          expect(await page.locator(OFFER).count(), `${label}: nothing renders`).toBe(0);
          if (name === 'none') await page.screenshot({ path: join(ARTIFACTS_DIR, `demo-${key}-${name}.png`), animations: 'disabled' });
        }
        const shift = await cls(page);
        expect(shift.cls, `${label}: layout shift from ${shift.sources.join(', ')}`).toBe(0);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }

  it('home: a slide-in or a bar from the decision, per persona', async () => {
    await checkPage('home');
  }, 90_000);

  it('pricing: every offer inline in the space reserved below the plans', async () => {
    await checkPage('pricing');
  }, 90_000);

  it('blog post: the lead magnet as a modal after 40 % scrolled', async () => {
    await checkPage('blogPost');
  }, 90_000);

  it('a closed offer stays closed until the panel switches persona (which forgets it)', async () => {
    const { context, page, errors, consoleMessages } = await open(SITE_PATHS.home);
    try {
      await switchTo(page, 'high', SITE_PATHS.home);
      await page.locator(OFFER).waitFor({ state: 'visible' });
      await page.locator('visitor-offer [part=close]').click();
      consoleMessages.length = 0; // the reloaded document's lines only
      await page.reload();
      await whyLine(page);
      // The element has the offer and decides on it: held back, as dismissed. Past its
      // (immediate) trigger and any other, it has not shown.
      expect(await debugLine({ page, consoleMessages }, 'launch-week-urgency')).toMatch(/launch-week-urgency dismissed$/);
      await page.clock.fastForward(LONGEST_DELAY_MS + 1000);
      await frames(page);
      expect(await page.locator(OFFER).count()).toBe(0);
      await switchTo(page, 'high', SITE_PATHS.home);
      await page.locator(OFFER).waitFor({ state: 'visible', timeout: 5000 });
      await page.locator('.demo-menu > summary').click();
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'demo-panel-open.png'), animations: 'disabled' });
      await page.keyboard.press('Escape');
      expect(await page.locator('.demo-menu').getAttribute('open')).toBeNull();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
