// An offer's words are shown as text, never read as markup: headline, body, badge, code, the
// call to action's label, the lead form's texts and the offer's own `strings` may hold `<`, `&`
// or a whole tag, and the widget shows exactly those characters (its DOM is built with text
// nodes and setAttribute; nothing is parsed as HTML), so nothing in them can run or add elements.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { offerTag } from './host-pages';
import { catalogue, coupon, lead, pageFor } from './offer-catalogue';
import { appeared } from './widget-probes';
import { startHarness, type Harness } from './harness';

const RUN = '<img src="/x.png" onerror="window.ran = true">';
const now = { type: 'immediate' } as const;
const OFFERS = [
  coupon('text-coupon', {
    placement: 'slide-in',
    trigger: now,
    headline: `${RUN} Save & <b>more</b>`,
    body: '<script>window.ran = true</script>Body',
    discountLabel: '<i>10 %</i>',
    cta: { label: '<u>Buy</u> & save', url: '/checkout' },
    strings: { copyCode: '<em>Copy</em>', close: '"><svg onload="window.ran=true">' },
  }),
  lead('text-lead', { placement: 'slide-in', trigger: now, assetName: '<s>Guide</s>', buttonLabel: '<b>Send</b>', consentText: `${RUN} consent` }),
];

describe.concurrent('offer text (headless Chromium)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: OFFERS }) });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Texts of the offer's parts, the elements its shadow root holds, and whether anything ran. */
  const read = async (id: string) => {
    const v = await h.visit(h.hostPage({ body: `<main>${offerTag({ page: pageFor(id) })}</main>` }), { persona: 'low' });
    await appeared(v.page);
    const seen = await v.page.evaluate(() => {
      const root = document.querySelector('visitor-offer')?.shadowRoot;
      const text = (sel: string) => root?.querySelector(sel)?.textContent ?? null;
      return {
        headline: text('[part=headline]'),
        body: text('[part=body]'),
        badge: text('.e'),
        cta: text('[part=cta]'),
        button: text('[part=button]'),
        fine: text('.fine'),
        close: root?.querySelector('[part=close]')?.getAttribute('aria-label') ?? null,
        tags: [...new Set([...(root?.querySelectorAll('*') ?? [])].map((e) => e.localName))].sort(),
        ran: (window as { ran?: boolean }).ran ?? false,
      };
    });
    await v.close();
    return seen;
  };

  it('a coupon: every word as written, no element or script from them', async ({ expect }) => {
    const seen = await read('text-coupon');
    expect(seen).toMatchObject({
      headline: `${RUN} Save & <b>more</b>`,
      body: '<script>window.ran = true</script>Body',
      badge: '<i>10 %</i>',
      cta: '<u>Buy</u> & save',
      button: '<em>Copy</em>',
      close: '"><svg onload="window.ran=true">',
      ran: false,
    });
    // The coupon's own elements only: no img, b, script, i, u, em from its words.
    expect(seen.tags).toEqual(['a', 'button', 'circle', 'code', 'div', 'h2', 'p', 'path', 'slot', 'strong', 'svg']);
  });

  it('a lead magnet: the same for the asset, the button and the consent text', async ({ expect }) => {
    const seen = await read('text-lead');
    expect(seen).toMatchObject({ badge: '<s>Guide</s>', button: '<b>Send</b>', fine: `${RUN} consent`, ran: false });
    expect(seen.tags).toEqual(['button', 'div', 'form', 'h2', 'input', 'label', 'p', 'path', 'slot', 'svg']);
  });
});
