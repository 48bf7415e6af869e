// Each kind renders for the seeded visitor whose segment gets it, in every placement, without
// moving the page (CLS 0, measured by PerformanceObserver), with its roles and contents; a
// screenshot of each kind × placement goes to test-artifacts/. Visitors who get no offer (customer,
// average, bot, unknown, no cookie) get nothing rendered and nothing logged.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PersonaName } from '../../demo/personas';
import type { Response } from 'express';
import { BUILT_IN, catalogue, COUPON_CODE, KIND_NAMES, KINDS, PLACEMENTS, type Placement } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, para, paras, RESERVE_HEIGHT, serveAssets } from './host-pages';
import { hostDom, twinDom } from './host-dom';
import { decisionWith, fakeEndpoint } from './fake-endpoints';
import { visitPaused } from './page-clock';
import { animationsDone, appeared, armed, containerOf, debugLine, widgetState } from './widget-probes';
import { frames, settledProbe } from './layout-probes';
import { startHarness, type Harness } from './harness';

const VIEWPORT = { width: 1280, height: 800 };

/** A page with the element in the flow after the first paragraph (inline) or at the end of <body>. */
function pageBody(title: string, placement: Placement | null, attrs: Record<string, string | boolean> = {}): string {
  const tag = offerTag({ ...(placement ? { placement } : {}), ...attrs });
  const inline = placement === 'inline';
  return `<main><h1>${title}</h1>${para(1)}${inline ? tag : ''}${paras(2, 6)}</main>${inline ? '' : tag}`;
}

describe.concurrent('each kind in each placement (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue() });
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
