// Each trigger fires when it should and not before, in a real browser: the decision is fetched
// once, early, and nothing shows until the trigger fires. Time is the page's clock, installed and
// paused before navigation (visitPaused): no page time passes until the test runs it (runFor), so
// "not at 1999 ms, shown at 2000 ms" holds however slow the machine is. Scroll events come with
// rendered frames, which the paused page clock does not hold back: each scroll step waits for its
// event (the widget's listener, added earlier, has run by then) before page time moves on.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { catalogue, coupon, pageFor } from './offer-catalogue';
import { offerTag, paras } from './host-pages';
import { pageTime, runUntil, visitPaused } from './page-clock';
import { appeared, armed, widgetState } from './widget-probes';
import { frames } from './layout-probes';
import { startHarness, type Harness } from './harness';

const DELAY = 'coupon-delay-2';
const SCROLL = 'coupon-scroll-50';
const EXIT = 'coupon-exit';
const MOBILE = { hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } };

const shown = async (page: Page): Promise<boolean> => (await widgetState(page))?.container ?? false;

/** Scrolls to `y` and waits for the scroll event the page gets for it (one per step). */
async function scrollOnce(page: Page, y: number): Promise<void> {
  await page.evaluate(
    (top) =>
      new Promise<void>((resolve) => {
        if (Math.abs(scrollY - top) < 1) throw new Error(`already at ${top}`);
        addEventListener('scroll', () => resolve(), { once: true });
        window.scrollTo(0, top);
      }),
    y,
  );
}

/** Scrolls to each of `ys`, one scroll event each; `ms` of page time pass after each. */
async function scrollSteps(page: Page, ys: number[], ms = 0): Promise<void> {
  for (const y of ys) {
    await scrollOnce(page, y);
    if (ms) await page.clock.runFor(ms);
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

  it('delay 2 s: the decision is asked for before any page time passes; nothing 1999 ms after its answer, shown at 2000 ms', async ({ expect }) => {
    const v = await visitPaused(h, tall(DELAY), { persona: 'low' });
    await armed(v.page); // the answer is in, and the page clock has not moved
    expect(v.offerRequests()).toBe(1);
    const answered = await pageTime(v.page);
    await v.page.clock.runFor(1000);
    expect(await shown(v.page)).toBe(false);
    await runUntil(v.page, answered + 1999);
    expect(await shown(v.page)).toBe(false);
    await v.page.clock.runFor(1);
    expect(await shown(v.page)).toBe(true);
    await appeared(v.page);
    expect(v.offerRequests()).toBe(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('scroll 50 %: not at 40 %, shown past 50 % (by the scroll alone: the page clock stands still)', async ({ expect }) => {
    const v = await visitPaused(h, tall(SCROLL), { persona: 'low' });
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

  it('scroll, on a page too short to scroll: shown after 5 s on the page, not at 4999 ms', async ({ expect }) => {
    const v = await visitPaused(h, h.hostPage({ body: `<h1>Short</h1>${offerTag({ page: pageFor(SCROLL) })}` }), { persona: 'low' });
    await armed(v.page);
    await runUntil(v.page, 4999);
    expect(await shown(v.page)).toBe(false);
    await v.page.clock.runFor(1);
    expect(await shown(v.page)).toBe(true);
    await appeared(v.page);
    await v.close();
  });

  it('exit intent (desktop): not armed before 2 s; then only the pointer leaving through the top fires it', async ({ expect }) => {
    const v = await visitPaused(h, tall(EXIT), { persona: 'low' });
    const { page } = v;
    await armed(page);
    const leaveTop = async (): Promise<void> => {
      await page.mouse.move(640, 300);
      await page.mouse.move(640, 40, { steps: 4 });
      await page.mouse.move(640, -20); // out of the window through the top edge
    };
    await leaveTop(); // on arrival
    await runUntil(page, 1999);
    await leaveTop(); // a millisecond before arming
    expect(await shown(page)).toBe(false); // both gestures came before arming, and were ignored
    await page.clock.runFor(1);
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
    const v = await visitPaused(h, tall(EXIT), { persona: 'low', context: MOBILE });
    const { page } = v;
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    await armed(page);
    // Fast scrolls up before arming, a frame (16 ms of page time) apart: on arrival and a millisecond before 2 s.
    await scrollSteps(page, [300, 600, 900, 600, 300], 16);
    await runUntil(page, 1999);
    await scrollSteps(page, [600, 900, 600, 300]);
    expect(await shown(page)).toBe(false);
    await page.clock.runFor(1); // armed now
    // Slowly back up: 15 px every 100 ms of page time (at most 45 px in any 300 ms).
    await scrollSteps(page, [1200], 100);
    const slow: number[] = [];
    for (let y = 1185; y >= 1050; y -= 15) slow.push(y);
    await scrollSteps(page, slow, 100);
    expect(await shown(page)).toBe(false);
    // Fast: 300 px up within 32 ms of page time.
    await scrollSteps(page, [950, 850, 750], 16);
    await appeared(page);
    expect(v.offerRequests()).toBe(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('immediate: shown as soon as the decision is in (on the page clock, within the next millisecond)', async ({ expect }) => {
    const v = await visitPaused(h, h.hostPage({ body: `<h1>Now</h1>${offerTag()}` }), { persona: 'low' });
    await armed(v.page);
    await v.page.clock.runFor(1);
    expect(await shown(v.page)).toBe(true);
    await appeared(v.page);
    await v.close();
  });
});
