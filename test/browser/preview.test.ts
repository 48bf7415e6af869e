// Previewing an offer on the real page (headless Chromium, the real router and widget): a visitor
// who would get nothing opens a preview link made by POST /preview-links and sees the offer; while
// it is shown, copied, dismissed — and when a lead form is filled in — nothing is sent (no POST
// /events, no POST /leads, not even a beacon when the page is left), nothing is written to
// localStorage, dismissals and view caps do not hide it, and the page's DOM events say
// `preview: true`. An expired token shows nothing and the widget's debug line says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOUNT_PATH } from '../../server/app';
import { previewUrl } from '../../server/preview/link';
import { PreviewKey, signPreview } from '../../server/preview/token';
import { COUPON_CODE, KINDS, offerVariant } from './offer-catalogue';
import { WIDGET_SCRIPT } from './host-pages';
import { visitPaused } from './page-clock';
import { appeared, armed, debugLine } from './widget-probes';
import { frames, halfInView, untilIntersection } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const ADMIN = 'browser-preview-admin-token-0123456789';
const COUPON = KINDS.coupon.id;
const LEAD = KINDS.lead.id;

/** Every POST the page made to the widget's API (fetch or beacon). */
const posts = (v: Visit): string[] => v.requests.filter((r) => r.method === 'POST').map((r) => `${r.path} (${r.resourceType})`);

const domEvents = async (v: Visit): Promise<Array<{ type: string; detail: unknown }>> => (await v.probe()).events.map(({ type, detail }) => ({ type, detail }));

const stored = (v: Visit): Promise<string | null> => v.page.evaluate(() => localStorage.getItem('visitor-offers'));

describe('previewing an offer (headless Chromium)', () => {
  let h: Harness;
  let page: string;

  beforeAll(async () => {
    // Both offers appear at once; the lead form as a slide-in, so it needs no reserved space.
    const decisions = offerVariant(COUPON, { trigger: { type: 'immediate' } }, offerVariant(LEAD, { trigger: { type: 'immediate' }, placement: 'slide-in' }));
    h = await startHarness({ decisions, router: { adminToken: ADMIN } });
    page = h.hostPage({ title: 'Pricing', script: WIDGET_SCRIPT.replace('></script>', ' data-debug></script>') });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** A link from the router, as the dashboard gets one. */
  async function link(target: string): Promise<string> {
    const res = await fetch(`${h.origin}${MOUNT_PATH}/preview-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target, path: page }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { url: string }).url;
  }

  it('shows a customer (who gets no offer) the previewed coupon, and sends nothing while it is shown, copied and dismissed', async () => {
    const normal = await h.visit(page, { persona: 'customer' });
    await debugLine(normal, 'no offer: rule:default-customer');
    await normal.close();

    const v = await visitPaused(h, await link(COUPON), { persona: 'customer' });
    await armed(v.page);
    await v.page.clock.runFor(10); // the immediate trigger fires
    await appeared(v.page);
    const container = v.page.locator('visitor-offer [part=container]');
    expect(await container.locator('[part=headline]').textContent()).toBe(KINDS.coupon.headline);
    expect(await v.page.locator('visitor-offer [part=code]').textContent()).toBe(COUPON_CODE);
    // The token has left the address bar, and the page path sent to /offer never carried it.
    expect(v.page.url()).not.toContain('visitor-offers-');
    const offer = v.requests.find((r) => r.path.startsWith('/visitor-offers/offer'));
    expect(new URL(offer?.path ?? '', 'http://x').searchParams.get('path')).not.toContain('visitor-offers-');

    // "Shown" fires after a second in view: the moment an exposure would be sent.
    await untilIntersection(container, halfInView);
    await v.page.clock.runFor(999);
    expect((await domEvents(v)).map((e) => e.type)).toEqual([]);
    await v.page.clock.runFor(1);
    expect((await domEvents(v)).map((e) => e.type)).toEqual(['visitor-offer-shown']);
    await v.page.clock.resume(); // nothing timed from here on
    await v.page.locator('visitor-offer [part=button]').click();
    await v.page.locator('visitor-offer [part=close]').click();
    await expect.poll(async () => (await domEvents(v)).map((e) => e.type)).toEqual(['visitor-offer-shown', 'visitor-offer-click', 'visitor-offer-dismiss']);
    for (const e of await domEvents(v)) expect(e.detail, e.type).toEqual({ offerId: COUPON, experiment: null, variant: null, preview: true });

    expect(await stored(v)).toBeNull();
    // Leaving the page flushes whatever is queued (as a beacon): there is nothing.
    await frames(v.page);
    await v.page.goto('about:blank');
    expect(posts(v)).toEqual([]);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  it('is not hidden by a dismissal or a view cap this browser remembers, and remembers none of its own', async () => {
    const v = await h.visit(page, { navigate: false });
    await v.page.goto(h.origin + page);
    const now = Date.now();
    const remembered = JSON.stringify({ [COUPON]: { d: now, v: [now, now, now, now, now] } });
    await v.page.evaluate((value) => localStorage.setItem('visitor-offers', value), remembered);

    // A dismissed preview (this browser) does not stop the next one.
    for (let i = 0; i < 2; i++) {
      await v.page.goto(h.origin + (await link(COUPON)));
      await appeared(v.page);
      await v.page.locator('visitor-offer [part=close]').click();
      await expect.poll(async () => (await domEvents(v)).map((e) => e.type)).toContain('visitor-offer-dismiss');
      expect(await stored(v)).toBe(remembered);
    }
    await v.page.goto('about:blank');
    expect(posts(v)).toEqual([]);
    await v.close();
  });

  it('previews what a segment would get for a visitor without a cookie', async () => {
    const v = await h.visit(await link('segment:low'));
    await appeared(v.page);
    expect(await v.page.locator('visitor-offer [part=code]').textContent()).toBe(COUPON_CODE);
    await v.close();
  });

  it('a lead form succeeds as "Preview — not sent" without posting the email', async () => {
    const v = await h.visit(await link(LEAD), { persona: 'customer' });
    await appeared(v.page);
    await v.page.locator('visitor-offer input[type=email]').fill('operator@example.com');
    await v.page.locator('visitor-offer form [part=button]').click();
    await v.page.locator('visitor-offer [part=container]').getByText('Preview — not sent.').waitFor({ timeout: 5000 });
    await expect.poll(async () => (await domEvents(v)).map((e) => e.type)).toContain('visitor-offer-lead');
    const lead = (await domEvents(v)).find((e) => e.type === 'visitor-offer-lead');
    expect(lead?.detail).toEqual({ offerId: LEAD, experiment: null, variant: null, preview: true });
    await v.page.goto('about:blank');
    expect(posts(v)).toEqual([]);
    expect(v.allRequests.filter((r) => r.method === 'POST')).toEqual([]);
    await v.close();
  });

  it('an expired token shows nothing', async () => {
    const { token } = signPreview(PreviewKey.fromAdminToken(ADMIN), `offer:${COUPON}`, Date.now() - 2 * 60 * 60_000, 60);
    const v = await h.visit(previewUrl(page, { kind: 'offer', offerId: COUPON }, token), { persona: 'low' });
    await debugLine(v, 'no offer: preview-expired');
    await frames(v.page);
    expect(await v.page.locator('visitor-offer [part=container]').count()).toBe(0);
    expect(v.offerRequests()).toBe(1);
    await v.page.goto('about:blank');
    expect(posts(v)).toEqual([]);
    await v.close();
  });
});
