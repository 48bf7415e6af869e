// What visitors do with an offer: copy the code (clipboard + "Copied"), close it (remembered per
// offer across reloads for dismiss-days), see it at most max-views times a day; and what the page
// and the server hear about it: DOM CustomEvents (bubbling, composed, { offerId, experiment,
// variant }) and POST /events, also for experiments and their no-offer control. What is timed
// (the "Copied" feedback's 2.5 s, an exposure's second) runs on the page's clock, paused before
// navigation (visitPaused) and moved by runFor; the page sends a queued event on its next task, so
// the clock moves a few ms before an event is looked for at the server's end.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { personas } from '../../demo/personas';
import type { Experiment } from '../../server/experiments/types';
import { catalogue, coupon, COUPON_CODE, GENEROUS_LIMITS, KINDS, pageFor, PLACEMENTS } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, paras, serveAssets } from './host-pages';
import { pageTime, runUntil, visitPaused } from './page-clock';
import { appeared, armed, containerOf, debugLine, widgetState } from './widget-probes';
import { frames, halfInView, settledProbe, untilIntersection } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const COUPON = KINDS.coupon.id;
const DAY = 86_400_000;
const EXPERIMENTS: Experiment[] = [
  // Every visitor lands in the one arm with weight; the switched-off arm makes a valid experiment.
  { id: 'exp-coupon', coverage: 1, status: 'running', variants: [{ id: 'treatment', weight: 1, offer: COUPON }, { id: 'off', weight: 0, offer: null }] },
  { id: 'exp-control', coverage: 1, status: 'running', variants: [{ id: 'control', weight: 1, offer: null }, { id: 'off', weight: 0, offer: COUPON }] },
];
const SCROLL_COUPON = 'coupon-scroll-90';
const LEAVE_COUPON = 'coupon-leave';
const PLAIN = { offerId: COUPON, experiment: null, variant: null };

/** A short page; an inline element sits in the flow, in the space the page's stylesheet reserves. */
const page = (attrs: Record<string, string | boolean> = {}): string =>
  attrs.placement === 'inline' ? `<main><h1>Offer</h1>${paras(1, 1)}${offerTag(attrs)}${paras(2, 2)}</main>` : `<main><h1>Offer</h1>${paras(1, 3)}</main>${offerTag(attrs)}`;

/** The visitor-offer-* DOM events the page saw, of one type. */
async function domEvents(v: Visit, type: string): Promise<Array<{ detail: unknown; bubbles: boolean; composed: boolean; target: string }>> {
  return (await v.probe()).events.filter((e) => e.type === `visitor-offer-${type}`).map(({ detail, bubbles, composed, target }) => ({ detail, bubbles, composed, target }));
}

const stored = (v: Visit): Promise<Record<string, { d?: number; v?: number[] }>> =>
  v.page.evaluate(() => JSON.parse(localStorage.getItem('visitor-offers') ?? '{}') as Record<string, { d?: number; v?: number[] }>);

describe.concurrent('interacting with an offer (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      decisions: catalogue({ experiments: EXPERIMENTS, offers: [coupon(SCROLL_COUPON, { trigger: { type: 'scroll', percent: 90 } }), coupon(LEAVE_COUPON, { trigger: { type: 'immediate' } })] }),
      router: GENEROUS_LIMITS,
    });
    serveAssets(h);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  // One at a time: the clipboard is the browser's, shared by every page (a concurrent copy test's
  // "something else" once landed between another's copy and its read).
  describe.sequential('copy', () => {
    for (const placement of PLACEMENTS) {
      it(`${placement}: puts the code on the clipboard, says "Copied", sends one click`, async ({ expect }) => {
        const v = await visitPaused(h, h.hostPage({ head: HOST_CSS_LINK, body: page({ placement }) }), { persona: 'low' });
        await armed(v.page);
        await v.page.clock.runFor(10); // the immediate trigger fires
        await appeared(v.page);
        // Something else on the clipboard first: the copy must replace it.
        await v.page.evaluate(() => navigator.clipboard.writeText('something else'));
        const button = v.page.locator('visitor-offer [part=button]');
        expect(await button.textContent()).toBe('Copy code');
        await button.click();
        await expect.poll(() => button.textContent()).toBe('Copied ✓');
        const copiedAt = await pageTime(v.page); // the page clock stands still: when the feedback started
        expect(await v.page.evaluate(() => navigator.clipboard.readText())).toBe(COUPON_CODE);
        expect((await widgetState(v.page))?.live).toBe('Code copied');
        await v.page.clock.runFor(10); // the queued click goes out
        await expect.poll(() => v.events('click')).toEqual([{ type: 'click', offerId: COUPON, token: expect.any(String) as unknown }]);
        expect(await domEvents(v, 'click')).toEqual([{ detail: PLAIN, bubbles: true, composed: true, target: 'visitor-offer' }]);
        expect(v.events('dismiss')).toEqual([]);
        expect(await containerOf(v.page).isVisible()).toBe(true); // copying does not close it
        if (placement === 'slide-in' || placement === 'bar') {
          // The feedback goes away again after 2.5 s (moving nothing), so a second copy is confirmed (and announced) anew.
          await runUntil(v.page, copiedAt + 2499);
          expect(await button.textContent()).toBe('Copied ✓');
          await v.page.clock.runFor(1);
          expect(await button.textContent()).toBe('Copy code');
          expect((await widgetState(v.page))?.live).toBe('');
          expect((await settledProbe(v)).shifts).toEqual([]);
          await button.click();
          await expect.poll(() => button.textContent()).toBe('Copied ✓');
          await v.page.clock.runFor(10);
          await expect.poll(() => v.events('click').length).toBe(2);
        }
        expect(v.consoleErrors).toEqual([]);
        await v.close();
      });
    }
  });

  describe('dismissal', () => {
    it('the close button hides the offer, sends one dismiss, and the offer stays closed after a reload', async ({ expect }) => {
      const v = await h.visit(h.hostPage({ body: page({ debug: true }) }), { persona: 'low' });
      await appeared(v.page);
      await v.page.locator('visitor-offer [part=close]').click();
      await expect.poll(async () => (await widgetState(v.page))?.elements).toBe(0);
      await expect.poll(() => v.events('dismiss')).toEqual([{ type: 'dismiss', offerId: COUPON, token: expect.any(String) as unknown }]);
      expect(await domEvents(v, 'dismiss')).toEqual([{ detail: PLAIN, bubbles: true, composed: true, target: 'visitor-offer' }]);
      expect((await stored(v))[COUPON]?.d).toBeGreaterThan(Date.now() - 60_000);

      await v.page.reload();
      await debugLine(v, `${COUPON} dismissed`);
      await frames(v.page);
      expect(await widgetState(v.page)).toMatchObject({ elements: 0, container: false });
      expect(v.offerRequests()).toBe(2); // one per page view
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });

    it('is remembered for dismiss-days (default 7): a 3-day-old dismissal still hides it, unless dismiss-days is 2', async ({ expect }) => {
      const v = await h.visit(h.hostPage({ body: page({ debug: true }) }), { persona: 'low' });
      await appeared(v.page);
      await v.page.locator('visitor-offer [part=close]').click();
      await expect.poll(async () => (await stored(v))[COUPON]?.d).toBeTypeOf('number');
      // Three days pass.
      await v.page.evaluate(
        ([id, ago]) => {
          const all = JSON.parse(localStorage.getItem('visitor-offers') ?? '{}') as Record<string, { d?: number }>;
          all[id] = { ...all[id], d: Date.now() - ago };
          localStorage.setItem('visitor-offers', JSON.stringify(all));
        },
        [COUPON, 3 * DAY] as const,
      );
      await v.page.reload();
      await debugLine(v, `${COUPON} dismissed`);

      await v.page.goto(h.origin + h.hostPage({ body: page({ 'dismiss-days': '2' }) }));
      await appeared(v.page);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });

    it('Escape closes a slide-in when focus is inside it, not when focus is on the page', async ({ expect }) => {
      const v = await h.visit(h.hostPage({ body: `<button id="mine">Page button</button>${page()}` }), { persona: 'low' });
      await appeared(v.page);
      await v.page.focus('#mine');
      await v.page.keyboard.press('Escape');
      await frames(v.page);
      expect(await containerOf(v.page).isVisible()).toBe(true);
      await v.page.locator('visitor-offer [part=button]').focus();
      await v.page.keyboard.press('Escape');
      await expect.poll(async () => (await widgetState(v.page))?.container).toBe(false);
      await expect.poll(() => v.events('dismiss').length).toBe(1);
      await v.close();
    });
  });

  describe('frequency cap', () => {
    it('max-views=2: shown on two page views, not on the third; views older than a day no longer count', async ({ expect }) => {
      const path = h.hostPage({ body: page({ 'max-views': '2', debug: true }) });
      const v = await h.visit(path, { persona: 'low' });
      await appeared(v.page);
      await v.page.reload();
      await appeared(v.page);
      expect((await stored(v))[COUPON]?.v).toHaveLength(2);
      await v.page.reload();
      await debugLine(v, `${COUPON} capped`);
      await frames(v.page);
      expect((await widgetState(v.page))?.container).toBe(false);
      expect(v.offerRequests()).toBe(3);
      // A day later.
      await v.page.evaluate((id) => {
        const all = JSON.parse(localStorage.getItem('visitor-offers') ?? '{}') as Record<string, { v?: number[] }>;
        all[id] = { v: (all[id]?.v ?? []).map((t) => t - 86_400_000 - 1000) };
        localStorage.setItem('visitor-offers', JSON.stringify(all));
      }, COUPON);
      await v.page.reload();
      await appeared(v.page);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });

    it('counts a view only when the offer was shown, not when it was decided and its trigger never fired', async ({ expect }) => {
      const tall = (attrs: Record<string, string | boolean>): string => `<main><h1>Tall</h1>${paras(1, 40)}</main>${offerTag(attrs)}`;
      const path = h.hostPage({ body: tall({ page: pageFor(SCROLL_COUPON), 'max-views': '1', debug: true }) });
      const v = await h.visit(path, { persona: 'low' });
      await armed(v.page);
      await v.page.reload();
      await armed(v.page); // not capped: the first view never showed it
      expect((await stored(v))[SCROLL_COUPON]).toBeUndefined();
      await v.page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
      await appeared(v.page);
      expect((await stored(v))[SCROLL_COUPON]?.v).toHaveLength(1);
      await v.page.reload();
      await debugLine(v, `${SCROLL_COUPON} capped`);
      await v.close();
    });
  });

  describe('events in an experiment', () => {
    const EXP = { offerId: COUPON, experiment: 'exp-coupon', variant: 'treatment' };

    it('shown, click and dismiss carry { offerId, experiment, variant } in the DOM, and { offerId, token } to /events', async ({ expect }) => {
      const v = await visitPaused(h, h.hostPage({ body: page({ page: '/x/exp-coupon' }) }), { persona: 'low' });
      await armed(v.page);
      await v.page.clock.runFor(10); // the immediate trigger fires
      await appeared(v.page);
      await untilIntersection(containerOf(v.page), halfInView);
      await v.page.clock.runFor(1010); // a second in view, and the queued exposure goes out
      // The signed decision /offer answered with goes back as it came; the server reads the experiment from it.
      const SENT = { offerId: COUPON, token: expect.stringMatching(/^[A-Za-z0-9_-]{80,}$/) as unknown };
      await expect.poll(() => v.events('exposure')).toEqual([{ type: 'exposure', ...SENT }]);
      await v.page.clock.resume(); // nothing timed from here on
      await v.page.locator('visitor-offer [part=button]').click();
      await v.page.locator('visitor-offer [part=close]').click();
      await expect.poll(() => v.events().map((e) => e.type)).toEqual(['exposure', 'click', 'dismiss']);
      for (const e of v.events()) expect(e).toEqual({ type: e.type, ...SENT });
      const dom = (await v.probe()).events;
      expect(dom.map((e) => e.type)).toEqual(['visitor-offer-shown', 'visitor-offer-click', 'visitor-offer-dismiss']);
      for (const e of dom) expect(e).toMatchObject({ detail: EXP, bubbles: true, composed: true, target: 'visitor-offer' });
      // The server accepted every event (a refused one would show as a failed resource).
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });

    it("the control shows nothing, and its exposure (offerId null) is sent once the page was visible for 1 s after its stand-in's trigger", async ({ expect }) => {
      const v = await visitPaused(h, h.hostPage({ body: page({ page: '/x/exp-control', debug: true }) }), { persona: 'low' });
      await debugLine(v, 'waiting for its trigger: immediate'); // logged as the trigger is armed
      const armedAt = await pageTime(v.page);
      const shown = async (): Promise<unknown[]> => domEvents(v, 'shown');
      await runUntil(v.page, armedAt + 999);
      expect(await shown()).toEqual([]);
      await v.page.clock.runFor(1);
      expect(await shown()).toEqual([
        { detail: { offerId: null, experiment: 'exp-control', variant: 'control' }, bubbles: true, composed: true, target: 'visitor-offer' },
      ]);
      await v.page.clock.runFor(10); // the queued exposure goes out
      await expect.poll(() => v.events('exposure')).toEqual([
        { type: 'exposure', offerId: null, token: expect.stringMatching(/^[A-Za-z0-9_-]{80,}$/) as unknown },
      ]);
      expect(await widgetState(v.page)).toMatchObject({ elements: 0, container: false });
      await v.page.clock.runFor(5000);
      expect(await shown()).toHaveLength(1);
      expect(v.events('exposure')).toHaveLength(1);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });
  });

  it('an event raised as the visitor leaves the page still reaches the server (and DataFast)', async ({ expect }) => {
    // Its own visitor and offer: the goal at DataFast is this test's, whatever runs alongside.
    const v = await h.visit(h.hostPage({ body: page({ page: pageFor(LEAVE_COUPON) }) }), { persona: 'average' });
    await appeared(v.page);
    const next = h.hostPage({ script: false, body: '<p>Next page</p>' });
    // Close and navigate in the same task: the queued dismiss goes out as the page is left.
    await Promise.all([
      v.page.waitForURL(`**${next}`),
      v.page.evaluate((url) => {
        const close = document.querySelector('visitor-offer')?.shadowRoot?.querySelector<HTMLButtonElement>('[part=close]');
        close?.click();
        location.href = url;
      }, next),
    ]);
    // Sent with fetch keepalive or, when the page is already being left, sendBeacon (which the
    // page's request log may not see): either way it reaches the server, and DataFast as a goal.
    const visitor = personas.average.visitorId;
    await expect.poll(() => h.sim.goals.filter((g) => g.name === 'offer_dismiss' && g.visitorId === visitor).map((g) => g.metadata.offer)).toEqual([LEAVE_COUPON]);
    expect(v.events('dismiss')).toEqual(v.events('dismiss').length ? [{ type: 'dismiss', offerId: LEAVE_COUPON, token: expect.any(String) as unknown }] : []);
    await v.close();
  });
});
