// Preview tokens: short-lived permission to see one target (`offer:<id>` or `segment:<segment>`)
// on the real site. Pure: the key and the clock are parameters.
//
// A token is `v1.<target>.<expiry>.<signature>`: the expiry in whole seconds since the epoch
// (base 36), the signature HMAC-SHA256 over a domain-separated message naming the target and the
// expiry. The target travels in the clear so a mismatch can be named ("other target"); it is no
// secret. The HMAC key is derived from the admin token with HKDF under a label of its own, so
// neither a token nor its signature is usable as anything else, and the admin token cannot be
// recovered from them.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const BYTES = new WeakMap<PreviewKey, Buffer>();

/** The signing key. Opaque: its bytes are kept outside the object, so logging it shows nothing. */
export class PreviewKey {
  private constructor(bytes: Buffer) {
    BYTES.set(this, bytes);
  }

  /** The key derived from the admin token (the same token gives the same key in every process). */
  static fromAdminToken(adminToken: string): PreviewKey {
    return new PreviewKey(Buffer.from(hkdfSync('sha256', adminToken, SALT, INFO, 32)));
  }

  /** A random key for this process only: its tokens stop working when the process ends. */
  static random(): PreviewKey {
    return new PreviewKey(randomBytes(32));
  }

  toJSON(): string {
    return '[preview key]';
  }
}

const SALT = 'visitor-offers';
const INFO = 'visitor-offers preview token v1';
const VERSION = 'v1';

export const DEFAULT_PREVIEW_MINUTES = 60;
export const MAX_PREVIEW_MINUTES = 24 * 60;

export interface SignedPreview {
  token: string;
  /** Epoch ms, a whole second. */
  expiresAt: number;
}

/**
 * A token for `target` (`offer:<id>` or `segment:<segment>`), valid for `minutes` from `now`
 * (default 60, at most 24 h).
 */
export function signPreview(key: PreviewKey, target: string, now: number, minutes = DEFAULT_PREVIEW_MINUTES): SignedPreview {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PREVIEW_MINUTES) {
    throw new RangeError(`minutes must be a whole number from 1 to ${MAX_PREVIEW_MINUTES}, got ${minutes}`);
  }
  if (!TARGET.test(target)) throw new RangeError(`not a preview target: ${JSON.stringify(target)}`);
  const expires = Math.floor(now / 1000) + minutes * 60;
  const signature = hmac(key, message(target, expires));
  return { token: `${VERSION}.${target}.${expires.toString(36)}.${signature}`, expiresAt: expires * 1000 };
}

export type PreviewVerdict =
  | { ok: true; expiresAt: number }
  /**
   * `malformed`: not a token at all; `bad-signature`: not signed with this key (another admin
   * token, another process's random key, or changed); `expired`; `other-target`: a good token for
   * something else than what the page asks to preview.
   */
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'other-target' };

/** Checks `token` for `target` at `now`. The signature is compared in constant time. */
export function verifyPreview(key: PreviewKey, token: string, target: string, now: number): PreviewVerdict {
  const parts = SHAPE.exec(token);
  if (parts === null) return { ok: false, reason: 'malformed' };
  const [, signedTarget = '', expiresText = '', signatureText = ''] = parts;
  const expires = Number.parseInt(expiresText, 36);
  if (!Number.isSafeInteger(expires)) return { ok: false, reason: 'malformed' };
  // Compared as text, so only the one canonical spelling of the signature passes; both are 43
  // characters (the shape fixes the length), as timingSafeEqual needs.
  const given = Buffer.from(signatureText);
  const expected = Buffer.from(hmac(key, message(signedTarget, expires)));
  if (!timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  if (now >= expires * 1000) return { ok: false, reason: 'expired' };
  // Never made here (links live at most MAX_PREVIEW_MINUTES): a token from elsewhere, or a clock gone wrong.
  if (expires * 1000 - now > MAX_PREVIEW_MINUTES * 60_000 + 60_000) return { ok: false, reason: 'malformed' };
  if (signedTarget !== target) return { ok: false, reason: 'other-target' };
  return { ok: true, expiresAt: expires * 1000 };
}

const TARGET = /^(offer:[a-z0-9][a-z0-9_-]{0,63}|segment:[a-z]{1,16})$/;
// 43 base64url characters are 32 bytes: an HMAC-SHA256.
const SHAPE = /^v1\.((?:offer:[a-z0-9][a-z0-9_-]{0,63}|segment:[a-z]{1,16}))\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

/** HMAC-SHA256, base64url: 43 characters. */
function hmac(key: PreviewKey, text: string): string {
  const bytes = BYTES.get(key);
  if (bytes === undefined) throw new TypeError('not a PreviewKey');
  return createHmac('sha256', bytes).update(text).digest('base64url');
}

/** Labelled and newline-separated, so no other message this key could sign reads the same. */
function message(target: string, expires: number): string {
  return `visitor-offers preview\n${VERSION}\n${target}\n${expires}`;
}
