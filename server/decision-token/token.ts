// Decision tokens: what `GET /offer` decided for one visitor, signed, so that `POST /events` and
// `POST /leads` take the visitor's experiment and variant from the server's own word, never from
// the browser. Pure: the keys and the clock are parameters.
//
// A token is one base64url string of bytes:
//   version (1) · key id (4) · issued at, seconds since the epoch (4, unsigned) · visitor id (16,
//   the UUID's bytes) · offer id · experiment id · variant id (each a length byte, then UTF-8; length
//   0 = none) · HMAC-SHA256 of everything before it (32).
// Ids are at most 64 characters of a-z, 0-9, _ and - (the offers schema's), so a token is at most
// ~300 characters. Version 2 is the same but for the visitor id, which is not a UUID (PostMetric's
// ids: 1–128 characters of A-Z, a-z, 0-9, _ and -): a length byte, then its ASCII, in place of the
// 16 bytes (a token of at most ~500 characters). A UUID visitor still gets version 1. The HMAC key is derived from the secret with HKDF under a label of its own, so
// neither the token nor its MAC is usable as anything else, and the secret cannot be recovered.
//
// Rotation: the key id (the first bytes of an HMAC of a fixed label) says which secret signed a
// token, so a verifier holding the new secret first and the previous one after it accepts both
// during the 24 hours old tokens live, and signs with the new one only.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const BYTES = new WeakMap<DecisionKey, { mac: Buffer; id: Buffer }>();

/** A signing key. Opaque: its bytes are kept outside the object, so logging it shows nothing. */
export class DecisionKey {
  private constructor(mac: Buffer) {
    BYTES.set(this, { mac, id: createHmac('sha256', mac).update('visitor-offers decision key id').digest().subarray(0, KEY_ID_BYTES) });
  }

  /** The key derived from a secret (the same secret gives the same key in every process). */
  static fromSecret(secret: string): DecisionKey {
    return new DecisionKey(Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32)));
  }

  toJSON(): string {
    return '[decision key]';
  }
}

const SALT = 'visitor-offers';
const INFO = 'visitor-offers decision token v1';
const VERSION = 1;
const VERSION_TEXT_ID = 2;
const KEY_ID_BYTES = 4;
const MAC_BYTES = 32;
/** How long a token is accepted after it was issued. */
export const DECISION_TOKEN_TTL_MS = 24 * 60 * 60_000;
/** How far in the future an issue time may lie (another instance's clock running ahead). */
export const CLOCK_SKEW_MS = 5 * 60_000;

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEXT_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** The longest token either version makes, with room to spare. */
const MAX_TOKEN_CHARS = 600;

/** What a token binds. */
export interface DecisionClaims {
  /** The visitor id the decision was made for: a lowercase UUID (DataFast), or a PostMetric id. */
  visitorId: string;
  /** The offer the answer carried, or null (none, a control, an arm whose offer was withdrawn). */
  offerId: string | null;
  /** The experiment and variant the visitor was placed in, or null. */
  experiment: { id: string; variant: string } | null;
}

/** Claims with the time they were signed. */
export interface VerifiedDecision extends DecisionClaims {
  /** Epoch ms, a whole second. */
  issuedAt: number;
}

/**
 * Why a token is refused: `invalid` (not a token, changed, or signed with a key not held: another
 * secret, or one rotated out), `expired` (older than 24 h).
 */
export type DecisionTokenProblem = 'invalid' | 'expired';

export type DecisionVerdict = { ok: true; decision: VerifiedDecision } | { ok: false; reason: DecisionTokenProblem };

/** Which visitor ids a signer takes: DataFast's lowercase UUIDs only, or PostMetric's ids too. */
export type VisitorIdKind = 'uuid' | 'text';

/** A token binding `claims` at `now`; visitor ids other than UUIDs only with `ids: 'text'`. */
export function signDecision(key: DecisionKey, claims: DecisionClaims, now: number, ids: VisitorIdKind = 'uuid'): string {
  const { mac, id } = bytesOf(key);
  const uuid = UUID.test(claims.visitorId);
  if (!uuid && (ids === 'uuid' || !TEXT_ID.test(claims.visitorId))) {
    throw new RangeError(ids === 'uuid' ? 'visitorId: expected a lowercase UUID' : 'visitorId: expected a lowercase UUID or an id of 1–128 letters, digits, _ and -');
  }
  const texts = [claims.offerId ?? '', claims.experiment?.id ?? '', claims.experiment?.variant ?? ''];
  for (const t of texts) if (t !== '' && !ID.test(t)) throw new RangeError(`not an id: ${JSON.stringify(t)}`);
  const visitor = uuid ? Buffer.from(claims.visitorId.replace(/-/g, ''), 'hex') : Buffer.concat([Buffer.of(claims.visitorId.length), Buffer.from(claims.visitorId, 'ascii')]);
  const head = Buffer.alloc(1 + KEY_ID_BYTES + 4);
  head[0] = uuid ? VERSION : VERSION_TEXT_ID;
  id.copy(head, 1);
  head.writeUInt32BE(Math.floor(now / 1000), 1 + KEY_ID_BYTES);
  const body = Buffer.concat([head, visitor, ...texts.map((t) => Buffer.concat([Buffer.of(t.length), Buffer.from(t, 'ascii')]))]);
  return Buffer.concat([body, hmac(mac, body)]).toString('base64url');
}

/**
 * Checks `token` with the keys held (the current one first; during a rotation the previous one
 * too) at `now`. The MAC is compared in constant time; nothing is read from an unsigned token.
 */
export function verifyDecision(keys: readonly DecisionKey[], token: unknown, now: number): DecisionVerdict {
  const invalid = { ok: false, reason: 'invalid' } as const;
  // 60 bytes at the least (three empty ids); MAX_TOKEN_CHARS is more than any token made here.
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return invalid;
  const raw = Buffer.from(token, 'base64url');
  // Only the one canonical spelling passes (base64url allows trailing bits that decode alike).
  const version = raw[0];
  if (raw.toString('base64url') !== token || (version !== VERSION && version !== VERSION_TEXT_ID)) return invalid;
  // A version-1 token is still at most 400 characters, as it always was.
  if (version === VERSION && token.length > 400) return invalid;
  const start = 1 + KEY_ID_BYTES + 4;
  const idBytes = version === VERSION ? 16 : 1 + (raw[start] ?? 0);
  const headBytes = start + idBytes;
  if (raw.length < headBytes + 3 + MAC_BYTES) return invalid;
  const body = raw.subarray(0, raw.length - MAC_BYTES);
  const given = raw.subarray(raw.length - MAC_BYTES);
  const keyId = raw.subarray(1, 1 + KEY_ID_BYTES);
  const key = keys.map(bytesOf).find((k) => k.id.equals(keyId));
  if (key === undefined || !timingSafeEqual(given, hmac(key.mac, body))) return invalid;

  const texts: string[] = [];
  let at = headBytes;
  for (let i = 0; i < 3; i++) {
    const length = body[at] ?? 0;
    const text = body.subarray(at + 1, at + 1 + length).toString('ascii');
    if (at + 1 + length > body.length || (length > 0 && !ID.test(text))) return invalid;
    texts.push(text);
    at += 1 + length;
  }
  const [offer = '', experiment = '', variant = ''] = texts;
  if (at !== body.length || (experiment === '') !== (variant === '')) return invalid;
  const issuedAt = body.readUInt32BE(1 + KEY_ID_BYTES) * 1000;
  if (issuedAt - now > CLOCK_SKEW_MS) return invalid;
  if (now - issuedAt >= DECISION_TOKEN_TTL_MS) return { ok: false, reason: 'expired' };
  const visitorId = version === VERSION ? uuidOf(body.subarray(start, headBytes)) : body.subarray(start + 1, headBytes).toString('ascii');
  if (version === VERSION_TEXT_ID && !TEXT_ID.test(visitorId)) return invalid;
  return {
    ok: true,
    decision: { visitorId, offerId: offer || null, experiment: experiment ? { id: experiment, variant } : null, issuedAt },
  };
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function bytesOf(key: DecisionKey): { mac: Buffer; id: Buffer } {
  const bytes = BYTES.get(key);
  if (bytes === undefined) throw new TypeError('not a DecisionKey');
  return bytes;
}

/** Labelled, so no other message this key could sign reads the same. */
function hmac(mac: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', mac).update('visitor-offers decision\n').update(body).digest();
}
