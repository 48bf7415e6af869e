// Exposure is sent once, when the offer has really been seen: at least half of it in the viewport,
// in a visible tab, for a continuous second (IntersectionObserver). Counted twice: POST /events
// with type exposure, and the visitor-offer-shown DOM event. Time is the page's clock, paused
// before navigation: only runFor moves it, so "under a second" and "a second" are exact however
// slow the machine. Whether the offer is in view is the browser's IntersectionObserver, which
// works in rendered frames, outside the page clock: each step waits until it agrees
// (untilIntersection) before letting page time pass. The shown DOM event is dispatched in the
// page, in the same task as the exposure is queued, so "none yet" is checked on it; the POST
// (sent on the page's next task) is checked once the clock has moved on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { catalogue, coupon, KINDS, pageFor } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, paras, serveAssets } from './host-pages';
import { pageTime, pauseClock, runUntil, visitPaused } from './page-clock';
import { appeared, armed, containerOf, timeFirstShown } from './widget-probes';
import { halfInView, untilIntersection } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const MODAL = 'coupon-modal-now';
const SEEN = { offerId: KINDS.coupon.id, experiment: null, variant: null };
const EXPOSURE = { type: 'exposure', offerId: KINDS.coupon.id, token: expect.any(String) as unknown };

/** Scrolls so that `fraction` of the container's height is inside the viewport, at its bottom edge. */
async function showFraction(page: Page, container: Locator, fraction: number): Promise<void> {
  const top = await container.evaluate((el) => el.getBoundingClientRect().top + scrollY);
  const height = await container.evaluate((el) => el.getBoundingClientRect().height);
  await page.evaluate((y) => scrollTo(0, y - innerHeight), top + height * fraction);
}

const shownEvents = async (v: Visit): Promise<Array<{ detail: unknown; at: number }>> =>
  (await v.probe()).events.filter((e) => e.type === 'visitor-offer-shown').map(({ detail, at }) => ({ detail, at }));

describe.concurrent('exposure (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: [coupon(MODAL, { placement: 'modal', trigger: { type: 'immediate' } })] }) });
    serveAssets(h);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('an inline offer below the fold: nothing while out of view, under half visible, or visible under 1 s; then exactly one', async ({ expect }) => {
    const body = `<main><h1>Below the fold</h1>${paras(1, 30)}${offerTag({ placement: 'inline' })}${paras(31, 30)}</main>`;
    const v = await visitPaused(h, h.hostPage({ head: HOST_CSS_LINK, body }), { persona: 'low' });
    const { page } = v;
    const container = containerOf(page);
    await armed(page);
    await page.clock.runFor(10); // the immediate trigger fires
    await appeared(page);
    expect(await container.evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThan(800);
    /** `ms` of page time pass: no exposure, neither in the page nor sent. */
    const none = async (why: string, ms: number): Promise<void> => {
      await page.clock.runFor(ms);
      expect(await shownEvents(v), why).toEqual([]);
      expect(v.events('exposure'), why).toEqual([]);
    };
    await untilIntersection(container, (r) => r === 0);
    await none('rendered, out of view, for 5 s', 5000);
    await showFraction(page, container, 0.3);
    await untilIntersection(container, (r) => r > 0.2 && r < 0.4);
    await none('30 % visible for 5 s', 5000);
    await showFraction(page, container, 1);
    await untilIntersection(container, (r) => r > 0.99);
    await none('fully visible for 999 ms', 999);
    await page.evaluate(() => scrollTo(0, 0));
    await untilIntersection(container, (r) => r === 0);
    await none('fully visible for 999 ms, then out of view for 5 s', 5000);

    await showFraction(page, container, 0.6);
    await untilIntersection(container, (r) => r > 0.5 && r < 0.7);
    const since = await pageTime(page); // in view from now on
    await none('60 % visible for 999 ms', 999);
    await page.clock.runFor(1);
    const [shown, ...more] = await shownEvents(v);
    expect(more).toEqual([]);
    expect(shown?.detail).toEqual(SEEN);
    expect((shown?.at ?? 0) - since).toBe(1000); // a full second in view, on the page's clock
    await page.clock.runFor(10); // the queued POST goes out on the page's next task
    await expect.poll(() => v.events('exposure')).toEqual([EXPOSURE]);
    // Out of view and back again: still the one exposure for this page view.
    await page.evaluate(() => scrollTo(0, 0));
    await untilIntersection(container, (r) => r === 0);
    await showFraction(page, container, 1);
    await untilIntersection(container, (r) => r > 0.99);
    await page.clock.runFor(5000);
    expect(await shownEvents(v)).toHaveLength(1);
    expect(v.events('exposure')).toHaveLength(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('a modal: once it has been open for 1 s, exactly once', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>Modal</h1>${paras(1, 3)}</main>${offerTag({ page: pageFor(MODAL) })}` }), { persona: 'low', navigate: false });
    await pauseClock(v.page);
    const firstShown = await timeFirstShown(v); // navigates
    await armed(v.page);
    await v.page.clock.runFor(10); // the immediate trigger fires
    const at = await firstShown();
    await runUntil(v.page, at + 999);
    expect(await shownEvents(v)).toEqual([]);
    await v.page.clock.runFor(1);
    const [shown, ...more] = await shownEvents(v);
    expect(more).toEqual([]);
    expect(shown?.detail).toEqual({ ...SEEN, offerId: MODAL });
    expect((shown?.at ?? 0) - at).toBe(1000);
    await v.page.clock.runFor(10);
    await expect.poll(() => v.events('exposure')).toEqual([{ ...EXPOSURE, offerId: MODAL }]);
    await v.page.clock.runFor(5000);
    expect(await shownEvents(v)).toHaveLength(1);
    expect(v.events('exposure')).toHaveLength(1);
    await v.close();
  });

  it('an offer closed after 999 ms in view, before its second is up: no exposure, then or later', async ({ expect }) => {
    const v = await visitPaused(h, h.hostPage({ body: `<main><h1>Quick close</h1>${paras(1, 3)}</main>${offerTag({ placement: 'bar' })}` }), { persona: 'low' });
    await armed(v.page);
    await v.page.clock.runFor(10); // the immediate trigger fires
    await appeared(v.page);
    await untilIntersection(containerOf(v.page), (r) => r > 0.99);
    await v.page.clock.runFor(999);
    await v.page.locator('visitor-offer [part=close]').click();
    await v.page.clock.runFor(10); // the queued dismiss goes out
    await expect.poll(() => v.events('dismiss').length).toBe(1);
    await v.page.clock.runFor(5000);
    expect(v.events('exposure')).toEqual([]);
    expect(await shownEvents(v)).toEqual([]);
    expect((await v.probe()).events.map((e) => e.type)).toEqual(['visitor-offer-dismiss']);
    await v.close();
  });

  it('each page view sends its own exposure', async ({ expect }) => {
    const v = await visitPaused(h, h.hostPage({ body: `<main><h1>Views</h1></main>${offerTag({ placement: 'slide-in' })}` }), { persona: 'low' });
    // The page clock stays installed, and paused, across the reload.
    const view = async (exposures: number): Promise<void> => {
      await armed(v.page);
      await v.page.clock.runFor(10); // the immediate trigger fires
      await appeared(v.page);
      await untilIntersection(containerOf(v.page), halfInView);
      await v.page.clock.runFor(999);
      expect(await shownEvents(v)).toEqual([]);
      await v.page.clock.runFor(11);
      expect(await shownEvents(v)).toHaveLength(1); // this page view's own
      await expect.poll(() => v.events('exposure').length).toBe(exposures);
    };
    await view(1);
    await v.page.reload();
    await view(2);
    await v.close();
  });
});
