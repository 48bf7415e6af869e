// Calls to action on coupons and urgency offers: `cta: { label, url }` in the offers file, checked
// once by the offers schema — only http(s) URLs and paths on the site itself, so that no
// `javascript:` or other-site link can reach the widget — and a coupon's `{code}` replaced by the
// visitor's own code, URL-encoded, before the offer leaves the server.
import { describe, expect, it } from 'vitest';
import { checkOffers } from '../../../server/config/offers-file';
import type { CouponOffer, Offer } from '../../../server/decision/offer';
import { NO_FACTS, publicOffer } from '../../../server/offers/public-offer';

const coupon = { id: 'c', kind: 'coupon', headline: 'H', body: 'B', discountLabel: '10% off', code: 'SAVE10' };
const urgency = { id: 'u', kind: 'urgency', headline: 'H', body: 'B' };

const check = (offer: Record<string, unknown>): ReturnType<typeof checkOffers> => checkOffers({ offers: [offer] }, { baseDir: '/srv' });
const offerOf = (offer: Record<string, unknown>): Offer => {
  const r = check(offer);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.place}: ${p.problem}`).join('; '));
  const o = r.config.offers?.find((x) => x.id === offer.id);
  if (!o) throw new Error('no offer');
  return o;
};
const errorOf = (offer: Record<string, unknown>): string => {
  const r = check(offer);
  if (r.ok) throw new Error('expected an error');
  return r.problems.map((p) => `${p.place}: ${p.problem}`).join('; ');
};

describe('cta in the offers file', () => {
  it.each([
    ['a coupon, a same-site path with {code}', coupon, '/checkout?coupon={code}'],
    ['a coupon, an https URL', coupon, 'https://shop.example.com/cart?c={code}'],
    ['an urgency offer, a path', urgency, '/signup'],
    ['an urgency offer, an http URL', urgency, 'http://example.com/pricing#plans'],
  ])('accepts %s', (_label, offer, url) => {
    expect(offerOf({ ...offer, cta: { label: 'Go', url } })).toMatchObject({ cta: { label: 'Go', url } });
  });

  it('leaves cta out when the file has none', () => {
    expect(offerOf(coupon)).not.toHaveProperty('cta');
    expect(offerOf(urgency)).not.toHaveProperty('cta');
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<b>x</b>'],
    ['a protocol-relative URL (another site)', '//evil.example/x'],
    ['a backslash path some browsers read as another site', '/\\evil.example'],
    ['a relative path without its leading slash', 'checkout'],
    ['an empty URL', ''],
    ['spaces', '/check out'],
  ])('refuses %s, saying what is expected', (_label, url) => {
    expect(errorOf({ ...coupon, cta: { label: 'Go', url } })).toMatch(/offers\[0\]\.cta\.url: expected an http\(s\) URL or a path on this site/);
  });

  it('refuses {code} on an urgency offer, which has no code', () => {
    expect(errorOf({ ...urgency, cta: { label: 'Go', url: '/x?c={code}' } })).toMatch(/offers\[0\]\.cta\.url: only a coupon has a \{code\}/);
  });

  it('refuses a cta on a lead magnet (its form is the action), an empty label and unknown keys', () => {
    const lead = { id: 'l', kind: 'lead_magnet', headline: 'H', body: 'B', assetName: 'A', buttonLabel: 'Send', consentText: 'OK' };
    expect(errorOf({ ...lead, cta: { label: 'Go', url: '/x' } })).toMatch(/cta/);
    expect(errorOf({ ...coupon, cta: { label: ' ', url: '/x' } })).toMatch(/offers\[0\]\.cta\.label: must not be empty/);
    expect(errorOf({ ...coupon, cta: { label: 'Go', url: '/x', href: '/y' } })).toMatch(/href/);
  });
});

describe("a coupon's cta as the browser receives it", () => {
  it("carries the visitor's own code, URL-encoded, wherever the URL says {code}", () => {
    const offer = offerOf({ ...coupon, code: 'A&B/C+D', cta: { label: 'Use it', url: '/cart?coupon={code}&again={code}' } }) as CouponOffer;
    const made = publicOffer(offer, NO_FACTS, Date.now());
    expect(made).toMatchObject({ offer: { code: 'A&B/C+D', cta: { label: 'Use it', url: '/cart?coupon=A%26B%2FC%2BD&again=A%26B%2FC%2BD' } } });
  });

  it('is left out when the coupon has none', () => {
    const made = publicOffer(offerOf(coupon), NO_FACTS, Date.now());
    expect('offer' in made && made.offer).not.toHaveProperty('cta');
  });
});
