// window.visitorOffers.convert({ value, currency, orderId }) in headless Chromium: the page reports
// an order; the widget sends it as a conversion with nothing of this page view's decision and
// without waiting for it, the server counts it for the visitor's experiment once (the order id
// makes a repeat a duplicate) — also after the visitor's coupon expired and the page shows no
// offer. It joins a window.visitorOffers the page already has; it resolves false quietly without
// a cookie or on a preview.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { personas } from '../../demo/personas';
import type { Experiment } from '../../server/experiments/types';
import { previewUrl } from '../../server/preview/link';
import { PreviewKey, signPreview } from '../../server/preview/token';
import { internalsOf } from '../../server/router-internals';
import { catalogue, KINDS } from './offer-catalogue';
import { offerTag, paras, WIDGET_SCRIPT } from './host-pages';
import { visitPaused } from './page-clock';
import { appeared } from './widget-probes';
import { seenForASecond } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';
import { MOUNT_PATH } from '../../server/app';

const COUPON = KINDS.coupon.id; // expires 30 minutes after the visitor first sees it
const MINUTE = 60_000;
// Every visitor lands in the treatment arm; the switched-off arm makes a valid experiment.
const EXPERIMENT: Experiment = {
  id: 'exp-convert',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'treatment', weight: 1, offer: COUPON },
    { id: 'off', weight: 0, offer: null },
  ],
};
const DECISION = { offerId: COUPON, experiment: EXPERIMENT.id, variant: 'treatment' };
const ORDER = { value: 49, currency: 'EUR' };
const ADMIN = 'browser-convert-admin-token-0123456789';

/** The page calls convert() as soon as it runs (a module script after the widget's), keeping the promise. */
const CALL_AT_ONCE = (orderId: string): string =>
  `<script type="module">window.__converted = window.visitorOffers.convert({ value: 49, currency: 'EUR', orderId: '${orderId}' });</script>`;

describe('window.visitorOffers.convert() (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ experiments: [EXPERIMENT] }), router: { adminToken: ADMIN } });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  const store = () => internalsOf(h.router).store.ready;
  const counts = async () => Object.fromEntries(await (await store()).experimentCounts(EXPERIMENT.id));
  const page = (extra = '', script?: string): string =>
    h.hostPage({ body: `<main><h1>Thank you</h1>${paras(1, 3)}</main>${offerTag({ page: `/x/${EXPERIMENT.id}` })}${extra}`, script });
  const convert = (v: Visit, orderId: string | number): Promise<boolean> =>
    v.page.evaluate((o) => window.visitorOffers?.convert(o) ?? Promise.resolve(false), { ...ORDER, orderId });
  const converted = (v: Visit): Promise<boolean> => v.page.evaluate(() => (window as unknown as { __converted: Promise<boolean> }).__converted);
  const conversionGoals = (visitorId: string) => h.sim.goals.filter((g) => g.name === 'offer_conversion' && g.visitorId === visitorId);

  it('after the offer was shown: the order alone is sent, and counted for the visitor’s experiment once however often it is reported', async ({ expect }) => {
    const visitor = personas.low.visitorId;
    const v = await visitPaused(h, page(), { persona: 'low' });
    await seenForASecond(v); // on the page's clock
    await v.page.clock.resume(); // nothing timed from here on
    await expect.poll(() => v.events('exposure')).toEqual([{ type: 'exposure', offerId: DECISION.offerId, token: expect.any(String) as unknown }]);
    await expect.poll(counts).toMatchObject({ treatment: { exposures: 1, conversions: 0 } });

    expect(await convert(v, 'o-1')).toBe(true);
    expect(v.events('conversion')).toEqual([{ type: 'conversion', ...ORDER, orderId: 'o-1' }]);
    expect(await counts()).toMatchObject({ treatment: { exposures: 1, conversions: 1 } });
    expect(await (await store()).order('o-1', visitor)).toMatchObject({ value: 49, currency: 'EUR', source: 'page', experiments: { [EXPERIMENT.id]: 'treatment' } });

    // Reported again (a reload of the thank-you page): accepted, but nothing counted or sent twice.
    expect(await convert(v, 'o-1')).toBe(true);
    expect(v.events('conversion')).toHaveLength(2);
    expect(await counts()).toMatchObject({ treatment: { exposures: 1, conversions: 1 } });
    await internalsOf(h.router).outbox.drain(10_000);
    expect(conversionGoals(visitor).map((g) => g.metadata)).toEqual([{ offer: 'none', source: 'page', order_id: 'o-1', value: '49', currency: 'EUR' }]);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('after the visitor’s coupon expired (the page offers nothing), the order is still stored and counted', async ({ expect }) => {
    const visitor = personas.high.visitorId;
    // The visitor saw the coupon in the experiment 31 minutes ago: it has expired since.
    await (await store()).recordFirstExposure(COUPON, visitor, Date.now() - 31 * MINUTE);
    await (await store()).recordExposure(EXPERIMENT.id, 'treatment', visitor);
    const before = (await counts()).treatment?.conversions ?? 0;

    const v = await h.visit(page(), { persona: 'high' });
    const decision = await v.page.evaluate(async (api) => (await fetch(`${api}/offer?path=/x/exp-convert`)).json(), MOUNT_PATH);
    expect(decision).toMatchObject({ offer: null, experiment: { id: EXPERIMENT.id, variant: 'treatment' }, reason: 'coupon-expired' });
    expect(await convert(v, 1001)).toBe(true);
    expect(await (await store()).order('1001', visitor)).toMatchObject({ value: 49, currency: 'EUR', source: 'page', experiments: { [EXPERIMENT.id]: 'treatment' } });
    expect((await counts()).treatment?.conversions).toBe(before + 1);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  it('does not wait for the page’s decision: a call made while GET /offer is held back is sent and counted at once', async ({ expect }) => {
    const visitor = personas.average.visitorId;
    await (await store()).recordExposure(EXPERIMENT.id, 'treatment', visitor);
    const before = (await counts()).treatment?.conversions ?? 0;

    const v = await h.visit(page(CALL_AT_ONCE('o-2')), { persona: 'average', navigate: false });
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await v.page.route(`**${MOUNT_PATH}/offer?*`, async (route) => {
      await held;
      await route.continue();
    });
    await v.page.goto(v.url);
    expect(await converted(v)).toBe(true);
    expect(v.offerRequests()).toBe(1); // the widget's own, still held
    expect(v.events('conversion')).toEqual([{ type: 'conversion', ...ORDER, orderId: 'o-2' }]);
    expect(await (await store()).order('o-2', visitor)).toMatchObject({ source: 'page', experiments: { [EXPERIMENT.id]: 'treatment' } });
    expect((await counts()).treatment?.conversions).toBe(before + 1);
    release();
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('joins a window.visitorOffers the page already has instead of leaving convert() out', async ({ expect }) => {
    const v = await h.visit(page('', `<script>window.visitorOffers = { mine: 1 };</script>${WIDGET_SCRIPT}`), { persona: 'customer' });
    await v.page.waitForFunction(() => typeof window.visitorOffers?.convert === 'function');
    expect(await v.page.evaluate(() => (window.visitorOffers as unknown as { mine: number }).mine)).toBe(1);
    expect(await convert(v, 'o-7')).toBe(true);
    expect(await (await store()).order('o-7', personas.customer.visitorId)).toMatchObject({ source: 'page', value: 49 });
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('on a page without the DataFast cookie it resolves false, stores nothing and logs no error of its own', async ({ expect }) => {
    const before = await (await store()).orderCount();
    const v = await h.visit(page(CALL_AT_ONCE('o-3')), { persona: null });
    expect(await converted(v)).toBe(false);
    expect(await convert(v, 'o-4')).toBe(false);
    expect(await (await store()).orderCount()).toBe(before);
    // The server refuses it (400): the browser's own network line is all there is.
    expect(v.scriptErrors).toEqual([]);
    expect(v.consoleMessages.filter((m) => m.startsWith('warning'))).toEqual([]);
    await v.close();
  });

  it('on a preview page view it resolves false and sends nothing: a preview is not a visit', async ({ expect }) => {
    const before = await (await store()).orderCount();
    const { token } = signPreview(PreviewKey.fromAdminToken(ADMIN), `offer:${COUPON}`, Date.now());
    const v = await h.visit(previewUrl(page(CALL_AT_ONCE('o-5')), { kind: 'offer', offerId: COUPON }, token), { persona: 'low' });
    await appeared(v.page); // the preview is shown…
    expect(await converted(v)).toBe(false);
    expect(await convert(v, 'o-6')).toBe(false);
    expect(v.requests.filter((r) => r.method === 'POST')).toEqual([]); // …and nothing of it is reported
    expect(await (await store()).orderCount()).toBe(before);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });
});
