// The page summary a local score reads: pricing and checkout pages recognised by a path segment,
// sessions split at 30 minutes without a page view, and nothing but three values kept.
import { describe, expect, it } from 'vitest';
import { MAX_PAGES_SCANNED, summarisePages } from '../../../server/datafast/visited-pages';

const at = (minutes: number): string => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString();

describe('summarisePages', () => {
  it.each([
    ['/pricing', true, false],
    ['shop.example.com/plans/team', true, false],
    ['/en/pricing?ref=nav', true, false],
    ['/checkout/step-2', false, true],
    ['/cart', false, true],
    ['/blog/pricing-strategies-for-saas', false, false],
    ['/shopping-cart-guide', false, false],
  ])('%s: pricing %s, checkout %s', (url, pricing, checkout) => {
    const s = summarisePages([{ url, timestamp: at(0) }], null);
    expect([s.visitedPricing, s.visitedCheckout]).toEqual([pricing, checkout]);
  });

  it('reads the current URL too', () => {
    expect(summarisePages([], '/checkout').visitedCheckout).toBe(true);
  });

  it('averages session lengths, a session ending after 30 minutes without a page view', () => {
    // Session 1: minutes 0–10 (600 s); session 2, 2 h later: minutes 130–150 (1200 s).
    const pages = [0, 5, 10, 130, 140, 150].map((m) => ({ url: '/', timestamp: at(m) }));
    expect(summarisePages(pages, null).avgSessionSeconds).toBe(900);
    // Out of order, the same.
    expect(summarisePages([...pages].reverse(), null).avgSessionSeconds).toBe(900);
  });

  it('has no session length without a readable timestamp, and ignores junk items', () => {
    expect(summarisePages([null, 3, 'x', { url: 7, timestamp: 'soon' }], null)).toEqual({ visitedPricing: false, visitedCheckout: false, avgSessionSeconds: null });
    expect(summarisePages('not a list', undefined)).toEqual({ visitedPricing: false, visitedCheckout: false, avgSessionSeconds: null });
  });

  it(`looks at the first ${MAX_PAGES_SCANNED} items only`, () => {
    const pages = Array.from({ length: MAX_PAGES_SCANNED }, () => ({ url: '/', timestamp: at(0) }));
    expect(summarisePages([...pages, { url: '/pricing', timestamp: at(1) }], null).visitedPricing).toBe(false);
  });
});
