// window.visitorOffers.convert({ value, currency, orderId }) in headless Chromium: the page reports
// an order; the widget sends it as a conversion with this page view's decision, the server counts
// it for the visitor's experiment once (the order id makes a repeat a duplicate), a call made
// while the decision is still on its way waits for it, and without a cookie or on a preview it
// resolves false quietly.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { personas } from '../../demo/personas';
import type { Experiment } from '../../server/experiments/types';
import { previewUrl } from '../../server/preview/link';
import { PreviewKey, signPreview } from '../../server/preview/token';
import { internalsOf } from '../../server/router-internals';
import { appeared, catalogue, KINDS, MOUNT_PATH, offerTag, paras } from './fixtures';
import { startHarness, type Harness, type Visit } from './harness';

const COUPON = KINDS.coupon.id;
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
  const counts = async () => Object.fromEntries((await store()).experimentCounts(EXPERIMENT.id));
  const page = (extra = ''): string => h.hostPage({ body: `<main><h1>Pricing</h1>${paras(1, 3)}</main>${offerTag({ page: `/x/${EXPERIMENT.id}` })}${extra}` });
  const convert = (v: Visit, orderId: string): Promise<boolean> =>
    v.page.evaluate((o) => window.visitorOffers?.convert(o) ?? Promise.resolve(false), { ...ORDER, orderId });
  const conversionGoals = (visitorId: string) => h.sim.goals.filter((g) => g.name === 'offer_conversion' && g.visitorId === visitorId);

  it('after the offer was shown: counted for the visitor’s experiment once, however often the same order is reported', async ({ expect }) => {
    const visitor = personas.low.visitorId;
    const v = await h.visit(page(), { persona: 'low' });
    await appeared(v.page);
    await expect.poll(() => v.events('exposure'), { timeout: 4000 }).toEqual([{ type: 'exposure', ...DECISION }]);
    await expect.poll(counts).toMatchObject({ treatment: { exposures: 1, conversions: 0 } });

    expect(await convert(v, 'o-1')).toBe(true);
    expect(v.events('conversion')).toEqual([{ type: 'conversion', ...DECISION, ...ORDER, orderId: 'o-1' }]);
    expect(await counts()).toMatchObject({ treatment: { exposures: 1, conversions: 1 } });
    expect((await store()).order('o-1')).toMatchObject({ visitorId: visitor, value: 49, currency: 'EUR', source: 'page', experiments: { [EXPERIMENT.id]: 'treatment' } });

    // Reported again (a reload of the thank-you page): accepted, but nothing counted or sent twice.
    expect(await convert(v, 'o-1')).toBe(true);
    expect(v.events('conversion')).toHaveLength(2);
    expect(await counts()).toMatchObject({ treatment: { exposures: 1, conversions: 1 } });
    await internalsOf(h.router).outbox.drain(10_000);
    expect(conversionGoals(visitor).map((g) => g.metadata)).toEqual([
      { offer: COUPON, experiment: EXPERIMENT.id, variant: 'treatment', order_id: 'o-1', value: '49', currency: 'EUR' },
    ]);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('a call made before the decision has arrived waits for it, shares its request, and counts', async ({ expect }) => {
    const visitor = personas.average.visitorId;
    // The offer is seen on one page view…
    const seen = await h.visit(page(), { persona: 'average' });
    await appeared(seen.page);
    await expect.poll(() => seen.events('exposure'), { timeout: 4000 }).toHaveLength(1);
    await expect.poll(async () => (await store()).exposureOf(EXPERIMENT.id, visitor)).toBe('treatment');
    await seen.close();

    // …and the order is reported on the next, while its GET /offer is held back.
    const v = await h.visit(page(CALL_AT_ONCE('o-2')), { persona: 'average', navigate: false });
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await v.page.route(`**${MOUNT_PATH}/offer?*`, async (route) => {
      await held;
      await route.continue();
    });
    await v.page.goto(v.url);
    await v.page.waitForFunction(() => (window as unknown as { __converted?: unknown }).__converted !== undefined);
    expect(v.offerRequests()).toBe(1);
    expect(v.events('conversion')).toEqual([]); // nothing to send yet: the decision is not known
    const converted = (await counts()).treatment?.conversions ?? 0;
    release();
    expect(await v.page.evaluate(() => (window as unknown as { __converted: Promise<boolean> }).__converted)).toBe(true);
    expect(v.events('conversion')).toEqual([{ type: 'conversion', ...DECISION, ...ORDER, orderId: 'o-2' }]);
    expect(v.offerRequests()).toBe(1); // the widget's own request, shared
    expect((await store()).order('o-2')).toMatchObject({ visitorId: visitor, source: 'page', experiments: { [EXPERIMENT.id]: 'treatment' } });
    expect((await counts()).treatment?.conversions).toBe(converted + 1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('on a page without the DataFast cookie it resolves false, sends nothing and logs no error', async ({ expect }) => {
    const before = (await store()).orderCount();
    const v = await h.visit(page(CALL_AT_ONCE('o-3')), { persona: null });
    expect(await v.page.evaluate(() => (window as unknown as { __converted: Promise<boolean> }).__converted)).toBe(false);
    expect(await convert(v, 'o-4')).toBe(false);
    expect(v.events('conversion')).toEqual([]);
    expect((await store()).orderCount()).toBe(before);
    expect(v.consoleErrors).toEqual([]);
    expect(v.consoleMessages.filter((m) => m.startsWith('warning') || m.startsWith('error'))).toEqual([]);
    await v.close();
  });

  it('on a preview page view it resolves false and sends nothing: a preview is not a visit', async ({ expect }) => {
    const before = (await store()).orderCount();
    const { token } = signPreview(PreviewKey.fromAdminToken(ADMIN), `offer:${COUPON}`, Date.now());
    const v = await h.visit(previewUrl(page(CALL_AT_ONCE('o-5')), { kind: 'offer', offerId: COUPON }, token), { persona: 'low' });
    await appeared(v.page); // the preview is shown…
    expect(await v.page.evaluate(() => (window as unknown as { __converted: Promise<boolean> }).__converted)).toBe(false);
    expect(await convert(v, 'o-6')).toBe(false);
    expect(v.requests.filter((r) => r.method === 'POST')).toEqual([]); // …and nothing of it is reported
    expect((await store()).orderCount()).toBe(before);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });
});
