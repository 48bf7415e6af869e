// Exposure is sent once, when the offer has really been seen: at least half of it in the viewport,
// in a visible tab, for a continuous second (IntersectionObserver). Counted twice: POST /events
// with type exposure, and the visitor-offer-shown DOM event.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { appeared, catalogue, containerOf, coupon, frames, HOST_CSS_LINK, KINDS, offerTag, pageFor, pageTime, paras, serveAssets, timeFirstShown } from './fixtures';
import { startHarness, type Harness, type Visit } from './harness';

const MODAL = 'coupon-modal-now';
const SEEN = { offerId: KINDS.coupon.id, experiment: null, variant: null };

/** Scrolls so that `fraction` of the container's height is inside the viewport, at its bottom edge. */
async function showFraction(page: Page, container: Locator, fraction: number): Promise<void> {
  const top = await container.evaluate((el) => el.getBoundingClientRect().top + scrollY);
  const height = await container.evaluate((el) => el.getBoundingClientRect().height);
  await page.evaluate((y) => scrollTo(0, y - innerHeight), top + height * fraction);
  await frames(page, 2);
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
    const v = await h.visit(h.hostPage({ head: HOST_CSS_LINK, body }), { persona: 'low' });
    const { page } = v;
    const container = containerOf(page);
    await appeared(page);
    expect(await container.evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThan(800);
    const none = async (why: string): Promise<void> => {
      await page.waitForTimeout(1200);
      expect(v.events('exposure'), why).toEqual([]);
      expect(await shownEvents(v), why).toEqual([]);
    };
    await none('rendered, out of view');
    await showFraction(page, container, 0.3);
    await none('30 % visible');
    await showFraction(page, container, 1);
    await page.waitForTimeout(500);
    await page.evaluate(() => scrollTo(0, 0));
    await none('fully visible for 0.5 s only');

    const since = await pageTime(page); // before it comes into view: a lower bound
    await showFraction(page, container, 0.6);
    await expect.poll(() => v.events('exposure'), { timeout: 4000 }).toEqual([{ type: 'exposure', offerId: KINDS.coupon.id, token: expect.any(String) as unknown }]);
    const [shown] = await shownEvents(v);
    expect(shown?.detail).toEqual(SEEN);
    expect((shown?.at ?? 0) - since).toBeGreaterThanOrEqual(1000); // a full second in view
    // Out of view and back again: still the one exposure for this page view.
    await page.evaluate(() => scrollTo(0, 0));
    await frames(page);
    await showFraction(page, container, 1);
    await page.waitForTimeout(1300);
    expect(v.events('exposure')).toHaveLength(1);
    expect(await shownEvents(v)).toHaveLength(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('a modal: once it has been open for 1 s, exactly once', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>Modal</h1>${paras(1, 3)}</main>${offerTag({ page: pageFor(MODAL) })}` }), { persona: 'low', navigate: false });
    const at = await (await timeFirstShown(v))();
    await expect.poll(() => v.events('exposure').length, { timeout: 4000 }).toBe(1);
    const [shown] = await shownEvents(v);
    expect(shown?.detail).toEqual({ ...SEEN, offerId: MODAL });
    expect((shown?.at ?? 0) - at).toBeGreaterThanOrEqual(1000);
    await v.page.waitForTimeout(1200);
    expect(v.events('exposure')).toHaveLength(1);
    await v.close();
  });

  it('an offer closed before its second is up: no exposure', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>Quick close</h1>${paras(1, 3)}</main>${offerTag({ placement: 'bar' })}` }), { persona: 'low', navigate: false });
    // Closed by the page itself in the frame after it is shown: however slow this machine is.
    await v.context.addInitScript({
      content: `(() => {
        const look = () => {
          const close = [...document.querySelectorAll('visitor-offer')].map((el) => el.shadowRoot && el.shadowRoot.querySelector('[part=close]')).find(Boolean);
          if (close) { window.__shownFor = performance.now(); close.click(); window.__shownFor = performance.now() - window.__shownFor; }
          else requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      })();`,
    });
    await v.page.goto(v.url);
    await expect.poll(() => v.events('dismiss').length).toBe(1);
    await v.page.waitForTimeout(1300);
    expect(v.events('exposure')).toEqual([]);
    expect(await shownEvents(v)).toEqual([]);
    expect((await v.probe()).events.map((e) => e.type)).toEqual(['visitor-offer-dismiss']);
    await v.close();
  });

  it('each page view sends its own exposure', async ({ expect }) => {
    const v = await h.visit(h.hostPage({ body: `<main><h1>Views</h1></main>${offerTag({ placement: 'slide-in' })}` }), { persona: 'low' });
    await expect.poll(() => v.events('exposure').length, { timeout: 4000 }).toBe(1);
    await v.page.reload();
    await expect.poll(() => v.events('exposure').length, { timeout: 4000 }).toBe(2);
    await v.close();
  });
});
