// Keyboard paths around an offer, in headless Chromium: focus returns to where it was after any
// close (close button or Escape, inline, bar and slide-in; the modal has its own tests in a11y);
// while a bar or slide-in shows, a "Skip to offer" link is the page's first Tab stop, hidden until
// focused, and leads into the offer; it leaves with the offer and never exists for inline offers.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon, pageFor } from './offer-catalogue';
import { offerTag, paras, STRICT_CSP } from './host-pages';
import { appeared, focusInfo } from './widget-probes';
import { settledProbe } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const now = { type: 'immediate' } as const;
const PLACEMENTS = ['inline', 'bar', 'slide-in'] as const;
const OFFERS = PLACEMENTS.map((placement) => coupon(`focus-${placement}`, { placement, trigger: now }));

describe.concurrent('focus around an offer (headless Chromium)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: OFFERS }) });
    h.routes.get('/assets/reserve.css', (_req, res) => void res.type('css').send('visitor-offer { display: block; min-height: 600px }'));
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  const open = async (placement: (typeof PLACEMENTS)[number], csp?: string): Promise<Visit> => {
    const body = `<header><a id="home" href="#top">Home</a></header><main><h1>Focus</h1><button id="mine" type="button">Mine</button>${offerTag({ page: pageFor(`focus-${placement}`) })}${paras(1, 3)}<a id="last" href="#end">Last</a></main>`;
    const v = await h.visit(h.hostPage({ body, head: '<link rel="stylesheet" href="/assets/reserve.css">', ...(csp ? { csp } : {}) }), { persona: 'low', context: { reducedMotion: 'reduce' } });
    await appeared(v.page);
    return v;
  };
  const closed = (v: Visit) => v.page.waitForFunction(() => !document.querySelector('visitor-offer')?.shadowRoot?.querySelector('[part=container]'));

  for (const placement of PLACEMENTS) {
    for (const how of ['close button', 'Escape'] as const) {
      it(`${placement}, closed with the ${how}: focus goes back to the page's button it came from`, async ({ expect }) => {
        const v = await open(placement);
        await v.page.focus('#mine');
        await v.page.keyboard.press('Tab');
        expect(await focusInfo(v.page)).toMatchObject({ inWidget: true, label: 'Copy code' });
        if (how === 'Escape') {
          await v.page.keyboard.press('Escape');
        } else {
          await v.page.keyboard.press('Tab');
          expect(await focusInfo(v.page)).toMatchObject({ inWidget: true, label: 'Close' });
          await v.page.keyboard.press('Enter');
        }
        await closed(v);
        expect(await v.page.evaluate(() => document.activeElement?.id)).toBe('mine');
        expect(v.consoleErrors).toEqual([]);
        await v.close();
      });
    }
  }

  for (const placement of ['bar', 'slide-in'] as const) {
    it(`${placement}: "Skip to offer" is the first Tab stop, shown only when focused, leads into the offer, and focus comes back after`, async ({ expect }) => {
      const v = await open(placement);
      const skip = v.page.locator('[data-visitor-offer-skip]');
      expect(await skip.count()).toBe(1);
      const size = () => skip.evaluate((el) => el.getBoundingClientRect().width);
      expect(await size()).toBeLessThanOrEqual(1); // visually hidden until focused
      // From the page's first link, Shift+Tab reaches it: it is the first Tab stop of the page.
      await v.page.focus('#home');
      await v.page.keyboard.press('Shift+Tab');
      expect(await v.page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to offer');
      expect(await size()).toBeGreaterThan(40);
      await v.page.keyboard.press('Enter');
      expect((await focusInfo(v.page)).inWidget).toBe(true);
      expect(await size()).toBeLessThanOrEqual(1);
      await v.page.keyboard.press('Tab');
      expect(await focusInfo(v.page)).toMatchObject({ inWidget: true, label: 'Copy code' });
      await v.page.keyboard.press('Escape');
      await closed(v);
      expect(await v.page.evaluate(() => document.activeElement?.id)).toBe('home');
      expect(await skip.count()).toBe(0);
      expect((await settledProbe(v)).cls).toBe(0);
      await v.close();
    });
  }

  it('the skip link works under a strict CSP (its styles are CSSOM): hidden, then shown on focus, no violation', async ({ expect }) => {
    const v = await open('slide-in', STRICT_CSP);
    const skip = v.page.locator('[data-visitor-offer-skip]');
    const size = () => skip.evaluate((el) => el.getBoundingClientRect().width);
    expect(await size()).toBeLessThanOrEqual(1);
    await skip.focus();
    expect(await size()).toBeGreaterThan(40);
    expect((await v.probe()).violations).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('inline: no skip link (it is in the page where it was placed)', async ({ expect }) => {
    const v = await open('inline');
    expect(await v.page.locator('[data-visitor-offer-skip]').count()).toBe(0);
    await v.close();
  });
});
