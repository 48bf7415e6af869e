// Preview links: the page URL with the two parameters the widget reads, its own parameters and
// fragment kept; a target that names no configured offer is a problem, not a link.
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../server/decision/policy';
import { makePreviewLink, previewUrl } from '../../../server/preview/link';
import { parseTarget, targetKey } from '../../../server/preview/target';
import { PreviewKey, verifyPreview } from '../../../server/preview/token';

const offer = { kind: 'offer', offerId: 'welcome-coupon' } as const;
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('previewUrl', () => {
  it('adds the parameters to a path, or to an absolute URL, keeping its query and fragment', () => {
    expect(previewUrl('/', offer, 'TOKEN')).toBe('/?visitor-offers-preview=welcome-coupon&visitor-offers-token=TOKEN');
    expect(previewUrl('/pricing?utm_source=x#plans', { kind: 'segment', segment: 'low' }, 'T')).toBe(
      '/pricing?utm_source=x&visitor-offers-preview=segment:low&visitor-offers-token=T#plans',
    );
    expect(previewUrl('https://Shop.example.com:8443/pricing', offer, 'T')).toBe(
      'https://shop.example.com:8443/pricing?visitor-offers-preview=welcome-coupon&visitor-offers-token=T',
    );
  });

  it('replaces preview parameters the page URL already had', () => {
    const url = previewUrl('/a?visitor-offers-preview=old&b=1&visitor-offers-token=old', offer, 'NEW');
    expect(url).toBe('/a?b=1&visitor-offers-preview=welcome-coupon&visitor-offers-token=NEW');
  });
});

describe('parseTarget', () => {
  it('reads an offer id (bare or offer:), a segment, and nothing else', () => {
    expect(parseTarget('welcome-coupon')).toEqual(offer);
    expect(parseTarget('offer:welcome-coupon')).toEqual(offer);
    expect(parseTarget('segment:customer')).toEqual({ kind: 'segment', segment: 'customer' });
    for (const bad of ['', 'segment:vip', 'segment:', 'offer:', 'Welcome', 'a b', 'x'.repeat(65), 'segment:low:x']) expect(parseTarget(bad), bad).toBeNull();
    expect(targetKey(offer)).toBe('offer:welcome-coupon');
  });
});

describe('makePreviewLink', () => {
  const key = PreviewKey.fromAdminToken('admin-token-for-link-tests-0123');
  const policy = buildPolicy({});

  it('signs a token for the canonical target that verifies for the link’s own parameters', () => {
    const link = makePreviewLink({ key, policy, target: 'starter-guide', page: '/blog', minutes: 10, now: NOW });
    if (!link.ok) throw new Error(link.problem);
    expect(link).toMatchObject({ target: 'offer:starter-guide', expiresAt: NOW + 10 * 60_000 });
    const params = new URL(link.url, 'http://x').searchParams;
    expect(params.get('visitor-offers-preview')).toBe('starter-guide');
    const token = params.get('visitor-offers-token') ?? '';
    expect(verifyPreview(key, token, 'offer:starter-guide', NOW)).toEqual({ ok: true, expiresAt: NOW + 10 * 60_000 });
  });

  it('names the problem with an unknown offer or target', () => {
    expect(makePreviewLink({ key, policy, target: 'spring-sale', page: '/', now: NOW })).toEqual({
      ok: false,
      problem: 'target: no offer "spring-sale" is configured (offers: welcome-coupon, popular-plan-urgency, starter-guide)',
    });
    const bad = makePreviewLink({ key, policy, target: 'segment:vip', page: '/', now: NOW });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problem).toMatch(/^target: expected an offer id or segment:<low\|average\|high\|unknown\|customer>/);
  });
});
