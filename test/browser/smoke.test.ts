// Smoke test in real headless Chromium: the low-intent persona gets the coupon slide-in after its
// trigger, the copy button puts the code on the clipboard, one exposure is sent, nothing is logged
// as an error. The full browser suite builds on test/browser/harness.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../support/wait';
import { offerVariant } from './offer-catalogue';
import { STRICT_CSP } from './host-pages';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const DELAY_S = 2;

describe('widget smoke (headless Chromium)', () => {
  let h: Harness;
  let v: Visit;

  beforeAll(async () => {
    // The built-in coupon waits 8 s; the same offer with a 2 s delay keeps the test short.
    h = await startHarness({ decisions: offerVariant('welcome-coupon', { trigger: { type: 'delay', seconds: DELAY_S } }) });
    v = await h.visit(h.hostPage({ title: 'Smoke' }), { persona: 'low' });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('renders the coupon slide-in only after its trigger', async () => {
    const container = v.page.locator('visitor-offer [part=container]');
    await sleep(DELAY_S * 1000 - 800);
    expect(await container.count()).toBe(0);
    await container.waitFor({ state: 'visible', timeout: 5000 });
    await expect.poll(() => container.evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
    expect(await v.page.locator('visitor-offer [part=code]').textContent()).toBe('WELCOME15');
    expect(await container.getAttribute('role')).toBe('region');
    expect(v.offerRequests()).toBe(1);
  });

  it('copies the code to the clipboard and says so', async () => {
    const button = v.page.locator('visitor-offer [part=button]');
    await button.click();
    await expect.poll(() => button.textContent()).toContain('Copied');
    expect(await v.page.evaluate(() => navigator.clipboard.readText())).toBe('WELCOME15');
    await expect.poll(() => v.events('click').length).toBe(1);
  });

  it('sends the exposure exactly once, after it has been seen for a second', async () => {
    await waitFor(() => v.events('exposure').length > 0, 'the exposure POST', { timeoutMs: 5000 });
    await sleep(1500);
    expect(v.events('exposure')).toEqual([{ type: 'exposure', offerId: 'welcome-coupon', token: expect.any(String) as unknown }]);
    await waitFor(() => h.sim.goals.some((g) => g.name === 'offer_exposure'), 'the exposure goal at DataFast');
    const probe = await v.probe();
    expect(probe.events.filter((e) => e.type === 'visitor-offer-shown')).toHaveLength(1);
    expect(probe.cls).toBe(0);
  });

  it('logs no console error, and leaves a screenshot', async () => {
    await h.screenshot(v.page, 'smoke-coupon-slide-in');
    expect(v.consoleErrors).toEqual([]);
  });

  it('works on a page with a strict Content-Security-Policy (no unsafe-inline)', async () => {
    const csp = await h.visit(h.hostPage({ title: 'Strict CSP', csp: STRICT_CSP }), { persona: 'high' });
    const bar = csp.page.locator('visitor-offer [part=container]');
    await bar.waitFor({ state: 'visible', timeout: 5000 });
    expect(await bar.evaluate((el) => [getComputedStyle(el).position, getComputedStyle(el).bottom])).toEqual(['fixed', '0px']);
    expect(csp.consoleErrors).toEqual([]);
    await csp.close();
  });
});
