// Each kind renders for the seeded visitor whose segment gets it, in every placement, without
// moving the page (CLS 0, measured by PerformanceObserver), with its roles and contents; a
// screenshot of each kind × placement goes to test-artifacts/. Visitors who get no offer (customer,
// average, bot, unknown, no cookie) get nothing rendered and nothing logged.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PersonaName } from '../../demo/personas';
import type { Response } from 'express';
import {
  animationsDone,
  appeared,
  armed,
  BUILT_IN,
  catalogue,
  COUPON_CODE,
  containerOf,
  debugLine,
  decisionWith,
  fakeEndpoint,
  frames,
  hostDom,
  HOST_CSS_LINK,
  KIND_NAMES,
  KINDS,
  lead,
  offerTag,
  pageFor,
  para,
  measuredAt,
  paras,
  PLACEMENTS,
  RESERVE_HEIGHT,
  runUntil,
  serveAssets,
  settledProbe,
  twinDom,
  visitPaused,
  widgetState,
  type Placement,
} from './fixtures';
import { startHarness, type Harness } from './harness';

const VIEWPORT = { width: 1280, height: 800 };
const SCROLLED = 'lead-inline-scroll-30';
const FLOAT_MS = 1000;

/** A page with the element in the flow after the first paragraph (inline) or at the end of <body>. */
function pageBody(title: string, placement: Placement | null, attrs: Record<string, string | boolean> = {}): string {
  const tag = offerTag({ ...(placement ? { placement } : {}), ...attrs });
  const inline = placement === 'inline';
  return `<main><h1>${title}</h1>${para(1)}${inline ? tag : ''}${paras(2, 6)}</main>${inline ? '' : tag}`;
}

describe.concurrent('each kind in each placement (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: [lead(SCROLLED, { placement: 'inline', trigger: { type: 'scroll', percent: 30 } })] }) });
    serveAssets(h);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  for (const kind of KIND_NAMES) {
    for (const placement of PLACEMENTS) {
      it(`${kind} as ${placement} for the "${KINDS[kind].persona}" visitor`, async ({ expect }) => {
        const { persona, headline } = KINDS[kind];
        const title = `${kind} ${placement}`;
        const v = await h.visit(h.hostPage({ title, head: HOST_CSS_LINK, body: pageBody(title, placement) }), { persona });
        const { page } = v;
        const before = await page.locator('#p2').boundingBox();
        await appeared(page);
        const container = containerOf(page);
        await container.waitFor({ state: 'visible' });
        await animationsDone(page);
        await expect.poll(() => page.locator('visitor-offer [part=headline]').textContent()).toBe(headline);

        // Placement: where it is and what it is to assistive technology.
        const box = await container.boundingBox();
        if (!box) throw new Error('container has no box');
        if (placement === 'modal') {
          expect(await page.locator('visitor-offer dialog').evaluate((d) => (d as HTMLDialogElement).open && d.matches(':modal'))).toBe(true);
          await expect.poll(() => page.getByRole('dialog', { name: headline }).count()).toBe(1);
          // Centred in the viewport.
          expect(Math.abs(box.x + box.width / 2 - VIEWPORT.width / 2)).toBeLessThan(2);
        } else {
          expect(await page.getByRole('region', { name: headline }).count()).toBe(1);
          const position = await container.evaluate((el) => getComputedStyle(el).position);
          if (placement === 'inline') {
            expect(position).toBe('relative');
            const host = await page.locator('visitor-offer').boundingBox();
            if (!host) throw new Error('host has no box');
            // Shown in the space the page reserved, which it did not need to grow.
            expect(host.height).toBe(RESERVE_HEIGHT);
            expect(box.y).toBeGreaterThanOrEqual(host.y);
            expect(box.y + box.height).toBeLessThanOrEqual(host.y + host.height + 0.5);
          } else if (placement === 'bar') {
            expect(position).toBe('fixed');
            // Along the bottom edge: the site's header stays uncovered (bar-cta.test.ts).
            expect([box.x, box.width]).toEqual([0, VIEWPORT.width]);
            expect(box.y + box.height).toBeCloseTo(VIEWPORT.height, 0);
          } else {
            expect(position).toBe('fixed');
            expect(box.x + box.width).toBeCloseTo(VIEWPORT.width - 16, 0);
            expect(box.y + box.height).toBeCloseTo(VIEWPORT.height - 16, 0);
          }
        }

        // The kind's own content.
        const timer = page.locator('visitor-offer [role=timer]');
        if (kind === 'coupon') {
          expect(await page.locator('visitor-offer [part=code]').textContent()).toBe(COUPON_CODE);
          expect(await page.locator('visitor-offer [part=button]').textContent()).toBe('Copy code');
          expect(await page.locator('visitor-offer .e').textContent()).toBe('15% off');
          // Code and copy button side by side, on one line.
          const code = await page.locator('visitor-offer [part=code]').boundingBox();
          const copy = await page.locator('visitor-offer [part=button]').boundingBox();
          expect(copy && code && Math.abs(copy.y + copy.height / 2 - (code.y + code.height / 2))).toBeLessThan(2);
          expect(copy && code && copy.x >= code.x + code.width).toBe(true);
          // … and each on one line of text: as tall as each other, the button one line high.
          expect(copy && code && Math.abs(copy.height - code.height)).toBeLessThan(2);
          expect(copy?.height).toBeLessThan(45);
          expect(await timer.textContent()).toMatch(/^Code expires in (30:00|29:\d\d)$/);
        } else if (kind === 'urgency') {
          expect(await timer.textContent()).toMatch(/^Ends in (15:00|14:\d\d)$/);
          // Live activity from /live (the simulated realtime map).
          await expect.poll(() => page.locator('visitor-offer .live').textContent(), { timeout: 5000 }).toMatch(/^\d+ people are viewing now$/);
        } else {
          const input = page.locator('visitor-offer input');
          expect(await input.getAttribute('type')).toBe('email');
          expect(await page.getByLabel('Email address').count()).toBe(1);
          expect(await page.locator('visitor-offer [part=button]').textContent()).toBe('Send me the guide');
          expect(await timer.count()).toBe(0);
        }
        expect(await page.locator('visitor-offer [part=close]').getAttribute('aria-label')).toBe('Close');

        // No layout shift: the page's content did not move, and the observer saw nothing.
        const probe = await settledProbe(v);
        expect(probe.shifts).toEqual([]);
        expect(probe.cls).toBe(0);
        expect(await page.locator('#p2').boundingBox()).toEqual(before);

        await h.screenshot(page, `${kind}-${placement}`);
        expect(v.offerRequests()).toBe(1);
        expect(v.consoleErrors).toEqual([]);
        await v.close();
      });
    }
  }

  for (const placement of ['bar', 'slide-in'] as const) {
    it(`urgency as ${placement}: a slow /live (150 ms) still moves nothing — the live line comes with the offer`, async ({ expect }) => {
      // /live answers when the test says so: after 150 ms of the page's clock, which is paused
      // otherwise, so the widget's 1 s wait for /live cannot run out first on a loaded machine.
      let asked: (res: Response) => void = () => {};
      const liveAnswer = new Promise<Response>((resolve) => (asked = resolve));
      const live = fakeEndpoint(h, `slow-live-${placement}`, {
        offer: decisionWith({ ...BUILT_IN.urgency, countdownMinutes: 15 }),
        live: (_req, res) => asked(res),
      });
      const v = await visitPaused(h, h.hostPage({ body: pageBody('Slow live', placement, { endpoint: live.endpoint }) }), { persona: 'high' });
      await armed(v.page);
      await v.page.clock.runFor(10); // the immediate trigger fires: /live is asked for
      const res = await liveAnswer;
      await v.page.clock.runFor(140);
      expect((await widgetState(v.page))?.container).toBe(false); // waiting for the live line, not shown without it
      res.json({ activeVisitors: 12, recentPurchases: [] });
      const liveLine = v.page.locator('visitor-offer .live');
      await expect.poll(() => liveLine.textContent()).toBe('12 people are viewing now');
      await appeared(v.page);
      await animationsDone(v.page);
      const probe = await settledProbe(v);
      await v.close();
      expect(probe.shifts).toEqual([]);
    });
  }

  // The bar packs the most into one line; on a phone it must wrap, not overflow.
  for (const kind of KIND_NAMES) {
    for (const placement of ['bar'] as const) {
      it(`${kind} as ${placement} on a phone (390 px): fits the width, no shift`, async ({ expect }) => {
        const title = `Phone ${kind} ${placement}`;
        const v = await h.visit(h.hostPage({ title, head: HOST_CSS_LINK, body: pageBody(title, placement) }), {
          persona: KINDS[kind].persona,
          context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
        });
        await appeared(v.page);
        await animationsDone(v.page);
        const fit = await containerOf(v.page).evaluate((el) => {
          const r = el.getBoundingClientRect();
          const inner = [...el.querySelectorAll('*')].map((c) => c.getBoundingClientRect());
          return {
            inViewport: r.left >= 0 && r.right <= innerWidth,
            childrenInside: inner.every((c) => c.width === 0 || (c.left >= r.left - 0.5 && c.right <= r.right + 0.5)),
            pageScrollsSideways: document.documentElement.scrollWidth > innerWidth,
          };
        });
        await h.screenshot(v.page, `phone-${kind}-${placement}`);
        expect(fit).toEqual({ inViewport: true, childrenInside: true, pageScrollsSideways: false });
        expect((await settledProbe(v)).cls).toBe(0);
        expect(v.consoleErrors).toEqual([]);
        await v.close();
      });
    }
  }

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

  const nobody: Array<[string, PersonaName | null, string]> = [
    ['a customer', 'customer', 'rule:default-customer'],
    ['an average visitor', 'average', 'rule:default-average'],
    ['a bot (DataFast answers 400)', 'bot', 'bot'],
    ['an unknown visitor (DataFast answers 404)', 'unknown', 'unknown-visitor'],
    ['a visitor without the DataFast cookie', null, 'no-cookie'],
  ];
  for (const [who, persona, reason] of nobody) {
    it(`renders nothing for ${who}, logs no error and leaves the page as it was`, async ({ expect }) => {
      const title = `No offer: ${who}`;
      const expected = await twinDom(h, { title, head: HOST_CSS_LINK, body: pageBody(title, null) });

      const v = await h.visit(h.hostPage({ title, head: HOST_CSS_LINK, body: pageBody(title, null, { debug: true }) }), { persona });
      expect(await debugLine(v, `no offer: ${reason}`)).toBeTruthy();
      await frames(v.page);
      const state = await widgetState(v.page);
      expect(state).toEqual({ elements: 0, container: false, live: null, height: 0 });
      expect(await hostDom(v.page)).toBe(expected);
      expect(v.offerRequests()).toBe(1);
      expect(v.events()).toEqual([]);
      expect(v.consoleErrors).toEqual([]);
      expect((await v.probe()).cls).toBe(0);
      await v.close();
    });
  }
});

