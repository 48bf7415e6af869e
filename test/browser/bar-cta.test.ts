// Calls to action and the bar. A coupon or urgency offer with `cta: { label, url }` shows a link
// (a coupon's URL with the visitor's own code) whose click is reported as a `click` event with the
// signed token, even as the page is left (it reaches DataFast as a goal). The bar sits at the bottom of the viewport by default, so
// the site's header and its button stay clickable (desktop 1280×800 and phone 390×844); with
// `push` it takes its place in the page's flow at the top and sticks there, shown in the space the
// page reserved, or, like an inline offer, only while that place is out of view, else floating.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon, COUPON_CODE, pageFor, urgency } from './offer-catalogue';
import { offerTag, paras } from './host-pages';
import { pauseClock, visitPaused } from './page-clock';
import { appeared, armed, debugLine } from './widget-probes';
import { settledProbe } from './layout-probes';
import type { VisitOptions } from './visit';
import { startHarness, type Harness } from './harness';
import { personas, type PersonaName } from '../../demo/personas';

const COUPON_CTA = 'coupon-cta';
const URGENCY_CTA = 'urgency-cta';
// Each its own visitor, so that each test finds its own click at DataFast.
const VIEWPORTS: Record<string, [PersonaName, VisitOptions['context']]> = {
  'desktop 1280×800': ['high', { viewport: { width: 1280, height: 800 } }],
  'mobile 390×844': ['average', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
};
const HEADER = `<header id="site" style="position:sticky;top:0;display:flex;justify-content:space-between;align-items:center;padding:12px 16px;background:#fff;border-bottom:1px solid #ddd;z-index:10">
<strong>Acme</strong><button id="trial" type="button">Start free trial</button></header>`;

/** Whether a click at the centre of the page's own button reaches it (not the widget over it). */
const buttonClickable = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const b = document.getElementById('trial');
    if (!b) return false;
    const r = b.getBoundingClientRect();
    return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === b;
  });

/** The shown container's box in the viewport once its entry animation is over, and its class list. */
const box = (page: Page): Promise<{ top: number; bottom: number; classes: string } | null> =>
  page.evaluate(() => {
    const root = document.querySelector('visitor-offer')?.shadowRoot;
    const c = root?.querySelector('[part=container]');
    if (!c || c.closest('.m')) return null;
    for (const a of root?.getAnimations() ?? []) a.finish(); // where it comes to rest
    const r = c.getBoundingClientRect();
    return { top: Math.round(r.top), bottom: Math.round(r.bottom), classes: c.className };
  });

describe.concurrent('calls to action and the bar (headless Chromium)', () => {
  let h: Harness;

  /**
   * The offer's clicks that reached the server and, as goals, DataFast: the server accepts an event
   * only with the decision's signed token. (A beacon sent as the page is left may not show in the
   * page's own request log.)
   */
  const clicks = (persona: PersonaName, offerId: string): number =>
    h.sim.goals.filter((g) => g.name === 'offer_click' && g.visitorId === personas[persona].visitorId && g.metadata.offer === offerId).length;

  beforeAll(async () => {
    h = await startHarness({
      decisions: catalogue({
        offers: [
          coupon(COUPON_CTA, { placement: 'slide-in', trigger: { type: 'immediate' }, cta: { label: 'Use it at checkout', url: '/checkout?coupon={code}' } }),
          urgency(URGENCY_CTA, { placement: 'bar', trigger: { type: 'immediate' }, cta: { label: 'Start free trial', url: '/signup' } }),
        ],
      }),
    });
    for (const path of ['/checkout', '/signup']) h.routes.get(path, (_req, res) => void res.type('html').send('<!doctype html><title>Next</title><h1>Next page</h1>'));
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it("a coupon's call to action carries the visitor's code; following it reports one click, with the token, as the page is left", async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>CTA</h1>${paras(1, 3)}</main>${offerTag({ page: pageFor(COUPON_CTA) })}` }), { persona: 'low' });
    await appeared(v.page);
    const link = v.page.locator('visitor-offer [part=cta]');
    expect(await link.textContent()).toBe('Use it at checkout');
    expect(await link.getAttribute('href')).toBe(`/checkout?coupon=${COUPON_CODE}`);
    await Promise.all([v.page.waitForURL('**/checkout?coupon=*'), link.click()]);
    await expect.poll(() => clicks('low', COUPON_CTA), { timeout: 5000 }).toBe(1);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  for (const [device, [persona, context]] of Object.entries(VIEWPORTS)) {
    it(`${device}: the bar never covers the site's header; its own button stays clickable, and the bar's call to action works`, async ({ expect }) => {
      // On the page's clock, paused until shown: the 1 s wait for the live line cannot run out on a loaded machine.
      const v = await visitPaused(h, h.hostPage({ body: `${HEADER}<main><h1>Header</h1>${paras(1, 20)}</main>${offerTag({ page: pageFor(URGENCY_CTA) })}` }), { persona, context });
      await armed(v.page);
      await v.page.clock.runFor(10); // the immediate trigger fires
      await appeared(v.page);
      await v.page.clock.resume(); // nothing timed from here on
      const { height } = v.page.viewportSize() ?? { height: 0 };
      const bar = await box(v.page);
      expect(bar?.classes).toContain('bar');
      expect(bar?.bottom).toBe(height); // in view, along the bottom edge
      expect(await buttonClickable(v.page)).toBe(true);
      await v.page.locator('#trial').click({ trial: true }); // Playwright's own actionability check agrees
      await v.page.mouse.wheel(0, 600); // scrolled, the sticky header stays clickable too
      await expect.poll(() => v.page.evaluate(() => scrollY), { timeout: 5000 }).toBeGreaterThan(0);
      expect(await buttonClickable(v.page)).toBe(true);
      expect((await settledProbe(v)).cls).toBeLessThan(0.01);
      await Promise.all([v.page.waitForURL('**/signup'), v.page.locator('visitor-offer [part=cta]').click()]);
      await expect.poll(() => clicks(persona, URGENCY_CTA), { timeout: 5000 }).toBe(1);
      await v.close();
    });
  }

  it('push: in the space the page reserves at its top, shown in the flow with no shift, and sticky when scrolled', async ({ expect }) => {
    const body = `<visitor-offer push page="${pageFor(URGENCY_CTA)}" style="display:block;min-height:160px"></visitor-offer><main><h1>Push</h1>${paras(1, 60)}</main>`;
    const v = await h.visit(h.hostPage({ body }), { persona: 'high' });
    await appeared(v.page);
    expect((await box(v.page))?.classes).toContain('push');
    const hostTop = await v.page.evaluate(() => Math.round(document.querySelector('visitor-offer')?.getBoundingClientRect().top ?? -1));
    expect((await box(v.page))?.top).toBe(hostTop); // in its place, at the top of the page (body margin above)
    await v.page.mouse.wheel(0, 800);
    await expect.poll(() => v.page.evaluate(() => scrollY), { timeout: 5000 }).toBeGreaterThan(400);
    await expect.poll(async () => (await box(v.page))?.top, { timeout: 5000 }).toBe(0); // sticky at the top
    expect((await settledProbe(v)).cls).toBeLessThan(0.01);
    await v.close();
  });

  it('push from the drop-in (data-push) with no space reserved, page at its top: not pushed into view; after 1 s it floats as the bottom bar', async ({ expect }) => {
    const script = `<script type="module" src="/visitor-offers/widget.js" data-push data-debug data-page="${pageFor(URGENCY_CTA)}"></script>`;
    const v = await h.visit(h.hostPage({ script, body: `<main><h1>Push, no room</h1>${paras(1, 20)}</main>` }), { persona: 'high', navigate: false });
    await pauseClock(v.page);
    await v.page.goto(v.url);
    expect(await v.page.evaluate(() => document.body.firstElementChild?.tagName)).toBe('VISITOR-OFFER');
    await armed(v.page);
    await v.page.clock.runFor(10);
    await debugLine(v, 'bar (push): needs');
    expect(await box(v.page)).toBeNull();
    await v.page.clock.runFor(1000);
    await debugLine(v, 'shown as a bar');
    await v.page.clock.resume();
    await expect.poll(async () => (await box(v.page))?.classes, { timeout: 5000 }).toMatch(/\bbar\b/);
    expect((await box(v.page))?.classes).not.toContain('push');
    expect((await settledProbe(v)).cls).toBeLessThan(0.01);
    await v.close();
  });
});
