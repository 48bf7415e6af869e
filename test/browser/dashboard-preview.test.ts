// The dashboard's Preview section in headless Chromium (protected mode, the admin token in the
// tab): it lists the configured offers and the segments, and a click makes a link for the page
// path typed in and opens it in a new tab, where the offer shows — and sends nothing.
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DECISIONS, DASHBOARD_PATH } from './dashboard-fixtures';
import { offerVariant } from './offer-catalogue';
import { appeared } from './widget-probes';
import { startHarness, type Harness } from './harness';

const TOKEN = 'browser-dashboard-preview-token-0123456789';

describe('the dashboard’s Preview section (headless Chromium)', () => {
  let h: Harness;
  let pricing: string;

  beforeAll(async () => {
    h = await startHarness({ decisions: offerVariant('welcome-coupon', { trigger: { type: 'immediate' } }, DASHBOARD_DECISIONS), router: { adminToken: TOKEN } });
    pricing = h.hostPage({ title: 'Pricing' });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('lists offers and segments, and opens a preview of the page path in a new tab', async () => {
    const v = await h.visit(DASHBOARD_PATH, { navigate: false });
    await v.context.addInitScript({ content: `sessionStorage.setItem('visitor-offers:admin-token', ${JSON.stringify(TOKEN)})` });
    await v.page.goto(v.url);
    const section = v.page.locator('visitor-offers-preview section');
    await section.waitFor({ timeout: 10_000 });
    expect(await section.locator('h2').textContent()).toBe('Preview');
    const rows = await section.locator('tbody tr th').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      'coupon welcome-coupon',
      'urgency popular-plan-urgency',
      'lead magnet starter-guide',
      'low',
      'average',
      'high',
      'unknown',
      'customer',
    ]);

    await v.page.getByLabel('Page path').fill(pricing);
    const posted: Request[] = [];
    const documents: string[] = [];
    v.context.on('request', (r) => {
      if (r.method() === 'POST') posted.push(r);
      if (r.resourceType() === 'document') documents.push(r.url());
    });
    const opened = v.context.waitForEvent('page');
    await v.page.getByRole('button', { name: 'Preview offer welcome-coupon' }).click();
    const tab = await opened;
    await tab.waitForLoadState();
    // The page the tab asked for (the widget then takes the token out of the address bar).
    const url = new URL(documents.find((d) => d.includes('visitor-offers-preview')) ?? tab.url());
    expect(url.origin).toBe(h.origin);
    expect(url.pathname).toBe(pricing);
    expect(url.searchParams.get('visitor-offers-preview')).toBe('welcome-coupon');
    expect(url.searchParams.get('visitor-offers-token')).toMatch(/^v1\.offer:welcome-coupon\./);

    // The tab has no DataFast cookie: the preview shows anyway.
    await appeared(tab);
    expect(tab.url()).toBe(h.origin + pricing);
    expect(await tab.locator('visitor-offer [part=code]').textContent()).toBe('WELCOME15');
    await tab.locator('visitor-offer [part=close]').click();
    await tab.goto('about:blank');
    // The one POST is the dashboard's own request for the link, with the admin token.
    expect(posted.map((r) => new URL(r.url()).pathname)).toEqual(['/visitor-offers/preview-links']);
    expect(posted[0]?.headers().authorization).toBe(`Bearer ${TOKEN}`);

    // The section says what it opened, with a link to open it again.
    const again = v.page.locator('visitor-offers-preview [role=status] a');
    expect(await again.getAttribute('href')).toBe(h.origin + url.pathname + url.search);
    await section.scrollIntoViewIfNeeded();
    await h.screenshot(v.page, 'dashboard-preview');
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('names the problem with a page path the server refuses', async () => {
    const v = await h.visit(DASHBOARD_PATH, { navigate: false });
    await v.context.addInitScript({ content: `sessionStorage.setItem('visitor-offers:admin-token', ${JSON.stringify(TOKEN)})` });
    await v.page.goto(v.url);
    await v.page.getByLabel('Page path').fill('pricing');
    await v.page.getByRole('button', { name: 'Preview segment low' }).click();
    const error = v.page.locator('visitor-offers-preview .field-error');
    await error.waitFor({ timeout: 5000 });
    expect(await error.textContent()).toContain('path: expected a page path starting with "/"');
    expect(v.context.pages()).toHaveLength(1);
    await v.close();
  });
});
