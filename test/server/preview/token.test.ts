// Preview tokens: signed for one target and a short time with a key derived from the admin token;
// anything else — changed, expired, for another target, from another admin token — is refused
// with its reason. The clock is a parameter: these tests pass times, never wait.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREVIEW_MINUTES, MAX_PREVIEW_MINUTES, PreviewKey, signPreview, verifyPreview } from '../../../server/preview/token';

const ADMIN = 'admin-token-for-preview-tests-0123456789';
const key = PreviewKey.fromAdminToken(ADMIN);
const NOW = Date.parse('2026-03-01T12:00:00.250Z');
const MINUTE = 60_000;

/** The token with one character of the part at `index` (0 version, 1 target, 2 expiry, 3 signature) changed. */
function tampered(token: string, index: number, at = 0): string {
  const parts = token.split('.');
  const part = parts[index] ?? '';
  const c = part[at] === 'a' ? 'b' : 'a';
  parts[index] = part.slice(0, at) + c + part.slice(at + 1);
  return parts.join('.');
}

describe('a preview token', () => {
  it('verifies for its target until it expires, 60 minutes by default', () => {
    const { token, expiresAt } = signPreview(key, 'offer:welcome-coupon', NOW);
    expect(DEFAULT_PREVIEW_MINUTES).toBe(60);
    expect(expiresAt).toBe(Math.floor(NOW / 1000) * 1000 + 60 * MINUTE);
    expect(verifyPreview(key, token, 'offer:welcome-coupon', NOW)).toEqual({ ok: true, expiresAt });
    expect(verifyPreview(key, token, 'offer:welcome-coupon', expiresAt - 1)).toEqual({ ok: true, expiresAt });
  });

  it('is refused as expired from its expiry on', () => {
    const { token, expiresAt } = signPreview(key, 'segment:low', NOW, 5);
    expect(expiresAt - NOW).toBeLessThanOrEqual(5 * MINUTE);
    expect(expiresAt - NOW).toBeGreaterThan(5 * MINUTE - 1000);
    expect(verifyPreview(key, token, 'segment:low', expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyPreview(key, token, 'segment:low', expiresAt + 24 * 60 * MINUTE)).toEqual({ ok: false, reason: 'expired' });
  });

  it('lasts at most 24 hours', () => {
    expect(MAX_PREVIEW_MINUTES).toBe(24 * 60);
    const { token, expiresAt } = signPreview(key, 'offer:x', NOW, MAX_PREVIEW_MINUTES);
    expect(verifyPreview(key, token, 'offer:x', NOW + 24 * 60 * MINUTE - 1000).ok).toBe(true);
    expect(verifyPreview(key, token, 'offer:x', expiresAt).ok).toBe(false);
    for (const minutes of [0, -5, 1.5, MAX_PREVIEW_MINUTES + 1, Number.NaN]) {
      expect(() => signPreview(key, 'offer:x', NOW, minutes), String(minutes)).toThrow(RangeError);
    }
  });

  it('is refused when it would still live more than 24 hours: no link is ever made that long', () => {
    const { token } = signPreview(key, 'offer:x', NOW, MAX_PREVIEW_MINUTES);
    expect(verifyPreview(key, token, 'offer:x', NOW).ok).toBe(true);
    expect(verifyPreview(key, token, 'offer:x', NOW - 2 * MINUTE)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('is refused for another target, naming it', () => {
    const { token } = signPreview(key, 'offer:welcome-coupon', NOW);
    expect(verifyPreview(key, token, 'offer:starter-guide', NOW)).toEqual({ ok: false, reason: 'other-target' });
    expect(verifyPreview(key, token, 'segment:low', NOW)).toEqual({ ok: false, reason: 'other-target' });
    const segment = signPreview(key, 'segment:low', NOW).token;
    expect(verifyPreview(key, segment, 'segment:high', NOW)).toEqual({ ok: false, reason: 'other-target' });
  });

  it('is refused when any part was changed', () => {
    const { token } = signPreview(key, 'offer:welcome-coupon', NOW);
    // A later expiry, a different target in the token, a different signature: none verifies.
    for (const [index, at] of [[1, 6], [2, 0], [3, 0], [3, 20], [3, 42]] as const) {
      expect(verifyPreview(key, tampered(token, index, at), 'offer:welcome-coupon', NOW), `part ${index} at ${at}`).toEqual({ ok: false, reason: 'bad-signature' });
    }
    // Moved to another target with the signature kept: a forgery, not "other target".
    const moved = token.replace('offer:welcome-coupon', 'offer:starter-guide');
    expect(verifyPreview(key, moved, 'offer:starter-guide', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('is refused when signed under another admin token, or another process’s random key', () => {
    const { token } = signPreview(PreviewKey.fromAdminToken(`${ADMIN}-other`), 'offer:welcome-coupon', NOW);
    expect(verifyPreview(key, token, 'offer:welcome-coupon', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const random = signPreview(PreviewKey.random(), 'offer:welcome-coupon', NOW).token;
    expect(verifyPreview(key, random, 'offer:welcome-coupon', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyPreview(PreviewKey.random(), random, 'offer:welcome-coupon', NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('verifies under the same admin token in another process (the key is derived, not random)', () => {
    const { token } = signPreview(PreviewKey.fromAdminToken(ADMIN), 'segment:customer', NOW);
    expect(verifyPreview(PreviewKey.fromAdminToken(ADMIN), token, 'segment:customer', NOW).ok).toBe(true);
  });

  it('is refused as malformed when it is not a token at all', () => {
    const good = signPreview(key, 'offer:welcome-coupon', NOW).token;
    const shapes = [
      '',
      'abc',
      good.replace(/^v1\./, 'v2.'),
      good.slice(0, -1),
      `${good}A`,
      good.replace('offer:', 'coupon:'),
      good.replace('offer:welcome-coupon', 'offer:Welcome'),
      `${good}.extra`,
      good.replace(/\.[0-9a-z]+\./, '.-1.'),
      good.replace(/\.[0-9a-z]+\./, '.zzzzzzzzzzzzz.'),
    ];
    for (const token of shapes) expect(verifyPreview(key, token, 'offer:welcome-coupon', NOW), token).toEqual({ ok: false, reason: 'malformed' });
  });

  it('carries neither the admin token nor the key, and the key prints as nothing', () => {
    const { token } = signPreview(key, 'offer:welcome-coupon', NOW);
    expect(token).not.toContain(ADMIN);
    expect(token.startsWith('v1.offer:welcome-coupon.')).toBe(true);
    expect(JSON.stringify({ key })).toBe('{"key":"[preview key]"}');
    expect(inspect(key, { showHidden: true, depth: 5 })).not.toMatch(/[0-9a-f]{16}|Buffer|Uint8Array/i);
  });

  it('signs only targets of the canonical form', () => {
    for (const target of ['welcome-coupon', 'offer:', 'segment:', 'offer:Bad', 'offer:a.b', 'segment:low\nx']) {
      expect(() => signPreview(key, target, NOW), target).toThrow(RangeError);
    }
  });
});
