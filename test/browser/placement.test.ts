// Seen, always, without shifting the page: an inline offer shows in its place when it fits; when
// it does not, its place grows only while out of view, and when the place stays in view it floats
// as a slide-in within FLOAT_MS (1 s) instead of waiting forever. The drop-in tag never shows an
// offer inline. A placed element with `accept="inline"` takes only inline offers; bars and
// slide-ins still appear, from the drop-in the loader then mounts. `debug` says why nothing is
// shown yet at each step. Desktop 1280×800 and a 390×844 phone; the page's clock drives every wait.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon, lead, pageFor } from './offer-catalogue';
import { offerTag, para, paras } from './host-pages';
import { measuredAt, runUntil, visitPaused } from './page-clock';
import { armed, debugLine, noDebugLine, widgetState } from './widget-probes';
import { frames, settledProbe } from './layout-probes';
import type { Visit, VisitOptions } from './visit';
import { startHarness, type Harness } from './harness';

const INLINE = 'lead-inline-now';
const BAR = 'coupon-bar-now';
const FLOAT_MS = 1000;
const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
} satisfies Record<string, VisitOptions['context']>;

/** Where the shown offer is and how it looks to a person: laid out, in the viewport, opaque. */
async function seen(page: Page): Promise<{ where: string; inViewport: boolean; opaque: boolean; visibility: string; host: string } | null> {
  return page.evaluate(() => {
    for (const el of document.querySelectorAll('visitor-offer')) {
      const c = el.shadowRoot?.querySelector<HTMLElement>('[part=container]');
      if (!c || c.closest('.m')) continue;
      // Its entry animation run to the end (CSS animations do not follow the page's fake clock).
      for (const a of el.shadowRoot?.getAnimations() ?? []) a.finish();
      const r = c.getBoundingClientRect();
      const style = getComputedStyle(c);
      return {
        where: [...c.classList].find((k) => ['inline', 'bar', 'slide-in'].includes(k)) ?? c.tagName.toLowerCase(),
        inViewport: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
        opaque: Number(style.opacity) === 1,
        visibility: style.visibility,
        host: el.id || (el.parentElement === document.body && !el.nextElementSibling ? 'drop-in' : '?'),
      };
    }
    return null;
  });
}

describe.concurrent('placement: seen, always, without shifting the page (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      decisions: catalogue({
        offers: [lead(INLINE, { placement: 'inline', trigger: { type: 'immediate' } }), coupon(BAR, { placement: 'bar', trigger: { type: 'immediate' } })],
      }),
    });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Visits with the page's clock paused, so that nothing happens until the test lets time pass. */
  const visit = (path: string, context: VisitOptions['context']): Promise<Visit> => visitPaused(h, path, { persona: 'low', context });

  for (const [device, context] of Object.entries(VIEWPORTS)) {
    it(`${device}: an inline offer whose place reserves no space and stays in view floats as a slide-in after ${FLOAT_MS} ms, saying why`, async ({ expect }) => {
      const path = h.hostPage({ body: `<main><h1>No space</h1>${offerTag({ id: 'slot', page: pageFor(INLINE), debug: true })}${paras(1, 4)}</main>` });
      const v = await visit(path, context);
      await armed(v.page);
      await debugLine(v, 'waiting for its trigger: immediate');
      await v.page.clock.runFor(10); // the trigger fires
      await debugLine(v, 'inline: needs');
      await runUntil(v.page, (await measuredAt(v.page)) + FLOAT_MS - 1); // the float fallback's wait starts as it is measured
      expect((await widgetState(v.page))?.container && (await seen(v.page))).toBeFalsy(); // measured, not shown yet
      expect(noDebugLine(v, 'shown as a slide-in')).toBe(true);
      await v.page.clock.runFor(1);
      await debugLine(v, 'shown as a slide-in');
      await expect.poll(() => seen(v.page), { timeout: 5000 }).toMatchObject({ where: 'slide-in', inViewport: true, opaque: true, visibility: 'visible', host: 'slot' });
      expect((await settledProbe(v)).cls).toBeLessThan(0.01);
      expect(v.scriptErrors).toEqual([]);
      await v.close();
    });

    it(`${device}: an inline offer whose place reserves too little, below the fold, is shown in place at once (its place grows out of view)`, async ({ expect }) => {
      const path = h.hostPage({ body: `<main><h1>Too little</h1>${paras(1, 30)}${offerTag({ id: 'slot', page: pageFor(INLINE) })}${paras(31, 4)}</main>` });
      const v = await visit(path, context);
      await armed(v.page);
      await v.page.clock.runFor(10); // the trigger fires
      // Out of view is the browser's IntersectionObserver, in rendered frames, which come while the
      // page clock stands still: the 1 s float fallback cannot run out first, however slow the machine.
      await expect.poll(() => seen(v.page).then((s) => s?.where), { timeout: 5000 }).toBe('inline');
      expect((await settledProbe(v)).cls).toBeLessThan(0.01);
      await v.close();
    });

    it(`${device}: an inline offer that fits its place is shown there, in view, with no shift`, async ({ expect }) => {
      const path = h.hostPage({
        // The page reserves the room the offer needs, in its markup (as its CSS would, before the script runs).
        body: `<main><h1>Fits</h1>${para(1)}<visitor-offer id="slot" page="${pageFor(INLINE)}" style="display:block;min-height:600px"></visitor-offer>${paras(2, 3)}</main>`,
      });
      const v = await visit(path, context);
      await armed(v.page);
      await v.page.clock.runFor(10);
      await expect.poll(() => seen(v.page), { timeout: 5000 }).toMatchObject({ where: 'inline', inViewport: true, opaque: true, host: 'slot' });
      expect((await settledProbe(v)).cls).toBeLessThan(0.01);
      await v.close();
    });

    it(`${device}: the drop-in tag never shows an offer inline: it floats as a slide-in at once`, async ({ expect }) => {
      const script = `<script type="module" src="/visitor-offers/widget.js" data-page="${pageFor(INLINE)}"></script>`;
      const v = await visit(h.hostPage({ script, body: `<main><h1>Drop-in</h1>${paras(1, 3)}</main>` }), context);
      await armed(v.page);
      await v.page.clock.runFor(10);
      await expect.poll(() => seen(v.page), { timeout: 5000 }).toMatchObject({ where: 'slide-in', inViewport: true, opaque: true, host: 'drop-in' });
      expect((await settledProbe(v)).cls).toBeLessThan(0.01);
      await v.close();
    });
  }

  it('accept="inline": the placed slot takes the inline offer; the drop-in mounted beside it takes none of it', async ({ expect }) => {
    const script = `<script type="module" src="/visitor-offers/widget.js" data-page="${pageFor(INLINE)}" data-debug></script>`;
    const body = `<main><h1>Accept</h1>${paras(1, 30)}${offerTag({ id: 'slot', accept: 'inline', page: pageFor(INLINE) })}${paras(13, 2)}</main>`;
    const v = await visit(h.hostPage({ script, body }), VIEWPORTS.desktop);
    await armed(v.page);
    await v.page.clock.runFor(10); // the trigger fires; the slot is below the fold, out of view (rendered frames, not page time)
    await expect.poll(() => seen(v.page).then((s) => s && [s.where, s.host]), { timeout: 5000 }).toEqual(['inline', 'slot']);
    expect(await v.page.evaluate(() => document.querySelectorAll('visitor-offer').length)).toBe(2); // the slot and the drop-in
    await debugLine(v, 'inline: left to the placed <visitor-offer>');
    await frames(v.page, 3);
    expect(await v.page.evaluate(() => [...document.querySelectorAll('visitor-offer')].filter((el) => el.shadowRoot?.querySelector('[part=container]')).length)).toBe(1);
    expect(v.offerRequests()).toBe(1);
    await v.close();
  });

  it('accept="inline": a bar offer is not forced into the slot; it appears as a bar, from the drop-in', async ({ expect }) => {
    const script = `<script type="module" src="/visitor-offers/widget.js" data-page="${pageFor(BAR)}"></script>`;
    const body = `<main><h1>Accept bar</h1>${para(1)}${offerTag({ id: 'slot', accept: 'inline', page: pageFor(BAR), debug: true })}${paras(2, 3)}</main>`;
    const v = await visit(h.hostPage({ script, body }), VIEWPORTS.desktop);
    // The drop-in (last in <body>) has its decision and waits for its trigger.
    await v.page.waitForFunction(() => !!document.body.lastElementChild?.shadowRoot?.querySelector('[aria-live]'), undefined, { polling: 20 });
    await v.page.clock.runFor(10);
    await expect.poll(() => seen(v.page), { timeout: 5000 }).toMatchObject({ where: 'bar', inViewport: true, host: 'drop-in' });
    await debugLine(v, 'not accepted here (accept="inline"): bar');
    expect(await widgetState(v.page)).toMatchObject({ container: false, height: 0 }); // the slot: nothing
    expect((await settledProbe(v)).cls).toBeLessThan(0.01);
    await v.close();
  });
});
