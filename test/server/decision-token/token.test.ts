// Decision tokens, pure: what a token binds comes back exactly; any change to it, another key, the
// 24 h limit, a clock far ahead or a malformed string is refused; rotation by key id; the key never
// shows when logged.
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, DECISION_TOKEN_TTL_MS, DecisionKey, signDecision, verifyDecision, type DecisionClaims } from '../../../server/decision-token/token';
import { checkDecisionToken } from '../../../server/decision-token/check';

const KEY = DecisionKey.fromSecret('unit-test-decision-secret-0f9e8d7c6b5a4');
const OTHER = DecisionKey.fromSecret('unit-test-another-secret-1a2b3c4d5e6f7');
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const VISITOR = '3f6c2a1e-9b4d-4c8e-a1f2-7d5e6c4b3a21';
const CLAIMS: DecisionClaims = { visitorId: VISITOR, offerId: 'welcome-coupon', experiment: { id: 'first-visit', variant: 'coupon' } };

describe('signDecision / verifyDecision', () => {
  it.each([
    ['an offer in an experiment arm', CLAIMS],
    ['a control (no offer)', { ...CLAIMS, offerId: null, experiment: { id: 'first-visit', variant: 'control' } }],
    ['an offer outside experiments', { ...CLAIMS, experiment: null }],
    ['the longest ids', { visitorId: VISITOR, offerId: 'o'.repeat(64), experiment: { id: 'e'.repeat(64), variant: 'v'.repeat(64) } }],
  ])('gives back what it bound: %s', (_label, claims) => {
    const token = signDecision(KEY, claims, NOW);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThanOrEqual(400);
    expect(verifyDecision([KEY], token, NOW + 1000)).toEqual({ ok: true, decision: { ...claims, issuedAt: NOW } });
  });

  it('is opaque: no id, visitor or experiment in the clear', () => {
    const token = signDecision(KEY, CLAIMS, NOW);
    for (const word of ['welcome', 'coupon', 'first-visit', '3f6c2a1e']) expect(token).not.toContain(word);
  });

  it('valid for 24 hours: the last millisecond in, then expired', () => {
    const token = signDecision(KEY, CLAIMS, NOW);
    expect(verifyDecision([KEY], token, NOW + DECISION_TOKEN_TTL_MS - 1).ok).toBe(true);
    expect(verifyDecision([KEY], token, NOW + DECISION_TOKEN_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token issued further ahead than the clock skew allowed (another clock gone wrong)', () => {
    expect(verifyDecision([KEY], signDecision(KEY, CLAIMS, NOW + CLOCK_SKEW_MS), NOW).ok).toBe(true);
    expect(verifyDecision([KEY], signDecision(KEY, CLAIMS, NOW + CLOCK_SKEW_MS + 1000), NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses every single-byte change of a token, and a token of another key', () => {
    const raw = Buffer.from(signDecision(KEY, CLAIMS, NOW), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const changed = Buffer.from(raw);
      changed[i] = (changed[i] ?? 0) ^ 0x01;
      expect(verifyDecision([KEY], changed.toString('base64url'), NOW), `byte ${i}`).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(verifyDecision([KEY], signDecision(OTHER, CLAIMS, NOW), NOW)).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([['not a string', 42], ['empty', ''], ['not base64url', 'a+b/c='], ['too long', 'A'.repeat(401)], ['too short', 'AAAA'], ['a non-canonical spelling', null]])(
    'refuses a malformed token: %s',
    (_label, token) => {
      const value = token ?? `${signDecision(KEY, CLAIMS, NOW).slice(0, -1)}${'_'}`;
      expect(verifyDecision([KEY], value, NOW)).toEqual({ ok: false, reason: 'invalid' });
    },
  );

  it('rotation: the key list accepts a token of each key it holds, by key id, and no other', () => {
    const old = signDecision(OTHER, CLAIMS, NOW);
    expect(verifyDecision([KEY, OTHER], old, NOW).ok).toBe(true);
    expect(verifyDecision([KEY, OTHER], signDecision(KEY, CLAIMS, NOW), NOW).ok).toBe(true);
    expect(verifyDecision([KEY], old, NOW).ok).toBe(false);
  });

  it('the same secret gives the same key in every process; the key logs as a placeholder', () => {
    const again = DecisionKey.fromSecret('unit-test-decision-secret-0f9e8d7c6b5a4');
    expect(verifyDecision([again], signDecision(KEY, CLAIMS, NOW), NOW).ok).toBe(true);
    expect(JSON.stringify({ KEY })).toBe('{"KEY":"[decision key]"}');
  });

  it('refuses to sign what is not a visitor id or an id', () => {
    expect(() => signDecision(KEY, { ...CLAIMS, visitorId: 'nope' }, NOW)).toThrow(RangeError);
    expect(() => signDecision(KEY, { ...CLAIMS, offerId: 'Not An Id' }, NOW)).toThrow(RangeError);
  });
});

describe('checkDecisionToken', () => {
  const token = signDecision(KEY, CLAIMS, NOW);
  it.each([
    ['the visitor and offer it was made for', VISITOR, 'welcome-coupon', null],
    ['a conversion (no offer to compare)', VISITOR, undefined, null],
    ['another visitor', '11111111-2222-4333-8444-555555555555', 'welcome-coupon', /^token: for another visitor/],
    ['another offer', VISITOR, 'starter-guide', /^offerId: not the offer of the token/],
    ['no offer (null) with a token that has one', VISITOR, null, /^offerId: not the offer of the token/],
  ])('%s', (_label, visitor, offer, error) => {
    const checked = checkDecisionToken([KEY], token, visitor, offer, NOW);
    if (error === null) expect(checked).toMatchObject({ ok: true, decision: { experiment: CLAIMS.experiment } });
    else expect(checked.ok ? '' : checked.error).toMatch(error);
  });

  it('says expired and invalid apart', () => {
    expect(checkDecisionToken([KEY], token, VISITOR, 'welcome-coupon', NOW + DECISION_TOKEN_TTL_MS)).toMatchObject({ ok: false, error: expect.stringMatching(/^token: expired/) as unknown });
    expect(checkDecisionToken([OTHER], token, VISITOR, 'welcome-coupon', NOW)).toMatchObject({ ok: false, error: expect.stringMatching(/^token: invalid/) as unknown });
  });
});
