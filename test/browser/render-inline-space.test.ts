// An inline offer on a page that reserved too little space for it: shown in its place only where
// that moves nothing the visitor sees (its place above the viewport, scroll anchoring keeping the
// view still, or below the fold), else it floats; measured with everything it will show. And the
// layout-shift probe the render tests rely on is not blind.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, lead, pageFor } from './offer-catalogue';
import { para, paras } from './host-pages';
import { measuredAt, runUntil, visitPaused } from './page-clock';
import { animationsDone, appeared, armed, containerOf, debugLine, widgetState } from './widget-probes';
import { frames, settledProbe } from './layout-probes';
import { startHarness, type Harness } from './harness';

const SCROLLED = 'lead-inline-scroll-30';
const FLOAT_MS = 1000;

describe.concurrent('an inline offer and the space the page reserved (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: [lead(SCROLLED, { placement: 'inline', trigger: { type: 'scroll', percent: 30 } })] }) });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('the layout-shift probe is not blind: a page that inserts content above the fold scores > 0', async ({ expect }) => {
    const path = h.hostPage({
      title: 'Shifting page',
      script: false,
      body: `<main><h1>Shifting</h1><div id="slot"></div>${paras(1, 4)}</main>
<script>setTimeout(() => { const d = document.createElement('div'); d.style.height = '200px'; document.getElementById('slot').append(d); }, 300);</script>`,
    });
    const v = await visitPaused(h, path);
    await frames(v.page, 3); // painted first: an insertion before the first paint moves nothing seen
    await v.page.clock.runFor(300); // the page's own timer inserts the content
    await expect.poll(async () => (await v.probe()).cls).toBeGreaterThan(0);
    await v.close();
  });

  describe('an inline offer when the page reserved too little space', () => {
    it('above the fold, scrolled past when its trigger fires: shown in its place, which grows out of view, with nothing visible moving', async ({ expect }) => {
      const title = 'Too little space';
      // No reservation: the element's own :host min-height is 0. Its trigger: 30 % scrolled, by
      // when its place is above the viewport (a place still in view is the float case, placement.test.ts).
      const body = `<main><h1>${title}</h1>${para(1)}<visitor-offer page="${pageFor(SCROLLED)}" debug></visitor-offer>${paras(2, 30)}</main>`;
      // The page's clock stands still: the 1 s float fallback cannot run out before the browser
      // reports the place out of view (IntersectionObserver, in rendered frames), however slow the machine.
      const v = await visitPaused(h, h.hostPage({ title, body }), { persona: 'lowConfidence' });
      const { page } = v;
      await debugLine(v, 'waiting for its trigger: scroll');
      expect((await widgetState(page))?.height).toBe(0);
      const anchor = page.locator('#p20');
      await page.evaluate(() => document.getElementById('p12')?.scrollIntoView());
      await frames(page);
      const seen = await anchor.boundingBox();
      await appeared(page);
      await frames(page, 3);
      expect(await containerOf(page).evaluate((c) => c.classList.contains('inline'))).toBe(true);
      expect((await widgetState(page))?.height).toBeGreaterThan(200); // now in the flow, above
      expect(await anchor.boundingBox()).toEqual(seen); // scroll anchoring kept the view still
      const probe = await settledProbe(v);
      expect(probe.cls).toBe(0);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });

    it('measured with all it will show (countdown and live line): 10 px too little space is too little', async ({ expect }) => {
      // The urgency card's full height, from the same page with room to spare.
      const withRoom = (px: number): string =>
        `<main><h1>Room</h1>${para(1)}<visitor-offer placement="inline" style="display: block; min-height: ${px}px"></visitor-offer>${paras(2, 20)}</main>`;
      const roomy = await h.visit(h.hostPage({ body: withRoom(400) }), { persona: 'high' });
      await appeared(roomy.page);
      await expect.poll(() => roomy.page.locator('visitor-offer .live').count()).toBe(1);
      await animationsDone(roomy.page);
      const full = (await containerOf(roomy.page).boundingBox())?.height ?? 0;
      await roomy.close();
      expect(full).toBeGreaterThan(100);
      const tight = withRoom(Math.floor(full) - 10);
      // The page's clock holds the float fallback's 1 s still while the test looks.
      const v = await visitPaused(h, h.hostPage({ body: tight }), { persona: 'high' });
      const before = await v.page.locator('#p2').boundingBox();
      await v.page.clock.runFor(10); // the trigger fires
      const measured = await measuredAt(v.page); // the float fallback's wait starts as it is measured
      expect(await containerOf(v.page).isVisible()).toBe(false); // measured, too tall, in view: not in its place
      expect(await v.page.locator('#p2').boundingBox()).toEqual(before);
      await runUntil(v.page, measured + FLOAT_MS - 1);
      expect(await containerOf(v.page).isVisible()).toBe(false); // still waiting for its place to leave the view
      await v.page.clock.runFor(1); // its place stayed in view for FLOAT_MS: it floats instead
      expect(await containerOf(v.page).evaluate((c) => c.classList.contains('slide-in'))).toBe(true);
      expect(await v.page.locator('#p2').boundingBox()).toEqual(before);
      expect((await settledProbe(v)).shifts).toEqual([]);
      await v.close();
    });

    it('below the fold: shown at once, out of sight, with no shift', async ({ expect }) => {
      const title = 'Below the fold';
      const body = `<main><h1>${title}</h1>${paras(1, 30)}<visitor-offer placement="inline"></visitor-offer>${paras(31, 4)}</main>`;
      // The page's clock stands still once the trigger fired: shown on the browser's report that
      // its place is out of view, not by the 1 s float fallback, however slow the machine.
      const v = await visitPaused(h, h.hostPage({ title, body }), { persona: 'lowConfidence' });
      expect(await v.page.locator('visitor-offer').evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThan(1000);
      await armed(v.page);
      await v.page.clock.runFor(10); // the immediate trigger fires
      await appeared(v.page);
      expect(await containerOf(v.page).evaluate((c) => c.classList.contains('inline'))).toBe(true);
      const probe = await settledProbe(v);
      expect(probe.cls).toBe(0);
      expect((await widgetState(v.page))?.height).toBeGreaterThan(200);
      await v.close();
    });
  });
});
