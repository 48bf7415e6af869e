// Each trigger fires when it should and not before, in real time in a real browser: the decision
// is fetched once, early, and nothing shows until the trigger fires. Times are the page's own
// (performance.now(), from navigation start), which is what the widget measures from too. The
// tests mostly wait for the clock, so they run concurrently (each has its own browser context).
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { appeared, armed, catalogue, coupon, frames, offerTag, pageFor, pageTime, paras, untilPageTime, widgetState } from './fixtures';
import { startHarness, type Harness } from './harness';

const DELAY = 'coupon-delay-2';
const SCROLL = 'coupon-scroll-50';
const EXIT = 'coupon-exit';
const MOBILE = { hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } };

const shown = async (page: Page): Promise<boolean> => (await widgetState(page))?.container ?? false;

/** When the page started its /offer request and had its answer (ms from navigation start, Resource Timing). */
async function offerTiming(page: Page): Promise<{ start: number; end: number }> {
  const t = await page.evaluate(() => {
    const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/offer?')) as PerformanceResourceTiming | undefined;
    return e && { start: e.startTime, end: e.responseEnd };
  });
  if (!t) throw new Error('no /offer request in Resource Timing');
  return t;
}

/** Slack for "shown by": a loaded 2-core machine runs several browsers at once. */
const SLACK = 1500;

/** Scrolls to `y`, one position per frame (each makes its own scroll event). */
async function scrollSteps(page: Page, ys: number[]): Promise<void> {
  for (const y of ys) {
    await page.evaluate((top) => scrollTo(0, top), y);
    await frames(page, 1);
  }
}

describe.concurrent('triggers (headless Chromium)', () => {
  let h: Harness;
  let tall: (offerId: string) => string;

  beforeAll(async () => {
    h = await startHarness({
      decisions: catalogue({
        offers: [
          coupon(DELAY, { trigger: { type: 'delay', seconds: 2 } }),
          coupon(SCROLL, { trigger: { type: 'scroll', percent: 50 } }),
          coupon(EXIT, { placement: 'modal', trigger: { type: 'exit-intent' } }),
        ],
      }),
    });
    const pages = new Map<string, string>();
    tall = (offerId) => {
      let path = pages.get(offerId);
      if (!path) {
        path = h.hostPage({ title: offerId, body: `<main><h1>${offerId}</h1>${paras(1, 60)}</main>${offerTag({ page: pageFor(offerId) })}` });
        pages.set(offerId, path);
      }
      return path;
    };
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('delay 2 s: the decision arrives at once, nothing at 1.0 s, shown from 2 s on', async ({ expect }) => {
    const v = await h.visit(tall(DELAY), { persona: 'low' });
    await armed(v.page);
    const decided = await offerTiming(v.page);
    expect(decided.start).toBeLessThan(1000); // the /offer request is early…
    expect(v.offerRequests()).toBe(1);
    await untilPageTime(v.page, 1000);
    expect(await shown(v.page)).toBe(false); // …the offer is not
    const at = await appeared(v.page);
    expect(at).toBeGreaterThanOrEqual(2000);
    expect(at).toBeLessThan(decided.end + 2000 + SLACK);
    expect(v.offerRequests()).toBe(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('scroll 50 %: not at 40 %, shown past 50 %', async ({ expect }) => {
    const v = await h.visit(tall(SCROLL), { persona: 'low' });
    await armed(v.page);
    const room = await v.page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
    expect(room).toBeGreaterThan(1000);
    await scrollSteps(v.page, [room * 0.2, room * 0.4]);
    await frames(v.page, 3);
    expect(await shown(v.page)).toBe(false);
    await v.page.mouse.move(640, 400);
    await v.page.mouse.wheel(0, room * 0.15); // the rest by wheel, as a visitor would
    await appeared(v.page);
    expect(await v.page.evaluate(() => scrollY / (document.documentElement.scrollHeight - innerHeight))).toBeGreaterThanOrEqual(0.49);
    expect(v.offerRequests()).toBe(1);
    await v.close();
  });

  it('scroll, on a page too short to scroll: shown after 5 s on the page, not before', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<h1>Short</h1>${offerTag({ page: pageFor(SCROLL) })}` }), { persona: 'low' });
    await armed(v.page);
    await untilPageTime(v.page, 4000);
    expect(await shown(v.page)).toBe(false);
    const at = await appeared(v.page, 4000);
    expect(at).toBeGreaterThanOrEqual(5000);
    expect(at).toBeLessThan(Math.max(5000, (await offerTiming(v.page)).end) + SLACK);
    await v.close();
  });

  it('exit intent (desktop): not armed before 2 s; then only the pointer leaving through the top fires it', async ({ expect }) => {
    const v = await h.visit(tall(EXIT), { persona: 'low', navigate: false });
    const { page } = v;
    // The page's clock stands still until told: the gesture below is before arming however slow the machine.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1000);
    await page.goto(v.url);
    await armed(page);
    const leaveTop = async (): Promise<void> => {
      await page.mouse.move(640, 300);
      await page.mouse.move(640, 40, { steps: 4 });
      await page.mouse.move(640, -20); // out of the window through the top edge
    };
    await leaveTop();
    await page.clock.runFor(1500);
    expect(await shown(page)).toBe(false); // the gesture happened before arming, and was ignored
    await page.clock.runFor(600);
    await page.clock.resume();
    // Armed now. Leaving through the side, moving between elements at the top, a fast scroll up
    // (a touch gesture, not a desktop one): none of these is exit intent.
    await page.mouse.move(640, 300);
    await page.mouse.move(1300, 300);
    await page.mouse.move(640, 300);
    await page.mouse.move(640, 0);
    await scrollSteps(page, [900, 500]);
    await frames(page, 3);
    expect(await shown(page)).toBe(false);
    await leaveTop();
    await appeared(page);
    expect(await page.locator('visitor-offer dialog').evaluate((d) => d.matches(':modal'))).toBe(true);
    expect(v.offerRequests()).toBe(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('exit intent (touch): a fast scroll up fires it, not before 2 s, not a slow one', async ({ expect }) => {
    const v = await h.visit(tall(EXIT), { persona: 'low', context: MOBILE, navigate: false });
    const { page } = v;
    // The page's clock stands still until told: the scroll below is before arming however slow the machine.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1000);
    await page.goto(v.url);
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    await armed(page);
    // A fast scroll up before arming, a frame apart on the page's clock.
    for (const y of [300, 600, 900, 600, 300]) {
      await page.evaluate((top) => scrollTo(0, top), y);
      await page.clock.runFor(16);
    }
    await page.clock.runFor(1500);
    expect(await shown(page)).toBe(false);
    await page.clock.runFor(600);
    await page.clock.resume();
    // Slowly back up: 15 px every 100 ms (at most ~75 px in any 300 ms).
    await scrollSteps(page, [1200]);
    for (let y = 1185; y >= 1050; y -= 15) {
      await page.evaluate((top) => scrollTo(0, top), y);
      await page.waitForTimeout(100);
    }
    await frames(page, 3);
    expect(await shown(page)).toBe(false);
    // Fast: 300 px up within a few frames.
    await scrollSteps(page, [950, 850, 750]);
    await appeared(page);
    expect(v.offerRequests()).toBe(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('immediate: shown as soon as the decision is in', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<h1>Now</h1>${offerTag()}` }), { persona: 'low' });
    expect(await appeared(v.page)).toBeLessThan(1500);
    await v.close();
  });
});
