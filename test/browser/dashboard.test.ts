// The operator dashboard in real headless Chromium, against the simulated DataFast's realtime map:
// open mode (the demo) shows the active visitors with the segment, offer or variant and rule each
// would get, recent events and payments, the experiment table with its significance marks and
// sample-ratio warning; it refreshes itself, pauses while hidden, keeps its data through a failed
// refresh. Protected mode asks for the admin token, keeps it for the tab and sends it as a Bearer.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { waitFor } from '../support/wait';
import { pauseClock } from './page-clock';
import { DASHBOARD_DECISIONS, DASHBOARD_PATH, DASHBOARD_SCRIPT, seedExperimentCounts } from './dashboard-fixtures';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';
import { internalsOf } from '../../server/router-internals';

const TOKEN = 'browser-dashboard-token-0123456789';
const DATA_PATH = `${DASHBOARD_PATH}/data`;
const short = (name: keyof typeof personas): string => personas[name].visitorId.slice(0, 8);

const dataRequests = (v: Visit): number => v.requests.filter((r) => r.method === 'GET' && r.path === DATA_PATH).length;

/** The visitors table row whose first cell is this persona's short id. */
const visitorRow = (page: Page, name: keyof typeof personas) =>
  page.locator('visitor-offers-dashboard table.visitors tbody tr').filter({ has: page.locator('th[scope=row]', { hasText: short(name) }) });

/** Makes the page believe its tab was hidden (or shown again), as switching tabs does. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    if (h) {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    } else {
      // Own properties shadow Document.prototype's getters: removing them restores the real state.
      delete (document as unknown as Record<string, unknown>).visibilityState;
      delete (document as unknown as Record<string, unknown>).hidden;
    }
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/**
 * Counts, in the page, each fetch of the dashboard's data as it is called (window.__dataFetches):
 * exact at any moment, where the network's record of a request arrives a little later.
 */
const COUNT_DATA_FETCHES = `(() => {
  const fetch0 = window.fetch;
  window.__dataFetches = 0;
  window.fetch = function (input, init) {
    if (String(input instanceof Request ? input.url : input).endsWith(${JSON.stringify(DATA_PATH)})) window.__dataFetches += 1;
    return fetch0.call(this, input, init);
  };
})();`;

const dataFetches = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { __dataFetches: number }).__dataFetches);

/** Console errors other than the browser's own line for a request answered with `status`. */
const errorsExcept = (v: Visit, status: number): string[] =>
  v.consoleErrors.filter((e) => !(e.startsWith('Failed to load resource') && e.includes(`status of ${status}`)));

describe('operator dashboard, open mode (headless Chromium)', () => {
  let h: Harness;
  let v: Visit;

  beforeAll(async () => {
    h = await startHarness({ decisions: DASHBOARD_DECISIONS, router: { dashboard: 'open' } });
    await seedExperimentCounts(await internalsOf(h.router).store.ready);
    v = await h.visit(DASHBOARD_PATH);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('lists the active visitors with the segment, offer or variant, and rule each would get', async () => {
    const rows = v.page.locator('visitor-offers-dashboard table.visitors tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    const realtime = h.sim.calls.find((c) => c.path.endsWith('/realtime/map'));
    expect(realtime).toBeDefined();
    expect(await rows.count()).toBeGreaterThanOrEqual(7);

    const low = visitorRow(v.page, 'low');
    await expect.poll(() => low.count()).toBe(1);
    const lowText = await low.innerText();
    for (const part of ['DE', 'Mobile', '/blog/free-templates', '22', '0.81', 'low', 'coupon', 'welcome-coupon', 'rule:default-low']) {
      expect(lowText, part).toContain(part);
    }
    expect(await low.locator('.pill.seg-low').count()).toBe(1);
    expect(await low.locator('.pill.kind-coupon').count()).toBe(1);

    const high = await visitorRow(v.page, 'high').innerText();
    expect(high).toContain('rule:high-intent-test');
    expect(high).toMatch(/A\/B\s+launch-urgency\s+→\s+(control|urgency)/);
    expect(await visitorRow(v.page, 'customer').innerText()).toMatch(/customer[\s\S]*no offer[\s\S]*rule:default-customer/);
    expect(await visitorRow(v.page, 'lowConfidence').innerText()).toMatch(/unknown[\s\S]*lead magnet[\s\S]*starter-guide/);
    // Country as a flag and a code named in full for assistive technology and on hover.
    expect(await low.locator('abbr').getAttribute('title')).toBe('Germany');
    expect(await v.page.locator('visitor-offers-dashboard table.visitors thead th[scope=col]').count()).toBe(10);
  });

  it('shows recent events and payments, with no names or emails anywhere', async () => {
    const events = v.page.locator('visitor-offers-dashboard section[aria-labelledby=events-title] tbody tr');
    const payments = v.page.locator('visitor-offers-dashboard section[aria-labelledby=payments-title] tbody tr');
    expect(await events.count()).toBeGreaterThan(0);
    expect(await payments.count()).toBe(3);
    expect(await payments.first().innerText()).toContain('$49.00');
    const text = await v.page.locator('visitor-offers-dashboard').innerText();
    for (const pii of ['Marc Tremblay', 'Aiko Tanaka', 'Lucas Martin', 'Jane Doe', 'Berlin', 'Toronto', '@']) expect(text, pii).not.toContain(pii);
  });

  it('shows the experiment results with the sequential decision, revenue, the other methods labelled, and the sample-ratio-mismatch warning', async () => {
    const tables = v.page.locator('visitor-offers-dashboard table.results');
    expect(await tables.count()).toBe(4);
    const launch = tables.filter({ has: v.page.locator('caption', { hasText: 'launch-urgency' }) });
    expect(await launch.locator('caption').innerText()).toMatch(/launch-urgency\s+running\s+coverage 100%/);
    const urgency = launch.locator('tbody tr').filter({ hasText: 'popular-plan-urgency' });
    expect(await urgency.getAttribute('class')).toContain('significant');
    expect(await urgency.locator('.star').count()).toBe(1);
    expect(await urgency.locator('.sr-only', { hasText: 'significant' }).count()).toBe(1);
    expect(await launch.locator('tbody tr').first().innerText()).toMatch(/^control\s+none\s+50%\s+412\s+9\s+2\.18%\s+—\s+€1\.07\s+—\s+€49\.00/);
    // 9.9 % against 2.2 % on ~400 each: the always-valid interval has left 0. Revenue per visitor 40 × 59 / 405.
    const row = await urgency.innerText();
    expect(row).toMatch(/405\s+40\s+9\.88%\s+\+7\.69 pts\s+\[\+\d\.\d\d pts, \+\d+\.\d\d pts\] · \+352\.1%/);
    expect(row).toMatch(/€5\.83\s+\+€4\.76[\s\S]*€59\.00[\s\S]*wins[\s\S]*revenue: (wins|keep running)/);
    // Revenue per visitor against control with its always-valid interval.
    expect(row).toMatch(/€5\.83\s+\+€4\.76\s+\[[+−]€\d+\.\d\d, \+€\d+\.\d\d\] · \+\d+\.\d%/);
    expect(await launch.locator('caption').innerText()).toMatch(/attribution 7 days · revenue in EUR/);
    expect(await launch.locator('thead').innerText()).toMatch(/Rate vs control \(95% CI\)[\s\S]*p, z-test \(fixed\)[\s\S]*P\(beat control\)/i);
    const note = await v.page.locator('visitor-offers-dashboard section[aria-labelledby=experiments-title] > p.note').innerText();
    expect(note).toMatch(/sequential \(always valid at 95%\)/);

    // The global holdout against everyone else, and what the offers added.
    const holdout = tables.filter({ has: v.page.locator('caption', { hasText: 'Global holdout' }) });
    expect(await holdout.locator('tbody tr').first().innerText()).toMatch(/^holdout \(control\)\s+none\s+1%\s+20\s+0\s+0\.00%/);
    expect(await v.page.locator('visitor-offers-dashboard .experiment:not(.bandit) p.note').innerText()).toContain('The offers added about 60 conversions and €3,300.00 of revenue');

    // The bandit, as a bandit: shares of new visitors and chances to be best, no tests.
    const bandit = tables.filter({ has: v.page.locator('caption', { hasText: 'first-visit-bandit' }) });
    expect(await bandit.locator('caption').innerText()).toMatch(/first-visit-bandit\s+running\s+bandit\s+Thompson sampling on conversion rate/);
    const banditHead = await bandit.locator('thead').innerText();
    expect(banditHead).toMatch(/Share of new visitors[\s\S]*Chance to be best/i);
    expect(banditHead).not.toMatch(/vs control|p, z-test|P\(beat control\)|Decision/i);
    expect(await bandit.locator('tbody tr').nth(2).innerText()).toMatch(/^guide\s+starter-guide\s+98%\s+(9[5-9]|100)\.\d%\s+900\s+90\s+10\.00%\s+€4\.00\s+€40\.00$/);
    // Chances to be best are drawn with a seed of the current 15-minute slot: the control's is under 1 % in any.
    expect(await bandit.locator('tbody tr').nth(0).innerText()).toMatch(/^control\s+none\s+1%\s+0\.\d%\s+150\s+3\s+2\.00%/);

    const warning = v.page.locator('visitor-offers-dashboard .warning');
    expect(await warning.count()).toBe(1);
    expect(await warning.innerText()).toMatch(/Sample ratio mismatch in guide-copy/);
    // Styled as a warning: amber background and border, not the default.
    const [bg, border] = await warning.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderLeftColor]);
    expect(bg).toBe('rgb(255, 251, 235)');
    expect(border).toBe('rgb(245, 158, 11)');
  });

  it('refreshes itself every 5 s and says how old its data is', async () => {
    const before = dataRequests(v);
    await waitFor(() => dataRequests(v) > before, 'a refresh of /dashboard/data', { timeoutMs: 8000 });
    expect(await v.page.locator('visitor-offers-dashboard .updated').innerText()).toMatch(/^Updated (just now|\d+ s ago)$/);
    expect(await v.page.locator('visitor-offers-dashboard .state').innerText()).toBe('Live');
  });

  it('logs no console error, and leaves screenshots (1280×800, full page, mobile)', async () => {
    await h.screenshot(v.page, 'dashboard');
    await h.screenshot(v.page, 'dashboard-full', { fullPage: true });
    const mobile = await h.visit(DASHBOARD_PATH, { context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
    await visitorRow(mobile.page, 'low').waitFor({ timeout: 10_000 });
    await h.screenshot(mobile.page, 'dashboard-mobile', { fullPage: true });
    // Rows stack as cards: no sideways scrolling of the page.
    expect(await mobile.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(mobile.consoleErrors).toEqual([]);
    await mobile.close();
    expect(v.consoleErrors).toEqual([]);
  });

  it('pauses while the tab is hidden and refreshes at once when it is shown again', async () => {
    const host = h.hostPage({ title: 'Dashboard, 1 s refresh', script: DASHBOARD_SCRIPT, body: '<visitor-offers-dashboard auth="open" refresh-seconds="1"></visitor-offers-dashboard>' });
    const fast = await h.visit(host, { navigate: false });
    await fast.context.addInitScript({ content: COUNT_DATA_FETCHES });
    await pauseClock(fast.page);
    await fast.page.goto(fast.url);
    const { page } = fast;
    const updated = page.locator('visitor-offers-dashboard .updated');
    // The first answer is in, and no page time has passed: nothing in flight, the next refresh due in 1 s.
    await visitorRow(page, 'low').waitFor({ timeout: 10_000 });
    expect(await dataFetches(page)).toBe(1);

    await setHidden(page, true);
    await page.clock.runFor(10_000);
    expect(await dataFetches(page)).toBe(1);
    expect(await page.locator('visitor-offers-dashboard .state').innerText()).toBe('Paused while this tab is hidden');

    await setHidden(page, false);
    expect(await dataFetches(page)).toBe(2); // at once, with no page time passing
    await expect.poll(() => updated.innerText()).toBe('Updated just now'); // the resume's answer (10 s old data until then)
    expect(await page.locator('visitor-offers-dashboard .state').innerText()).toBe('Live');
    // …and the 1 s refresh runs again from that answer.
    await page.clock.runFor(999);
    expect(await dataFetches(page)).toBe(2);
    await page.clock.runFor(1);
    expect(await dataFetches(page)).toBe(3);
    await expect.poll(() => dataRequests(fast)).toBe(3); // the page's fetches are what reached the server
    expect(fast.consoleErrors).toEqual([]);
    await fast.close();
  });

  it('keeps the last data and shows an error banner while refreshes fail, then recovers', async () => {
    const host = h.hostPage({ title: 'Dashboard, failing', script: DASHBOARD_SCRIPT, body: '<visitor-offers-dashboard auth="open" refresh-seconds="1"></visitor-offers-dashboard>' });
    const failing = await h.visit(host);
    await visitorRow(failing.page, 'low').waitFor({ timeout: 10_000 });
    await failing.page.route(`**${DATA_PATH}`, (route) => route.fulfill({ status: 502, contentType: 'application/json', body: '{"error":"bad gateway"}' }));
    const banner = failing.page.locator('visitor-offers-dashboard [role=alert] .banner.error');
    await banner.waitFor({ timeout: 4000 });
    expect(await banner.innerText()).toMatch(/Could not refresh: the server answered HTTP 502\. Still showing the last data \(updated .*\); retrying every 1 s\./);
    expect(await visitorRow(failing.page, 'low').count()).toBe(1);
    expect(await failing.page.locator('visitor-offers-dashboard .state').innerText()).toBe('Refresh failing');
    await h.screenshot(failing.page, 'dashboard-error');
    await failing.page.unroute(`**${DATA_PATH}`);
    await banner.waitFor({ state: 'detached', timeout: 4000 });
    expect(errorsExcept(failing, 502)).toEqual([]);
    await failing.close();
  });
});

describe('operator dashboard, protected by ADMIN_TOKEN (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ router: { adminToken: TOKEN } });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('asks for the token first, rejects a wrong one, then shows the data and keeps the token for the tab', async () => {
    const v = await h.visit(DASHBOARD_PATH);
    const input = v.page.getByLabel('Admin token');
    await input.waitFor({ timeout: 10_000 });
    await expect.poll(() => input.evaluate((el) => el.matches(':focus'))).toBe(true);
    expect(dataRequests(v)).toBe(0); // no request doomed to a 401
    await h.screenshot(v.page, 'dashboard-token');

    await input.fill('not-the-token-0123456789');
    await v.page.getByRole('button', { name: 'Open dashboard' }).click();
    const error = v.page.locator('visitor-offers-dashboard .field-error');
    await error.waitFor({ timeout: 5000 });
    expect(await error.innerText()).toContain('did not accept');
    expect(await v.page.evaluate(() => sessionStorage.getItem('visitor-offers:admin-token'))).toBeNull();

    await input.fill(TOKEN);
    const sent = v.page.waitForRequest((r) => r.url().endsWith(DATA_PATH));
    await v.page.getByRole('button', { name: 'Open dashboard' }).click();
    expect((await sent).headers().authorization).toBe(`Bearer ${TOKEN}`);
    await visitorRow(v.page, 'low').waitFor({ timeout: 10_000 });
    expect(await v.page.evaluate(() => sessionStorage.getItem('visitor-offers:admin-token'))).toBe(TOKEN);

    // A reload in the same tab goes straight to the data.
    const again = v.page.waitForRequest((r) => r.url().endsWith(DATA_PATH));
    await v.page.reload();
    expect((await again).headers().authorization).toBe(`Bearer ${TOKEN}`);
    await visitorRow(v.page, 'low').waitFor({ timeout: 10_000 });
    expect(await v.page.getByLabel('Admin token').count()).toBe(0);

    // "Forget token" clears it and asks again.
    await v.page.getByRole('button', { name: 'Forget token' }).click();
    await v.page.getByLabel('Admin token').waitFor({ timeout: 5000 });
    expect(await v.page.evaluate(() => sessionStorage.getItem('visitor-offers:admin-token'))).toBeNull();

    // The only console error is the browser's own line for the wrong token's 401.
    expect(errorsExcept(v, 401)).toEqual([]);
    await v.close();
  });

  it('shows the token form when the data answers 401 to a stale token', async () => {
    const v = await h.visit(DASHBOARD_PATH, { navigate: false });
    await v.context.addInitScript({ content: "sessionStorage.setItem('visitor-offers:admin-token', 'stale-token-0123456789abcdef')" });
    await v.page.goto(v.url);
    await v.page.getByLabel('Admin token').waitFor({ timeout: 10_000 });
    expect(await v.page.locator('visitor-offers-dashboard .field-error').innerText()).toContain('did not accept');
    expect(dataRequests(v)).toBe(1);
    expect(errorsExcept(v, 401)).toEqual([]);
    await v.close();
  });
});
